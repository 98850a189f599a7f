package dev.jiommu.sim.bench;

import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.DmaPort;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.sim.scenarios.DmaSystem;

import java.io.PrintStream;

/**
 * The {@code copy} workload of {@code shared/bench/cref.c} on the real DMA
 * engine: a 64 MiB source and a 64 MiB destination, each mapped page by page
 * (4 KiB) in a stage-1 address space under one PASID, copied whole by one
 * COPY descriptor per round. The engine has ATS enabled with an ATC that
 * holds every page, so after the untimed warm-up round every 4 KiB chunk is
 * an ATC hit for its source and its destination and two Translated requests
 * through the SMMU (CR0.ATSCHK = 0, as Linux leaves it) to memory.
 */
public final class CopyBench {

    public static final long SIZE = 64L << 20;
    static final long SRC_VA = 0x20_0000_0000L;
    static final long DST_VA = 0x30_0000_0000L;
    static final long RECORD_VA = 0x40_0000_0000L;

    private CopyBench() {
    }

    /** Copies 64 MiB {@code rounds} times after {@code warmup} untimed rounds; prints one line. */
    public static int run(long rounds, int warmup, PrintStream out) {
        long pages = SIZE / 4096;
        DmaSystem sys = new DmaSystem(512L << 20, SmmuConfig.full(), 1,
                new DmaEngine.Options((int) (2 * pages + 64), 32, 20), true, false);
        long src = VirtMachine.RAM_BASE;
        long dst = src + SIZE;
        long records = dst + SIZE;
        sys.memory().fill(src, SIZE, (byte) 0x5A);
        sys.memory().fill(dst, SIZE, (byte) 0);
        sys.mapPages(SRC_VA, src, pages, Prot.READ);
        sys.mapPages(DST_VA, dst, pages, Prot.READ | Prot.WRITE);
        sys.mapPages(RECORD_VA, records, 1, Prot.READ | Prot.WRITE);

        int failures = 0;
        for (int w = 0; w < warmup; w++) {
            failures += rounds(sys, 1, records);
        }
        long t0 = System.nanoTime();
        failures += rounds(sys, rounds, records);
        long t1 = System.nanoTime();
        DmaPort port = sys.engine(0).port();
        out.printf("copy bytes=%d gbps=%.2f check=%d atc_hits=%d atc_misses=%d translation_requests=%d%n",
                rounds * SIZE, rounds * SIZE / ((t1 - t0) / 1e9) / 1e9, sys.memory().read8(dst + 12345) & 0xff,
                port.atc().hits(), port.atc().misses(), port.translationRequests());
        return failures == 0 ? 0 : 1;
    }

    /** Runs {@code n} COPY descriptors, up to 32 at a time; returns how many did not complete SUCCESS. */
    private static int rounds(DmaSystem sys, long n, long records) {
        int failures = 0;
        for (long done = 0; done < n; ) {
            int batch = (int) Math.min(32, n - done);
            DmaDescriptor[] ds = new DmaDescriptor[batch];
            for (int i = 0; i < batch; i++) {
                sys.memory().write8(records + 32L * i, (byte) 0);
                ds[i] = new DmaDescriptor(DmaDescriptor.OP_COPY, 0, DmaSystem.PASID, SIZE, SRC_VA, DST_VA,
                        RECORD_VA + 32L * i);
            }
            sys.submit(0, ds);
            sys.run(Long.MAX_VALUE);
            for (int i = 0; i < batch; i++) {
                if ((sys.memory().read8(records + 32L * i) & 0xff) != DmaDescriptor.STATUS_SUCCESS) {
                    failures++;
                }
            }
            done += batch;
        }
        return failures;
    }
}

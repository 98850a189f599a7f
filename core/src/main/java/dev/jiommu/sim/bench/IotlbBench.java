package dev.jiommu.sim.bench;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.hw.smmu.Translation;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.spec.smmuv3.CdView;
import dev.jiommu.spec.smmuv3.SteView;

import java.io.PrintStream;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * The {@code iotlb} workload of {@code shared/bench/cref.c} through the SMMU's
 * real translate path: StreamID 0 → STE (configuration cache) → CD with
 * ASID 1 → TLB. 64 pages VA (0x100_0000 + i) × 4K → PA 0x1_0000_0000 + i × 4K
 * are mapped in a stage-1 table, translated once to fill the TLB, then M
 * lookups of page {@code xorshift64* & 63} at offset {@code k & 0xFF8}. The
 * checksum (XOR of output addresses) equals cref's.
 *
 * <p>With the TLB off, the same path runs cref's {@code walk} workload
 * instead: N pages mapped as {@link WalkBench} maps them, M lookups that each
 * walk all four levels; its checksum equals {@code cref walk}'s.
 *
 * <p>The SMMU is programmed as a driver would: stream table, CD and queues in
 * memory, registers written, SMMUEN set.
 */
public final class IotlbBench {

    private static final long RAM = 0x4000_0000L;
    private static final long HOT_VA_PAGE = 0x100_0000L;

    private IotlbBench() {
    }

    /** An SMMU with one stage-1 stream over {@code table}. */
    public record Setup(Smmu smmu, PhysicalMemory memory, IoPageTable table) {
    }

    /**
     * @param tlb   whether the SMMU has a TLB (1024 entries) or walks every time
     * @param pages pages mapped: the 64 hot pages with the TLB, N walk pages without
     */
    public static Setup setup(boolean tlb, long pages) {
        long tableBytes = (pages / 512 + 64) * 4096;
        long ramBytes = tableBytes + (1 << 20);
        PhysicalMemory mem = PhysicalMemory.ram(RAM, ramBytes);
        long strtab = RAM + tableBytes;
        long cdAddr = strtab + 0x1000;
        long cmdq = strtab + 0x2000;
        long evtq = strtab + 0x4000;
        FrameAllocator frames = new FrameAllocator(mem, RAM, tableBytes);
        IoPageTable table = IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
        for (long i = 0; i < pages; i++) {
            long va = tlb ? (HOT_VA_PAGE + i) << 12 : WalkBench.VA_BASE + i * 4096;
            int err = table.map(va, WalkBench.PA_BASE + i * 4096, 4096, Prot.READ | Prot.WRITE);
            if (err != 0) {
                throw new IllegalStateException("map of page " + i + " failed: " + err);
            }
        }
        SmmuConfig config = SmmuConfig.full().withCaches(tlb ? 1024 : 0, 256);
        Smmu smmu = new Smmu(config, new SystemBus(mem));
        CdView.wrap(mem, cdAddr).clear()
                .setT0sz(16).setTg0(ARM_LPAE_TCR_TG0_4K).setEpd1(true).setIps(ARM_LPAE_TCR_PS_48_BIT)
                .setAa64(true).setR(true).setA(true).setAsid(1).setTtb0(table.root()).setValid(true);
        SteView.wrap(mem, strtab).clear().setS1ContextPtr(cdAddr).setConfig(STRTAB_STE_0_CFG_S1_TRANS).setValid(true);
        smmu.write(ARM_SMMU_STRTAB_BASE, 8, strtab);
        smmu.write(ARM_SMMU_STRTAB_BASE_CFG, 4, 0);
        smmu.write(ARM_SMMU_CMDQ_BASE, 8, cmdq | 5);
        smmu.write(ARM_SMMU_EVTQ_BASE, 8, evtq | 5);
        smmu.write(ARM_SMMU_CR0, 4, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
        return new Setup(smmu, mem, table);
    }

    /** M lookups among the 64 hot pages; returns the XOR of the output addresses (cref's checksum). */
    public static long hotPass(Smmu smmu, long lookups, Translation t) {
        long state = 0x9E3779B97F4A7C15L;
        long acc = 0;
        for (long k = 0; k < lookups; k++) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            long va = ((HOT_VA_PAGE + ((state * 0x2545F4914F6CDD1DL) & 63)) << 12) | (k & 0xFF8);
            int status = smmu.translate(0, DmaTarget.NO_SUBSTREAM, va, Access.READ, t);
            acc ^= status == Translation.OK ? t.outputAddress() : -1L;
        }
        return acc;
    }

    /** M lookups of random pages among N, each a full walk with the TLB off; cref walk's checksum. */
    public static long walkPass(Smmu smmu, long pages, long lookups, Translation t) {
        long state = 0x9E3779B97F4A7C15L;
        long acc = 0;
        for (long k = 0; k < lookups; k++) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            long i = Long.remainderUnsigned(state * 0x2545F4914F6CDD1DL, pages);
            int status = smmu.translate(0, DmaTarget.NO_SUBSTREAM, WalkBench.VA_BASE + i * 4096 + (k & 0xFF8),
                    Access.READ, t);
            acc ^= status == Translation.OK ? t.outputAddress() : -1L;
        }
        return acc;
    }

    /**
     * Runs the hot-TLB workload (or with {@code tlb} false the walk workload
     * over {@code pages}) after {@code warmup} untimed passes and prints one
     * line: {@code iotlb m= ns_per_lookup= checksum= tlb_hits= ...}.
     *
     * @return 0, or 1 when a lookup did not translate
     */
    public static int run(boolean tlb, long pages, long lookups, int warmup, PrintStream out) {
        Setup s = setup(tlb, tlb ? 64 : pages);
        Translation t = new Translation();
        for (int w = 0; w < warmup; w++) {
            long unused = tlb ? hotPass(s.smmu(), lookups, t) : walkPass(s.smmu(), pages, lookups, t);
        }
        long t0 = System.nanoTime();
        long acc = tlb ? hotPass(s.smmu(), lookups, t) : walkPass(s.smmu(), pages, lookups, t);
        long t1 = System.nanoTime();
        SmmuStats st = s.smmu().stats();
        if (tlb) {
            out.printf("iotlb m=%d ns_per_lookup=%.2f checksum=%x tlb_hits=%d tlb_misses=%d%n", lookups,
                    (t1 - t0) / (double) lookups, acc, st.tlbHits, st.tlbMisses);
        } else {
            out.printf("iotlb-walk n=%d m=%d ns_per_lookup=%.2f checksum=%x walks=%d%n", pages, lookups,
                    (t1 - t0) / (double) lookups, acc, st.stage1Walks);
        }
        return st.eventsRecorded == 0 && st.aborted == 0 ? 0 : 1;
    }
}

package dev.jiommu.sim.scenarios;

import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.hw.irq.GitsRegs;
import dev.jiommu.hw.irq.Its;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.DmaPort;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.sim.Scenario;
import dev.jiommu.sim.TextTable;
import dev.jiommu.spec.smmuv3.Commands;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * Two DMA engines behind the SMMUv3 with ATS, PRI and PASID, interrupts
 * through the ITS. Engine 0 copies 512 KiB between buffers that are already
 * mapped, twice: its ATC (512 entries, room for both buffers) fills on the first pass (Translation Requests, served
 * by the SMMU's TLB and walks) and serves the second. Engine 1 copies into a
 * buffer nobody has mapped yet: its Translation Requests come back without
 * access, it sends page request groups, the SMMU's PRI queue interrupt (an
 * MSI through the ITS) runs a handler standing in for the OS, which maps the
 * pages and answers with CMD_PRI_RESP; the engine retries and completes.
 * Every descriptor completion raises the engine's MSI-X, an LPI at the ITS.
 *
 * <p>Exit status 0 when every descriptor completes SUCCESS with the right
 * bytes and every completion interrupt arrives.
 */
public final class DmaScenario implements Scenario {

    static final long SRC = 0x10_0000_0000L;
    static final long DST = 0x10_4000_0000L;
    static final long FAULTING_DST = 0x10_8000_0000L;
    static final long RECORDS = 0x10_c000_0000L;
    static final int COPY_BYTES = 512 << 10;
    static final int PAGED_BYTES = 256 << 10;
    static final int LPI_BASE = GitsRegs.MIN_LPI;
    static final int PRIQ_LPI = LPI_BASE + 100;

    @Override
    public String name() {
        return "dma";
    }

    @Override
    public String summary() {
        return "DMA engines with ATS, PRI and PASID through the SMMUv3; MSIs through the ITS";
    }

    @Override
    public int run(PrintStream out) {
        DmaSystem sys = new DmaSystem(256L << 20, SmmuConfig.full(), 2, DmaEngine.Options.full(), true, true);
        Its its = sys.machine().its();
        long doorbell = Its.VIRT_GIC_ITS + GitsRegs.GITS_TRANSLATER;
        long[] lpis = new long[2];
        its.write(GitsRegs.GITS_CTLR, 4, GitsRegs.GITS_CTLR_ENABLE);
        for (int i = 0; i < 2; i++) {
            int rid = sys.engine(i).requesterId();
            its.mapDevice(rid, 1);
            its.mapEvent(rid, 0, LPI_BASE + i);
            int engine = i;
            its.onLpi(LPI_BASE + i, intid -> lpis[engine]++);
            sys.enableMsix(i, doorbell, 0);
        }
        long[] priInterrupts = {0};
        List<Long> pagedIn = new ArrayList<>();
        its.mapDevice(VirtMachine.SMMU_MSI_DEVICE_ID, 1);
        its.mapEvent(VirtMachine.SMMU_MSI_DEVICE_ID, 0, PRIQ_LPI);
        its.onLpi(PRIQ_LPI, intid -> {
            priInterrupts[0]++;
            servePageRequests(sys, pagedIn);
        });
        priqMsi(sys, doorbell);

        long srcPa = VirtMachine.RAM_BASE;
        long dstPa = srcPa + COPY_BYTES;
        long recPa = dstPa + COPY_BYTES;
        byte[] data = new byte[COPY_BYTES];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + (i >>> 12));
        }
        sys.memory().writeBytes(srcPa, data, 0, data.length);
        sys.mapPages(SRC, srcPa, COPY_BYTES / 4096, Prot.READ);
        sys.mapPages(DST, dstPa, COPY_BYTES / 4096, Prot.READ | Prot.WRITE);
        sys.mapPages(RECORDS, recPa, 1, Prot.READ | Prot.WRITE);

        int failures = 0;
        // Engine 0: two passes of four 128 KiB copies; engine 1: one copy into unmapped memory, at the same time.
        for (int pass = 0; pass < 2; pass++) {
            DmaDescriptor[] ds = new DmaDescriptor[4];
            for (int i = 0; i < 4; i++) {
                long off = (long) i * (COPY_BYTES / 4);
                ds[i] = new DmaDescriptor(DmaDescriptor.OP_COPY, DmaDescriptor.FLAG_IRQ, DmaSystem.PASID,
                        COPY_BYTES / 4, SRC + off, DST + off, RECORDS + 32L * (pass * 4 + i));
            }
            sys.submit(0, ds);
            if (pass == 0) {
                sys.submit(1, new DmaDescriptor(DmaDescriptor.OP_COPY, DmaDescriptor.FLAG_IRQ, DmaSystem.PASID,
                        PAGED_BYTES, SRC, FAULTING_DST, RECORDS + 32L * 16));
            }
            if (!sys.run(10_000_000)) {
                out.println("the machine did not go idle");
                return 1;
            }
        }
        for (int r : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 16}) {
            int status = sys.memory().read8(recPa + 32L * r) & 0xff;
            if (status != DmaDescriptor.STATUS_SUCCESS) {
                out.printf("descriptor %d ended %s%n", r, DmaDescriptor.statusName(status));
                failures++;
            }
        }
        byte[] got = new byte[COPY_BYTES];
        sys.memory().readBytes(dstPa, got, 0, got.length);
        if (!Arrays.equals(data, got)) {
            out.println("engine 0's destination differs from its source");
            failures++;
        }
        byte[] paged = new byte[PAGED_BYTES];
        for (int p = 0; p < PAGED_BYTES / 4096; p++) {
            long pa = sys.tables().iovaToPhys(FAULTING_DST + 4096L * p);
            if (pa == 0) {
                out.printf("page %d of engine 1's destination was never paged in%n", p);
                failures++;
                continue;
            }
            sys.memory().readBytes(pa, paged, p * 4096, 4096);
        }
        if (!Arrays.equals(Arrays.copyOf(data, PAGED_BYTES), paged)) {
            out.println("engine 1's destination differs from its source");
            failures++;
        }
        if (lpis[0] != 8 || lpis[1] != 1) {
            out.printf("completion interrupts: engine 0 %d of 8, engine 1 %d of 1%n", lpis[0], lpis[1]);
            failures++;
        }
        report(sys, lpis, priInterrupts[0], pagedIn.size(), out);
        out.println(failures == 0 ? "dma: ok" : "dma: FAILED");
        return failures == 0 ? 0 : 1;
    }

    /** Sends the PRI queue's interrupt as an MSI to the ITS doorbell (IRQ_CFG writes need the IRQ disabled). */
    private static void priqMsi(DmaSystem sys, long doorbell) {
        SmmuBringUp smmu = sys.smmu();
        int irqs = smmu.read32(ARM_SMMU_IRQ_CTRL);
        smmu.write32(ARM_SMMU_IRQ_CTRL, irqs & ~(int) IRQ_CTRL_PRIQ_IRQEN);
        smmu.write64(ARM_SMMU_PRIQ_IRQ_CFG0, doorbell);
        smmu.write32(ARM_SMMU_PRIQ_IRQ_CFG1, 0);
        smmu.write32(ARM_SMMU_IRQ_CTRL, irqs);
    }

    /**
     * What the OS would do on the PRI interrupt: drain the queue, give every
     * requested page of a group a fresh frame, and answer each group that
     * ended (LAST) with Success.
     */
    private static void servePageRequests(DmaSystem sys, List<Long> pagedIn) {
        for (long[] entry : sys.smmu().drainPageRequests()) {
            long page = entry[1] & PRIQ_1_ADDR_MASK;
            if (sys.tables().iovaToPhys(page) == 0) {
                long pa = VirtMachine.RAM_BASE + 3L * COPY_BYTES + 4096L * pagedIn.size();
                sys.mapPages(page, pa, 1, Prot.READ | Prot.WRITE);
                pagedIn.add(page);
            }
            if (get(PRIQ_0_PRG_LAST, entry[0]) != 0) {
                int sid = (int) get(PRIQ_0_SID, entry[0]);
                int ssid = get(PRIQ_0_SSID_V, entry[0]) != 0 ? (int) get(PRIQ_0_SSID, entry[0]) : -1;
                sys.smmu().submit(Commands.priResp(sid, ssid, (int) get(PRIQ_1_PRG_IDX, entry[1]),
                        PageRequest.SUCCESS));
            }
        }
    }

    private static void report(DmaSystem sys, long[] lpis, long priInterrupts, int pagedIn, PrintStream out) {
        TextTable t = new TextTable("engine", "descriptors", "bytes", "translation requests", "ATC hits",
                "ATC misses", "ATC hit rate", "page requests", "groups", "MSI-X", "LPIs");
        for (int i = 0; i < 2; i++) {
            DmaEngine e = sys.engine(i);
            DmaPort p = e.port();
            long hits = p.atc().hits();
            long misses = p.atc().misses();
            t.row(e.toString(), e.completed(), TextTable.size(e.bytesMoved()), p.translationRequests(), hits,
                    misses, String.format("%.1f%%", 100.0 * hits / Math.max(1, hits + misses)), p.pageRequests(),
                    p.pageRequestGroups(), e.msix().sent(), lpis[i]);
        }
        t.print(out, "  ");
        SmmuStats s = sys.smmuModel().stats();
        out.println();
        TextTable m = new TextTable("SMMU", "count");
        m.row("ATS translation requests", s.atsRequests);
        m.row("  answered without access (R = W = 0)", s.atsDenied);
        m.row("IOTLB hits / misses", s.tlbHits + " / " + s.tlbMisses);
        m.row("IOTLB hit rate", String.format("%.1f%%", 100.0 * s.tlbHits / Math.max(1, s.tlbHits + s.tlbMisses)));
        m.row("stage-1 walks", s.stage1Walks);
        m.row("Translated transactions", s.atsTranslated);
        m.row("PRI queue entries", s.priWritten);
        m.row("PRI interrupts (MSI -> ITS LPI)", priInterrupts);
        m.row("pages paged in by the handler", pagedIn);
        m.row("events recorded", s.eventsRecorded);
        m.print(out, "  ");
        out.println();
    }
}

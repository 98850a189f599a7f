package dev.jiommu.sim.scenarios;

import dev.jiommu.hw.pci.Atc;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.os.iommu.IopfStats;
import dev.jiommu.os.iommu.Result;
import dev.jiommu.os.iommu.SvaHandle;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.mm.Mman;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.sim.Scenario;
import dev.jiommu.sim.TextTable;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import static dev.jiommu.spec.smmuv3.Cmd.*;

/**
 * Shared virtual addressing end to end, through the OS layer and the hardware
 * model ({@link SvaSystem}). Two processes bind to a DMA engine and the first
 * also to a second engine, with the same PASID. The engines fill and copy
 * buffers that the processes mapped but never touched, so every page comes in
 * by a recoverable fault: the device's request goes to the IOPF queue, the
 * process's memory manager pages it in, and the response lets the device
 * retry. The CPU then reads back what the devices wrote. Then process A unmaps
 * a destination while it is still bound: the CPU's broadcast TLBI reaches
 * the SMMU's TLB (the SMMU has BTM), the MMU notifier has the driver
 * invalidate the ATC, and the engine's next copy there faults (the response
 * is INVALID) instead of reaching the freed page. The flow runs twice, with
 * PCIe PRI (ATS engines) and with the SMMU's stall model.
 *
 * <p>Exit status 0 when every check of both runs holds.
 */
public final class SvaScenario implements Scenario {

    /** Pages in each buffer. */
    public static final int PAGES = 3;
    static final long LEN = PAGES * 4096L;
    static final long PATTERN_A = 0x4141_a1a1_0000_0001L;
    static final long PATTERN_B = 0x4242_b2b2_0000_0002L;
    /** Pages the devices fault in: A's source, two destinations and records; B's source, destination, records. */
    public static final long DEVICE_FAULTS = 5L * PAGES + 2;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final long MAX_EVENTS = 5_000_000;

    /**
     * What one run of the flow counted. Every count covers the whole run,
     * bring-up excluded.
     *
     * @param failures        the checks that did not hold, one line each
     * @param deviceFaults    pages the memory manager faulted in for devices
     * @param cpuFaults       pages the CPU faulted in while reading the results back (0: the devices' pages serve it)
     * @param priRequests     PRI queue entries the driver consumed
     * @param stallFaults     stall event records the driver consumed
     * @param iopf            the IOPF queue's counters
     * @param iotlbHits       SMMU TLB hits
     * @param iotlbMisses     SMMU TLB misses
     * @param atcHits         hits in the engines' ATCs
     * @param atcMisses       misses in the engines' ATCs
     * @param tlbiVa          CMD_TLBI_NH_VA commands the SMMU consumed
     * @param tlbiAsid        CMD_TLBI_NH_ASID commands
     * @param atcInv          CMD_ATC_INV commands
     * @param cfgiCd          CMD_CFGI_CD and CMD_CFGI_CD_ALL commands
     * @param syncs           CMD_SYNC commands
     * @param broadcastTlbis  the CPUs' broadcast TLBIs the SMMU applied (BTM)
     * @param unmapFaulted    whether the copy into the unmapped buffer ended with a page fault
     */
    public record Outcome(List<String> failures, long deviceFaults, long cpuFaults, long priRequests,
                          long stallFaults, IopfStats iopf, long iotlbHits, long iotlbMisses, long atcHits,
                          long atcMisses, long tlbiVa, long tlbiAsid, long atcInv, long cfgiCd, long syncs,
                          long broadcastTlbis, boolean unmapFaulted) {

        public boolean ok() {
            return failures.isEmpty();
        }
    }

    @Override
    public String name() {
        return "sva";
    }

    @Override
    public String summary() {
        return "two processes share their address spaces with DMA engines; faults through PRI and through stalls";
    }

    @Override
    public int run(PrintStream out) {
        Outcome pri = runFlow(SvaSystem.withPri(2));
        Outcome stall = runFlow(SvaSystem.withStall(2));
        report(pri, stall, out);
        boolean ok = pri.ok() && stall.ok();
        for (String f : pri.failures()) {
            out.println("PRI: " + f);
        }
        for (String f : stall.failures()) {
            out.println("stall: " + f);
        }
        out.println(ok ? "sva: ok" : "sva: FAILED");
        return ok ? 0 : 1;
    }

    /** The flow of the class comment on {@code sys} (two engines, freshly built); never throws for a failed check. */
    public static Outcome runFlow(SvaSystem sys) {
        return new Flow(sys).run();
    }

    /** One run: the checks it makes go to {@link #failures}. */
    private static final class Flow {
        final SvaSystem sys;
        final List<String> failures = new ArrayList<>();
        long broadcastBefore;

        Flow(SvaSystem sys) {
            this.sys = sys;
        }

        void check(boolean ok, String what) {
            if (!ok) {
                failures.add(what);
            }
        }

        boolean runMachine() {
            boolean idle = sys.run(MAX_EVENTS);
            check(idle, "the machine did not go idle within " + MAX_EVENTS + " events");
            return idle;
        }

        Outcome run() {
            SmmuStats hw = sys.smmuModel().stats();
            long[] commandsBefore = hw.commandsByOpcode.clone();
            long hitsBefore = hw.tlbHits;
            long missesBefore = hw.tlbMisses;
            broadcastBefore = hw.broadcastTlbis;
            long faultsBefore = sys.mm().pageFaults();
            Mm a = sys.mm().createMm("A");
            Mm b = sys.mm().createMm("B");
            long srcA = a.mmap(LEN, RW);
            long dstA0 = a.mmap(LEN, RW);
            long dstA1 = a.mmap(LEN, RW);
            long recA = a.mmap(4096, RW);
            long srcB = b.mmap(LEN, RW);
            long dstB = b.mmap(LEN, RW);
            long recB = b.mmap(4096, RW);

            Result<SvaHandle> a0 = sys.core().bind(sys.device(0), MmAddressSpace.of(a));
            Result<SvaHandle> a1 = sys.core().bind(sys.device(1), MmAddressSpace.of(a));
            Result<SvaHandle> b0 = sys.core().bind(sys.device(0), MmAddressSpace.of(b));
            if (!a0.isOk() || !a1.isOk() || !b0.isOk()) {
                failures.add("bind: " + a0 + " " + a1 + " " + b0);
                return outcome(commandsBefore, hitsBefore, missesBefore, 0, 0, false);
            }
            int pasidA = a0.value().pasid();
            int pasidB = b0.value().pasid();
            check(pasidA == a1.value().pasid(), "process A has one PASID on both engines");
            check(pasidA != pasidB, "A and B have different PASIDs");

            sys.submit(0, fill(pasidA, PATTERN_A, srcA, recA));
            sys.submit(0, copy(pasidA, srcA, dstA0, recA + 32));
            sys.submit(0, fill(pasidB, PATTERN_B, srcB, recB));
            sys.submit(0, copy(pasidB, srcB, dstB, recB + 32));
            runMachine();
            sys.submit(1, copy(pasidA, srcA, dstA1, recA + 64));
            runMachine();
            int completed = sys.engineReg(0, DmaEngine.REG_COMPLETED) + sys.engineReg(1, DmaEngine.REG_COMPLETED);
            int errors = sys.engineReg(0, DmaEngine.REG_ERRORS) + sys.engineReg(1, DmaEngine.REG_ERRORS);
            check(completed == 5 && errors == 0, completed + " of 5 descriptors completed, " + errors + " errors");
            long deviceFaults = sys.mm().pageFaults() - faultsBefore;
            check(deviceFaults == DEVICE_FAULTS, "devices faulted in " + deviceFaults + " pages, expected "
                    + DEVICE_FAULTS);

            long cpuBefore = sys.mm().pageFaults();
            checkFilled(a, srcA, PATTERN_A);
            checkFilled(a, dstA0, PATTERN_A);
            checkFilled(a, dstA1, PATTERN_A);
            checkFilled(b, srcB, PATTERN_B);
            checkFilled(b, dstB, PATTERN_B);
            for (long rec : new long[] {recA, recA + 32, recA + 64}) {
                checkRecord(a, rec, DmaDescriptor.STATUS_SUCCESS);
            }
            checkRecord(b, recB, DmaDescriptor.STATUS_SUCCESS);
            checkRecord(b, recB + 32, DmaDescriptor.STATUS_SUCCESS);
            long cpuFaults = sys.mm().pageFaults() - cpuBefore;

            // Unmap a destination while A is bound; the engine's next copy into it must fault.
            check(a.munmap(dstA0, LEN) == 0, "munmap of A's first destination");
            sys.submit(0, copy(pasidA, srcA, dstA0, recA + 96));
            runMachine();
            byte[] rec = new byte[DmaDescriptor.RECORD_SIZE];
            a.read(recA + 96, rec, 0, rec.length);
            boolean unmapFaulted = (rec[0] & 0xff) == DmaDescriptor.STATUS_PAGE_FAULT;
            check(unmapFaulted, "the copy into the unmapped buffer ended "
                    + DmaDescriptor.statusName(rec[0] & 0xff) + ", expected a page fault");

            check(sys.core().unbind(b0.value()) == 0, "unbind B from engine 0");
            check(sys.core().unbind(a1.value()) == 0, "unbind A from engine 1");
            check(sys.core().unbind(a0.value()) == 0, "unbind A from engine 0");
            a.exit();
            b.exit();
            check(sys.driver().unrecoverableFaults() == 0,
                    sys.driver().unrecoverableFaults() + " unrecoverable faults reported");
            return outcome(commandsBefore, hitsBefore, missesBefore, deviceFaults, cpuFaults, unmapFaulted);
        }

        private Outcome outcome(long[] commandsBefore, long hitsBefore, long missesBefore, long deviceFaults,
                                long cpuFaults, boolean unmapFaulted) {
            SmmuStats hw = sys.smmuModel().stats();
            long atcHits = 0;
            long atcMisses = 0;
            for (int i = 0; i < sys.engines(); i++) {
                Atc atc = sys.engine(i).port().atc();
                if (atc != null) {
                    atcHits += atc.hits();
                    atcMisses += atc.misses();
                }
            }
            long[] c = hw.commandsByOpcode;
            long[] c0 = commandsBefore;
            return new Outcome(List.copyOf(failures), deviceFaults, cpuFaults, sys.driver().priRequests(),
                    sys.driver().stallFaults(), sys.driver().iopfQueue().stats(), hw.tlbHits - hitsBefore,
                    hw.tlbMisses - missesBefore, atcHits, atcMisses,
                    c[CMDQ_OP_TLBI_NH_VA] - c0[CMDQ_OP_TLBI_NH_VA], c[CMDQ_OP_TLBI_NH_ASID] - c0[CMDQ_OP_TLBI_NH_ASID],
                    c[CMDQ_OP_ATC_INV] - c0[CMDQ_OP_ATC_INV],
                    c[CMDQ_OP_CFGI_CD] - c0[CMDQ_OP_CFGI_CD] + c[CMDQ_OP_CFGI_CD_ALL] - c0[CMDQ_OP_CFGI_CD_ALL],
                    c[CMDQ_OP_CMD_SYNC] - c0[CMDQ_OP_CMD_SYNC], hw.broadcastTlbis - broadcastBefore, unmapFaulted);
        }

        /** Every 8 bytes of {@code [va, va + LEN)} as the process's CPU reads them. */
        private void checkFilled(Mm mm, long va, long pattern) {
            for (long off = 0; off < LEN; off += 8) {
                long v = mm.read64(va + off);
                if (v != pattern || mm.lastErrno() != 0) {
                    failures.add(String.format("%s reads 0x%x at 0x%x (errno %d), expected 0x%x", mm.name(), v,
                            va + off, mm.lastErrno(), pattern));
                    return;
                }
            }
        }

        private void checkRecord(Mm mm, long va, int status) {
            byte[] r = new byte[DmaDescriptor.RECORD_SIZE];
            int err = mm.read(va, r, 0, r.length);
            check(err == 0 && (r[0] & 0xff) == status, String.format("%s's record at 0x%x: %s, expected %s",
                    mm.name(), va, DmaDescriptor.statusName(r[0] & 0xff), DmaDescriptor.statusName(status)));
        }
    }

    static DmaDescriptor fill(int pasid, long pattern, long dst, long rec) {
        return new DmaDescriptor(DmaDescriptor.OP_FILL, DmaDescriptor.FLAG_PASID, pasid, LEN, pattern, dst, rec);
    }

    static DmaDescriptor copy(int pasid, long src, long dst, long rec) {
        return new DmaDescriptor(DmaDescriptor.OP_COPY, DmaDescriptor.FLAG_PASID, pasid, LEN, src, dst, rec);
    }

    private static void report(Outcome pri, Outcome stall, PrintStream out) {
        TextTable t = new TextTable("", "PRI (ATS engines)", "stall model");
        t.row("pages faulted in for devices", pri.deviceFaults(), stall.deviceFaults());
        t.row("  PRI page requests", pri.priRequests(), stall.priRequests());
        t.row("  stalled transactions", pri.stallFaults(), stall.stallFaults());
        t.row("fault groups", pri.iopf().groups(), stall.iopf().groups());
        t.row("responses: success", pri.iopf().success(), stall.iopf().success());
        t.row("responses: invalid", pri.iopf().invalid(), stall.iopf().invalid());
        t.row("pages faulted in by CPU read-back", pri.cpuFaults(), stall.cpuFaults());
        t.row("IOTLB hits / misses", pri.iotlbHits() + " / " + pri.iotlbMisses(),
                stall.iotlbHits() + " / " + stall.iotlbMisses());
        t.row("ATC hits / misses", pri.atcHits() + " / " + pri.atcMisses(),
                stall.atcHits() + " / " + stall.atcMisses());
        t.row("broadcast TLBIs from the CPU (BTM)", pri.broadcastTlbis(), stall.broadcastTlbis());
        t.row("CMD_TLBI_NH_VA", pri.tlbiVa(), stall.tlbiVa());
        t.row("CMD_TLBI_NH_ASID", pri.tlbiAsid(), stall.tlbiAsid());
        t.row("CMD_ATC_INV", pri.atcInv(), stall.atcInv());
        t.row("CMD_CFGI_CD(_ALL)", pri.cfgiCd(), stall.cfgiCd());
        t.row("CMD_SYNC", pri.syncs(), stall.syncs());
        t.row("copy after munmap faulted", pri.unmapFaulted() ? "yes" : "NO",
                stall.unmapFaulted() ? "yes" : "NO");
        t.print(out, "  ");
        out.println();
    }
}

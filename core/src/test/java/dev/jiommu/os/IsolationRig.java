package dev.jiommu.os;

import static dev.jiommu.hw.pci.DmaDescriptor.*;
import static dev.jiommu.os.IsolationModel.*;

import dev.jiommu.Errno;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.DmaPort;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.os.IsolationModel.DmaMapping;
import dev.jiommu.os.IsolationModel.Expect;
import dev.jiommu.os.IsolationModel.Proc;
import dev.jiommu.os.iommu.Domain;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.sim.scenarios.SvaSystem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The system {@link IsolationRandomTest} runs on, its {@link IsolationModel},
 * the probes that compare the two, and the failure messages (seed, step,
 * device, PASID, address, expected, actual).
 *
 * <p>The system: {@link SvaSystem} with a DMA default domain and three
 * jiommu-dma engines — 0 and 1 with ATS, PRI and a 512-entry ATC, 2 without
 * ATS that stalls on faults. Each device's domain maps its ring and a
 * completion-record frame at {@link IsolationModel#DMA_RECORD_IOVA}.
 *
 * <p>A probe goes the way the device's own traffic goes:
 * <ul>
 *   <li>{@link Expect#DIRECT} and {@link Expect#NO_CONTEXT}: one 8-byte access
 *       through the engine's {@link DmaPort} — its ATC, ATS Translation
 *       Requests and Translated requests, or Untranslated requests through
 *       the SMMU — which must be done at once, reading what the model holds
 *       (a write stores a fresh tag, which the model then holds), or be
 *       refused at once, without a page request or a stall;</li>
 *   <li>{@link Expect#RECOVERABLE} and {@link Expect#DENIED}, which need the
 *       fault path: a TOUCH descriptor run alone on the engine, which must
 *       succeed after exactly one page request (or one stall) and one fault
 *       handled, or end in a page fault at that address with the reason its
 *       fault path gives.</li>
 * </ul>
 */
final class IsolationRig {

    static final int DEVICES = 3;
    /** Engine 2 has no ATS or PRI: the SMMU's stall model pages its faults in. */
    static final int STALL_DEVICE = 2;
    static final long MAX_EVENTS = 2_000_000;

    final long seed;
    final SvaSystem sys;
    final IsolationModel model = new IsolationModel(DEVICES);
    final long[] recordFrames = new long[DEVICES];
    final List<Long> candidates;
    /** Probes made, per expected outcome and device. */
    final Map<Expect, long[]> probes = new EnumMap<>(Expect.class);
    /** The step being run and what it did, for messages. */
    int step;
    String what = "set-up";
    private long tags = 0x7a90_0000_0000_0000L;
    private final byte[] buf = new byte[8];

    /** @param btm the SMMU has BTM, so the SVA driver relies on the CPU's broadcast TLBIs rather than commands */
    IsolationRig(long seed, boolean btm) {
        this.seed = seed;
        this.sys = new SvaSystem(256L << 20, SmmuConfig.full().withBtm(btm), List.of(DmaEngine.Options.full(),
                DmaEngine.Options.full(), new DmaEngine.Options(0, 0, 20)), true, DomainType.DMA);
        long[] rings = new long[DEVICES];
        for (int d = 0; d < DEVICES; d++) {
            rings[d] = SvaSystem.RING_IOVA + 0x1_0000L * d;
            model.domains.get(d).put(rings[d], new DmaMapping(-1, Prot.READ | Prot.WRITE));
            recordFrames[d] = sys.kernelFrames().allocate(PAGE);
            sys.memory().write64(recordFrames[d], 0);
            model.frameWord.put(recordFrames[d], 0L);
            map(d, DMA_RECORD_IOVA, recordFrames[d], Prot.READ | Prot.WRITE | Prot.CACHE, 0);
        }
        for (Expect e : Expect.values()) {
            probes.put(e, new long[DEVICES]);
        }
        candidates = model.candidates(rings);
    }

    /** A value no page held before. */
    long nextTag() {
        return ++tags;
    }

    Domain domain(int d) {
        return sys.core().group(sys.device(d)).defaultDomain();
    }

    boolean pri(int d) {
        return d != STALL_DEVICE;
    }

    /** Maps one page in device {@code d}'s domain, expecting {@code want}; the model follows on success. */
    void map(int d, long iova, long pa, int prot, int want) {
        int got = sys.core().map(domain(d), iova, pa, PAGE, prot);
        check(got == want, "map returned " + Errno.name(got) + ", expected " + Errno.name(want));
        if (want == 0) {
            model.domains.get(d).put(iova, new DmaMapping(pa, prot));
        }
    }

    static boolean allowed(Expect e) {
        return e == Expect.DIRECT || e == Expect.RECOVERABLE;
    }

    /** Why device {@code d}'s access ends in a fault: a refused translation, an INVALID page response, an aborted stall. */
    DmaPort.FaultReason faultReason(int d, Expect e) {
        if (!pri(d)) {
            return DmaPort.FaultReason.ABORTED;
        }
        return e == Expect.NO_CONTEXT ? DmaPort.FaultReason.TRANSLATION_REFUSED
                : DmaPort.FaultReason.PAGE_REQUEST_INVALID;
    }

    // ---- probes ----------------------------------------------------------------------------------------------------

    /**
     * Every device (a different one first each step, so each gets to page in
     * what is new), every PASID ever handed out and none, every candidate
     * address: a read, and a write where reads are allowed.
     */
    void probeAll(SplittableRandom rnd) {
        List<Integer> contexts = new ArrayList<>(model.pasidsEver);
        contexts.add(NO_PASID);
        for (int k = 0; k < DEVICES; k++) {
            int d = (step + k) % DEVICES;
            for (int pasid : contexts) {
                for (long va : candidates) {
                    Expect read = model.expect(d, pasid, va, false);
                    Expect write = model.expect(d, pasid, va, true);
                    if (read == Expect.RECOVERABLE && write == Expect.RECOVERABLE && rnd.nextBoolean()) {
                        // Page it in for writing; the read is then direct.
                        probe(d, pasid, va, true, write);
                        probe(d, pasid, va, false, model.expect(d, pasid, va, false));
                    } else {
                        probe(d, pasid, va, false, read);
                        if (allowed(read)) {
                            probe(d, pasid, va, true, model.expect(d, pasid, va, true));
                        }
                    }
                }
                // Refusals record events (C_BAD_CD from the stalling engine): let the driver drain them.
                check(sys.run(MAX_EVENTS), "the machine did not go idle after the probes");
            }
        }
    }

    private void probe(int d, int pasid, long va, boolean write, Expect e) {
        probes.get(e)[d]++;
        switch (e) {
            case NO_CONTEXT, DIRECT -> portProbe(d, pasid, va, write, e);
            case RECOVERABLE, DENIED -> engineProbe(d, pasid, va, write, e);
        }
    }

    /** One 8-byte access through the device's port, done or refused at once. */
    private void portProbe(int d, int pasid, long va, boolean write, Expect e) {
        DmaPort port = sys.engine(d).port();
        Long want = model.word(d, pasid, va);
        long tag = nextTag();
        if (!write) {
            Arrays.fill(buf, (byte) 0x5a);
        } else if (want != null) {
            put64(buf, tag);
        } else if (port.access(pasid, va, false, 0, buf, 0, 8) != DmaPort.DONE) {
            // A ring, whose contents the model does not follow: its bytes are written back unchanged.
            mismatch(d, pasid, va, false, "DIRECT", "not done");
        }
        int r = port.access(pasid, va, write, 0, buf, 0, 8);
        long got = u64(buf, 0);
        boolean ok = e == Expect.DIRECT
                ? r == DmaPort.DONE && (write || want == null || got == want)
                : r == DmaPort.FAULT;
        if (!ok) {
            String actual = switch (r) {
                case DmaPort.DONE -> write ? "written" : String.format("read 0x%x", got);
                case DmaPort.WAIT -> "waiting for a page request or a stall";
                default -> "refused (" + port.faultReason() + ")";
            };
            mismatch(d, pasid, va, write, e == Expect.DIRECT && !write && want != null
                    ? String.format("DIRECT, reading 0x%x", want) : e.toString(), actual);
        }
        if (write && want != null) {
            model.setWord(d, pasid, va, tag);
        }
    }

    /** A TOUCH of the page run alone on the engine: success after one recoverable fault, or a page fault there. */
    private void engineProbe(int d, int pasid, long va, boolean write, Expect e) {
        EngineRun o = runAlone(d, new DmaDescriptor(OP_TOUCH, write ? FLAG_TOUCH_WRITE : 0, pasid, 1, 0, va, 0));
        boolean ok;
        if (e == Expect.RECOVERABLE) {
            boolean oneFault = o.faultsHandled() == 1 && (pri(d) ? o.pageRequests() == 1 && o.stalls() == 0
                    : o.pageRequests() == 0 && o.stalls() == 1);
            ok = o.status() == STATUS_SUCCESS && oneFault;
            model.touched(d, pasid, va);
        } else {
            ok = o.status() == STATUS_PAGE_FAULT && o.faultAddress() == va
                    && o.reason() == faultReason(d, e).ordinal();
        }
        if (!ok) {
            mismatch(d, pasid, va, write, e == Expect.RECOVERABLE ? "RECOVERABLE (success after one fault)"
                    : "DENIED (page fault, " + faultReason(d, e) + ")", o.toString());
        }
    }

    /**
     * What one descriptor came to, run alone (the other engines idle): its
     * status, fault reason and address from the engine's registers, whether
     * its completion record was lost, and the page requests, stalls and
     * handled faults it caused.
     */
    record EngineRun(int status, int reason, long faultAddress, boolean recordLost, long pageRequests,
                     long stalls, long faultsHandled) {
        @Override
        public String toString() {
            return statusName(status) + (status == STATUS_PAGE_FAULT ? String.format(" (%s at 0x%x)",
                    DmaPort.FaultReason.values()[reason], faultAddress) : "") + (recordLost ? ", record lost" : "")
                    + String.format(", %d page requests, %d stalls, %d faults handled", pageRequests, stalls,
                    faultsHandled);
        }
    }

    EngineRun runAlone(int d, DmaDescriptor desc) {
        int completed = sys.engineReg(d, DmaEngine.REG_COMPLETED);
        int errors = sys.engineReg(d, DmaEngine.REG_ERRORS);
        int lost = sys.engineReg(d, DmaEngine.REG_RECORD_ERRORS);
        long requests = sys.engine(d).port().pageRequests();
        long stalls = sys.driver().stallFaults();
        long faults = sys.mm().pageFaults();
        sys.submit(d, desc);
        check(sys.run(MAX_EVENTS), "the machine did not go idle running " + desc);
        check(sys.engineReg(d, DmaEngine.REG_COMPLETED) == completed + 1, "the descriptor did not complete: " + desc);
        boolean failed = sys.engineReg(d, DmaEngine.REG_ERRORS) != errors;
        int info = sys.engineReg(d, DmaEngine.REG_ERROR_INFO);
        long address = sys.engineReg(d, DmaEngine.REG_ERROR_ADDR_LO) & 0xffff_ffffL
                | (long) sys.engineReg(d, DmaEngine.REG_ERROR_ADDR_HI) << 32;
        return new EngineRun(failed ? info & DmaEngine.ERROR_INFO_STATUS : STATUS_SUCCESS,
                failed ? (info & DmaEngine.ERROR_INFO_REASON) >>> 8 : 0, failed ? address : 0,
                sys.engineReg(d, DmaEngine.REG_RECORD_ERRORS) != lost,
                sys.engine(d).port().pageRequests() - requests, sys.driver().stallFaults() - stalls,
                sys.mm().pageFaults() - faults);
    }

    // ---- messages ------------------------------------------------------------------------------------------------

    void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(String.format("seed=%d step %d (%s): %s", seed, step, what, message));
        }
    }

    void mismatch(int d, int pasid, long va, boolean write, String expected, String actual) {
        String context;
        if (pasid == NO_PASID) {
            context = "no PASID";
        } else {
            Proc owner = model.pasidOwner.get(pasid);
            context = String.format("PASID %d (last given to %s, %s on this device)", pasid, owner,
                    model.context(d, pasid) != null ? "bound" : "not bound");
        }
        check(false, String.format("%s, %s, %s at 0x%x: expected %s, actual %s", sys.device(d).name(), context,
                write ? "write" : "read", va, expected, actual));
    }

    static void put64(byte[] b, long v) {
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
    }

    static long u64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }
}

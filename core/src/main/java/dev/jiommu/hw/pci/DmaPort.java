package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.AtsCompletion;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.hw.bus.Requester;
import dev.jiommu.hw.bus.Scheduler;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.pgtable.Access;

import java.util.function.IntConsumer;

/**
 * The memory-request side of a PCIe function that may use PASID, ATS and PRI
 * (PCIe Base 6.0 §10): what a device engine calls to read or write memory,
 * one page-bounded chunk at a time, and the {@link Requester} the Translation
 * Agent answers.
 *
 * <p>Each capability is used only while software has enabled it in
 * configuration space, and only within what it allocated: a PASID only when
 * PASID is enabled and the PASID fits the width the function supports, with
 * Execute/Privileged only where enabled; ATS Translation Requests and
 * Translated requests only while ATS is enabled; page requests only while PRI
 * may request and within the outstanding allocation. Without COMMAND.MASTER
 * nothing is issued.
 *
 * <p>With ATS enabled an access looks up the {@link Atc}; on a miss it sends a
 * Translation Request and caches a granting completion; it then issues a
 * Translated request for the translated address. A completion that does not
 * grant the access (R = W = 0 after a fault, or no W for a write) becomes a
 * PRI page request when PRI may request, else a fault. A granting completion
 * with U = 1 is not cached: that access goes as an Untranslated request.
 * Without ATS an access is one Untranslated request; a stall (the SMMU's
 * stall model) waits for the SMMU to finish it.
 *
 * <p>Waiting: an access answered {@link #WAIT} has a page request group or a
 * stalled transaction outstanding; when the answer comes, the port posts the
 * engine's resume handler to the {@link Scheduler} with {@link #RETRY} (issue
 * the same access again: the PRG Response was Success), {@link #DONE} (the
 * stalled transaction completed) or {@link #FAULT} (Invalid Request, Response
 * Failure, or a terminated stall). At most one wait is outstanding at a time.
 */
public final class DmaPort implements Requester {

    /** The access completed. */
    public static final int DONE = 0;
    /** The access failed for good; {@link #faultAddress()} and {@link #faultReason()} say where and why. */
    public static final int FAULT = 1;
    /** A page request group or a stalled transaction is outstanding; the resume handler will be told. */
    public static final int WAIT = 2;
    /** (Resume only) issue the same access again. */
    public static final int RETRY = 3;
    /** (Copy only) the data was read and written: the copy of the chunk is complete. */
    public static final int MOVED = 5;
    /** (Internal) the Translation Completion granted the access with U = 1: use an Untranslated request. */
    private static final int UNTRANSLATED = 4;

    /** Why an access faulted. */
    public enum FaultReason {
        NONE, BUS_MASTER_DISABLED, PASID_NOT_ALLOWED, TRANSLATION_REFUSED, NO_ACCESS, PAGE_REQUEST_INVALID,
        PRI_FAILURE, ABORTED, BUS_ERROR
    }

    private final PciFunction function;
    private final TranslationAgent upstream;
    private final Scheduler scheduler;
    private final Atc atc;
    private final AtsCapability ats;
    private final PriCapability pri;
    private final PasidCapability pasid;
    private final AtsCompletion completion = new AtsCompletion();
    private final int maxGroup;

    private IntConsumer resume = outcome -> { };
    private long faultAddress;
    private FaultReason faultReason = FaultReason.NONE;

    /** The PRG index of the outstanding group, or -1; its requests and first address. */
    private int waitingGroup = -1;
    private int groupRequests;
    private long groupAddress;
    private int nextPrgIndex;
    private boolean waitingStall;

    private long translationRequests;
    private long pageRequests;
    private long groups;
    private long translatedRequests;
    private long untranslatedRequests;
    private long atcInvalidations;

    /**
     * @param atc      the function's ATC, or null for a function without ATS
     * @param ats      its ATS capability, or null
     * @param pri      its PRI capability, or null
     * @param pasid    its PASID capability, or null
     * @param maxGroup most page requests the function puts in one group
     */
    public DmaPort(PciFunction function, TranslationAgent upstream, Scheduler scheduler, Atc atc, AtsCapability ats,
                   PriCapability pri, PasidCapability pasid, int maxGroup) {
        if ((atc == null) != (ats == null)) {
            throw new IllegalArgumentException("an ATC goes with an ATS capability");
        }
        this.function = function;
        this.upstream = upstream;
        this.scheduler = scheduler;
        this.atc = atc;
        this.ats = ats;
        this.pri = pri;
        this.pasid = pasid;
        this.maxGroup = Math.max(1, maxGroup);
        if (pri != null) {
            pri.onReset(this::forgetGroup);
        }
    }

    /** Where {@link #WAIT}s end: called (through the scheduler) with {@link #RETRY}, {@link #DONE} or {@link #FAULT}. */
    public void onResume(IntConsumer handler) {
        this.resume = handler;
    }

    public boolean atsEnabled() {
        return ats != null && ats.enabled();
    }

    public boolean waiting() {
        return waitingGroup >= 0 || waitingStall;
    }

    /**
     * Reads or writes {@code len} bytes at {@code address}, which must not
     * cross a 4 KiB boundary (the smallest translation unit).
     *
     * @param pasidValue a PASID, or {@link DmaTarget#NO_SUBSTREAM}
     * @param attrs      {@link Access#PRIV} and/or {@link Access#EXEC}, honoured only with a PASID
     * @return {@link #DONE}, {@link #FAULT} or {@link #WAIT}
     */
    public int access(int pasidValue, long address, boolean write, int attrs, byte[] buffer, int off, int len) {
        attrs = gate(pasidValue, address, write, attrs);
        if (attrs < 0) {
            return FAULT;
        }
        int sid = function.requesterId();
        if (!atsEnabled()) {
            return untranslated(sid, pasidValue, address, write, attrs, buffer, off, len);
        }
        int e = atc.lookup(pasidValue, address);
        if (e < 0 || !grants(atc.permissions(e), write, attrs)) {
            int r = translate(sid, pasidValue, address, write, attrs);
            if (r == UNTRANSLATED) {
                return untranslated(sid, pasidValue, address, write, attrs, buffer, off, len);
            }
            if (r != DONE) {
                return r == WAIT ? requestPages(sid, pasidValue, address, len, write, attrs) : r;
            }
            e = atc.lookup(pasidValue, address);
        }
        long pa = atc.translate(e, address);
        translatedRequests++;
        int s = write ? upstream.write(sid, pasidValue, pa, DmaTarget.TRANSLATED, buffer, off, len)
                : upstream.read(sid, pasidValue, pa, DmaTarget.TRANSLATED, buffer, off, len);
        return switch (s) {
            case DmaTarget.OK -> DONE;
            case DmaTarget.ABORTED -> fault(address, FaultReason.ABORTED);
            default -> fault(address, FaultReason.BUS_ERROR);
        };
    }

    /**
     * The read of a copy: reads {@code len} bytes at {@code src} into
     * {@code buffer} as {@link #access} does, and when the ATC holds
     * translations granting both the read of {@code src} and the write of
     * {@code dst}, also writes them at {@code dst}: two Translated requests
     * sent upstream as one {@link DmaTarget#copy}. Neither range may cross a
     * 4 KiB boundary.
     *
     * @return {@link #MOVED} (read and written), or what {@link #access} returns for the read alone
     *         ({@link #DONE}: the write is still to do), or {@link #FAULT} when the write of a moved
     *         copy failed ({@link #faultAddress()} is then in {@code dst})
     */
    public int copy(int pasidValue, long src, long dst, int attrs, byte[] buffer, int off, int len) {
        if (!atsEnabled() || !function.busMasterEnabled()) {
            return access(pasidValue, src, false, attrs, buffer, off, len);
        }
        // Probe first: if either translation is missing, nothing has been counted and the read goes alone.
        int se = atc.probe(pasidValue, src);
        int de = se < 0 ? -1 : atc.probe(pasidValue, dst);
        if (de < 0) {
            return access(pasidValue, src, false, attrs, buffer, off, len);
        }
        int readAttrs = gate(pasidValue, src, false, attrs);
        if (readAttrs < 0) {
            return FAULT;
        }
        int writeAttrs = readAttrs & ~Access.EXEC;
        if (!grants(atc.permissions(se), false, readAttrs) || !grants(atc.permissions(de), true, writeAttrs)) {
            return access(pasidValue, src, false, attrs, buffer, off, len);
        }
        atc.hit(se);
        atc.hit(de);
        translatedRequests += 2;
        int s = upstream.copy(function.requesterId(), pasidValue, atc.translate(se, src), atc.translate(de, dst),
                DmaTarget.TRANSLATED, buffer, off, len);
        if (s == DmaTarget.OK) {
            return MOVED;
        }
        long at = (s & DmaTarget.WRITE_SIDE) != 0 ? dst : src;
        return fault(at, (s & ~DmaTarget.WRITE_SIDE) == DmaTarget.ABORTED ? FaultReason.ABORTED : FaultReason.BUS_ERROR);
    }

    /**
     * What configuration space allows a request to carry: the attributes it
     * may have (PRIV and EXEC only with a PASID and only where enabled, never
     * EXEC on a write), or -1 with the fault recorded when it may not be
     * issued at all (Bus Master Enable clear; a PASID while PASID is disabled
     * or beyond Max PASID Width).
     */
    private int gate(int pasidValue, long address, boolean write, int attrs) {
        if (!function.busMasterEnabled()) {
            fault(address, FaultReason.BUS_MASTER_DISABLED);
            return -1;
        }
        if (pasidValue != DmaTarget.NO_SUBSTREAM) {
            if (pasid == null || !pasid.allows(pasidValue)) {
                fault(address, FaultReason.PASID_NOT_ALLOWED);
                return -1;
            }
            attrs &= (pasid.executeEnabled() ? Access.EXEC : 0) | (pasid.privilegedEnabled() ? Access.PRIV : 0);
        } else {
            attrs = 0;
        }
        return write ? attrs & ~Access.EXEC : attrs;
    }

    /** An Untranslated request: through the SMMU's translation, which may stall it. */
    private int untranslated(int sid, int pasidValue, long address, boolean write, int attrs, byte[] buffer, int off,
                             int len) {
        untranslatedRequests++;
        int s = write ? upstream.write(sid, pasidValue, address, attrs, buffer, off, len)
                : upstream.read(sid, pasidValue, address, attrs, buffer, off, len);
        return switch (s) {
            case DmaTarget.OK -> DONE;
            case DmaTarget.STALLED -> {
                waitingStall = true;
                faultAddress = address;
                yield WAIT;
            }
            case DmaTarget.ABORTED -> fault(address, FaultReason.ABORTED);
            default -> fault(address, FaultReason.BUS_ERROR);
        };
    }

    /**
     * Asks for the translations of {@code [address, address + len)} ahead of
     * use (ATS only): a Translation Request for each page the ATC lacks, and
     * one page request group for every page not granted (up to the group
     * size), as a device that knows its buffers does before moving data.
     *
     * <p>The same gates as {@link #access} apply: nothing is asked without Bus
     * Master Enable or with a PASID the function may not use.
     *
     * @return {@link #DONE} (every page granted, or ATS off), {@link #WAIT} or {@link #FAULT}
     */
    public int prefetch(int pasidValue, long address, long len, boolean write, int attrs) {
        if (!atsEnabled() || len <= 0) {
            return DONE;
        }
        attrs = gate(pasidValue, address, write, attrs);
        if (attrs < 0) {
            return FAULT;
        }
        int sid = function.requesterId();
        long page = address & ~4095L;
        long end = address + len;
        for (long p = page; Long.compareUnsigned(p, end) < 0; p += 4096) {
            int e = atc.lookup(pasidValue, p);
            if (e >= 0 && grants(atc.permissions(e), write, attrs)) {
                continue;
            }
            int r = translate(sid, pasidValue, p, write, attrs);
            if (r == WAIT) {
                return requestPages(sid, pasidValue, p, end - p, write, attrs);
            }
            if (r == FAULT) {
                return FAULT;
            }
            // DONE: now cached; UNTRANSLATED: the access will go untranslated.
        }
        return DONE;
    }

    private static boolean grants(int perms, boolean write, int attrs) {
        if ((perms & (write ? Atc.WRITE : Atc.READ)) == 0) {
            return false;
        }
        if ((attrs & Access.EXEC) != 0 && (perms & Atc.EXECUTE) == 0) {
            return false;
        }
        return (attrs & Access.PRIV) == 0 || (perms & Atc.PRIVILEGED) != 0;
    }

    /**
     * A Translation Request for the page at {@code address}: DONE (cached),
     * UNTRANSLATED (granted with U = 1), WAIT (not granted: page in), FAULT.
     */
    private int translate(int sid, int pasidValue, long address, boolean write, int attrs) {
        translationRequests++;
        upstream.translationRequest(sid, pasidValue, address & ~4095L, !write, attrs, completion);
        if (completion.status != AtsCompletion.SUCCESS) {
            return fault(address, FaultReason.TRANSLATION_REFUSED);
        }
        if (!grants(permissionsOf(completion), write, attrs)) {
            return WAIT;
        }
        if (completion.untranslatedOnly) {
            // U = 1 (PCIe §10.2.3): granted, but only through Untranslated requests; nothing to cache.
            return UNTRANSLATED;
        }
        atc.fill(pasidValue, address, completion);
        return DONE;
    }

    private static int permissionsOf(AtsCompletion c) {
        return (c.read ? Atc.READ : 0) | (c.write ? Atc.WRITE : 0) | (c.execute ? Atc.EXECUTE : 0)
                | (c.privileged ? Atc.PRIVILEGED : 0);
    }

    /**
     * Sends one page request group for the page at {@code address} and the
     * following pages of the range that are not granted either, up to
     * {@code maxGroup} and the PRI allocation; the last request carries LAST.
     */
    private int requestPages(int sid, int pasidValue, long address, long len, boolean write, int attrs) {
        if (pri == null || !pri.mayRequest()) {
            return fault(address, FaultReason.NO_ACCESS);
        }
        long first = address & ~4095L;
        long end = address + len;
        int n = 1;
        while (n < maxGroup && Long.compareUnsigned(first + 4096L * n, end) < 0) {
            long p = first + 4096L * n;
            int e = atc.lookup(pasidValue, p);
            if (e >= 0 && grants(atc.permissions(e), write, attrs)) {
                break;
            }
            translationRequests++;
            upstream.translationRequest(sid, pasidValue, p, !write, attrs, completion);
            if (completion.status != AtsCompletion.SUCCESS || grants(permissionsOf(completion), write, attrs)) {
                if (completion.status == AtsCompletion.SUCCESS) {
                    atc.fill(pasidValue, p, completion);
                }
                break;
            }
            n++;
        }
        n = (int) Math.min(n, Math.min(pri.allocation(), pri.capacity()) - pri.outstanding());
        if (n < 1 || !pri.tryReserve(n)) {
            return fault(address, FaultReason.NO_ACCESS);
        }
        int index = nextPrgIndex;
        nextPrgIndex = (nextPrgIndex + 1) & 0x1ff;
        waitingGroup = index;
        groupRequests = n;
        groupAddress = first;
        groups++;
        boolean withPasid = pasidValue != DmaTarget.NO_SUBSTREAM;
        for (int i = 0; i < n; i++) {
            pageRequests++;
            upstream.pageRequest(new PageRequest(sid, pasidValue, first + 4096L * i, true, write,
                    withPasid && (attrs & Access.EXEC) != 0, withPasid && (attrs & Access.PRIV) != 0, index,
                    i == n - 1));
        }
        return WAIT;
    }

    private int fault(long address, FaultReason reason) {
        faultAddress = address;
        faultReason = reason;
        return FAULT;
    }

    private void forgetGroup() {
        if (waitingGroup >= 0) {
            waitingGroup = -1;
            faultAddress = groupAddress;
            faultReason = FaultReason.PRI_FAILURE;
            post(FAULT);
        }
    }

    /**
     * Posts the resume handler with {@code outcome}. Outcomes wait in
     * {@link #outcomes} in posting order and each run of {@link #deliver}
     * takes the oldest, so posting allocates nothing (at most one is
     * outstanding in practice: the engine issues nothing while it waits).
     */
    private void post(int outcome) {
        if (outcomeCount == outcomes.length) {
            int[] grown = new int[2 * outcomes.length];
            for (int i = 0; i < outcomeCount; i++) {
                grown[i] = outcomes[(outcomeHead + i) % outcomes.length];
            }
            outcomes = grown;
            outcomeHead = 0;
        }
        outcomes[(outcomeHead + outcomeCount) % outcomes.length] = outcome;
        outcomeCount++;
        scheduler.post(deliver);
    }

    private int[] outcomes = new int[4];
    private int outcomeHead;
    private int outcomeCount;
    private final Runnable deliver = () -> {
        int outcome = outcomes[outcomeHead];
        outcomeHead = (outcomeHead + 1) % outcomes.length;
        outcomeCount--;
        resume.accept(outcome);
    };

    public long faultAddress() {
        return faultAddress;
    }

    public FaultReason faultReason() {
        return faultReason;
    }

    // ---- what the Translation Agent sends back --------------------------------------------------------------

    /** A PRG Response (PCIe §10.4.2): Success retries, Invalid Request faults, Response Failure stops PRI. */
    @Override
    public void pageResponse(int substreamId, int prgIndex, int response) {
        if (pri == null || prgIndex != waitingGroup) {
            if (pri != null) {
                pri.unexpectedPrgIndex();
            }
            return;
        }
        waitingGroup = -1;
        switch (response) {
            case PageRequest.SUCCESS -> {
                pri.responseReceived(groupRequests);
                post(RETRY);
            }
            case PageRequest.INVALID -> {
                pri.responseReceived(groupRequests);
                fault(groupAddress, FaultReason.PAGE_REQUEST_INVALID);
                post(FAULT);
            }
            default -> {
                pri.responseFailure();
                fault(groupAddress, FaultReason.PRI_FAILURE);
                post(FAULT);
            }
        }
    }

    /** An ATS Invalidate Request: the ATC drops the range; the completion is implied by returning. */
    @Override
    public void atcInvalidate(int substreamId, long address, int size, boolean global) {
        atcInvalidations++;
        if (atc != null) {
            atc.invalidate(substreamId, address, size, global);
        }
    }

    /** The stalled transaction finished: done after a successful retry, a fault otherwise. */
    @Override
    public void stallCompleted(int stag, int status) {
        if (!waitingStall) {
            return;
        }
        waitingStall = false;
        if (status == DmaTarget.OK) {
            post(DONE);
        } else {
            fault(faultAddress, FaultReason.ABORTED);
            post(FAULT);
        }
    }

    // ---- counters ---------------------------------------------------------------------------------------------

    public long translationRequests() {
        return translationRequests;
    }

    public long pageRequests() {
        return pageRequests;
    }

    public long pageRequestGroups() {
        return groups;
    }

    public long translatedRequests() {
        return translatedRequests;
    }

    public long untranslatedRequests() {
        return untranslatedRequests;
    }

    public long atcInvalidations() {
        return atcInvalidations;
    }

    public Atc atc() {
        return atc;
    }
}

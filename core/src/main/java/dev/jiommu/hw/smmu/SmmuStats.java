package dev.jiommu.hw.smmu;

/**
 * Counters of what an {@link Smmu} has done since it was built, captured by
 * {@link Smmu#stats()}. Plain fields: a snapshot, not live values.
 */
public final class SmmuStats {

    public long translations;
    public long bypassed;
    public long aborted;
    public long readAsZero;
    public long stalled;
    public long tlbHits;
    public long tlbMisses;
    public long tlbFills;
    public long tlbEvictions;
    public long tlbInvalidated;
    public int tlbEntries;
    public long steHits;
    public long steMisses;
    public long cdHits;
    public long cdMisses;
    public long configEvictions;
    public long stage1Walks;
    public long stage2Walks;
    public long descriptorReads;
    public long walkFaults;
    public long eventsRecorded;
    public long eventsLost;
    public long eventOverflows;
    public long commands;
    public long syncs;
    public long commandErrors;
    public long priWritten;
    public long priDiscarded;
    public long priAutoResponses;
    public long priOverflows;
    public long stallsResumed;
    public long stallsTerminated;
    public long globalErrors;
    public long ignoredWrites;
    public long badAccesses;
    /** ATS Translation Requests, and how many were answered UR, CA, or with no access (R = W = 0). */
    public long atsRequests;
    public long atsUnsupported;
    public long atsCompleterAborts;
    public long atsDenied;
    /** Translated transactions, and how many were refused with F_TRANSL_FORBIDDEN. */
    public long atsTranslated;
    public long atsTranslatedForbidden;
    /** PE broadcast TLB invalidations applied (IDR0.BTM, CR2.PTM = 0), and ignored because CR2.PTM = 1. */
    public long broadcastTlbis;
    public long broadcastTlbisIgnored;
    /** Events recorded by type (index = event ID). */
    public final long[] eventsById = new long[256];
    /** Commands consumed by opcode. */
    public final long[] commandsByOpcode = new long[256];

    void capture(Smmu s) {
        Translator t = s.translator;
        t.countRepeatedHits();
        translations = t.translations;
        bypassed = t.bypassed;
        broadcastTlbis = s.broadcastTlbis();
        broadcastTlbisIgnored = s.broadcastTlbisIgnored();
        aborted = t.aborted;
        readAsZero = t.raz;
        stalled = t.stalledCount;
        tlbHits = t.tlb.cache.hits;
        tlbMisses = t.tlb.cache.misses;
        tlbFills = t.tlb.cache.fills;
        tlbEvictions = t.tlb.cache.evictions;
        tlbInvalidated = t.tlb.cache.invalidated;
        tlbEntries = t.tlb.size();
        steHits = t.configCache.steHits;
        steMisses = t.configCache.steMisses;
        cdHits = t.configCache.cdHits;
        cdMisses = t.configCache.cdMisses;
        configEvictions = t.configCache.evictions;
        stage1Walks = t.stage1Walks();
        stage2Walks = t.stage2Walker().walks();
        descriptorReads = t.descriptorReads();
        walkFaults = t.walkFaults;
        eventsRecorded = s.evtq.recorded;
        eventsLost = s.evtq.lost;
        eventOverflows = s.evtq.overflows;
        commands = s.cmdq.consumed;
        syncs = s.cmdq.syncs;
        commandErrors = s.cmdq.errors;
        priWritten = s.priq.written;
        priDiscarded = s.priq.discarded;
        priAutoResponses = s.priq.autoResponses;
        priOverflows = s.priq.overflows;
        atsRequests = s.ats.requests;
        atsUnsupported = s.ats.unsupported;
        atsCompleterAborts = s.ats.completerAborts;
        atsDenied = s.ats.denied;
        atsTranslated = s.ats.translatedTransactions;
        atsTranslatedForbidden = s.ats.translatedForbidden;
        stallsResumed = s.stalls.resumed;
        stallsTerminated = s.stalls.terminated;
        System.arraycopy(t.eventsById, 0, eventsById, 0, 256);
        System.arraycopy(s.cmdq.byOpcode, 0, commandsByOpcode, 0, 256);
    }
}

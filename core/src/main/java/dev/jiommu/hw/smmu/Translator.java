package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.mem.MemoryFault;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Descriptor;
import dev.jiommu.pgtable.FaultKind;
import dev.jiommu.pgtable.TableAddressHook;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.WalkResult;
import dev.jiommu.pgtable.Walker;

import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Registers.CR2_E2H;
import static dev.jiommu.spec.smmuv3.Registers.CR2_RECINVSID;
import static dev.jiommu.spec.smmuv3.Registers.GBPA_ABORT;

/**
 * The translation path of one transaction (SMMUv3 §3.2–3.4, §3.12): SMMUEN
 * and GBPA, the STE (configuration cache, else stream table), substream
 * selection and the CD, the TLB, and on a miss the stage-1 walk (each table
 * address through stage 2 when nested), the stage-2 walk, and the TLB fill.
 *
 * <p>Faults become event records (§7.3) and are answered as the
 * configuration says: stalled (CD.S / STE.S2S, with the event recorded with
 * STALL = 1 and an STAG), or terminated — aborted, or for stage 1 with CD.A = 0
 * completed as read-as-zero/write-ignored; a terminated translation fault is
 * recorded only when CD.R / STE.S2R asks for it. A translation-related stage-2
 * fault on the fetch of a CD (CLASS = CD) follows STE.S2R / STE.S2S like any
 * other stage-2 fault (§3.12). Configuration errors and walk external aborts
 * are always recorded (C_BAD_STREAMID only with CR2.RECINVSID, §7.3.3) and
 * always abort.
 *
 * <p>A translation that hits the TLB allocates nothing.
 */
final class Translator {

    private static final int CLASS_CD = 0;
    private static final int CLASS_TT = 1;
    private static final int CLASS_IN = 2;

    final Smmu smmu;
    final Tlb tlb;
    final ConfigCache configCache;
    private final boolean tlbEnabled;
    private final StreamTable streamTable;
    private final ContextTable contextTable;
    /** Stage-1 walks whose table addresses are physical. */
    private final Walker s1Walker;
    /** Nested stage-1 walks: every table address goes through stage 2 ({@link #nestedTableAddress}). */
    private final Walker nestedWalker;
    private final Walker s2Walker;
    private final WalkResult s1 = new WalkResult();
    private final WalkResult s2 = new WalkResult();
    private final EventRecord event = new EventRecord();

    /** The stream whose stage 2 serves nested table fetches during the current (or last) nested stage-1 walk. */
    private StreamConfig hookSte;
    /** Set when the nested hook's stage-2 translation of a table address faulted. */
    private boolean hookFaulted;
    private boolean hookWrite;
    private FaultKind hookFault;
    private long hookIpa;
    /** The PA the nested hook last produced: where a stage-1 descriptor was fetched from. */
    private long hookPa;
    private ConfigError fetchError;

    /**
     * What the current translation is for (§3.9.1): an ordinary transaction,
     * an ATS Translation Request (full or split-stage), or the stage-2
     * translation of a split-stage Translated transaction. Set by {@link Ats}
     * around its calls and back to {@link #ORDINARY} before they return.
     */
    int mode = ORDINARY;
    static final int ORDINARY = 0;
    /** Faults answer R = W = 0 ({@link Translation#DENIED}) or CA (aborted); nothing is recorded or stalled. */
    static final int ATS_REQUEST = 1;
    /** As {@link #ATS_REQUEST}, and the result is the stage-1 output, an IPA (§13.6.3). */
    static final int ATS_SPLIT_REQUEST = 2;
    /** The address is an IPA from a split-stage completion: stage 2 only, faults as for ordinary traffic, no stall. */
    static final int TRANSLATED_STAGE2 = 3;
    /** The stream of the current {@link #TRANSLATED_STAGE2} transfer. */
    StreamConfig translatedSte;

    /** What a stall holds: set by {@link #transfer} before each translation. */
    private byte[] pendingBuffer;
    private int pendingOffset;
    private int pendingLength;
    private int pendingFirstTag = -1;

    long translations;
    long bypassed;
    long aborted;
    long raz;
    long stalledCount;
    long walkFaults;
    final long[] eventsById = new long[256];

    Translator(Smmu smmu) {
        this.smmu = smmu;
        SmmuConfig c = smmu.config;
        this.tlbEnabled = c.tlbEntries() > 0;
        this.tlb = new Tlb(c.tlbEntries(), c.replacement());
        this.configCache = new ConfigCache(c.configCacheEntries(), c.replacement());
        this.streamTable = new StreamTable(smmu);
        this.s2Walker = new Walker(smmu.memory);
        this.s1Walker = new Walker(smmu.memory);
        this.nestedWalker = new Walker(smmu.memory, this::nestedTableAddress);
        this.contextTable = new ContextTable(smmu, new ContextTable.FetchTranslation() {
            @Override
            public long toPhysical(StreamConfig ste, long ipa) {
                long pa = stage2(ste, ipa, Access.READ, true);
                if (pa < 0) {
                    // §7.3.12: an external abort on the stage-2 walk for a CD address is F_WALK_EABT, S2 = 1,
                    // CLASS = CD, with the stage-2 descriptor's PA as FetchAddr.
                    fetchError = s2.fault() == FaultKind.EXTERNAL_ABORT
                            ? new ConfigError(EVT_ID_WALK_EABT, s2.descriptorAddress(), true, ipa,
                                    "stage-2 walk for the CD aborted")
                            : new ConfigError(eventOf(s2.fault()), 0, true, ipa, "stage 2 does not translate the CD IPA");
                }
                return pa;
            }

            @Override
            public ConfigError error() {
                return fetchError;
            }
        });
    }

    /**
     * Counts the remembered resolution's hits into the configuration cache's
     * counters and forgets it. Called before any other configuration-cache
     * lookup, so that while a resolution is remembered its entries stay the
     * most recently used, and when something it depends on outside the cache
     * changes (CR2).
     */
    void forgetStreams() {
        countRepeatedHits();
        memoSid = Integer.MIN_VALUE;
    }

    /** Brings the configuration cache's hit counters up to date. */
    void countRepeatedHits() {
        if (memoHits != 0) {
            configCache.countRepeatedHits(memoHits, memoCd != null);
            memoHits = 0;
        }
    }

    /** Stage-1 walks, plain and nested. */
    long stage1Walks() {
        return s1Walker.walks() + nestedWalker.walks();
    }

    long descriptorReads() {
        return s1Walker.descriptorReads() + nestedWalker.descriptorReads() + s2Walker.descriptorReads();
    }

    Walker stage2Walker() {
        return s2Walker;
    }

    // ---- configuration ----------------------------------------------------------------------------------------

    /** The STE of {@code sid}, from the configuration cache or the stream table (filling the cache). */
    SteLookup streamConfig(int sid) {
        forgetStreams();
        StreamConfig ste = configCache.ste(sid);
        if (ste != null) {
            return ste;
        }
        SteLookup l = streamTable.fetch(sid);
        if (l instanceof StreamConfig s) {
            configCache.putSte(sid, s);
        }
        return l;
    }

    /** CMD_PREFETCH_CONFIG: fetch into the cache; errors are not reported (§4.2.1). */
    void prefetch(int sid) {
        if (smmu.enabled()) {
            streamConfig(sid);
        }
    }

    private CdLookup context(StreamConfig ste, int cdIndex) {
        forgetStreams();
        ContextConfig cd = configCache.cd(ste.streamId(), cdIndex);
        if (cd != null) {
            return cd;
        }
        CdLookup l = contextTable.fetch(ste, cdIndex);
        if (l instanceof ContextConfig c) {
            configCache.putCd(ste.streamId(), cdIndex, c);
        }
        return l;
    }

    // ---- translation ------------------------------------------------------------------------------------------

    /**
     * Translates one address. Outside {@link #transfer} no data moves, and a
     * stall holds only the address.
     */
    int translate(int sid, int ssid, long address, int access, Translation out) {
        translations++;
        out.tlbHit = false;
        out.eventId = 0;
        if (!smmu.enabled()) {
            // §3.4: a bypassed address beyond OAS is terminated with an abort, and no event.
            if ((smmu.gbpa & GBPA_ABORT) != 0 || (address & ~smmu.oasMask) != 0) {
                return abort(out);
            }
            return bypass(address, out);
        }
        StreamConfig ste;
        ContextConfig cd;
        long tag;
        if (sid == memoSid && ssid == memoSsid && memoGeneration == configCache.generation()) {
            memoHits++;
            ste = memoSte;
            cd = memoCd;
            tag = memoTag;
        } else {
            int status = resolve(sid, ssid, address, access, out);
            if (status != RESOLVED) {
                return status;
            }
            ste = resolvedSte;
            cd = resolvedCd;
            tag = tagOf(ste, cd);
        }
        if (cd == null && (address & ~smmu.oasMask) != 0) {
            return inputAddressSizeFault(sid, ssid, address, access, out);
        }
        long input = cd != null && cd.tbi() != 0 ? stripTopByte(cd, address) : address;
        if (tlbEnabled && mode != ATS_SPLIT_REQUEST) {
            int e = tlb.lookup(tag, input);
            if (e >= 0) {
                int perms = tlb.permissions(e);
                if (Access.allowed(perms, access)) {
                    out.status = Translation.OK;
                    out.outputAddress = tlb.translate(e, input);
                    out.permissions = perms;
                    out.blockShift = tlb.shift(e);
                    out.tlbHit = true;
                    return Translation.OK;
                }
            }
        }
        return cd != null ? walkStage1(ste, cd, sid, ssid, address, input, access, tag, out)
                : walkStage2Only(ste, sid, ssid, address, access, tag, out);
    }

    /**
     * The TLB tag of a stream's translations: stage 1 (or nested) by regime, VMID and ASID; stage 2 by VMID.
     * EL2 translations carry no VMID, and an ASID only in EL2-E2H (CR2.E2H = 1) (§5.2 STRW, S2VMID).
     */
    private long tagOf(StreamConfig ste, ContextConfig cd) {
        if (cd != null && ste.strw() == StreamConfig.STRW_EL2) {
            return Tlb.tag(Tlb.EL2, 0, (smmu.cr2 & CR2_E2H) != 0 ? cd.asid() : 0, cd.aset());
        }
        if (cd != null) {
            return Tlb.tag(Tlb.NH, ste.vmid(), cd.asid(), cd.aset());
        }
        return Tlb.tag(Tlb.S2, ste.vmid(), 0);
    }

    /** {@link #resolve}: the transaction goes on to the TLB with {@link #resolvedSte} and {@link #resolvedCd}. */
    private static final int RESOLVED = -1;

    /** The last (StreamID, SubstreamID) resolved through the configuration cache, valid while its generation holds. */
    private int memoSid = Integer.MIN_VALUE;
    private int memoSsid;
    private long memoGeneration = -1;
    private StreamConfig memoSte;
    private ContextConfig memoCd;
    private long memoTag;
    /** Transactions served by the remembered resolution since it was made or last counted. */
    private long memoHits;
    private StreamConfig resolvedSte;
    private ContextConfig resolvedCd;

    /**
     * Finds the STE and CD for a transaction (§3.3–3.4) and answers every
     * case that ends before the TLB: configuration errors, abort and bypass
     * configurations, S1DSS. Returns {@link #RESOLVED} when translation goes
     * on, else the final status. A resolution served wholly by the
     * configuration cache is remembered for the next transaction of the same
     * stream and substream.
     */
    private int resolve(int sid, int ssid, long address, int access, Translation out) {
        long generation = configCache.generation();
        SteLookup steLookup = streamConfig(sid);
        if (!(steLookup instanceof StreamConfig ste)) {
            return configError((ConfigError) steLookup, sid, ssid, address, access, out);
        }
        if (ste.config() == StreamConfig.ABORT) {
            return abort(out);
        }
        if (ssid != DmaTarget.NO_SUBSTREAM && !ste.stage1()) {
            // §5.2 S1Fmt: a SubstreamID with stage 1 disabled (Config 0b1x0, bypass included) is C_BAD_SUBSTREAMID.
            return configError(ConfigError.of(EVT_ID_BAD_SUBSTREAMID_CONFIG, "SubstreamID without stage 1"), sid,
                    ssid, address, access, out);
        }
        if (ste.config() == StreamConfig.BYPASS) {
            return (address & ~smmu.oasMask) != 0 ? inputAddressSizeFault(sid, ssid, address, access, out)
                    : bypass(address, out);
        }
        ContextConfig cd = null;
        if (ste.stage1()) {
            int cdIndex = 0;
            boolean bypassStage1 = false;
            if (ssid != DmaTarget.NO_SUBSTREAM) {
                if (ste.s1CdMax() == 0 || (ssid >>> ste.s1CdMax()) != 0) {
                    return configError(ConfigError.of(EVT_ID_BAD_SUBSTREAMID_CONFIG, "SubstreamID out of range"),
                            sid, ssid, address, access, out);
                }
                if (ste.s1Dss() == StreamConfig.DSS_SSID0 && ssid == 0) {
                    // §5.2 S1DSS = 0b10: CD 0 belongs to traffic without a SubstreamID; SubstreamID 0 is disabled.
                    return configError(ConfigError.of(EVT_ID_STREAM_DISABLED_FAULT, "SubstreamID 0 with S1DSS SSID0"),
                            sid, ssid, address, access, out);
                }
                cdIndex = ssid;
            } else if (ste.s1CdMax() != 0) {
                switch (ste.s1Dss()) {
                    case StreamConfig.DSS_TERMINATE:
                        return configError(ConfigError.of(EVT_ID_STREAM_DISABLED_FAULT, "S1DSS terminate"), sid,
                                ssid, address, access, out);
                    case StreamConfig.DSS_BYPASS:
                        bypassStage1 = true;
                        break;
                    default:
                        break;
                }
            }
            if (!bypassStage1) {
                CdLookup cdLookup = context(ste, cdIndex);
                if (!(cdLookup instanceof ContextConfig c)) {
                    ConfigError err = (ConfigError) cdLookup;
                    if (err.stage2() && err.eventId() != EVT_ID_WALK_EABT) {
                        // §3.12: a translation-related stage-2 fault on the CD fetch stalls, records or aborts
                        // as STE.S2S / STE.S2R say.
                        return translationFault(err.eventId(), true, CLASS_CD, err.ipa(), ste, null, sid, ssid,
                                address, access, out);
                    }
                    return configError(err, sid, ssid, address, access, out);
                }
                cd = c;
            }
        }
        if (cd == null && !ste.stage2()) {
            return (address & ~smmu.oasMask) != 0 ? inputAddressSizeFault(sid, ssid, address, access, out)
                    : bypass(address, out);
        }
        if (configCache.enabled() && configCache.generation() == generation) {
            memoSid = sid;
            memoSsid = ssid;
            memoGeneration = generation;
            memoSte = ste;
            memoCd = cd;
            memoTag = tagOf(ste, cd);
        }
        resolvedSte = ste;
        resolvedCd = cd;
        return RESOLVED;
    }

    /** TBI: with the half's top-byte-ignore set, bits [63:56] are replaced by bit 55 (§3.4.1). */
    private static long stripTopByte(ContextConfig cd, long va) {
        boolean hi = (va & (1L << 55)) != 0;
        if ((cd.tbi() & (hi ? 2 : 1)) != 0) {
            return (va << 8) >> 8;
        }
        return va;
    }

    private int walkStage1(StreamConfig ste, ContextConfig cd, int sid, int ssid, long address, long va, int access,
                           long tag, Translation out) {
        boolean hi = (va & (1L << 55)) != 0;
        TableFormat f = hi ? cd.tt1() : cd.tt0();
        long ttb = hi ? cd.ttb1() : cd.ttb0();
        int ias = f == null ? 0 : f.inputBits();
        // A TTB0 address beyond the IAS is left to the walker, whose translation fault is this same event.
        boolean inRange = f != null && (!hi || (va >> ias) == -1L);
        if (!inRange) {
            return translationFault(EVT_ID_TRANSLATION_FAULT, false, CLASS_IN, 0, ste, cd, sid, ssid, address, access, out);
        }
        // In range, a TTB0 address is its own IA; a TTB1 address loses its top bits.
        long ia = hi ? va & ((1L << ias) - 1) : va;
        boolean nested = ste.stage2();
        if (nested) {
            // Only the nested walker has the hook; the plain stage-1 walker never reads these.
            hookSte = ste;
            hookFaulted = false;
        }
        if (!(nested ? nestedWalker : s1Walker).walk(f, ttb, ia, access, cd.flags(), s1)) {
            FaultKind k = s1.fault();
            if (nested && k == FaultKind.TABLE_FETCH && hookFaulted) {
                if (hookFault == FaultKind.EXTERNAL_ABORT) {
                    return walkAbort(true, CLASS_TT, hookIpa, s2.descriptorAddress(), sid, ssid, address, access, out);
                }
                return translationFault(eventOf(hookFault), true, CLASS_TT, hookIpa, ste, cd, sid, ssid, address,
                        access, out);
            }
            if (k == FaultKind.EXTERNAL_ABORT || k == FaultKind.TABLE_FETCH) {
                // FetchAddr is the PA of the descriptor: through stage 2 when nested (§7.3.12).
                return walkAbort(false, CLASS_TT, 0, nested ? hookPa : s1.descriptorAddress(), sid, ssid, address,
                        access, out);
            }
            return translationFault(eventOf(k), false, CLASS_IN, 0, ste, cd, sid, ssid, address, access, out);
        }
        long oa = s1.outputAddress();
        int shift = s1.blockShift();
        if (!nested && !tlbEnabled) {
            // No TLB entry to fill: what the leaf grants is worked out only if someone asks.
            out.status = Translation.OK;
            out.outputAddress = oa;
            out.blockShift = shift;
            out.permissions = Translation.PERMISSIONS_FROM_LEAF;
            out.leaf = s1.descriptor();
            out.leafTableAttributes = s1.tableAttributes();
            return Translation.OK;
        }
        int perms = s1.permissions();
        if (nested) {
            long pa = stage2(ste, oa, access, false);
            if (pa < 0) {
                if (s2.fault() == FaultKind.EXTERNAL_ABORT) {
                    return walkAbort(true, CLASS_IN, oa, s2.descriptorAddress(), sid, ssid, address, access, out);
                }
                return translationFault(eventOf(s2.fault()), true, CLASS_IN, oa, ste, cd, sid, ssid, address, access,
                        out);
            }
            perms &= s2.permissions();
            shift = Math.min(shift, s2.blockShift());
            if (mode == ATS_SPLIT_REQUEST) {
                // §13.6.3: permissions and size from both stages, the address from stage 1.
                return ok(oa & -(1L << shift), perms, shift, out);
            }
            oa = pa;
        }
        if (tlbEnabled) {
            tlb.fill(tag, (s1.descriptor() & Descriptor.ARM_LPAE_PTE_nG) == 0, va, oa, shift, perms);
        }
        return ok(oa, perms, shift, out);
    }

    private int walkStage2Only(StreamConfig ste, int sid, int ssid, long address, int access, long tag, Translation out) {
        long pa = stage2Walk(ste, address, access);
        if (pa < 0) {
            if (s2.fault() == FaultKind.EXTERNAL_ABORT) {
                return walkAbort(true, CLASS_IN, address, s2.descriptorAddress(), sid, ssid, address, access, out);
            }
            return translationFault(eventOf(s2.fault()), true, CLASS_IN, address, ste, null, sid, ssid, address, access,
                    out);
        }
        if (mode == ATS_SPLIT_REQUEST) {
            // §13.6.5: split-stage ATS skipping stage 1 answers the IPA itself, with stage 2's permissions and size.
            return ok(address & -(1L << s2.blockShift()), s2.permissions(), s2.blockShift(), out);
        }
        if (tlbEnabled) {
            tlb.fill(tag, false, address, pa, s2.blockShift(), s2.permissions());
        }
        return ok(pa, s2.permissions(), s2.blockShift(), out);
    }

    /**
     * Stage 2 of an IPA for a nested table or CD fetch, or a nested output:
     * the TLB's stage-2 entries first when {@code cached}, else a walk (which
     * then fills the TLB).
     *
     * @return the PA, or -1 with the fault in {@link #s2}
     */
    private long stage2(StreamConfig ste, long ipa, int access, boolean cached) {
        if (cached && tlbEnabled) {
            long tag = Tlb.tag(Tlb.S2, ste.vmid(), 0);
            int e = tlb.lookup(tag, ipa);
            if (e >= 0 && Access.allowed(tlb.permissions(e), access)) {
                return tlb.translate(e, ipa);
            }
            long pa = stage2Walk(ste, ipa, access);
            if (pa >= 0) {
                tlb.fill(tag, false, ipa, pa, s2.blockShift(), s2.permissions());
            }
            return pa;
        }
        return stage2Walk(ste, ipa, access);
    }

    private long stage2Walk(StreamConfig ste, long ipa, int access) {
        TableFormat f = ste.s2Format();
        // Stage 2 has no privilege distinction: ask for the access as unprivileged (its permissions grant both).
        if (!s2Walker.walk(f, ste.s2Ttb(), ipa, access & ~Access.PRIV, ste.s2Flags(), s2)) {
            return -1;
        }
        return s2.outputAddress();
    }

    /** The nested-translation hook: a stage-1 descriptor address (an IPA) through stage 2 (§3.4.3). */
    private long nestedTableAddress(long descriptorIpa, int level, boolean write) {
        StreamConfig ste = hookSte;
        if (ste == null) {
            return descriptorIpa;
        }
        long pa = stage2(ste, descriptorIpa, write ? Access.WRITE : Access.READ, true);
        if (pa < 0) {
            hookFaulted = true;
            hookWrite = write;
            hookFault = s2.fault();
            hookIpa = descriptorIpa;
            return TableAddressHook.REFUSED;
        }
        hookPa = pa;
        return pa;
    }

    // ---- outcomes -------------------------------------------------------------------------------------------

    private int ok(long pa, int perms, int shift, Translation out) {
        out.status = Translation.OK;
        out.outputAddress = pa;
        out.permissions = perms;
        out.blockShift = shift;
        return Translation.OK;
    }

    /**
     * §3.4: with stage 1 bypassed (STE.Config 0b1x0, S1DSS bypass), an input
     * address beyond the IAS (= OAS: AArch64 tables only) is a stage-1 Address
     * Size fault: F_ADDR_SIZE is recorded and the transaction aborted.
     */
    private int inputAddressSizeFault(int sid, int ssid, long address, int access, Translation out) {
        walkFaults++;
        if (atsRequest()) {
            return denied(EVT_ID_ADDR_SIZE_FAULT, out);
        }
        event.reset(EVT_ID_ADDR_SIZE_FAULT, sid, ssid);
        event.access(access, address);
        event.cls(CLASS_IN);
        record(out);
        return abort(out);
    }

    private int bypass(long address, Translation out) {
        bypassed++;
        out.status = Translation.BYPASS;
        out.outputAddress = address;
        out.permissions = Access.PERM_UNPRIV_READ | Access.PERM_UNPRIV_WRITE | Access.PERM_UNPRIV_EXEC
                | Access.PERM_PRIV_READ | Access.PERM_PRIV_WRITE | Access.PERM_PRIV_EXEC;
        out.blockShift = 12;
        return Translation.BYPASS;
    }

    private int abort(Translation out) {
        aborted++;
        out.status = Translation.ABORTED;
        return Translation.ABORTED;
    }

    private int configError(ConfigError err, int sid, int ssid, long address, int access, Translation out) {
        int id = err.eventId();
        if (id == EVT_ID_BAD_STREAMID_CONFIG && (smmu.cr2 & CR2_RECINVSID) == 0) {
            return abort(out); // §7.3.3: recorded only when CR2.RECINVSID == 1
        }
        if (id == EVT_ID_BAD_SUBSTREAMID_CONFIG) {
            // §7.3.9: no SSV; the SubstreamID is always given (0 for a transaction without one, which used CD 0).
            event.reset(id, sid, DmaTarget.NO_SUBSTREAM);
            event.substreamWithoutSsv(ssid == DmaTarget.NO_SUBSTREAM ? 0 : ssid);
        } else {
            // §7.3.7: F_STREAM_DISABLED defines no SubstreamID field.
            event.reset(id, sid, id == EVT_ID_STREAM_DISABLED_FAULT ? DmaTarget.NO_SUBSTREAM : ssid);
        }
        if (err.stage2()) {
            // An external abort on the stage-2 walk for a CD address: F_WALK_EABT with S2 = 1, CLASS = CD.
            event.access(access, address);
            event.stage2(CLASS_CD, err.ipa());
            event.fetchAddress(err.fetchAddress());
        } else if (err.fetchAddress() != 0 || err.eventId() == EVT_ID_STE_FETCH_FAULT || err.eventId() == EVT_ID_CD_FETCH_FAULT) {
            event.fetchAddress(err.fetchAddress());
        }
        record(out);
        return abort(out);
    }

    /** F_WALK_EABT (§7.3.12): S2 and CLASS of the walk that aborted, and the PA of the descriptor it fetched. */
    private int walkAbort(boolean stage2, int cls, long ipa, long fetchAddress, int sid, int ssid, long address,
                          int access, Translation out) {
        walkFaults++;
        event.reset(EVT_ID_WALK_EABT, sid, ssid);
        event.access(access, address);
        if (stage2) {
            event.stage2(cls, ipa);
        } else {
            event.cls(cls);
        }
        event.fetchAddress(fetchAddress);
        record(out);
        return abort(out);
    }

    /** A translation, address size, access flag or permission fault of stage 1 or stage 2. */
    private int translationFault(int id, boolean stage2, int cls, long ipa, StreamConfig ste, ContextConfig cd, int sid,
                                 int ssid, long address, int access, Translation out) {
        walkFaults++;
        if (atsRequest()) {
            return denied(id, out);
        }
        boolean stall = (stage2 ? ste.s2Stall() : cd.stall()) && mode == ORDINARY;
        boolean recordIt = stage2 ? ste.s2Record() : cd.record();
        event.reset(id, sid, ssid);
        event.access(access, address);
        if (stage2) {
            event.stage2(cls, ipa);
            if (cls == CLASS_TT && !hookWrite) {
                event.tableRead();
            }
        } else {
            event.cls(cls);
        }
        if (stall && !smmu.stalls.full() && smmu.evtq.canRecord()) {
            int tag = smmu.stalls.hold(new StallTable.Pending(sid, ssid, address, access, pendingBuffer, pendingOffset,
                    pendingLength, pendingFirstTag));
            event.stall(tag);
            record(out);
            stalledCount++;
            out.status = Translation.STALLED;
            out.stallTag = tag;
            return Translation.STALLED;
        }
        if (recordIt) {
            record(out);
        }
        if (!stage2 && !cd.abort()) {
            raz++;
            out.status = Translation.FAULT_RAZ;
            return Translation.FAULT_RAZ;
        }
        return abort(out);
    }

    private boolean atsRequest() {
        return mode == ATS_REQUEST || mode == ATS_SPLIT_REQUEST;
    }

    /**
     * §3.9.1.2: an Address Size, Access, Translation or Permission fault of an
     * ATS Translation Request, at either stage, is answered with R = W = 0 and
     * records nothing; {@code eventId} names the fault it would have been.
     */
    private int denied(int eventId, Translation out) {
        out.eventId = eventId;
        out.status = Translation.DENIED;
        return Translation.DENIED;
    }

    /**
     * Records {@link #event}. For an ATS Translation Request nothing is
     * recorded: this SMMU has no IDR0.ATSRECERR, so configuration errors of
     * requests are answered with CA alone (§3.9.1.2, §6.3.12).
     */
    private void record(Translation out) {
        out.eventId = event.id;
        if (atsRequest()) {
            return;
        }
        eventsById[event.id & 0xff]++;
        smmu.evtq.record(event.w0, event.w1, event.w2, event.w3);
    }

    static int eventOf(FaultKind k) {
        return switch (k) {
            case TRANSLATION -> EVT_ID_TRANSLATION_FAULT;
            case ADDRESS_SIZE -> EVT_ID_ADDR_SIZE_FAULT;
            case ACCESS_FLAG -> EVT_ID_ACCESS_FAULT;
            case PERMISSION -> EVT_ID_PERMISSION_FAULT;
            case EXTERNAL_ABORT, TABLE_FETCH -> EVT_ID_WALK_EABT;
        };
    }

    // ---- data transfer and the stall model ------------------------------------------------------------------

    private final Translation transferOut = new Translation();

    /**
     * Moves {@code len} bytes between {@code buffer} and the addresses
     * {@code address..}, translating each page (or larger leaf) once.
     *
     * @return a {@link DmaTarget} status
     */
    int transfer(int sid, int ssid, long address, int access, byte[] buffer, int off, int len, StallTable.Pending from) {
        try {
            return transferPages(sid, ssid, address, access, buffer, off, len, from);
        } finally {
            clearPending();
        }
    }

    /** Outside a transfer or a retry, a stall holds no data: a bare {@link #translate} relies on it. */
    private void clearPending() {
        pendingBuffer = null;
        pendingOffset = 0;
        pendingLength = 0;
        pendingFirstTag = -1;
    }

    private int transferPages(int sid, int ssid, long address, int access, byte[] buffer, int off, int len,
                              StallTable.Pending from) {
        boolean write = (access & Access.WRITE) != 0;
        Translation t = transferOut;
        pendingFirstTag = from == null ? -1 : from.firstTag();
        while (len > 0) {
            pendingBuffer = buffer;
            pendingOffset = off;
            pendingLength = len;
            int status = mode == TRANSLATED_STAGE2 ? translatedStage2(sid, address, access, t)
                    : translate(sid, ssid, address, access, t);
            int chunk = (int) Math.min(len, (1L << t.blockShift) - (address & ((1L << t.blockShift) - 1)));
            switch (status) {
                case Translation.OK, Translation.BYPASS -> {
                    if (status == Translation.BYPASS) {
                        chunk = len;
                    }
                    if (!move(sid, t.outputAddress, write, buffer, off, chunk)) {
                        return DmaTarget.BUS_ERROR;
                    }
                }
                case Translation.FAULT_RAZ -> {
                    chunk = (int) Math.min(len, 4096 - (address & 4095));
                    if (!write) {
                        java.util.Arrays.fill(buffer, off, off + chunk, (byte) 0);
                    }
                }
                case Translation.STALLED -> {
                    return DmaTarget.STALLED;
                }
                default -> {
                    return DmaTarget.ABORTED;
                }
            }
            address += chunk;
            off += chunk;
            len -= chunk;
        }
        return DmaTarget.OK;
    }

    /**
     * A split-stage Translated transaction's IPA through the stream's stage 2
     * (§13.6.3): the TLB's stage-2 entries, else a walk; faults are recorded
     * as for an ordinary transaction (CLASS = IN, the IPA as InputAddr).
     */
    private int translatedStage2(int sid, long ipa, int access, Translation out) {
        translations++;
        out.tlbHit = false;
        out.eventId = 0;
        StreamConfig ste = translatedSte;
        long tag = Tlb.tag(Tlb.S2, ste.vmid(), 0);
        if (tlbEnabled) {
            int e = tlb.lookup(tag, ipa);
            if (e >= 0 && Access.allowed(tlb.permissions(e), access)) {
                out.tlbHit = true;
                return ok(tlb.translate(e, ipa), tlb.permissions(e), tlb.shift(e), out);
            }
        }
        return walkStage2Only(ste, sid, DmaTarget.NO_SUBSTREAM, ipa, access, tag, out);
    }

    /**
     * Records an event that has no translation behind it (F_BAD_ATS_TREQ,
     * F_TRANSL_FORBIDDEN): the type, the stream, and the access with its address.
     */
    void recordAccessEvent(int eventId, int sid, int ssid, int access, long address) {
        event.reset(eventId, sid, ssid);
        event.access(access, address);
        eventsById[eventId & 0xff]++;
        smmu.evtq.record(event.w0, event.w1, event.w2, event.w3);
    }

    /**
     * Moves the bytes of one translated chunk to or from {@code pa}: RAM, or
     * a device register (an MSI doorbell) with a naturally aligned 4- or
     * 8-byte access. False when neither decodes it (an external abort).
     */
    boolean move(int sid, long pa, boolean write, byte[] buffer, int off, int len) {
        try {
            if (smmu.memory.isRam(pa, len)) {
                if (write) {
                    smmu.memory.writeBytes(pa, buffer, off, len);
                } else {
                    smmu.memory.readBytes(pa, buffer, off, len);
                }
                return true;
            }
            // A device register (an MSI doorbell): naturally aligned 4- or 8-byte accesses only; a write carries
            // the StreamID as its DeviceID (the identity mapping of QEMU's virt IORT).
            if ((len == 4 || len == 8) && (pa & (len - 1)) == 0 && smmu.bus.deviceAt(pa) != null) {
                if (write) {
                    long v = 0;
                    for (int i = len - 1; i >= 0; i--) {
                        v = (v << 8) | (buffer[off + i] & 0xff);
                    }
                    smmu.bus.write(pa, len, v, sid);
                } else {
                    long v = smmu.bus.read(pa, len);
                    for (int i = 0; i < len; i++) {
                        buffer[off + i] = (byte) (v >>> (8 * i));
                    }
                }
                return true;
            }
            return false;
        } catch (MemoryFault f) {
            return false;
        }
    }

    /** CMD_RESUME (§4.6.2): retry, or terminate with an abort or as RAZ/WI. Unknown tags are ignored. */
    void resume(int sid, int stag, boolean retry, boolean abortResponse) {
        StallTable.Pending p = smmu.stalls.take(sid, stag);
        if (p == null) {
            return;
        }
        int tag = p.firstTag() >= 0 ? p.firstTag() : stag;
        int status;
        if (retry) {
            smmu.stalls.resumed++;
            StallTable.Pending first = new StallTable.Pending(p.streamId(), p.substreamId(), p.address(), p.access(),
                    p.buffer(), p.offset(), p.length(), tag);
            status = p.buffer() == null ? retranslate(p) : transfer(p.streamId(), p.substreamId(), p.address(),
                    p.access(), p.buffer(), p.offset(), p.length(), first);
            if (status == DmaTarget.STALLED) {
                return;
            }
        } else {
            smmu.stalls.terminated++;
            status = DmaTarget.ABORTED;
            if (!abortResponse && p.buffer() != null && (p.access() & Access.WRITE) == 0) {
                java.util.Arrays.fill(p.buffer(), p.offset(), p.offset() + p.length(), (byte) 0);
                status = DmaTarget.OK;
            } else if (!abortResponse) {
                status = DmaTarget.OK;
            }
        }
        smmu.requester(sid).stallCompleted(tag, status);
    }

    private int retranslate(StallTable.Pending p) {
        pendingBuffer = null;
        pendingLength = 0;
        pendingFirstTag = p.firstTag();
        int s = translate(p.streamId(), p.substreamId(), p.address(), p.access(), transferOut);
        clearPending();
        return switch (s) {
            case Translation.OK, Translation.BYPASS, Translation.FAULT_RAZ -> DmaTarget.OK;
            case Translation.STALLED -> DmaTarget.STALLED;
            default -> DmaTarget.ABORTED;
        };
    }

    /** CMD_STALL_TERM (§4.6.3): every stalled transaction of the stream ends with an abort. */
    void terminateStalls(int sid) {
        for (int stag : smmu.stalls.takeAll(sid)) {
            smmu.stalls.terminated++;
            smmu.requester(sid).stallCompleted(stag, DmaTarget.ABORTED);
        }
    }
}

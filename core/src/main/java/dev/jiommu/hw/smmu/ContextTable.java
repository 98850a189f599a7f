package dev.jiommu.hw.smmu;

import dev.jiommu.mem.MemoryFault;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.Walker;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Field.get;

/**
 * Finds and validates a context descriptor (SMMUv3 §3.4, §5.4): the linear or
 * 2-level CD table at STE.S1ContextPtr, indexed by SubstreamID. When stage 2
 * is on, S1ContextPtr and the L1CD pointers are IPAs: every fetch address goes
 * through stage 2 first.
 *
 * <p>Outcomes: C_BAD_SUBSTREAMID for an L1CD with V = 0; F_CD_FETCH (with
 * the PA fetched) when a descriptor cannot be read; a stage-2 fault (S2 = 1,
 * CLASS = CD) when its IPA does not translate, or F_WALK_EABT when the stage-2
 * walk for it aborts; C_BAD_CD when V = 0 or a field is illegal or
 * unsupported (CD.S against STE.S1STALLD and IDR0.STALL_MODEL, §5.5); else the
 * decoded {@link ContextConfig}.
 */
final class ContextTable {

    /** Translates a CD-fetch IPA through stage 2; returns -1 and leaves the error with the caller. */
    interface FetchTranslation {
        /** @return the PA, or -1 with {@link #error()} set */
        long toPhysical(StreamConfig ste, long ipa);

        ConfigError error();
    }

    private final Smmu smmu;
    private final FetchTranslation s2;

    ContextTable(Smmu smmu, FetchTranslation s2) {
        this.smmu = smmu;
        this.s2 = s2;
    }

    CdLookup fetch(StreamConfig ste, int ssid) {
        long cdAddr;
        long ptr = ste.s1ContextPtr();
        if (ste.s1Fmt() == 0 || ste.s1CdMax() == 0) {
            cdAddr = ptr + (long) ssid * 64;
        } else {
            int split = ste.s1Fmt() == 1 ? 6 : 10;
            long l1Ipa = ptr + (long) (ssid >>> split) * 8;
            long l1Pa = physical(ste, l1Ipa);
            if (l1Pa < 0) {
                return s2.error();
            }
            long l1;
            try {
                l1 = smmu.memory.read64(l1Pa);
            } catch (MemoryFault f) {
                return ConfigError.fetch(EVT_ID_CD_FETCH_FAULT, l1Pa, "L1CD not readable");
            }
            if ((l1 & CTXDESC_L1_DESC_V) == 0) {
                return ConfigError.of(EVT_ID_BAD_SUBSTREAMID_CONFIG, "L1CD.V = 0 for SubstreamID " + ssid);
            }
            if (!ste.stage2() && (l1 & CTXDESC_L1_DESC_L2PTR_MASK & ~smmu.oasMask) != 0) {
                // §3.4.3 note 3, §7.3.9: a PA L1CD.L2Ptr beyond OAS is C_BAD_SUBSTREAMID (SMMUv3.1 and later).
                return ConfigError.of(EVT_ID_BAD_SUBSTREAMID_CONFIG, "L1CD.L2Ptr beyond OAS for SubstreamID " + ssid);
            }
            cdAddr = (l1 & CTXDESC_L1_DESC_L2PTR_MASK) + (long) (ssid & ((1 << split) - 1)) * 64;
        }
        long pa = physical(ste, cdAddr);
        if (pa < 0) {
            return s2.error();
        }
        long[] w = new long[4];
        try {
            for (int i = 0; i < 4; i++) {
                w[i] = smmu.memory.read64(pa + 8L * i);
            }
        } catch (MemoryFault f) {
            return ConfigError.fetch(EVT_ID_CD_FETCH_FAULT, pa, "CD not readable");
        }
        return decode(ste, w);
    }

    private long physical(StreamConfig ste, long ipa) {
        return ste.stage2() ? s2.toPhysical(ste, ipa) : ipa & smmu.oasMask;
    }

    private CdLookup decode(StreamConfig ste, long[] w) {
        SmmuConfig c = smmu.config;
        long w0 = w[0];
        if ((w0 & CTXDESC_CD_0_V) == 0) {
            return bad("CD.V = 0");
        }
        if ((w0 & CTXDESC_CD_0_AA64) == 0) {
            return bad("CD.AA64 = 0: AArch32 tables are not supported");
        }
        if ((w0 & CTXDESC_CD_0_ENDI) != 0) {
            return bad("CD.ENDI = 1: big-endian tables are not supported");
        }
        // §5.4 IPS: 0b111 is Reserved and behaves as 0b110 (SMMUv3.1 to 3.3); both are capped to OAS.
        int ips = TableFormat.outputBitsOf(Math.min((int) get(CTXDESC_CD_0_TCR_IPS, w0), 6));
        if (ips < 0) {
            return bad("CD.IPS " + get(CTXDESC_CD_0_TCR_IPS, w0) + " is reserved");
        }
        int oas = Math.min(ips, c.oasBits());
        TableFormat tt0 = null;
        TableFormat tt1 = null;
        if ((w0 & CTXDESC_CD_0_TCR_EPD0) == 0) {
            Granule g = smmu.config.granuleOfTg0((int) get(CTXDESC_CD_0_TCR_TG0, w0));
            String p = g == null ? "CD.TG0 is reserved or unsupported" : check(g, (int) get(CTXDESC_CD_0_TCR_T0SZ, w0), oas);
            if (p != null) {
                return bad(p);
            }
            tt0 = TableFormat.stage1(g, 64 - (int) get(CTXDESC_CD_0_TCR_T0SZ, w0), fit(g, oas));
        }
        if ((w0 & CTXDESC_CD_0_TCR_EPD1) == 0) {
            Granule g = smmu.config.granuleOfTg1((int) get(CTXDESC_CD_0_TCR_TG1, w0));
            String p = g == null ? "CD.TG1 is reserved or unsupported" : check(g, (int) get(CTXDESC_CD_0_TCR_T1SZ, w0), oas);
            if (p != null) {
                return bad(p);
            }
            tt1 = TableFormat.stage1(g, 64 - (int) get(CTXDESC_CD_0_TCR_T1SZ, w0), fit(g, oas));
        }
        boolean stall = (w0 & CTXDESC_CD_0_S) != 0;
        if (stall && (!c.stallSupported() || ste.s1StallDisable())) {
            return bad("CD.S = 1 but stalls are not allowed for this stream");
        }
        if (!stall && c.stallModel() == 2) {
            return bad("CD.S = 0 but the SMMU forces the stall model (§5.5)");
        }
        int flags = 0;
        if (c.httu() >= 1 && (w0 & CTXDESC_CD_0_TCR_HA) != 0) {
            flags |= Walker.HA;
            if (c.httu() == 2 && (w0 & CTXDESC_CD_0_TCR_HD) != 0) {
                flags |= Walker.HD;
            }
        }
        if ((w0 & CTXDESC_CD_0_AFFD) != 0) {
            flags |= Walker.AFFD;
        }
        // §5.4 TTB0/TTB1: ILLEGAL beyond the effective IPS (48 bits unless 64 KiB), §3.4.3: C_BAD_CD.
        if (tt0 != null && ((w[1] & CTXDESC_CD_1_TTB0_MASK) >>> tt0.outputBits()) != 0) {
            return bad("CD.TTB0 beyond the effective IPS of " + tt0.outputBits() + " bits");
        }
        if (tt1 != null && ((w[2] & CTXDESC_CD_2_TTB1_MASK) >>> tt1.outputBits()) != 0) {
            return bad("CD.TTB1 beyond the effective IPS of " + tt1.outputBits() + " bits");
        }
        int asid = (int) get(CTXDESC_CD_0_ASID, w0) & (c.asid16() ? 0xffff : 0xff);
        int tbi = (int) ((w0 >>> Long.numberOfTrailingZeros(CTXDESC_CD_0_TCR_TBI0)) & 3);
        return new ContextConfig(asid, (w0 & CTXDESC_CD_0_ASET) != 0, tt0, w[1] & CTXDESC_CD_1_TTB0_MASK, tt1, w[2] & CTXDESC_CD_2_TTB1_MASK, flags, tbi,
                stall, (w0 & CTXDESC_CD_0_R) != 0, (w0 & CTXDESC_CD_0_A) != 0, w[3]);
    }

    /** Stage-1 output size for a granule: 52 bits only with 64 KiB. */
    private static int fit(Granule g, int oas) {
        return oas == 52 && g != Granule.G64K ? 48 : oas;
    }

    private static String check(Granule g, int tsz, int oas) {
        int ias = 64 - tsz;
        if (ias > 48) {
            return "CD.TxSZ " + tsz + " gives more than 48 input bits";
        }
        String p = TableFormat.problem(Stage.STAGE1, g, ias, fit(g, oas), TableFormat.stage1StartLevel(g, Math.max(ias, 25)));
        return p == null ? null : "stage-1 format: " + p;
    }

    private static ConfigError bad(String reason) {
        return ConfigError.of(EVT_ID_BAD_CD_CONFIG, reason);
    }
}

package dev.jiommu.os.smmuv3;

import dev.jiommu.spec.smmuv3.Field;

import java.util.Arrays;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * Which bits of an STE or CD the SMMU reads, given the entry's own value: the
 * knowledge {@link EntryWriter} orders its stores by. Linux's
 * {@code arm_smmu_get_ste_used()}, {@code arm_smmu_get_cd_used()} and
 * {@code arm_smmu_get_ste_update_safe()} compute the same masks.
 *
 * <p>A bit outside the mask is IGNORED by the architecture for that
 * configuration (IHI0070 5.2: S1 fields when stage 1 does not translate, S2
 * fields other than S2VMID when stage 2 does not; 5.4: TTB0 and the TT0 walk
 * attributes when EPD0 is set), so software may change it freely while the
 * entry is live. The masks need not be complete for every field of the
 * architecture, but they must cover every bit {@link SteMake} and
 * {@link CdMake} can set; {@link EntryWriter} rejects a target that sets a
 * bit its own mask does not name.
 */
final class UsedBits {

    static final int QWORDS = 8;

    private static final long EATS_TRANS = Field.prep(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS);
    private static final long EATS_S1CHK = Field.prep(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_S1CHK);

    private UsedBits() {
    }

    /**
     * The bits of {@code ste} the SMMU uses (IHI0070 5.2). An invalid STE uses
     * V alone. A valid one uses Config; Config 0b1x1 (stage 1 translates) adds
     * the CD table pointer and format, the S1 cache attributes, S1DSS,
     * S1STALLD, STRW, EATS, MEV and S2VMID, plus SHCFG when S1DSS bypasses;
     * Config 0b11x (stage 2 translates) adds the S2 fields, EATS, SHCFG, MEV and
     * S2FWB; bypass (0b100) adds SHCFG. Abort and the reserved encodings use
     * nothing more.
     */
    static long[] ste(long[] ste) {
        long[] used = new long[QWORDS];
        used[0] = STRTAB_STE_0_V;
        if ((ste[0] & STRTAB_STE_0_V) == 0) {
            return used;
        }
        used[0] |= STRTAB_STE_0_CFG;
        long cfg = Field.get(STRTAB_STE_0_CFG, ste[0]);
        boolean s1 = cfg == STRTAB_STE_0_CFG_S1_TRANS || cfg == STRTAB_STE_0_CFG_NESTED;
        boolean s2 = cfg == STRTAB_STE_0_CFG_S2_TRANS || cfg == STRTAB_STE_0_CFG_NESTED;
        if (s1) {
            used[0] |= STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR_MASK | STRTAB_STE_0_S1CDMAX;
            used[1] |= STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR | STRTAB_STE_1_S1COR | STRTAB_STE_1_S1CSH
                    | STRTAB_STE_1_S1STALLD | STRTAB_STE_1_STRW | STRTAB_STE_1_EATS | STRTAB_STE_1_MEV;
            used[2] |= STRTAB_STE_2_S2VMID;
            // Non-substream traffic that bypasses stage 1 takes its shareability from SHCFG (IHI0070 13.5).
            if (Field.get(STRTAB_STE_1_S1DSS, ste[1]) == STRTAB_STE_1_S1DSS_BYPASS) {
                used[1] |= STRTAB_STE_1_SHCFG;
            }
        }
        if (s2) {
            used[1] |= STRTAB_STE_1_S2FWB | STRTAB_STE_1_EATS | STRTAB_STE_1_SHCFG | STRTAB_STE_1_MEV;
            used[2] |= STRTAB_STE_2_S2VMID | STRTAB_STE_2_VTCR | STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2ENDI
                    | STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2S | STRTAB_STE_2_S2R;
            used[3] |= STRTAB_STE_3_S2TTB_MASK;
        }
        if (cfg == STRTAB_STE_0_CFG_BYPASS) {
            used[1] |= STRTAB_STE_1_SHCFG;
        }
        return used;
    }

    /**
     * Bits of an STE that may change in any order relative to the others
     * while both {@code cur} and {@code target} use them (Linux 6.18's
     * {@code arm_smmu_get_ste_update_safe()}):
     * <ul>
     *   <li>MEV only changes how many fault records are merged, and software
     *       must cope with merged records whatever MEV says (IHI0070 5.2);</li>
     *   <li>EATS bit 0 (Translate) when neither entry uses split-stage ATS
     *       (EATS 0b10) nor stage-2 stall (S2S): the attach sequence has
     *       already disabled ATS in the device when EATS changes, and the
     *       transient combinations EATS = 0b11 or EATS with S2S would be
     *       ILLEGAL STEs, hence the exclusions.</li>
     * </ul>
     */
    static long[] steUpdateSafe(long[] cur, long[] target) {
        long[] safe = new long[QWORDS];
        boolean splitStageAts = ((cur[1] | target[1]) & EATS_S1CHK) != 0;
        boolean stage2Stall = ((cur[2] | target[2]) & STRTAB_STE_2_S2S) != 0;
        if (!splitStageAts && !stage2Stall) {
            safe[1] |= EATS_TRANS;
        }
        safe[1] |= STRTAB_STE_1_MEV;
        return safe;
    }

    /**
     * The bits of {@code cd} the SMMU uses (IHI0070 5.4): V alone when the CD
     * is invalid; otherwise every bit of all eight qwords, except that with
     * EPD0 set the TT0 walk (T0SZ, TG0, IRGN0, ORGN0, SH0 and TTB0) is
     * IGNORED. That exception is what lets an SVA CD be quiesced and revived
     * without invalidating it.
     */
    static long[] cd(long[] cd) {
        long[] used = new long[QWORDS];
        used[0] = CTXDESC_CD_0_V;
        if ((cd[0] & CTXDESC_CD_0_V) == 0) {
            return used;
        }
        Arrays.fill(used, -1L);
        if ((cd[0] & CTXDESC_CD_0_TCR_EPD0) != 0) {
            used[0] &= ~(CTXDESC_CD_0_TCR_T0SZ | CTXDESC_CD_0_TCR_TG0 | CTXDESC_CD_0_TCR_IRGN0
                    | CTXDESC_CD_0_TCR_ORGN0 | CTXDESC_CD_0_TCR_SH0);
            used[1] &= ~CTXDESC_CD_1_TTB0_MASK;
        }
        return used;
    }

    /** CDs have no bits that are safe to reorder: all zero. */
    static long[] cdUpdateSafe(long[] cur, long[] target) {
        return new long[QWORDS];
    }
}

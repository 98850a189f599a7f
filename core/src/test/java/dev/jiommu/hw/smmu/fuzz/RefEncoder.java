package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.TableFormat;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Field.prep;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * A reference encoder of valid STEs, CDs and level-1 descriptors, written
 * from the field layouts of SMMUv3 §5.1–§5.4 (through the spec constants
 * only, not the model). What it builds must translate; the fuzzer mutates
 * its output to reach deep into the model's validation.
 */
final class RefEncoder {

    private RefEncoder() {
    }

    static final int CFG_ABORT = (int) STRTAB_STE_0_CFG_ABORT;
    static final int CFG_BYPASS = (int) STRTAB_STE_0_CFG_BYPASS;
    static final int CFG_S1 = (int) STRTAB_STE_0_CFG_S1_TRANS;
    static final int CFG_S2 = (int) STRTAB_STE_0_CFG_S2_TRANS;
    static final int CFG_NESTED = (int) STRTAB_STE_0_CFG_NESTED;

    /** TG0 / STE.S2TG encoding of a granule (§5.2, §5.4: 0b00 4 KiB, 0b01 64 KiB, 0b10 16 KiB). */
    static long tg0(Granule g) {
        return switch (g) {
            case G4K -> ARM_LPAE_TCR_TG0_4K;
            case G16K -> ARM_LPAE_TCR_TG0_16K;
            case G64K -> ARM_LPAE_TCR_TG0_64K;
        };
    }

    /** TG1 encoding of a granule (0b10 4 KiB, 0b01 16 KiB, 0b11 64 KiB). */
    static long tg1(Granule g) {
        return switch (g) {
            case G4K -> ARM_LPAE_TCR_TG1_4K;
            case G16K -> ARM_LPAE_TCR_TG1_16K;
            case G64K -> ARM_LPAE_TCR_TG1_64K;
        };
    }

    /**
     * A valid STE (words 0..7).
     *
     * @param config   STE.Config
     * @param cdPtr    S1ContextPtr (stage 1 / nested)
     * @param s1Fmt    S1Fmt
     * @param cdMax    S1CDMax
     * @param s1Dss    S1DSS
     * @param s2       stage-2 format (stage 2 / nested), else null
     * @param s2Ttb    S2TTB
     * @param vmid     S2VMID
     */
    static long[] ste(int config, long cdPtr, int s1Fmt, int cdMax, int s1Dss, boolean stallDisable, boolean ppar,
                      TableFormat s2, long s2Ttb, int vmid, boolean s2Stall, boolean s2Record) {
        long[] w = new long[8];
        w[0] = STRTAB_STE_0_V | prep(STRTAB_STE_0_CFG, config);
        w[1] = prep(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING) | (ppar ? STRTAB_STE_1_PPAR : 0);
        boolean stage1 = config == CFG_S1 || config == CFG_NESTED;
        boolean stage2 = config == CFG_S2 || config == CFG_NESTED;
        if (stage1) {
            w[0] |= (cdPtr & STRTAB_STE_0_S1CTXPTR_MASK) | prep(STRTAB_STE_0_S1FMT, s1Fmt)
                    | prep(STRTAB_STE_0_S1CDMAX, cdMax);
            w[1] |= prep(STRTAB_STE_1_S1DSS, s1Dss) | prep(STRTAB_STE_1_S1CIR, STRTAB_STE_1_S1C_CACHE_WBRA)
                    | prep(STRTAB_STE_1_S1COR, STRTAB_STE_1_S1C_CACHE_WBRA)
                    | prep(STRTAB_STE_1_S1CSH, STRTAB_STE_1_S1C_SH_ISH)
                    | (stallDisable ? STRTAB_STE_1_S1STALLD : 0);
        }
        if (stage2) {
            long vtcr = prep(STRTAB_STE_2_VTCR_S2T0SZ, s2.tsz()) | prep(STRTAB_STE_2_VTCR_S2SL0, s2.sl0())
                    | prep(STRTAB_STE_2_VTCR_S2IR0, 1) | prep(STRTAB_STE_2_VTCR_S2OR0, 1)
                    | prep(STRTAB_STE_2_VTCR_S2SH0, 3) | prep(STRTAB_STE_2_VTCR_S2TG, tg0(s2.granule()))
                    | prep(STRTAB_STE_2_VTCR_S2PS, TableFormat.ipsEncoding(s2.outputBits()));
            w[2] = prep(STRTAB_STE_2_S2VMID, vmid) | prep(STRTAB_STE_2_VTCR, vtcr) | STRTAB_STE_2_S2AA64
                    | (s2Stall ? STRTAB_STE_2_S2S : 0) | (s2Record ? STRTAB_STE_2_S2R : 0);
            w[3] = s2Ttb & STRTAB_STE_3_S2TTB_MASK;
        }
        return w;
    }

    /**
     * A valid VMSAv8-64 CD (words 0..7) translating through TTB0 only.
     *
     * @param tt0  the TTB0 table format; its output size gives IPS
     * @param abort CD.A; {@code record} CD.R; {@code stall} CD.S
     */
    static long[] cd(int asid, TableFormat tt0, long ttb0, boolean abort, boolean record, boolean stall) {
        long[] w = new long[8];
        w[0] = prep(CTXDESC_CD_0_TCR_T0SZ, tt0.tsz()) | prep(CTXDESC_CD_0_TCR_TG0, tg0(tt0.granule()))
                | prep(CTXDESC_CD_0_TCR_IRGN0, ARM_LPAE_TCR_RGN_WBWA) | prep(CTXDESC_CD_0_TCR_ORGN0, ARM_LPAE_TCR_RGN_WBWA)
                | prep(CTXDESC_CD_0_TCR_SH0, ARM_LPAE_TCR_SH_IS) | CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V
                | prep(CTXDESC_CD_0_TCR_IPS, TableFormat.ipsEncoding(tt0.outputBits())) | CTXDESC_CD_0_AA64
                | (abort ? CTXDESC_CD_0_A : 0) | (record ? CTXDESC_CD_0_R : 0) | (stall ? CTXDESC_CD_0_S : 0)
                | prep(CTXDESC_CD_0_ASID, asid);
        w[1] = ttb0 & CTXDESC_CD_1_TTB0_MASK;
        w[3] = 0x0000_0000_0044_ff04L; // MAIR: device, write-back, non-cacheable
        return w;
    }

    /** The same CD with a TTB1 half as well. */
    static long[] withTtb1(long[] cd, TableFormat tt1, long ttb1) {
        long[] w = cd.clone();
        w[0] &= ~(CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_TCR_T1SZ | CTXDESC_CD_0_TCR_TG1);
        w[0] |= prep(CTXDESC_CD_0_TCR_T1SZ, tt1.tsz()) | prep(CTXDESC_CD_0_TCR_TG1, tg1(tt1.granule()));
        w[2] = ttb1 & CTXDESC_CD_2_TTB1_MASK;
        return w;
    }

    /** L1STD (§5.1): a level-2 table of 2^(span-1) STEs. */
    static long l1std(long l2Ptr, int span) {
        return (l2Ptr & STRTAB_L1_DESC_L2PTR_MASK) | prep(STRTAB_L1_DESC_SPAN, span);
    }

    /** L1CD (§5.3). */
    static long l1cd(long l2Ptr) {
        return (l2Ptr & CTXDESC_L1_DESC_L2PTR_MASK) | CTXDESC_L1_DESC_V;
    }
}

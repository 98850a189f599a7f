package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Field;

import static dev.jiommu.spec.smmuv3.Cd.*;

/**
 * The eight dwords of a Context Descriptor (§5.4) for a VMSAv8-64 stage-1
 * table in the TTB0 half, as Linux's arm_smmu_make_s1_cd builds it: TTB1
 * walks disabled (EPD1), faults recorded and aborted (R = 1, A = 1, S = 0).
 */
final class CdBuilder {

    /** Linux's MAIR for io-pgtable: NC, WBRWA, Device-nGnRE. */
    static final long MAIR = 0x0404_ff44L;

    private final long[] w = new long[8];

    private CdBuilder(IoPageTable tt0, int asid) {
        TableFormat f = tt0.format();
        w[0] = Field.prep(CTXDESC_CD_0_TCR_T0SZ, f.tsz())
                | Field.prep(CTXDESC_CD_0_TCR_TG0, tg0(f.granule()))
                | Field.prep(CTXDESC_CD_0_TCR_IRGN0, ARM_LPAE_TCR_RGN_WBWA)
                | Field.prep(CTXDESC_CD_0_TCR_ORGN0, ARM_LPAE_TCR_RGN_WBWA)
                | Field.prep(CTXDESC_CD_0_TCR_SH0, ARM_LPAE_TCR_SH_IS)
                | CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V
                | Field.prep(CTXDESC_CD_0_TCR_IPS, TableFormat.ipsEncoding(f.outputBits()))
                | CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A
                | Field.prep(CTXDESC_CD_0_ASID, asid);
        w[1] = tt0.root() & CTXDESC_CD_1_TTB0_MASK;
        w[3] = MAIR;
    }

    static CdBuilder of(IoPageTable tt0, int asid) {
        return new CdBuilder(tt0, asid);
    }

    /** CD.TG0 encoding of a granule. */
    static long tg0(Granule g) {
        return switch (g) {
            case G4K -> ARM_LPAE_TCR_TG0_4K;
            case G64K -> ARM_LPAE_TCR_TG0_64K;
            case G16K -> ARM_LPAE_TCR_TG0_16K;
        };
    }

    /** CD.ASET: the ASID is private, out of reach of broadcast invalidation by ASID (§3.17). */
    CdBuilder privateAsid(boolean on) {
        return bit(CTXDESC_CD_0_ASET, on);
    }

    CdBuilder stall(boolean on) {
        return bit(CTXDESC_CD_0_S, on);
    }

    CdBuilder record(boolean on) {
        return bit(CTXDESC_CD_0_R, on);
    }

    CdBuilder abort(boolean on) {
        return bit(CTXDESC_CD_0_A, on);
    }

    CdBuilder ha(boolean on) {
        return bit(CTXDESC_CD_0_TCR_HA, on);
    }

    CdBuilder hd(boolean on) {
        return bit(CTXDESC_CD_0_TCR_HD, on);
    }

    CdBuilder valid(boolean on) {
        return bit(CTXDESC_CD_0_V, on);
    }

    CdBuilder ttb0(long pa) {
        w[1] = (w[1] & ~CTXDESC_CD_1_TTB0_MASK) | (pa & CTXDESC_CD_1_TTB0_MASK);
        return this;
    }

    /** Any field of dword 0, for illegal combinations. */
    CdBuilder set(long mask, long value) {
        w[0] = Field.set(w[0], mask, value);
        return this;
    }

    private CdBuilder bit(long mask, boolean on) {
        w[0] = on ? w[0] | mask : w[0] & ~mask;
        return this;
    }

    long[] words() {
        return w.clone();
    }
}

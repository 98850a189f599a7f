package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Field;

import static dev.jiommu.spec.smmuv3.Registers.ARM_SMMU_SH_ISH;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * The eight dwords of a Stream Table Entry (§5.2), built field by field from
 * the {@code spec.smmuv3} masks the way Linux's arm_smmu_make_*_ste do.
 */
final class SteBuilder {

    private final long[] w = new long[8];

    private SteBuilder(long config) {
        w[0] = STRTAB_STE_0_V | Field.prep(STRTAB_STE_0_CFG, config);
    }

    /** A valid STE with STE.Config = {@code config} ({@code STRTAB_STE_0_CFG_*}). */
    static SteBuilder config(long config) {
        return new SteBuilder(config);
    }

    static SteBuilder abort() {
        return config(STRTAB_STE_0_CFG_ABORT);
    }

    static SteBuilder bypass() {
        return config(STRTAB_STE_0_CFG_BYPASS);
    }

    /** Stage 1 through {@code cds}; traffic without a SubstreamID uses CD 0 (S1DSS = SSID0). */
    static SteBuilder stage1(SmmuDriver.CdTable cds) {
        return config(STRTAB_STE_0_CFG_S1_TRANS).cd(cds).s1dss(STRTAB_STE_1_S1DSS_SSID0);
    }

    /** Stage 2 through {@code s2}, faults recorded (S2R). */
    static SteBuilder stage2(IoPageTable s2, int vmid) {
        return config(STRTAB_STE_0_CFG_S2_TRANS).s2(s2).vmid(vmid).s2r(true);
    }

    /** Stage 1 through {@code cds} (IPAs) and stage 2 through {@code s2}, stage-2 faults recorded. */
    static SteBuilder nested(SmmuDriver.CdTable cds, IoPageTable s2, int vmid) {
        return config(STRTAB_STE_0_CFG_NESTED).cd(cds).s1dss(STRTAB_STE_1_S1DSS_SSID0).s2(s2).vmid(vmid).s2r(true);
    }

    SteBuilder cd(SmmuDriver.CdTable cds) {
        w[0] = Field.set(w[0], STRTAB_STE_0_S1FMT, cds.format());
        w[0] = (w[0] & ~STRTAB_STE_0_S1CTXPTR_MASK) | (cds.pointer & STRTAB_STE_0_S1CTXPTR_MASK);
        w[0] = Field.set(w[0], STRTAB_STE_0_S1CDMAX, cds.cdMax);
        return this;
    }

    /** STE.S1ContextPtr (in place, bits 51..6). */
    SteBuilder contextPointer(long pa) {
        w[0] = (w[0] & ~STRTAB_STE_0_S1CTXPTR_MASK) | (pa & STRTAB_STE_0_S1CTXPTR_MASK);
        return this;
    }

    SteBuilder s2ttb(long pa) {
        w[3] = pa & STRTAB_STE_3_S2TTB_MASK;
        return this;
    }

    SteBuilder s1dss(long dss) {
        return set(1, STRTAB_STE_1_S1DSS, dss);
    }

    SteBuilder strw(long strw) {
        return set(1, STRTAB_STE_1_STRW, strw);
    }

    SteBuilder s1StallDisable(boolean on) {
        return set(1, STRTAB_STE_1_S1STALLD, on ? 1 : 0);
    }

    SteBuilder vmid(int vmid) {
        return set(2, STRTAB_STE_2_S2VMID, vmid);
    }

    /** STE.S2TG encoding of a granule (as VTCR_EL2.TG0). */
    static long s2tg(Granule g) {
        return switch (g) {
            case G4K -> 0;
            case G64K -> 1;
            case G16K -> 2;
        };
    }

    /** VTCR fields, S2AA64 and S2TTB for the stage-2 table {@code s2}. */
    SteBuilder s2(IoPageTable s2) {
        TableFormat f = s2.format();
        long vtcr = Field.prep(STRTAB_STE_2_VTCR_S2T0SZ, f.tsz())
                | Field.prep(STRTAB_STE_2_VTCR_S2SL0, f.sl0())
                | Field.prep(STRTAB_STE_2_VTCR_S2IR0, STRTAB_STE_1_S1C_CACHE_WBRA)
                | Field.prep(STRTAB_STE_2_VTCR_S2OR0, STRTAB_STE_1_S1C_CACHE_WBRA)
                | Field.prep(STRTAB_STE_2_VTCR_S2SH0, ARM_SMMU_SH_ISH)
                | Field.prep(STRTAB_STE_2_VTCR_S2TG, s2tg(f.granule()))
                | Field.prep(STRTAB_STE_2_VTCR_S2PS, TableFormat.ipsEncoding(f.outputBits()));
        w[2] = Field.set(w[2], STRTAB_STE_2_VTCR, vtcr) | STRTAB_STE_2_S2AA64;
        w[3] = s2.root() & STRTAB_STE_3_S2TTB_MASK;
        return this;
    }

    /** Replaces one VTCR sub-field (masks relative to VTCR, as {@code STRTAB_STE_2_VTCR_*}). */
    SteBuilder vtcr(long subMask, long value) {
        long vtcr = Field.get(STRTAB_STE_2_VTCR, w[2]);
        w[2] = Field.set(w[2], STRTAB_STE_2_VTCR, Field.set(vtcr, subMask, value));
        return this;
    }

    SteBuilder s2r(boolean on) {
        return set(2, STRTAB_STE_2_S2R, on ? 1 : 0);
    }

    SteBuilder s2s(boolean on) {
        return set(2, STRTAB_STE_2_S2S, on ? 1 : 0);
    }

    SteBuilder s2ha(boolean on) {
        return set(2, STRTAB_STE_2_S2HA, on ? 1 : 0);
    }

    SteBuilder s2hd(boolean on) {
        return set(2, STRTAB_STE_2_S2HD, on ? 1 : 0);
    }

    SteBuilder valid(boolean on) {
        return set(0, STRTAB_STE_0_V, on ? 1 : 0);
    }

    /** Any field of any dword, for illegal combinations. */
    SteBuilder set(int word, long mask, long value) {
        w[word] = Field.set(w[word], mask, value);
        return this;
    }

    long[] words() {
        return w.clone();
    }
}

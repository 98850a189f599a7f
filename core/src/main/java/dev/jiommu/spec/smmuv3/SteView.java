package dev.jiommu.spec.smmuv3;

import dev.jiommu.mem.PhysicalMemory;

import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * A flyweight over one Stream Table Entry in physical memory ({@link Ste},
 * IHI0070 5.2).
 *
 * <p>The view holds a memory and an address, nothing else; {@link #at} moves
 * it to another STE without allocating, so a walker keeps one view per
 * thread. Every getter reads memory and every setter is a read-modify-write of
 * one dword, so what the view shows is what the SMMU would fetch now. Setters
 * return the view for chaining. Field values that do not fit raise
 * {@link IllegalArgumentException}; addresses are masked to their field, as
 * Linux does. Accesses outside RAM raise {@link dev.jiommu.mem.MemoryFault},
 * which the model turns into F_STE_FETCH.
 *
 * <p>A setter writes one dword; the order in which a driver updates dwords of
 * a live STE (the hitless update sequence) is up to the caller.
 */
public final class SteView extends DwordView<SteView> {

    /** STE size in bytes; an STE is naturally aligned. */
    public static final int SIZE = STRTAB_STE_DWORDS * 8;

    private static final int VTCR_SHIFT = Field.shift(STRTAB_STE_2_VTCR);
    private static final long S2T0SZ = STRTAB_STE_2_VTCR_S2T0SZ << VTCR_SHIFT;
    private static final long S2SL0 = STRTAB_STE_2_VTCR_S2SL0 << VTCR_SHIFT;
    private static final long S2IR0 = STRTAB_STE_2_VTCR_S2IR0 << VTCR_SHIFT;
    private static final long S2OR0 = STRTAB_STE_2_VTCR_S2OR0 << VTCR_SHIFT;
    private static final long S2SH0 = STRTAB_STE_2_VTCR_S2SH0 << VTCR_SHIFT;
    private static final long S2TG = STRTAB_STE_2_VTCR_S2TG << VTCR_SHIFT;
    private static final long S2PS = STRTAB_STE_2_VTCR_S2PS << VTCR_SHIFT;

    private SteView(PhysicalMemory memory, long address) {
        super(memory, address, "STE", STRTAB_STE_DWORDS);
    }

    /**
     * A view of the STE at {@code pa}.
     *
     * @throws IllegalArgumentException if {@code pa} is not 64-byte aligned
     */
    public static SteView wrap(PhysicalMemory memory, long pa) {
        return new SteView(memory, pa);
    }


    // ---- dword 0 -----------------------------------------------------------------------

    public boolean valid() {
        return bit(0, STRTAB_STE_0_V);
    }

    public SteView setValid(boolean v) {
        return setBit(0, STRTAB_STE_0_V, v);
    }

    /** One of {@code STRTAB_STE_0_CFG_*}. */
    public int config() {
        return (int) field(0, STRTAB_STE_0_CFG);
    }

    public SteView setConfig(long cfg) {
        return setField(0, STRTAB_STE_0_CFG, cfg, "config");
    }

    public int s1Fmt() {
        return (int) field(0, STRTAB_STE_0_S1FMT);
    }

    public SteView setS1Fmt(long fmt) {
        return setField(0, STRTAB_STE_0_S1FMT, fmt, "s1Fmt");
    }

    /** S1ContextPtr, in place (bits 51..6). */
    public long s1ContextPtr() {
        return word(0) & STRTAB_STE_0_S1CTXPTR_MASK;
    }

    public SteView setS1ContextPtr(long pa) {
        return setAddress(0, STRTAB_STE_0_S1CTXPTR_MASK, pa);
    }

    public int s1CdMax() {
        return (int) field(0, STRTAB_STE_0_S1CDMAX);
    }

    public SteView setS1CdMax(int log2Cds) {
        return setField(0, STRTAB_STE_0_S1CDMAX, log2Cds, "s1CdMax");
    }

    // ---- dword 1 -----------------------------------------------------------------------

    public int s1Dss() {
        return (int) field(1, STRTAB_STE_1_S1DSS);
    }

    public SteView setS1Dss(long dss) {
        return setField(1, STRTAB_STE_1_S1DSS, dss, "s1Dss");
    }

    public int s1Cir() {
        return (int) field(1, STRTAB_STE_1_S1CIR);
    }

    public SteView setS1Cir(long v) {
        return setField(1, STRTAB_STE_1_S1CIR, v, "s1Cir");
    }

    public int s1Cor() {
        return (int) field(1, STRTAB_STE_1_S1COR);
    }

    public SteView setS1Cor(long v) {
        return setField(1, STRTAB_STE_1_S1COR, v, "s1Cor");
    }

    public int s1Csh() {
        return (int) field(1, STRTAB_STE_1_S1CSH);
    }

    public SteView setS1Csh(long v) {
        return setField(1, STRTAB_STE_1_S1CSH, v, "s1Csh");
    }

    public boolean ppar() {
        return bit(1, STRTAB_STE_1_PPAR);
    }

    public SteView setPpar(boolean v) {
        return setBit(1, STRTAB_STE_1_PPAR, v);
    }

    public boolean mev() {
        return bit(1, STRTAB_STE_1_MEV);
    }

    public SteView setMev(boolean v) {
        return setBit(1, STRTAB_STE_1_MEV, v);
    }

    public boolean s2Fwb() {
        return bit(1, STRTAB_STE_1_S2FWB);
    }

    public SteView setS2Fwb(boolean v) {
        return setBit(1, STRTAB_STE_1_S2FWB, v);
    }

    public boolean s1StallDisable() {
        return bit(1, STRTAB_STE_1_S1STALLD);
    }

    public SteView setS1StallDisable(boolean v) {
        return setBit(1, STRTAB_STE_1_S1STALLD, v);
    }

    /** One of {@code STRTAB_STE_1_EATS_*}. */
    public int eats() {
        return (int) field(1, STRTAB_STE_1_EATS);
    }

    public SteView setEats(long eats) {
        return setField(1, STRTAB_STE_1_EATS, eats, "eats");
    }

    /** One of {@code STRTAB_STE_1_STRW_*}. */
    public int strw() {
        return (int) field(1, STRTAB_STE_1_STRW);
    }

    public SteView setStrw(long strw) {
        return setField(1, STRTAB_STE_1_STRW, strw, "strw");
    }

    public int shcfg() {
        return (int) field(1, STRTAB_STE_1_SHCFG);
    }

    public SteView setShcfg(long v) {
        return setField(1, STRTAB_STE_1_SHCFG, v, "shcfg");
    }

    public int privcfg() {
        return (int) field(1, STRTAB_STE_1_PRIVCFG);
    }

    public SteView setPrivcfg(long v) {
        return setField(1, STRTAB_STE_1_PRIVCFG, v, "privcfg");
    }

    public int instcfg() {
        return (int) field(1, STRTAB_STE_1_INSTCFG);
    }

    public SteView setInstcfg(long v) {
        return setField(1, STRTAB_STE_1_INSTCFG, v, "instcfg");
    }

    // ---- dword 2 -----------------------------------------------------------------------

    public int s2Vmid() {
        return (int) field(2, STRTAB_STE_2_S2VMID);
    }

    public SteView setS2Vmid(int vmid) {
        return setField(2, STRTAB_STE_2_S2VMID, vmid, "s2Vmid");
    }

    /** The whole VTCR field (bits 50..32 shifted down). */
    public int vtcr() {
        return (int) field(2, STRTAB_STE_2_VTCR);
    }

    public SteView setVtcr(long vtcr) {
        return setField(2, STRTAB_STE_2_VTCR, vtcr, "vtcr");
    }

    public int s2t0sz() {
        return (int) field(2, S2T0SZ);
    }

    public SteView setS2t0sz(int t0sz) {
        return setField(2, S2T0SZ, t0sz, "s2t0sz");
    }

    public int s2sl0() {
        return (int) field(2, S2SL0);
    }

    public SteView setS2sl0(int sl0) {
        return setField(2, S2SL0, sl0, "s2sl0");
    }

    public int s2ir0() {
        return (int) field(2, S2IR0);
    }

    public SteView setS2ir0(long v) {
        return setField(2, S2IR0, v, "s2ir0");
    }

    public int s2or0() {
        return (int) field(2, S2OR0);
    }

    public SteView setS2or0(long v) {
        return setField(2, S2OR0, v, "s2or0");
    }

    public int s2sh0() {
        return (int) field(2, S2SH0);
    }

    public SteView setS2sh0(long v) {
        return setField(2, S2SH0, v, "s2sh0");
    }

    /** TG0 encoding: {@link Cd#ARM_LPAE_TCR_TG0_4K} and friends. */
    public int s2tg() {
        return (int) field(2, S2TG);
    }

    public SteView setS2tg(long tg) {
        return setField(2, S2TG, tg, "s2tg");
    }

    /** IDR5.OAS encoding. */
    public int s2ps() {
        return (int) field(2, S2PS);
    }

    public SteView setS2ps(long ps) {
        return setField(2, S2PS, ps, "s2ps");
    }

    public boolean s2aa64() {
        return bit(2, STRTAB_STE_2_S2AA64);
    }

    public SteView setS2aa64(boolean v) {
        return setBit(2, STRTAB_STE_2_S2AA64, v);
    }

    public boolean s2endi() {
        return bit(2, STRTAB_STE_2_S2ENDI);
    }

    public SteView setS2endi(boolean v) {
        return setBit(2, STRTAB_STE_2_S2ENDI, v);
    }

    public boolean s2affd() {
        return bit(2, STRTAB_STE_2_S2AFFD);
    }

    public SteView setS2affd(boolean v) {
        return setBit(2, STRTAB_STE_2_S2AFFD, v);
    }

    public boolean s2ptw() {
        return bit(2, STRTAB_STE_2_S2PTW);
    }

    public SteView setS2ptw(boolean v) {
        return setBit(2, STRTAB_STE_2_S2PTW, v);
    }

    public boolean s2hd() {
        return bit(2, STRTAB_STE_2_S2HD);
    }

    public SteView setS2hd(boolean v) {
        return setBit(2, STRTAB_STE_2_S2HD, v);
    }

    public boolean s2ha() {
        return bit(2, STRTAB_STE_2_S2HA);
    }

    public SteView setS2ha(boolean v) {
        return setBit(2, STRTAB_STE_2_S2HA, v);
    }

    public boolean s2s() {
        return bit(2, STRTAB_STE_2_S2S);
    }

    public SteView setS2s(boolean v) {
        return setBit(2, STRTAB_STE_2_S2S, v);
    }

    public boolean s2r() {
        return bit(2, STRTAB_STE_2_S2R);
    }

    public SteView setS2r(boolean v) {
        return setBit(2, STRTAB_STE_2_S2R, v);
    }

    // ---- dword 3 -----------------------------------------------------------------------

    /** S2TTB, in place (bits 51..4). */
    public long s2ttb() {
        return word(3) & STRTAB_STE_3_S2TTB_MASK;
    }

    public SteView setS2ttb(long pa) {
        return setAddress(3, STRTAB_STE_3_S2TTB_MASK, pa);
    }
}

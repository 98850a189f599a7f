package dev.jiommu.spec.smmuv3;

import dev.jiommu.mem.PhysicalMemory;

import static dev.jiommu.spec.smmuv3.Cd.*;

/**
 * A flyweight over one Context Descriptor in physical memory ({@link Cd},
 * IHI0070 5.4).
 *
 * <p>Same contract as {@link SteView}: a memory and an address, moved with
 * {@link #at} without allocating; getters read memory, setters read-modify-write
 * one dword and return the view; values that do not fit raise
 * {@link IllegalArgumentException}, addresses are masked to their field; a CD
 * outside RAM raises {@link dev.jiommu.mem.MemoryFault} (the model's
 * F_CD_FETCH). With stage 2 enabled the model resolves the CD's IPA first and
 * wraps the resulting PA.
 */
public final class CdView extends DwordView<CdView> {

    /** CD size in bytes; a CD is naturally aligned. */
    public static final int SIZE = CTXDESC_CD_DWORDS * 8;

    private CdView(PhysicalMemory memory, long address) {
        super(memory, address, "CD", CTXDESC_CD_DWORDS);
    }

    /**
     * A view of the CD at {@code pa}.
     *
     * @throws IllegalArgumentException if {@code pa} is not 64-byte aligned
     */
    public static CdView wrap(PhysicalMemory memory, long pa) {
        return new CdView(memory, pa);
    }


    // ---- dword 0: TTB0 regime ----------------------------------------------------------

    public int t0sz() {
        return (int) field(0, CTXDESC_CD_0_TCR_T0SZ);
    }

    public CdView setT0sz(int v) {
        return setField(0, CTXDESC_CD_0_TCR_T0SZ, v, "t0sz");
    }

    /** {@code ARM_LPAE_TCR_TG0_*} encoding. */
    public int tg0() {
        return (int) field(0, CTXDESC_CD_0_TCR_TG0);
    }

    public CdView setTg0(long v) {
        return setField(0, CTXDESC_CD_0_TCR_TG0, v, "tg0");
    }

    public int irgn0() {
        return (int) field(0, CTXDESC_CD_0_TCR_IRGN0);
    }

    public CdView setIrgn0(long v) {
        return setField(0, CTXDESC_CD_0_TCR_IRGN0, v, "irgn0");
    }

    public int orgn0() {
        return (int) field(0, CTXDESC_CD_0_TCR_ORGN0);
    }

    public CdView setOrgn0(long v) {
        return setField(0, CTXDESC_CD_0_TCR_ORGN0, v, "orgn0");
    }

    public int sh0() {
        return (int) field(0, CTXDESC_CD_0_TCR_SH0);
    }

    public CdView setSh0(long v) {
        return setField(0, CTXDESC_CD_0_TCR_SH0, v, "sh0");
    }

    public boolean epd0() {
        return bit(0, CTXDESC_CD_0_TCR_EPD0);
    }

    public CdView setEpd0(boolean v) {
        return setBit(0, CTXDESC_CD_0_TCR_EPD0, v);
    }

    public boolean endi() {
        return bit(0, CTXDESC_CD_0_ENDI);
    }

    public CdView setEndi(boolean v) {
        return setBit(0, CTXDESC_CD_0_ENDI, v);
    }

    // ---- dword 0: TTB1 regime ----------------------------------------------------------

    public int t1sz() {
        return (int) field(0, CTXDESC_CD_0_TCR_T1SZ);
    }

    public CdView setT1sz(int v) {
        return setField(0, CTXDESC_CD_0_TCR_T1SZ, v, "t1sz");
    }

    /** {@code ARM_LPAE_TCR_TG1_*} encoding, which differs from TG0's. */
    public int tg1() {
        return (int) field(0, CTXDESC_CD_0_TCR_TG1);
    }

    public CdView setTg1(long v) {
        return setField(0, CTXDESC_CD_0_TCR_TG1, v, "tg1");
    }

    public int irgn1() {
        return (int) field(0, CTXDESC_CD_0_TCR_IRGN1);
    }

    public CdView setIrgn1(long v) {
        return setField(0, CTXDESC_CD_0_TCR_IRGN1, v, "irgn1");
    }

    public int orgn1() {
        return (int) field(0, CTXDESC_CD_0_TCR_ORGN1);
    }

    public CdView setOrgn1(long v) {
        return setField(0, CTXDESC_CD_0_TCR_ORGN1, v, "orgn1");
    }

    public int sh1() {
        return (int) field(0, CTXDESC_CD_0_TCR_SH1);
    }

    public CdView setSh1(long v) {
        return setField(0, CTXDESC_CD_0_TCR_SH1, v, "sh1");
    }

    public boolean epd1() {
        return bit(0, CTXDESC_CD_0_TCR_EPD1);
    }

    public CdView setEpd1(boolean v) {
        return setBit(0, CTXDESC_CD_0_TCR_EPD1, v);
    }

    // ---- dword 0: everything else ------------------------------------------------------

    public boolean valid() {
        return bit(0, CTXDESC_CD_0_V);
    }

    public CdView setValid(boolean v) {
        return setBit(0, CTXDESC_CD_0_V, v);
    }

    /** {@code ARM_LPAE_TCR_PS_*} encoding. */
    public int ips() {
        return (int) field(0, CTXDESC_CD_0_TCR_IPS);
    }

    public CdView setIps(long v) {
        return setField(0, CTXDESC_CD_0_TCR_IPS, v, "ips");
    }

    public boolean affd() {
        return bit(0, CTXDESC_CD_0_AFFD);
    }

    public CdView setAffd(boolean v) {
        return setBit(0, CTXDESC_CD_0_AFFD, v);
    }

    public boolean tbi0() {
        return bit(0, CTXDESC_CD_0_TCR_TBI0);
    }

    public CdView setTbi0(boolean v) {
        return setBit(0, CTXDESC_CD_0_TCR_TBI0, v);
    }

    public boolean tbi1() {
        return bit(0, CTXDESC_CD_0_TCR_TBI1);
    }

    public CdView setTbi1(boolean v) {
        return setBit(0, CTXDESC_CD_0_TCR_TBI1, v);
    }

    public boolean aa64() {
        return bit(0, CTXDESC_CD_0_AA64);
    }

    public CdView setAa64(boolean v) {
        return setBit(0, CTXDESC_CD_0_AA64, v);
    }

    public boolean hd() {
        return bit(0, CTXDESC_CD_0_TCR_HD);
    }

    public CdView setHd(boolean v) {
        return setBit(0, CTXDESC_CD_0_TCR_HD, v);
    }

    public boolean ha() {
        return bit(0, CTXDESC_CD_0_TCR_HA);
    }

    public CdView setHa(boolean v) {
        return setBit(0, CTXDESC_CD_0_TCR_HA, v);
    }

    /** Stall (1) or terminate on fault. */
    public boolean s() {
        return bit(0, CTXDESC_CD_0_S);
    }

    public CdView setS(boolean v) {
        return setBit(0, CTXDESC_CD_0_S, v);
    }

    /** Record faults. */
    public boolean r() {
        return bit(0, CTXDESC_CD_0_R);
    }

    public CdView setR(boolean v) {
        return setBit(0, CTXDESC_CD_0_R, v);
    }

    /** Abort (1) or RAZ/WI terminated transactions. */
    public boolean a() {
        return bit(0, CTXDESC_CD_0_A);
    }

    public CdView setA(boolean v) {
        return setBit(0, CTXDESC_CD_0_A, v);
    }

    public boolean aset() {
        return bit(0, CTXDESC_CD_0_ASET);
    }

    public CdView setAset(boolean v) {
        return setBit(0, CTXDESC_CD_0_ASET, v);
    }

    public int asid() {
        return (int) field(0, CTXDESC_CD_0_ASID);
    }

    public CdView setAsid(int asid) {
        return setField(0, CTXDESC_CD_0_ASID, asid, "asid");
    }

    // ---- dwords 1 .. 3 -----------------------------------------------------------------

    /** TTB0, in place (bits 51..4). */
    public long ttb0() {
        return word(1) & CTXDESC_CD_1_TTB0_MASK;
    }

    public CdView setTtb0(long pa) {
        return setAddress(1, CTXDESC_CD_1_TTB0_MASK, pa);
    }

    /** TTB1, in place (bits 51..4). */
    public long ttb1() {
        return word(2) & CTXDESC_CD_2_TTB1_MASK;
    }

    public CdView setTtb1(long pa) {
        return setAddress(2, CTXDESC_CD_2_TTB1_MASK, pa);
    }

    public long mair() {
        return word(3);
    }

    public CdView setMair(long mair) {
        return setWord(3, mair);
    }
}

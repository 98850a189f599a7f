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
public final class CdView {

    /** CD size in bytes; a CD is naturally aligned. */
    public static final int SIZE = CTXDESC_CD_DWORDS * 8;

    private final PhysicalMemory memory;
    private long address;

    private CdView(PhysicalMemory memory, long address) {
        this.memory = memory;
        at(address);
    }

    /**
     * A view of the CD at {@code pa}.
     *
     * @throws IllegalArgumentException if {@code pa} is not 64-byte aligned
     */
    public static CdView wrap(PhysicalMemory memory, long pa) {
        return new CdView(memory, pa);
    }

    /**
     * Moves this view to the CD at {@code pa}.
     *
     * @throws IllegalArgumentException if {@code pa} is not 64-byte aligned
     */
    public CdView at(long pa) {
        if ((pa & (SIZE - 1)) != 0) {
            throw new IllegalArgumentException("CD address 0x" + Long.toHexString(pa) + " is not 64-byte aligned");
        }
        this.address = pa;
        return this;
    }

    public long address() {
        return address;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    // ---- raw dwords --------------------------------------------------------------------

    /** Dword {@code i} (0..7). */
    public long word(int i) {
        return memory.read64(address + 8L * index(i));
    }

    public CdView setWord(int i, long value) {
        memory.write64(address + 8L * index(i), value);
        return this;
    }

    /** Copies the 8 dwords into {@code dst[0..7]}. */
    public void read(long[] dst) {
        for (int i = 0; i < CTXDESC_CD_DWORDS; i++) {
            dst[i] = word(i);
        }
    }

    /** Writes {@code src[0..7]}, dword 0 first. */
    public CdView write(long[] src) {
        for (int i = 0; i < CTXDESC_CD_DWORDS; i++) {
            setWord(i, src[i]);
        }
        return this;
    }

    /** Zeroes the CD (V = 0). */
    public CdView clear() {
        for (int i = 0; i < CTXDESC_CD_DWORDS; i++) {
            setWord(i, 0);
        }
        return this;
    }

    // ---- dword 0: TTB0 regime ----------------------------------------------------------

    public int t0sz() {
        return (int) field(CTXDESC_CD_0_TCR_T0SZ);
    }

    public CdView setT0sz(int v) {
        return setField(CTXDESC_CD_0_TCR_T0SZ, v, "t0sz");
    }

    /** {@code ARM_LPAE_TCR_TG0_*} encoding. */
    public int tg0() {
        return (int) field(CTXDESC_CD_0_TCR_TG0);
    }

    public CdView setTg0(long v) {
        return setField(CTXDESC_CD_0_TCR_TG0, v, "tg0");
    }

    public int irgn0() {
        return (int) field(CTXDESC_CD_0_TCR_IRGN0);
    }

    public CdView setIrgn0(long v) {
        return setField(CTXDESC_CD_0_TCR_IRGN0, v, "irgn0");
    }

    public int orgn0() {
        return (int) field(CTXDESC_CD_0_TCR_ORGN0);
    }

    public CdView setOrgn0(long v) {
        return setField(CTXDESC_CD_0_TCR_ORGN0, v, "orgn0");
    }

    public int sh0() {
        return (int) field(CTXDESC_CD_0_TCR_SH0);
    }

    public CdView setSh0(long v) {
        return setField(CTXDESC_CD_0_TCR_SH0, v, "sh0");
    }

    public boolean epd0() {
        return bit(CTXDESC_CD_0_TCR_EPD0);
    }

    public CdView setEpd0(boolean v) {
        return setBit(CTXDESC_CD_0_TCR_EPD0, v);
    }

    public boolean endi() {
        return bit(CTXDESC_CD_0_ENDI);
    }

    public CdView setEndi(boolean v) {
        return setBit(CTXDESC_CD_0_ENDI, v);
    }

    // ---- dword 0: TTB1 regime ----------------------------------------------------------

    public int t1sz() {
        return (int) field(CTXDESC_CD_0_TCR_T1SZ);
    }

    public CdView setT1sz(int v) {
        return setField(CTXDESC_CD_0_TCR_T1SZ, v, "t1sz");
    }

    /** {@code ARM_LPAE_TCR_TG1_*} encoding, which differs from TG0's. */
    public int tg1() {
        return (int) field(CTXDESC_CD_0_TCR_TG1);
    }

    public CdView setTg1(long v) {
        return setField(CTXDESC_CD_0_TCR_TG1, v, "tg1");
    }

    public int irgn1() {
        return (int) field(CTXDESC_CD_0_TCR_IRGN1);
    }

    public CdView setIrgn1(long v) {
        return setField(CTXDESC_CD_0_TCR_IRGN1, v, "irgn1");
    }

    public int orgn1() {
        return (int) field(CTXDESC_CD_0_TCR_ORGN1);
    }

    public CdView setOrgn1(long v) {
        return setField(CTXDESC_CD_0_TCR_ORGN1, v, "orgn1");
    }

    public int sh1() {
        return (int) field(CTXDESC_CD_0_TCR_SH1);
    }

    public CdView setSh1(long v) {
        return setField(CTXDESC_CD_0_TCR_SH1, v, "sh1");
    }

    public boolean epd1() {
        return bit(CTXDESC_CD_0_TCR_EPD1);
    }

    public CdView setEpd1(boolean v) {
        return setBit(CTXDESC_CD_0_TCR_EPD1, v);
    }

    // ---- dword 0: everything else ------------------------------------------------------

    public boolean valid() {
        return bit(CTXDESC_CD_0_V);
    }

    public CdView setValid(boolean v) {
        return setBit(CTXDESC_CD_0_V, v);
    }

    /** {@code ARM_LPAE_TCR_PS_*} encoding. */
    public int ips() {
        return (int) field(CTXDESC_CD_0_TCR_IPS);
    }

    public CdView setIps(long v) {
        return setField(CTXDESC_CD_0_TCR_IPS, v, "ips");
    }

    public boolean affd() {
        return bit(CTXDESC_CD_0_AFFD);
    }

    public CdView setAffd(boolean v) {
        return setBit(CTXDESC_CD_0_AFFD, v);
    }

    public boolean tbi0() {
        return bit(CTXDESC_CD_0_TCR_TBI0);
    }

    public CdView setTbi0(boolean v) {
        return setBit(CTXDESC_CD_0_TCR_TBI0, v);
    }

    public boolean tbi1() {
        return bit(CTXDESC_CD_0_TCR_TBI1);
    }

    public CdView setTbi1(boolean v) {
        return setBit(CTXDESC_CD_0_TCR_TBI1, v);
    }

    public boolean aa64() {
        return bit(CTXDESC_CD_0_AA64);
    }

    public CdView setAa64(boolean v) {
        return setBit(CTXDESC_CD_0_AA64, v);
    }

    public boolean hd() {
        return bit(CTXDESC_CD_0_TCR_HD);
    }

    public CdView setHd(boolean v) {
        return setBit(CTXDESC_CD_0_TCR_HD, v);
    }

    public boolean ha() {
        return bit(CTXDESC_CD_0_TCR_HA);
    }

    public CdView setHa(boolean v) {
        return setBit(CTXDESC_CD_0_TCR_HA, v);
    }

    /** Stall (1) or terminate on fault. */
    public boolean s() {
        return bit(CTXDESC_CD_0_S);
    }

    public CdView setS(boolean v) {
        return setBit(CTXDESC_CD_0_S, v);
    }

    /** Record faults. */
    public boolean r() {
        return bit(CTXDESC_CD_0_R);
    }

    public CdView setR(boolean v) {
        return setBit(CTXDESC_CD_0_R, v);
    }

    /** Abort (1) or RAZ/WI terminated transactions. */
    public boolean a() {
        return bit(CTXDESC_CD_0_A);
    }

    public CdView setA(boolean v) {
        return setBit(CTXDESC_CD_0_A, v);
    }

    public boolean aset() {
        return bit(CTXDESC_CD_0_ASET);
    }

    public CdView setAset(boolean v) {
        return setBit(CTXDESC_CD_0_ASET, v);
    }

    public int asid() {
        return (int) field(CTXDESC_CD_0_ASID);
    }

    public CdView setAsid(int asid) {
        return setField(CTXDESC_CD_0_ASID, asid, "asid");
    }

    // ---- dwords 1 .. 3 -----------------------------------------------------------------

    /** TTB0, in place (bits 51..4). */
    public long ttb0() {
        return word(1) & CTXDESC_CD_1_TTB0_MASK;
    }

    public CdView setTtb0(long pa) {
        return setWord(1, (word(1) & ~CTXDESC_CD_1_TTB0_MASK) | (pa & CTXDESC_CD_1_TTB0_MASK));
    }

    /** TTB1, in place (bits 51..4). */
    public long ttb1() {
        return word(2) & CTXDESC_CD_2_TTB1_MASK;
    }

    public CdView setTtb1(long pa) {
        return setWord(2, (word(2) & ~CTXDESC_CD_2_TTB1_MASK) | (pa & CTXDESC_CD_2_TTB1_MASK));
    }

    public long mair() {
        return word(3);
    }

    public CdView setMair(long mair) {
        return setWord(3, mair);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CD@0x").append(Long.toHexString(address));
        for (int i = 0; i < 4; i++) {
            sb.append(' ').append(String.format("%016x", word(i)));
        }
        return sb.toString();
    }

    // ---- helpers -----------------------------------------------------------------------

    private static int index(int i) {
        if (i < 0 || i >= CTXDESC_CD_DWORDS) {
            throw new IndexOutOfBoundsException("CD dword " + i);
        }
        return i;
    }

    private long field(long mask) {
        return Field.get(mask, word(0));
    }

    private boolean bit(long mask) {
        return (word(0) & mask) != 0;
    }

    private CdView setField(long mask, long value, String name) {
        if (!Field.fits(mask, value)) {
            throw new IllegalArgumentException("CD." + name + " " + value + " does not fit " + Field.width(mask) + " bits");
        }
        return setWord(0, Field.set(word(0), mask, value));
    }

    private CdView setBit(long mask, boolean on) {
        long w = word(0);
        return setWord(0, on ? w | mask : w & ~mask);
    }
}

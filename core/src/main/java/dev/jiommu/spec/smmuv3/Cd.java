package dev.jiommu.spec.smmuv3;

/**
 * Context Descriptor and Level-1 Context Descriptor layouts (IHI0070 5.4 CD,
 * 5.3 L1CD).
 *
 * <p>A CD is 64 bytes (8 little-endian dwords), naturally aligned; it holds the
 * stage 1 translation regime of one substream: the TCR-like fields, the table
 * bases TTB0/TTB1, MAIR, ASID and the fault model (A, R, S). When STE.S1CDMax
 * is non-zero the STE points at a table of CDs indexed by SubstreamID, either
 * linear or 2-level (STE.S1Fmt); a level-1 descriptor is 8 bytes.
 *
 * <pre>
 *  dword 0: 63..48 ASID | 47 ASET | 46 A | 45 R | 44 S | 43 HA | 42 HD | 41 AA64
 *           | 40 PAN | 39 TBI1 | 38 TBI0 | 37 UWXN | 36 WXN | 35 AFFD | 34..32 IPS
 *           | 31 V | 30 EPD1 | 29..28 SH1 | 27..26 ORGN1 | 25..24 IRGN1 | 23..22 TG1
 *           | 21..16 T1SZ | 15 ENDI | 14 EPD0 | 13..12 SH0 | 11..10 ORGN0 | 9..8 IRGN0
 *           | 7..6 TG0 | 5..0 T0SZ
 *  dword 1: 63..60 HWU0g62..59 | 51..4 TTB0 | 1 HAD0 | 0 NSCFG0
 *  dword 2: 63..60 HWU1g62..59 | 51..4 TTB1 | 1 HAD1 | 0 NSCFG1
 *  dword 3: 63..0 MAIR (MAIR0 in 31..0, MAIR1 in 63..32)
 *  dword 4: 63..0 AMAIR
 *  dwords 5..7: IMPLEMENTATION DEFINED, MPAM and later extensions, not modelled
 *  L1CD:    51..12 L2PTR | 0 V
 * </pre>
 *
 * <p>TG0 and TG1 use different encodings (as TCR_EL1 does): see
 * {@link #ARM_LPAE_TCR_TG0_4K} and {@link #ARM_LPAE_TCR_TG1_4K}. Linux names the
 * TCR-derived fields {@code CTXDESC_CD_0_TCR_*}.
 */
public final class Cd {

    private Cd() {
    }

    // ---- Table geometry ----------------------------------------------------------------

    public static final int CTXDESC_CD_DWORDS = 8;
    /** Linux's 2-level CD split: 1024 CDs (64 KiB) per leaf table, i.e. STE.S1Fmt 64K_L2. */
    public static final int CTXDESC_SPLIT = 10;
    public static final int CTXDESC_L2_ENTRIES = 1 << CTXDESC_SPLIT;
    /** Linux's limit, log2, for a linear CD table: 64 KiB of CDs. */
    public static final int CTXDESC_LINEAR_CDMAX = 10;

    public static final int CTXDESC_L1_DESC_DWORDS = 1;
    public static final long CTXDESC_L1_DESC_V = 1L << 0;
    public static final long CTXDESC_L1_DESC_L2PTR_MASK = Field.genmask(51, 12);

    // ---- Values of the TCR-like fields (Linux io-pgtable-arm.h) ------------------------

    public static final long ARM_LPAE_TCR_TG0_4K = 0;
    public static final long ARM_LPAE_TCR_TG0_64K = 1;
    public static final long ARM_LPAE_TCR_TG0_16K = 2;
    public static final long ARM_LPAE_TCR_TG1_16K = 1;
    public static final long ARM_LPAE_TCR_TG1_4K = 2;
    public static final long ARM_LPAE_TCR_TG1_64K = 3;
    public static final long ARM_LPAE_TCR_SH_NS = 0;
    public static final long ARM_LPAE_TCR_SH_OS = 2;
    public static final long ARM_LPAE_TCR_SH_IS = 3;
    public static final long ARM_LPAE_TCR_RGN_NC = 0;
    public static final long ARM_LPAE_TCR_RGN_WBWA = 1;
    public static final long ARM_LPAE_TCR_RGN_WT = 2;
    public static final long ARM_LPAE_TCR_RGN_WB = 3;
    public static final long ARM_LPAE_TCR_PS_32_BIT = 0x0;
    public static final long ARM_LPAE_TCR_PS_36_BIT = 0x1;
    public static final long ARM_LPAE_TCR_PS_40_BIT = 0x2;
    public static final long ARM_LPAE_TCR_PS_42_BIT = 0x3;
    public static final long ARM_LPAE_TCR_PS_44_BIT = 0x4;
    public static final long ARM_LPAE_TCR_PS_48_BIT = 0x5;
    public static final long ARM_LPAE_TCR_PS_52_BIT = 0x6;

    // ---- Dword 0 -----------------------------------------------------------------------

    public static final long CTXDESC_CD_0_TCR_T0SZ = Field.genmask(5, 0);
    public static final long CTXDESC_CD_0_TCR_TG0 = Field.genmask(7, 6);
    public static final long CTXDESC_CD_0_TCR_IRGN0 = Field.genmask(9, 8);
    public static final long CTXDESC_CD_0_TCR_ORGN0 = Field.genmask(11, 10);
    public static final long CTXDESC_CD_0_TCR_SH0 = Field.genmask(13, 12);
    public static final long CTXDESC_CD_0_TCR_EPD0 = 1L << 14;
    public static final long CTXDESC_CD_0_ENDI = 1L << 15;
    /** Not in Linux (5.4). */
    public static final long CTXDESC_CD_0_TCR_T1SZ = Field.genmask(21, 16);
    /** Not in Linux (5.4): encoded as TCR TG1, not as TG0. */
    public static final long CTXDESC_CD_0_TCR_TG1 = Field.genmask(23, 22);
    /** Not in Linux (5.4). */
    public static final long CTXDESC_CD_0_TCR_IRGN1 = Field.genmask(25, 24);
    /** Not in Linux (5.4). */
    public static final long CTXDESC_CD_0_TCR_ORGN1 = Field.genmask(27, 26);
    /** Not in Linux (5.4). */
    public static final long CTXDESC_CD_0_TCR_SH1 = Field.genmask(29, 28);
    public static final long CTXDESC_CD_0_TCR_EPD1 = 1L << 30;
    public static final long CTXDESC_CD_0_V = 1L << 31;
    public static final long CTXDESC_CD_0_TCR_IPS = Field.genmask(34, 32);
    /** Not in Linux (5.4): access flag fault disable, IGNORED when HA == 1. */
    public static final long CTXDESC_CD_0_AFFD = 1L << 35;
    /** Not in Linux (5.4): write implies execute-never. */
    public static final long CTXDESC_CD_0_WXN = 1L << 36;
    /** Not in Linux (5.4): unprivileged write implies privileged execute-never (VMSAv8-32 only). */
    public static final long CTXDESC_CD_0_UWXN = 1L << 37;
    public static final long CTXDESC_CD_0_TCR_TBI0 = 1L << 38;
    /** Not in Linux (5.4). */
    public static final long CTXDESC_CD_0_TCR_TBI1 = 1L << 39;
    /** Not in Linux (5.4): privileged access never. */
    public static final long CTXDESC_CD_0_PAN = 1L << 40;
    /** 1 selects VMSAv8-64 tables. */
    public static final long CTXDESC_CD_0_AA64 = 1L << 41;
    public static final long CTXDESC_CD_0_TCR_HD = 1L << 42;
    public static final long CTXDESC_CD_0_TCR_HA = 1L << 43;
    /** Stall on fault (5.5). */
    public static final long CTXDESC_CD_0_S = 1L << 44;
    /** Record faults (5.5). */
    public static final long CTXDESC_CD_0_R = 1L << 45;
    /** Abort terminated transactions, rather than RAZ/WI (5.5). */
    public static final long CTXDESC_CD_0_A = 1L << 46;
    /** ASID set: 0 shared (takes part in broadcast TLB maintenance), 1 private. */
    public static final long CTXDESC_CD_0_ASET = 1L << 47;
    /** Older Linux names for the ASET values. */
    public static final long CTXDESC_CD_0_ASET_SHARED = 0;
    public static final long CTXDESC_CD_0_ASET_PRIVATE = 1;
    public static final long CTXDESC_CD_0_ASID = Field.genmask(63, 48);

    // ---- Dwords 1 .. 4 -----------------------------------------------------------------

    /** Not in Linux (5.4): TTB0 walk NS attribute, Secure CDs only. */
    public static final long CTXDESC_CD_1_NSCFG0 = 1L << 0;
    /** Not in Linux (5.4): hierarchical attribute disable for TTB0. */
    public static final long CTXDESC_CD_1_HAD0 = 1L << 1;
    /** TTB0; the spec widens it to [55:4] with 56-bit PAs. */
    public static final long CTXDESC_CD_1_TTB0_MASK = Field.genmask(51, 4);
    /** Not in Linux (5.4). */
    public static final long CTXDESC_CD_2_NSCFG1 = 1L << 0;
    /** Not in Linux (5.4). */
    public static final long CTXDESC_CD_2_HAD1 = 1L << 1;
    /** Not in Linux (5.4): TTB1, same layout as TTB0. */
    public static final long CTXDESC_CD_2_TTB1_MASK = Field.genmask(51, 4);
    /** The whole dword, as MAIR_EL1 (older Linux: {@code CTXDESC_CD_3_MAIR_SHIFT 0}). */
    public static final long CTXDESC_CD_3_MAIR = -1L;
    /** Not in Linux (5.4): the whole dword, as AMAIR_EL1. */
    public static final long CTXDESC_CD_4_AMAIR = -1L;
}

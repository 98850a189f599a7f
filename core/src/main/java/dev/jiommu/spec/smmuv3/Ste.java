package dev.jiommu.spec.smmuv3;

/**
 * Stream Table Entry and Level-1 Stream Table Descriptor layouts
 * (IHI0070 5.2 STE, 5.1 L1STD; Stream table formats in 3.3).
 *
 * <p>An STE is 64 bytes (8 little-endian dwords), naturally aligned. A linear
 * Stream table is indexed by StreamID; a 2-level table splits the StreamID at
 * {@code SMMU_STRTAB_BASE_CFG.SPLIT}: {@code SID >> SPLIT} indexes 8-byte L1
 * descriptors, whose {@code L2Ptr} locates {@code 2^(Span-1)} STEs indexed by
 * the low {@code SPLIT} bits. Linux always uses {@link #STRTAB_SPLIT} = 8.
 *
 * <pre>
 *  dword 0: 63..59 S1CDMAX | 58..52 RES0 | 51..6 S1CTXPTR | 5..4 S1FMT | 3..1 CFG | 0 V
 *  dword 1: 51..50 INSTCFG | 49..48 PRIVCFG | 47..46 NSCFG | 45..44 SHCFG | 43..41 RES0
 *           | 40..37 ALLOCCFG | 36 MTCFG | 35..32 MEMATTR | 31..30 STRW | 29..28 EATS
 *           | 27 S1STALLD | 26 S1MPAM | 25 S2FWB | 24 S1PIE | 23..20 SW_RESERVED | 19 MEV
 *           | 18 PPAR | 17 DCP | 16..13 CONT | 12 DRE | 11..8 S2HWU62..59
 *           | 7..6 S1CSH | 5..4 S1COR | 3..2 S1CIR | 1..0 S1DSS
 *  dword 2: 58 S2R | 57 S2S | 56 S2HA | 55 S2HD | 54 S2PTW | 53 S2AFFD | 52 S2ENDI
 *           | 51 S2AA64 | 50..32 VTCR (50..48 S2PS | 47..46 S2TG | 45..44 S2SH0
 *           | 43..42 S2OR0 | 41..40 S2IR0 | 39..38 S2SL0 | 37..32 S2T0SZ) | 15..0 S2VMID
 *  dword 3: 51..4 S2TTB
 *  dwords 4..7: MPAM, Secure stage 2 and Realm fields, not modelled here
 *  L1STD:   51..6 L2PTR | 4..0 SPAN
 * </pre>
 *
 * <p>VTCR sub-field masks ({@code STRTAB_STE_2_VTCR_*}) are relative to the
 * VTCR field, as in Linux: {@code prep(STRTAB_STE_2_VTCR, prep(STRTAB_STE_2_VTCR_S2T0SZ, t0sz) | ...)}.
 * Fields with an S1 prefix are IGNORED when stage 1 bypasses; fields with an S2
 * prefix other than S2VMID are IGNORED when stage 2 bypasses (5.2).
 */
public final class Ste {

    private Ste() {
    }

    // ---- Table geometry ----------------------------------------------------------------

    public static final int STRTAB_STE_DWORDS = 8;
    /** Linux's 2-level split: 256 STEs (one PCI bus) per level-2 table. */
    public static final int STRTAB_SPLIT = 8;
    public static final int STRTAB_NUM_L2_STES = 1 << STRTAB_SPLIT;
    /** Linux's largest level-1 table: 128Ki descriptors (1 MiB). */
    public static final int STRTAB_MAX_L1_ENTRIES = 1 << 17;
    /** Older Linux: log2 of the largest level-1 table in bytes. */
    public static final int STRTAB_L1_SZ_SHIFT = 20;

    public static final int STRTAB_L1_DESC_DWORDS = 1;
    /** L1STD.Span: 0 invalid, else the level-2 table holds 2^(Span-1) STEs; at most SPLIT + 1. */
    public static final long STRTAB_L1_DESC_SPAN = Field.genmask(4, 0);
    public static final long STRTAB_L1_DESC_L2PTR_MASK = Field.genmask(51, 6);

    // ---- Dword 0 -----------------------------------------------------------------------

    public static final long STRTAB_STE_0_V = 1L << 0;

    public static final long STRTAB_STE_0_CFG = Field.genmask(3, 1);
    /** Abort without an event. Values 0b001..0b011 are reserved and behave as abort. */
    public static final long STRTAB_STE_0_CFG_ABORT = 0;
    public static final long STRTAB_STE_0_CFG_BYPASS = 4;
    public static final long STRTAB_STE_0_CFG_S1_TRANS = 5;
    public static final long STRTAB_STE_0_CFG_S2_TRANS = 6;
    /** Stage 1 and stage 2 (Linux names it in the nesting series). */
    public static final long STRTAB_STE_0_CFG_NESTED = 7;

    public static final long STRTAB_STE_0_S1FMT = Field.genmask(5, 4);
    public static final long STRTAB_STE_0_S1FMT_LINEAR = 0;
    /** 2-level CD table with 4 KiB leaf tables of 64 CDs (older Linux; dropped from today's header). */
    public static final long STRTAB_STE_0_S1FMT_4K_L2 = 1;
    /** 2-level CD table with 64 KiB leaf tables of 1024 CDs. */
    public static final long STRTAB_STE_0_S1FMT_64K_L2 = 2;
    /** S1ContextPtr, a PA (an IPA when stage 2 translates). The spec grows it to [55:6] with 56-bit PAs. */
    public static final long STRTAB_STE_0_S1CTXPTR_MASK = Field.genmask(51, 6);
    /** log2 of the number of CDs; 0 disables substreams. */
    public static final long STRTAB_STE_0_S1CDMAX = Field.genmask(63, 59);

    // ---- Dword 1 -----------------------------------------------------------------------

    /** Default substream: behaviour of traffic without a SubstreamID when S1CDMAX != 0. */
    public static final long STRTAB_STE_1_S1DSS = Field.genmask(1, 0);
    public static final long STRTAB_STE_1_S1DSS_TERMINATE = 0x0;
    public static final long STRTAB_STE_1_S1DSS_BYPASS = 0x1;
    public static final long STRTAB_STE_1_S1DSS_SSID0 = 0x2;

    /** Values of S1CIR/S1COR. */
    public static final long STRTAB_STE_1_S1C_CACHE_NC = 0;
    public static final long STRTAB_STE_1_S1C_CACHE_WBRA = 1;
    public static final long STRTAB_STE_1_S1C_CACHE_WT = 2;
    public static final long STRTAB_STE_1_S1C_CACHE_WB = 3;
    /** Values of S1CSH (older Linux names). */
    public static final long STRTAB_STE_1_S1C_SH_NSH = 0;
    public static final long STRTAB_STE_1_S1C_SH_OSH = 2;
    public static final long STRTAB_STE_1_S1C_SH_ISH = 3;
    public static final long STRTAB_STE_1_S1CIR = Field.genmask(3, 2);
    public static final long STRTAB_STE_1_S1COR = Field.genmask(5, 4);
    public static final long STRTAB_STE_1_S1CSH = Field.genmask(7, 6);

    /** Not in Linux (5.2): destructive read enable. */
    public static final long STRTAB_STE_1_DRE = 1L << 12;
    /** Not in Linux (5.2): contiguous hint, 2^CONT identical STEs. */
    public static final long STRTAB_STE_1_CONT = Field.genmask(16, 13);
    /** Not in Linux (5.2): directed cache prefetch. */
    public static final long STRTAB_STE_1_DCP = 1L << 17;
    /** PRI page-request auto-responses carry the PASID. */
    public static final long STRTAB_STE_1_PPAR = 1L << 18;
    /** Merge events. */
    public static final long STRTAB_STE_1_MEV = 1L << 19;
    /** Stage 2 forced write-back (SMMUv3.2). */
    public static final long STRTAB_STE_1_S2FWB = 1L << 25;
    /** Stage 1 stall disable: CD.S must not select the stall model. */
    public static final long STRTAB_STE_1_S1STALLD = 1L << 27;

    public static final long STRTAB_STE_1_EATS = Field.genmask(29, 28);
    public static final long STRTAB_STE_1_EATS_ABT = 0;
    public static final long STRTAB_STE_1_EATS_TRANS = 1;
    /** Split-stage ATS: translation responses carry the stage 1 output (IPA). */
    public static final long STRTAB_STE_1_EATS_S1CHK = 2;

    public static final long STRTAB_STE_1_STRW = Field.genmask(31, 30);
    public static final long STRTAB_STE_1_STRW_NSEL1 = 0;
    public static final long STRTAB_STE_1_STRW_EL2 = 2;

    /** Not in Linux (5.2): memory type override, stage 2 MemAttr encoding. */
    public static final long STRTAB_STE_1_MEMATTR = Field.genmask(35, 32);
    /** Not in Linux (5.2): replace the incoming memory type with MEMATTR. */
    public static final long STRTAB_STE_1_MTCFG = 1L << 36;
    /** Not in Linux (5.2): 0b0xxx use incoming, 0b1RWT override. */
    public static final long STRTAB_STE_1_ALLOCCFG = Field.genmask(40, 37);

    public static final long STRTAB_STE_1_SHCFG = Field.genmask(45, 44);
    /** Not in Linux (5.2). */
    public static final long STRTAB_STE_1_SHCFG_NSH = 0;
    public static final long STRTAB_STE_1_SHCFG_INCOMING = 1;
    /** Not in Linux (5.2). */
    public static final long STRTAB_STE_1_SHCFG_OSH = 2;
    /** Not in Linux (5.2). */
    public static final long STRTAB_STE_1_SHCFG_ISH = 3;

    /** Not in Linux (5.2): NS attribute override, Secure STEs only. */
    public static final long STRTAB_STE_1_NSCFG = Field.genmask(47, 46);
    /** Not in Linux (5.2): privilege override (needs SMMU_IDR1.ATTR_PERMS_OVR); 0b01 behaves as 0b00. */
    public static final long STRTAB_STE_1_PRIVCFG = Field.genmask(49, 48);
    public static final long STRTAB_STE_1_PRIVCFG_INCOMING = 0;
    public static final long STRTAB_STE_1_PRIVCFG_UNPRIV = 2;
    public static final long STRTAB_STE_1_PRIVCFG_PRIV = 3;
    /** Not in Linux (5.2): instruction/data override for reads; 0b01 behaves as 0b00. */
    public static final long STRTAB_STE_1_INSTCFG = Field.genmask(51, 50);
    public static final long STRTAB_STE_1_INSTCFG_INCOMING = 0;
    public static final long STRTAB_STE_1_INSTCFG_DATA = 2;
    public static final long STRTAB_STE_1_INSTCFG_INST = 3;

    // ---- Dword 2 -----------------------------------------------------------------------

    public static final long STRTAB_STE_2_S2VMID = Field.genmask(15, 0);
    /** The stage 2 VTCR_EL2-like fields; the masks below are relative to it. */
    public static final long STRTAB_STE_2_VTCR = Field.genmask(50, 32);
    public static final long STRTAB_STE_2_VTCR_S2T0SZ = Field.genmask(5, 0);
    public static final long STRTAB_STE_2_VTCR_S2SL0 = Field.genmask(7, 6);
    public static final long STRTAB_STE_2_VTCR_S2IR0 = Field.genmask(9, 8);
    public static final long STRTAB_STE_2_VTCR_S2OR0 = Field.genmask(11, 10);
    public static final long STRTAB_STE_2_VTCR_S2SH0 = Field.genmask(13, 12);
    /** Values as TCR TG0: 0 = 4 KiB, 1 = 64 KiB, 2 = 16 KiB (see {@link Cd#ARM_LPAE_TCR_TG0_4K}). */
    public static final long STRTAB_STE_2_VTCR_S2TG = Field.genmask(15, 14);
    /** Values as {@link Registers#IDR5_OAS}: 0 = 32 bits ... 6 = 52 bits. */
    public static final long STRTAB_STE_2_VTCR_S2PS = Field.genmask(18, 16);
    /** 1 selects VMSAv8-64 stage 2 tables. */
    public static final long STRTAB_STE_2_S2AA64 = 1L << 51;
    public static final long STRTAB_STE_2_S2ENDI = 1L << 52;
    /** Not in Linux (5.2): stage 2 access flag fault disable. */
    public static final long STRTAB_STE_2_S2AFFD = 1L << 53;
    /** Protected table walk: stage 1 walks to Device memory fault at stage 2. */
    public static final long STRTAB_STE_2_S2PTW = 1L << 54;
    /** Not in Linux (5.2): stage 2 hardware dirty-state update; needs S2HA. */
    public static final long STRTAB_STE_2_S2HD = 1L << 55;
    /** Not in Linux (5.2): stage 2 hardware access-flag update. */
    public static final long STRTAB_STE_2_S2HA = 1L << 56;
    /** Stage 2 fault stalls (5.5). */
    public static final long STRTAB_STE_2_S2S = 1L << 57;
    /** Stage 2 fault is recorded (5.5). */
    public static final long STRTAB_STE_2_S2R = 1L << 58;

    // ---- Dword 3 -----------------------------------------------------------------------

    /** Stage 2 table base; the spec widens it to [55:4] with 56-bit PAs. */
    public static final long STRTAB_STE_3_S2TTB_MASK = Field.genmask(51, 4);
}

package dev.jiommu.spec.smmuv3;

/**
 * SMMUv3 MMIO registers: offsets and fields (IHI0070 chapter 6, section 6.3).
 *
 * <p>The Non-secure programming interface spans two 64 KiB pages. Offsets are
 * from the base of page 0; the producer/consumer indexes of the Event and PRI
 * queues live in page 1 and keep Linux's historical absolute offsets
 * ({@code 0x100a8}; Linux today writes {@code 0xa8} relative to its
 * {@code page1} mapping, which is the same register).
 *
 * <pre>
 *  page 0   0x00 IDR0   0x04 IDR1   0x08 IDR2   0x0c IDR3   0x10 IDR4   0x14 IDR5
 *           0x18 IIDR   0x1c AIDR   0x20 CR0    0x24 CR0ACK 0x28 CR1    0x2c CR2
 *           0x40 STATUSR 0x44 GBPA  0x48 AGBPA  0x50 IRQ_CTRL           0x54 IRQ_CTRLACK
 *           0x60 GERROR 0x64 GERRORN 0x68 GERROR_IRQ_CFG0 (64) 0x70 CFG1 0x74 CFG2
 *           0x80 STRTAB_BASE (64)   0x88 STRTAB_BASE_CFG
 *           0x90 CMDQ_BASE (64)     0x98 CMDQ_PROD      0x9c CMDQ_CONS
 *           0xa0 EVTQ_BASE (64)     0xb0 EVTQ_IRQ_CFG0 (64) 0xb8 CFG1   0xbc CFG2
 *           0xc0 PRIQ_BASE (64)     0xd0 PRIQ_IRQ_CFG0 (64) 0xd8 CFG1   0xdc CFG2
 *  page 1   0x100a8 EVTQ_PROD  0x100ac EVTQ_CONS  0x100c8 PRIQ_PROD  0x100cc PRIQ_CONS
 * </pre>
 *
 * <p>Register fields are {@code long} masks relative to the register; values
 * under a field are field values for {@link Field#prep}/{@link Field#get}.
 * A 32-bit register read as an {@code int} should be widened with
 * {@code & 0xffffffffL} before comparing whole values.
 */
public final class Registers {

    private Registers() {
    }

    // ---- MMIO layout -------------------------------------------------------------------

    /** Size of each of the two MMIO pages (Linux maps page 1 at {@code base + SZ_64K}). Not named in Linux. */
    public static final int ARM_SMMU_PAGE_SIZE = 0x10000;
    /** Offset of page 1 from page 0. Not named in Linux ({@code SZ_64K} in {@code arm_smmu_page1}). */
    public static final int ARM_SMMU_PAGE1 = 0x10000;
    /** MMIO size of the Non-secure interface, two pages ({@code SZ_128K} in {@code arm_smmu_resource_size}). */
    public static final int ARM_SMMU_MMIO_SIZE = 0x20000;
    /** Bytes of each page Linux maps for registers: the architected registers below the IMPDEF space. */
    public static final int ARM_SMMU_REG_SZ = 0xe00;

    // ---- SMMU_IDR0 (6.3.1) -------------------------------------------------------------

    public static final int ARM_SMMU_IDR0 = 0x0;
    /** Not in Linux (6.3.1): RME features implemented. */
    public static final long IDR0_RME_IMPL = 1L << 30;
    public static final long IDR0_ST_LVL = Field.genmask(28, 27);
    /** Not in Linux (6.3.1): linear Stream table only. */
    public static final long IDR0_ST_LVL_1LVL = 0;
    public static final long IDR0_ST_LVL_2LVL = 1;
    /** Not in Linux (6.3.1): terminated transactions always abort (CD.A must be 1). */
    public static final long IDR0_TERM_MODEL = 1L << 26;
    public static final long IDR0_STALL_MODEL = Field.genmask(25, 24);
    public static final long IDR0_STALL_MODEL_STALL = 0;
    /** Not in Linux (6.3.1): stall not supported, all faults terminate. */
    public static final long IDR0_STALL_MODEL_TERM = 1;
    public static final long IDR0_STALL_MODEL_FORCE = 2;
    /** Not in Linux (6.3.1): configuration errors recorded for ATS and PRI. */
    public static final long IDR0_ATSRECERR = 1L << 23;
    public static final long IDR0_TTENDIAN = Field.genmask(22, 21);
    public static final long IDR0_TTENDIAN_MIXED = 0;
    public static final long IDR0_TTENDIAN_LE = 2;
    public static final long IDR0_TTENDIAN_BE = 3;
    /** Not in Linux (6.3.1): virtual ATOS page supported. */
    public static final long IDR0_VATOS = 1L << 20;
    public static final long IDR0_CD2L = 1L << 19;
    public static final long IDR0_VMID16 = 1L << 18;
    /** Not in Linux (6.3.1): VMID wildcard matching for TLB invalidation. */
    public static final long IDR0_VMW = 1L << 17;
    public static final long IDR0_PRI = 1L << 16;
    /** Not in Linux (6.3.1): address translation operations supported. */
    public static final long IDR0_ATOS = 1L << 15;
    public static final long IDR0_SEV = 1L << 14;
    public static final long IDR0_MSI = 1L << 13;
    public static final long IDR0_ASID16 = 1L << 12;
    /** Not in Linux (6.3.1): split-stage (stage 1-only) ATS not supported. */
    public static final long IDR0_NS1ATS = 1L << 11;
    public static final long IDR0_ATS = 1L << 10;
    public static final long IDR0_HYP = 1L << 9;
    /** Not in Linux (6.3.1): dormant hint supported. */
    public static final long IDR0_DORMHINT = 1L << 8;
    public static final long IDR0_HTTU = Field.genmask(7, 6);
    public static final long IDR0_HTTU_ACCESS = 1;
    public static final long IDR0_HTTU_ACCESS_DIRTY = 2;
    public static final long IDR0_BTM = 1L << 5;
    public static final long IDR0_COHACC = 1L << 4;
    public static final long IDR0_TTF = Field.genmask(3, 2);
    /** Not in Linux (6.3.1): VMSAv8-32 LPAE tables only. */
    public static final long IDR0_TTF_AARCH32 = 1;
    public static final long IDR0_TTF_AARCH64 = 2;
    public static final long IDR0_TTF_AARCH32_64 = 3;
    public static final long IDR0_S1P = 1L << 1;
    public static final long IDR0_S2P = 1L << 0;

    // ---- SMMU_IDR1 (6.3) -------------------------------------------------------------

    public static final int ARM_SMMU_IDR1 = 0x4;
    public static final long IDR1_TABLES_PRESET = 1L << 30;
    public static final long IDR1_QUEUES_PRESET = 1L << 29;
    public static final long IDR1_REL = 1L << 28;
    public static final long IDR1_ATTR_TYPES_OVR = 1L << 27;
    /** Not in Linux (6.3, SMMU_IDR1): STE/GBPA INSTCFG, PRIVCFG, NSCFG overrides supported. */
    public static final long IDR1_ATTR_PERMS_OVR = 1L << 26;
    public static final long IDR1_CMDQS = Field.genmask(25, 21);
    public static final long IDR1_EVTQS = Field.genmask(20, 16);
    public static final long IDR1_PRIQS = Field.genmask(15, 11);
    public static final long IDR1_SSIDSIZE = Field.genmask(10, 6);
    public static final long IDR1_SIDSIZE = Field.genmask(5, 0);

    // ---- SMMU_IDR2, IDR3 (6.3.4), IDR4 ----------------------------------------

    /** Not in Linux (6.3, SMMU_IDR2). */
    public static final int ARM_SMMU_IDR2 = 0x8;
    public static final int ARM_SMMU_IDR3 = 0xc;
    /** Not in Linux (6.3.4): CD.HAD0/HAD1 hierarchical attribute disables honoured. */
    public static final long IDR3_HAD = 1L << 2;
    /** Not in Linux (6.3.4). */
    public static final long IDR3_PBHA = 1L << 3;
    /** Not in Linux (6.3.4). */
    public static final long IDR3_XNX = 1L << 4;
    /** Not in Linux (6.3.4): PASID always used on PRI auto-responses; STE.PPAR ignored. */
    public static final long IDR3_PPS = 1L << 5;
    /** Not in Linux (6.3.4). */
    public static final long IDR3_MPAM = 1L << 7;
    public static final long IDR3_FWB = 1L << 8;
    /** Not in Linux (6.3.4): small translation tables. */
    public static final long IDR3_STT = 1L << 9;
    public static final long IDR3_RIL = 1L << 10;
    /** Break-before-make level; Linux added it with the BBML2 work (field values, not shifted). */
    public static final long IDR3_BBML = Field.genmask(12, 11);
    public static final long IDR3_BBML0 = 0;
    public static final long IDR3_BBML1 = 1;
    public static final long IDR3_BBML2 = 2;
    /** Not in Linux (6.3.4). */
    public static final long IDR3_E0PD = 1L << 13;
    /** Not in Linux (6.3.4): S2PTW == 0 walks to Device memory behave as Normal-NC. */
    public static final long IDR3_PTWNNC = 1L << 14;
    /** Not in Linux (6.3.4): Device Permission Table. */
    public static final long IDR3_DPT = 1L << 15;
    /** Not in Linux (6.3, SMMU_IDR4). */
    public static final int ARM_SMMU_IDR4 = 0x10;

    // ---- SMMU_IDR5 (6.3) -------------------------------------------------------------

    public static final int ARM_SMMU_IDR5 = 0x14;
    public static final long IDR5_STALL_MAX = Field.genmask(31, 16);
    public static final long IDR5_VAX = Field.genmask(11, 10);
    /** Not in Linux (6.3, SMMU_IDR5): 48-bit VAs. */
    public static final long IDR5_VAX_48_BIT = 0;
    public static final long IDR5_VAX_52_BIT = 1;
    public static final long IDR5_GRAN64K = 1L << 6;
    public static final long IDR5_GRAN16K = 1L << 5;
    public static final long IDR5_GRAN4K = 1L << 4;
    public static final long IDR5_OAS = Field.genmask(2, 0);
    public static final long IDR5_OAS_32_BIT = 0;
    public static final long IDR5_OAS_36_BIT = 1;
    public static final long IDR5_OAS_40_BIT = 2;
    public static final long IDR5_OAS_42_BIT = 3;
    public static final long IDR5_OAS_44_BIT = 4;
    public static final long IDR5_OAS_48_BIT = 5;
    public static final long IDR5_OAS_52_BIT = 6;

    // ---- SMMU_IIDR, SMMU_AIDR (6.3) -------------------------------------------

    public static final int ARM_SMMU_IIDR = 0x18;
    public static final long IIDR_PRODUCTID = Field.genmask(31, 20);
    public static final long IIDR_VARIANT = Field.genmask(19, 16);
    public static final long IIDR_REVISION = Field.genmask(15, 12);
    public static final long IIDR_IMPLEMENTER = Field.genmask(11, 0);

    /** Not in Linux (6.3, SMMU_AIDR). */
    public static final int ARM_SMMU_AIDR = 0x1c;
    /** Not in Linux (6.3, SMMU_AIDR): 0 for SMMUv3.x. */
    public static final long AIDR_ARCHMAJORREV = Field.genmask(7, 4);
    /** Not in Linux (6.3, SMMU_AIDR): minor revision, SMMUv3.0 to v3.4. */
    public static final long AIDR_ARCHMINORREV = Field.genmask(3, 0);
    public static final long AIDR_ARCHMINORREV_V3_0 = 0;
    public static final long AIDR_ARCHMINORREV_V3_1 = 1;
    public static final long AIDR_ARCHMINORREV_V3_2 = 2;
    public static final long AIDR_ARCHMINORREV_V3_3 = 3;
    public static final long AIDR_ARCHMINORREV_V3_4 = 4;

    // ---- SMMU_CR0 (6.3.9), CR0ACK, CR1, CR2, STATUSR (6.3) --------------------------

    public static final int ARM_SMMU_CR0 = 0x20;
    public static final long CR0_ATSCHK = 1L << 4;
    public static final long CR0_CMDQEN = 1L << 3;
    public static final long CR0_EVTQEN = 1L << 2;
    public static final long CR0_PRIQEN = 1L << 1;
    public static final long CR0_SMMUEN = 1L << 0;

    public static final int ARM_SMMU_CR0ACK = 0x24;

    public static final int ARM_SMMU_CR1 = 0x28;
    public static final long CR1_TABLE_SH = Field.genmask(11, 10);
    public static final long CR1_TABLE_OC = Field.genmask(9, 8);
    public static final long CR1_TABLE_IC = Field.genmask(7, 6);
    public static final long CR1_QUEUE_SH = Field.genmask(5, 4);
    public static final long CR1_QUEUE_OC = Field.genmask(3, 2);
    public static final long CR1_QUEUE_IC = Field.genmask(1, 0);
    /** Values of the CR1 *_OC/*_IC fields (not the TCR encoding). */
    public static final long CR1_CACHE_NC = 0;
    public static final long CR1_CACHE_WB = 1;
    public static final long CR1_CACHE_WT = 2;
    /** Values of shareability fields (CR1 *_SH, MSI_CFG2_SH, CMD_SYNC MSH). */
    public static final long ARM_SMMU_SH_NSH = 0;
    public static final long ARM_SMMU_SH_OSH = 2;
    public static final long ARM_SMMU_SH_ISH = 3;

    public static final int ARM_SMMU_CR2 = 0x2c;
    public static final long CR2_PTM = 1L << 2;
    public static final long CR2_RECINVSID = 1L << 1;
    public static final long CR2_E2H = 1L << 0;

    /** Not in Linux (6.3, SMMU_STATUSR). */
    public static final int ARM_SMMU_STATUSR = 0x40;

    // ---- SMMU_GBPA (6.3.14), SMMU_AGBPA (6.3) ----------------------------------------

    public static final int ARM_SMMU_GBPA = 0x44;
    public static final long GBPA_UPDATE = 1L << 31;
    public static final long GBPA_ABORT = 1L << 20;
    /** Not in Linux (6.3.14): same values as STE.INSTCFG. */
    public static final long GBPA_INSTCFG = Field.genmask(19, 18);
    /** Not in Linux (6.3.14): same values as STE.PRIVCFG. */
    public static final long GBPA_PRIVCFG = Field.genmask(17, 16);
    /** Not in Linux (6.3.14). */
    public static final long GBPA_SHCFG = Field.genmask(13, 12);
    public static final long GBPA_SHCFG_NSH = 0;
    public static final long GBPA_SHCFG_INCOMING = 1;
    public static final long GBPA_SHCFG_OSH = 2;
    public static final long GBPA_SHCFG_ISH = 3;
    /** Not in Linux (6.3.14): 0b0xxx use incoming, 0b1RWT override. */
    public static final long GBPA_ALLOCCFG = Field.genmask(11, 8);
    /** Not in Linux (6.3.14). */
    public static final long GBPA_MTCFG = 1L << 4;
    /** Not in Linux (6.3.14): encoded as STE.MemAttr. */
    public static final long GBPA_MEMATTR = Field.genmask(3, 0);

    /** Not in Linux (6.3, SMMU_AGBPA): IMPLEMENTATION DEFINED attributes. */
    public static final int ARM_SMMU_AGBPA = 0x48;

    // ---- SMMU_IRQ_CTRL (6.3.16), IRQ_CTRLACK (6.3) -----------------------------------

    public static final int ARM_SMMU_IRQ_CTRL = 0x50;
    public static final long IRQ_CTRL_EVTQ_IRQEN = 1L << 2;
    public static final long IRQ_CTRL_PRIQ_IRQEN = 1L << 1;
    public static final long IRQ_CTRL_GERROR_IRQEN = 1L << 0;

    public static final int ARM_SMMU_IRQ_CTRLACK = 0x54;

    // ---- SMMU_GERROR, GERRORN, GERROR_IRQ_CFGn (6.3) -----------------------

    public static final int ARM_SMMU_GERROR = 0x60;
    public static final long GERROR_SFM_ERR = 1L << 8;
    public static final long GERROR_MSI_GERROR_ABT_ERR = 1L << 7;
    public static final long GERROR_MSI_PRIQ_ABT_ERR = 1L << 6;
    public static final long GERROR_MSI_EVTQ_ABT_ERR = 1L << 5;
    public static final long GERROR_MSI_CMDQ_ABT_ERR = 1L << 4;
    public static final long GERROR_PRIQ_ABT_ERR = 1L << 3;
    public static final long GERROR_EVTQ_ABT_ERR = 1L << 2;
    public static final long GERROR_CMDQ_ERR = 1L << 0;
    /** All error bits above (bit 1 is RES0). Linux before SFM_ERR handling used 0xfd. */
    public static final long GERROR_ERR_MASK = 0x1fd;

    public static final int ARM_SMMU_GERRORN = 0x64;
    public static final int ARM_SMMU_GERROR_IRQ_CFG0 = 0x68;
    public static final int ARM_SMMU_GERROR_IRQ_CFG1 = 0x70;
    public static final int ARM_SMMU_GERROR_IRQ_CFG2 = 0x74;

    // ---- SMMU_STRTAB_BASE (6.3.24), STRTAB_BASE_CFG (6.3) --------------------------------------------

    public static final int ARM_SMMU_STRTAB_BASE = 0x80;
    public static final long STRTAB_BASE_RA = 1L << 62;
    public static final long STRTAB_BASE_ADDR_MASK = Field.genmask(51, 6);

    public static final int ARM_SMMU_STRTAB_BASE_CFG = 0x88;
    public static final long STRTAB_BASE_CFG_FMT = Field.genmask(17, 16);
    public static final long STRTAB_BASE_CFG_FMT_LINEAR = 0;
    public static final long STRTAB_BASE_CFG_FMT_2LVL = 1;
    public static final long STRTAB_BASE_CFG_SPLIT = Field.genmask(10, 6);
    public static final long STRTAB_BASE_CFG_LOG2SIZE = Field.genmask(5, 0);

    // ---- Queues (6.3, up to SMMU_PRIQ_IRQ_CFG2 in 6.3.36) ------------------------------------------------------

    public static final int ARM_SMMU_CMDQ_BASE = 0x90;
    public static final int ARM_SMMU_CMDQ_PROD = 0x98;
    public static final int ARM_SMMU_CMDQ_CONS = 0x9c;

    public static final int ARM_SMMU_EVTQ_BASE = 0xa0;
    /** In page 1. */
    public static final int ARM_SMMU_EVTQ_PROD = 0x100a8;
    /** In page 1. */
    public static final int ARM_SMMU_EVTQ_CONS = 0x100ac;
    public static final int ARM_SMMU_EVTQ_IRQ_CFG0 = 0xb0;
    public static final int ARM_SMMU_EVTQ_IRQ_CFG1 = 0xb8;
    public static final int ARM_SMMU_EVTQ_IRQ_CFG2 = 0xbc;

    public static final int ARM_SMMU_PRIQ_BASE = 0xc0;
    /** In page 1. */
    public static final int ARM_SMMU_PRIQ_PROD = 0x100c8;
    /** In page 1. */
    public static final int ARM_SMMU_PRIQ_CONS = 0x100cc;
    public static final int ARM_SMMU_PRIQ_IRQ_CFG0 = 0xd0;
    public static final int ARM_SMMU_PRIQ_IRQ_CFG1 = 0xd8;
    public static final int ARM_SMMU_PRIQ_IRQ_CFG2 = 0xdc;

    /** *_BASE: read/write allocate hint. */
    public static final long Q_BASE_RWA = 1L << 62;
    public static final long Q_BASE_ADDR_MASK = Field.genmask(51, 5);
    /** *_BASE: log2 of the number of entries. */
    public static final long Q_BASE_LOG2SIZE = Field.genmask(4, 0);
    /** *_PROD/*_CONS bit 31: EVTQ/PRIQ overflow flag (OVFLG/OVACKFLG). */
    public static final long Q_OVERFLOW_FLAG = 1L << 31;
    /**
     * Largest queue Linux allocates, in bytes, log2: {@code PAGE_SHIFT + CONFIG_CMA_ALIGNMENT}
     * for the arm64 defconfig (4 KiB pages, CMA alignment 8). Build-dependent in Linux.
     */
    public static final int Q_MAX_SZ_SHIFT = 20;

    /** CMDQ_CONS.ERR: the CERROR code of the command at CONS. */
    public static final long CMDQ_CONS_ERR = Field.genmask(30, 24);
    public static final long CMDQ_ERR_CERROR_NONE_IDX = 0;
    public static final long CMDQ_ERR_CERROR_ILL_IDX = 1;
    public static final long CMDQ_ERR_CERROR_ABT_IDX = 2;
    public static final long CMDQ_ERR_CERROR_ATC_INV_IDX = 3;

    // ---- MSI configuration (*_IRQ_CFG0..2) ---------------------------------------------

    public static final long MSI_CFG0_ADDR_MASK = Field.genmask(51, 2);
    public static final long MSI_CFG2_SH = Field.genmask(5, 4);
    public static final long MSI_CFG2_MEMATTR = Field.genmask(3, 0);
    /** MemAttr values (MSI_CFG2, CMD_SYNC MSIAttr). */
    public static final long ARM_SMMU_MEMATTR_DEVICE_nGnRE = 0x1;
    public static final long ARM_SMMU_MEMATTR_OIWB = 0xf;
}

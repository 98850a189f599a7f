package dev.jiommu.spec.smmuv3;

/**
 * Command queue entry layout: opcodes and per-command fields (IHI0070 chapter 4;
 * opcodes in 4.1.1, common fields in 4.1.6).
 *
 * <p>A command is 16 bytes, two little-endian dwords; the opcode is in bits
 * [7:0] of dword 0. Fields named {@code CMDQ_<cmd>_0_*} apply to dword 0 and
 * {@code CMDQ_<cmd>_1_*} to dword 1. Address fields ({@code *_MASK}) hold the
 * address in place, low bits taken as zero. {@link Commands} builds commands.
 *
 * <pre>
 *  common     dword 0: 63..32 SID | 31..12 SSID | 11 SSV | 10 SSEC | 7..0 OP
 *  PREFETCH_CFG  d0: SID, SSID, SSV          PREFETCH_ADDR d1: 63..12 ADDR | 4..0 SIZE
 *  CFGI_STE      d0: SID        d1: 0 LEAF   CFGI_STE_RANGE/CFGI_ALL d1: 4..0 RANGE
 *  CFGI_CD       d0: SID, SSID  d1: 0 LEAF   CFGI_CD_ALL d0: SID
 *  TLBI_*        d0: 63..48 ASID | 47..32 VMID | 24..20 SCALE | 16..12 NUM
 *                d1: 63..12 VA (51..12 IPA) | 11..10 TG | 9..8 TTL | 0 LEAF
 *  ATC_INV       d0: SID, SSID, SSV, 9 GLOBAL   d1: 63..12 ADDR | 5..0 SIZE
 *  PRI_RESP      d0: SID, SSID, SSV    d1: 13..12 RESP | 8..0 GRPID
 *  RESUME        d0: SID, 13..12 RESP (action)   d1: 15..0 STAG
 *  STALL_TERM    d0: SID
 *  CMD_SYNC      d0: 63..32 MSIDATA | 27..24 MSIATTR | 23..22 MSH | 13..12 CS
 *                d1: 51..2 MSIADDR
 * </pre>
 *
 * <p>An unknown opcode, or a field the SMMU chooses to check that is not zero,
 * is a CERROR_ILL (4.1.3).
 */
public final class Cmd {

    private Cmd() {
    }

    // ---- Entry geometry ----------------------------------------------------------------

    public static final int CMDQ_ENT_SZ_SHIFT = 4;
    public static final int CMDQ_ENT_DWORDS = 2;
    /** {@code Q_MAX_SZ_SHIFT - CMDQ_ENT_SZ_SHIFT}: Linux's largest command queue, log2 entries. */
    public static final int CMDQ_MAX_SZ_SHIFT = Registers.Q_MAX_SZ_SHIFT - CMDQ_ENT_SZ_SHIFT;

    // ---- Common fields -----------------------------------------------------------------

    public static final long CMDQ_0_OP = Field.genmask(7, 0);
    /** Not in Linux (4.1.6): StreamID is Secure; must be 0 on the Non-secure queue (else CERROR_ILL). */
    public static final long CMDQ_0_SSEC = 1L << 10;
    public static final long CMDQ_0_SSV = 1L << 11;

    // ---- Opcodes (4.1.1) ---------------------------------------------------------------

    public static final int CMDQ_OP_PREFETCH_CFG = 0x1;
    /** Not in Linux: CMD_PREFETCH_ADDR. */
    public static final int CMDQ_OP_PREFETCH_ADDR = 0x2;
    public static final int CMDQ_OP_CFGI_STE = 0x3;
    /** Not in Linux by this name: CMD_CFGI_STE_RANGE, which Linux calls CFGI_ALL (same opcode). */
    public static final int CMDQ_OP_CFGI_STE_RANGE = 0x4;
    /** CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with RANGE = 31 ({@link #CMDQ_CFGI_1_RANGE_ALL}). */
    public static final int CMDQ_OP_CFGI_ALL = 0x4;
    public static final int CMDQ_OP_CFGI_CD = 0x5;
    public static final int CMDQ_OP_CFGI_CD_ALL = 0x6;
    /** Not in Linux: CMD_CFGI_VMS_PIDM (MPAM). */
    public static final int CMDQ_OP_CFGI_VMS_PIDM = 0x7;
    public static final int CMDQ_OP_TLBI_NH_ALL = 0x10;
    public static final int CMDQ_OP_TLBI_NH_ASID = 0x11;
    public static final int CMDQ_OP_TLBI_NH_VA = 0x12;
    public static final int CMDQ_OP_TLBI_NH_VAA = 0x13;
    /** Not in Linux: Secure queue only. */
    public static final int CMDQ_OP_TLBI_EL3_ALL = 0x18;
    /** Not in Linux: Secure queue only. */
    public static final int CMDQ_OP_TLBI_EL3_VA = 0x1a;
    public static final int CMDQ_OP_TLBI_EL2_ALL = 0x20;
    public static final int CMDQ_OP_TLBI_EL2_ASID = 0x21;
    public static final int CMDQ_OP_TLBI_EL2_VA = 0x22;
    /** Not in Linux. */
    public static final int CMDQ_OP_TLBI_EL2_VAA = 0x23;
    public static final int CMDQ_OP_TLBI_S12_VMALL = 0x28;
    public static final int CMDQ_OP_TLBI_S2_IPA = 0x2a;
    public static final int CMDQ_OP_TLBI_NSNH_ALL = 0x30;
    public static final int CMDQ_OP_ATC_INV = 0x40;
    public static final int CMDQ_OP_PRI_RESP = 0x41;
    public static final int CMDQ_OP_RESUME = 0x44;
    /** Not in Linux: CMD_STALL_TERM. */
    public static final int CMDQ_OP_STALL_TERM = 0x45;
    public static final int CMDQ_OP_CMD_SYNC = 0x46;

    // ---- CMD_PREFETCH_CONFIG / CMD_PREFETCH_ADDR (4.2) ----------------------------------

    /** Older Linux. */
    public static final long CMDQ_PREFETCH_0_SSID = Field.genmask(31, 12);
    public static final long CMDQ_PREFETCH_0_SID = Field.genmask(63, 32);
    public static final long CMDQ_PREFETCH_1_SIZE = Field.genmask(4, 0);
    public static final long CMDQ_PREFETCH_1_ADDR_MASK = Field.genmask(63, 12);

    // ---- CMD_CFGI_* (4.3) --------------------------------------------------------------

    public static final long CMDQ_CFGI_0_SSID = Field.genmask(31, 12);
    public static final long CMDQ_CFGI_0_SID = Field.genmask(63, 32);
    /** CFGI_STE/CFGI_CD: 1 = the entry only, 0 = also cached level-1 descriptors. */
    public static final long CMDQ_CFGI_1_LEAF = 1L << 0;
    /** CFGI_STE_RANGE: invalidates 2^(RANGE+1) StreamIDs, aligned. */
    public static final long CMDQ_CFGI_1_RANGE = Field.genmask(4, 0);
    /** Not in Linux by name: the RANGE that makes CFGI_STE_RANGE a CFGI_ALL. */
    public static final long CMDQ_CFGI_1_RANGE_ALL = 31;

    // ---- CMD_TLBI_* (4.4) --------------------------------------------------------------

    /** Range invalidation: NUM + 1 units of 2^SCALE granules (SMMU_IDR3.RIL). */
    public static final long CMDQ_TLBI_0_NUM = Field.genmask(16, 12);
    public static final long CMDQ_TLBI_RANGE_NUM_MAX = 31;
    public static final long CMDQ_TLBI_0_SCALE = Field.genmask(24, 20);
    public static final long CMDQ_TLBI_0_VMID = Field.genmask(47, 32);
    public static final long CMDQ_TLBI_0_ASID = Field.genmask(63, 48);
    public static final long CMDQ_TLBI_1_LEAF = 1L << 0;
    /** Level hint: 0 none, else the level of the leaf entries (with TG != 0). */
    public static final long CMDQ_TLBI_1_TTL = Field.genmask(9, 8);
    /** Granule of the range and level hint; 0 = no hint, not a range. */
    public static final long CMDQ_TLBI_1_TG = Field.genmask(11, 10);
    /** Not in Linux by name (Linux computes {@code (ilog2(granule) - 10) / 2}). */
    public static final long CMDQ_TLBI_1_TG_4K = 1;
    /** Not in Linux by name. */
    public static final long CMDQ_TLBI_1_TG_16K = 2;
    /** Not in Linux by name. */
    public static final long CMDQ_TLBI_1_TG_64K = 3;
    public static final long CMDQ_TLBI_1_VA_MASK = Field.genmask(63, 12);
    public static final long CMDQ_TLBI_1_IPA_MASK = Field.genmask(51, 12);

    // ---- CMD_ATC_INV, CMD_PRI_RESP (4.5) -----------------------------------------------

    public static final long CMDQ_ATC_0_SSID = Field.genmask(31, 12);
    public static final long CMDQ_ATC_0_SID = Field.genmask(63, 32);
    /** Global invalidate flag; IGNORED unless SSV. */
    public static final long CMDQ_ATC_0_GLOBAL = 1L << 9;
    /** Span of 4096 * 2^SIZE bytes, aligned; 52 and above invalidate everything. */
    public static final long CMDQ_ATC_1_SIZE = Field.genmask(5, 0);
    public static final int ATC_INV_SIZE_ALL = 52;
    public static final long CMDQ_ATC_1_ADDR_MASK = Field.genmask(63, 12);

    public static final long CMDQ_PRI_0_SSID = Field.genmask(31, 12);
    public static final long CMDQ_PRI_0_SID = Field.genmask(63, 32);
    public static final long CMDQ_PRI_1_GRPID = Field.genmask(8, 0);
    /** Response code; 0b11 is ILLEGAL. Linux's names differ from the spec's, see below. */
    public static final long CMDQ_PRI_1_RESP = Field.genmask(13, 12);
    /** Linux {@code enum pri_resp}; the spec calls 0b00 ResponseFailure (permanent, non-paging error). */
    public static final long PRI_RESP_DENY = 0;
    /** The spec calls 0b01 InvalidRequest (page-in failed). */
    public static final long PRI_RESP_FAIL = 1;
    /** The spec calls 0b10 Success. */
    public static final long PRI_RESP_SUCC = 2;

    // ---- CMD_RESUME, CMD_STALL_TERM (4.7) ----------------------------------------------

    /**
     * Action for the stalled transaction: Linux's 2-bit view of the spec's Ac
     * (bit 12) and Ab (bit 13) parameters.
     */
    public static final long CMDQ_RESUME_0_RESP = Field.genmask(13, 12);
    /** Ac = 0, Ab = 0: terminate, completing with RAZ/WI (abort if SMMU_IDR0.TERM_MODEL). */
    public static final long CMDQ_RESUME_0_RESP_TERM = 0;
    /** Ac = 1: retry as though the transaction had just arrived. */
    public static final long CMDQ_RESUME_0_RESP_RETRY = 1;
    /** Ac = 0, Ab = 1: terminate with an abort to the client. */
    public static final long CMDQ_RESUME_0_RESP_ABORT = 2;
    /** Not in Linux (4.7.1): Action, 1 = retry. */
    public static final long CMDQ_RESUME_0_AC = 1L << 12;
    /** Not in Linux (4.7.1): Abort, when terminating. */
    public static final long CMDQ_RESUME_0_AB = 1L << 13;
    public static final long CMDQ_RESUME_0_SID = Field.genmask(63, 32);
    public static final long CMDQ_RESUME_1_STAG = Field.genmask(15, 0);
    /** Not in Linux. */
    public static final long CMDQ_STALL_TERM_0_SID = Field.genmask(63, 32);

    // ---- CMD_SYNC (4.7) ----------------------------------------------------------------

    /** Completion signal. */
    public static final long CMDQ_SYNC_0_CS = Field.genmask(13, 12);
    public static final long CMDQ_SYNC_0_CS_NONE = 0;
    /** Write MSIDATA to MSIADDR on completion. */
    public static final long CMDQ_SYNC_0_CS_IRQ = 1;
    public static final long CMDQ_SYNC_0_CS_SEV = 2;
    /** Values as {@link Registers#ARM_SMMU_SH_ISH}. */
    public static final long CMDQ_SYNC_0_MSH = Field.genmask(23, 22);
    /** Values as {@link Registers#ARM_SMMU_MEMATTR_OIWB}. */
    public static final long CMDQ_SYNC_0_MSIATTR = Field.genmask(27, 24);
    public static final long CMDQ_SYNC_0_MSIDATA = Field.genmask(63, 32);
    public static final long CMDQ_SYNC_1_MSIADDR_MASK = Field.genmask(51, 2);

    /** The specification's name of an opcode ("CMD_TLBI_NH_VA"), or "CMD_RESERVED". */
    public static String name(int opcode) {
        return switch (opcode) {
            case CMDQ_OP_PREFETCH_CFG -> "CMD_PREFETCH_CONFIG";
            case CMDQ_OP_PREFETCH_ADDR -> "CMD_PREFETCH_ADDR";
            case CMDQ_OP_CFGI_STE -> "CMD_CFGI_STE";
            case CMDQ_OP_CFGI_STE_RANGE -> "CMD_CFGI_STE_RANGE";
            case CMDQ_OP_CFGI_CD -> "CMD_CFGI_CD";
            case CMDQ_OP_CFGI_CD_ALL -> "CMD_CFGI_CD_ALL";
            case CMDQ_OP_CFGI_VMS_PIDM -> "CMD_CFGI_VMS_PIDM";
            case CMDQ_OP_TLBI_NH_ALL -> "CMD_TLBI_NH_ALL";
            case CMDQ_OP_TLBI_NH_ASID -> "CMD_TLBI_NH_ASID";
            case CMDQ_OP_TLBI_NH_VA -> "CMD_TLBI_NH_VA";
            case CMDQ_OP_TLBI_NH_VAA -> "CMD_TLBI_NH_VAA";
            case CMDQ_OP_TLBI_EL3_ALL -> "CMD_TLBI_EL3_ALL";
            case CMDQ_OP_TLBI_EL3_VA -> "CMD_TLBI_EL3_VA";
            case CMDQ_OP_TLBI_EL2_ALL -> "CMD_TLBI_EL2_ALL";
            case CMDQ_OP_TLBI_EL2_ASID -> "CMD_TLBI_EL2_ASID";
            case CMDQ_OP_TLBI_EL2_VA -> "CMD_TLBI_EL2_VA";
            case CMDQ_OP_TLBI_EL2_VAA -> "CMD_TLBI_EL2_VAA";
            case CMDQ_OP_TLBI_S12_VMALL -> "CMD_TLBI_S12_VMALL";
            case CMDQ_OP_TLBI_S2_IPA -> "CMD_TLBI_S2_IPA";
            case CMDQ_OP_TLBI_NSNH_ALL -> "CMD_TLBI_NSNH_ALL";
            case CMDQ_OP_ATC_INV -> "CMD_ATC_INV";
            case CMDQ_OP_PRI_RESP -> "CMD_PRI_RESP";
            case CMDQ_OP_RESUME -> "CMD_RESUME";
            case CMDQ_OP_STALL_TERM -> "CMD_STALL_TERM";
            case CMDQ_OP_CMD_SYNC -> "CMD_SYNC";
            default -> "CMD_RESERVED";
        };
    }
}

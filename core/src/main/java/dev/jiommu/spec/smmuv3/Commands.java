package dev.jiommu.spec.smmuv3;

import static dev.jiommu.spec.smmuv3.Cmd.*;

/**
 * Builders for command queue entries (IHI0070 chapter 4) and a decoder for
 * traces and test messages.
 *
 * <p>Each builder returns a fresh {@code long[2]} holding dwords 0 and 1, as
 * Linux's {@code arm_smmu_cmdq_build_cmd} would produce them. Arguments are
 * checked against their fields: a value that does not fit raises
 * {@link IllegalArgumentException}, so a caller never emits a silently
 * truncated command. StreamIDs and MSI data are 32-bit and taken as unsigned.
 * An {@code ssid} of {@code -1} means "no SubstreamID" (SSV = 0). Addresses
 * are masked to their field as Linux does; the low bits are dropped.
 *
 * <p>Builders only check widths, not legality: a RESP of 0b11 or a TTL without
 * TG can be built, so that tests can feed the SMMU ILLEGAL commands.
 */
public final class Commands {

    private Commands() {
    }

    /** SubstreamID argument meaning "no SubstreamID". */
    public static final int NO_SSID = -1;

    // ---- Prefetch (4.2) ----------------------------------------------------------------

    public static long[] prefetchConfig(int sid) {
        return prefetchConfig(sid, NO_SSID);
    }

    public static long[] prefetchConfig(int sid, int ssid) {
        return cmd(op(CMDQ_OP_PREFETCH_CFG) | sid(CMDQ_PREFETCH_0_SID, sid) | ssid(CMDQ_PREFETCH_0_SSID, ssid), 0);
    }

    /** Prefetch the translation of {@code 4096 * 2^size} bytes at {@code addr}. */
    public static long[] prefetchAddr(int sid, int ssid, long addr, int size) {
        return cmd(op(CMDQ_OP_PREFETCH_ADDR) | sid(CMDQ_PREFETCH_0_SID, sid) | ssid(CMDQ_PREFETCH_0_SSID, ssid),
                field(CMDQ_PREFETCH_1_SIZE, size, "size") | (addr & CMDQ_PREFETCH_1_ADDR_MASK));
    }

    // ---- Configuration invalidation (4.3) ----------------------------------------------

    public static long[] cfgiSte(int sid, boolean leaf) {
        return cmd(op(CMDQ_OP_CFGI_STE) | sid(CMDQ_CFGI_0_SID, sid), leaf ? CMDQ_CFGI_1_LEAF : 0);
    }

    /** Invalidate the {@code 2^(range+1)} STEs of the aligned range holding {@code sid}. */
    public static long[] cfgiSteRange(int sid, int range) {
        return cmd(op(CMDQ_OP_CFGI_STE_RANGE) | sid(CMDQ_CFGI_0_SID, sid), field(CMDQ_CFGI_1_RANGE, range, "range"));
    }

    /** CMD_CFGI_ALL: CFGI_STE_RANGE over all StreamIDs. */
    public static long[] cfgiAll() {
        return cmd(op(CMDQ_OP_CFGI_ALL), Field.prep(CMDQ_CFGI_1_RANGE, CMDQ_CFGI_1_RANGE_ALL));
    }

    /** Invalidate the CD at index {@code ssid} of the table of {@code sid} (SSV is not used). */
    public static long[] cfgiCd(int sid, int ssid, boolean leaf) {
        return cmd(op(CMDQ_OP_CFGI_CD) | sid(CMDQ_CFGI_0_SID, sid) | field(CMDQ_CFGI_0_SSID, ssid, "ssid"),
                leaf ? CMDQ_CFGI_1_LEAF : 0);
    }

    public static long[] cfgiCdAll(int sid) {
        return cmd(op(CMDQ_OP_CFGI_CD_ALL) | sid(CMDQ_CFGI_0_SID, sid), 0);
    }

    // ---- TLB invalidation (4.4) --------------------------------------------------------

    public static long[] tlbiNhAll(int vmid) {
        return cmd(op(CMDQ_OP_TLBI_NH_ALL) | vmid(vmid), 0);
    }

    public static long[] tlbiNhAsid(int vmid, int asid) {
        return cmd(op(CMDQ_OP_TLBI_NH_ASID) | vmid(vmid) | asid(asid), 0);
    }

    public static long[] tlbiNhVa(int vmid, int asid, long va, boolean leaf) {
        return tlbiNhVa(vmid, asid, va, leaf, 0, 0, 0, 0);
    }

    /** With range ({@code num}, {@code scale}) and hint ({@code tg}, {@code ttl}) fields (SMMU_IDR3.RIL). */
    public static long[] tlbiNhVa(int vmid, int asid, long va, boolean leaf, int num, int scale, long tg, int ttl) {
        return cmd(op(CMDQ_OP_TLBI_NH_VA) | vmid(vmid) | asid(asid) | range(num, scale),
                (va & CMDQ_TLBI_1_VA_MASK) | hint(leaf, tg, ttl));
    }

    public static long[] tlbiNhVaa(int vmid, long va, boolean leaf) {
        return tlbiNhVaa(vmid, va, leaf, 0, 0, 0, 0);
    }

    public static long[] tlbiNhVaa(int vmid, long va, boolean leaf, int num, int scale, long tg, int ttl) {
        return cmd(op(CMDQ_OP_TLBI_NH_VAA) | vmid(vmid) | range(num, scale),
                (va & CMDQ_TLBI_1_VA_MASK) | hint(leaf, tg, ttl));
    }

    public static long[] tlbiEl2All() {
        return cmd(op(CMDQ_OP_TLBI_EL2_ALL), 0);
    }

    public static long[] tlbiEl2Asid(int asid) {
        return cmd(op(CMDQ_OP_TLBI_EL2_ASID) | asid(asid), 0);
    }

    public static long[] tlbiEl2Va(int asid, long va, boolean leaf) {
        return tlbiEl2Va(asid, va, leaf, 0, 0, 0, 0);
    }

    public static long[] tlbiEl2Va(int asid, long va, boolean leaf, int num, int scale, long tg, int ttl) {
        return cmd(op(CMDQ_OP_TLBI_EL2_VA) | asid(asid) | range(num, scale),
                (va & CMDQ_TLBI_1_VA_MASK) | hint(leaf, tg, ttl));
    }

    public static long[] tlbiEl2Vaa(long va, boolean leaf) {
        return tlbiEl2Vaa(va, leaf, 0, 0, 0, 0);
    }

    public static long[] tlbiEl2Vaa(long va, boolean leaf, int num, int scale, long tg, int ttl) {
        return cmd(op(CMDQ_OP_TLBI_EL2_VAA) | range(num, scale), (va & CMDQ_TLBI_1_VA_MASK) | hint(leaf, tg, ttl));
    }

    public static long[] tlbiS12Vmall(int vmid) {
        return cmd(op(CMDQ_OP_TLBI_S12_VMALL) | vmid(vmid), 0);
    }

    public static long[] tlbiS2Ipa(int vmid, long ipa, boolean leaf) {
        return tlbiS2Ipa(vmid, ipa, leaf, 0, 0, 0, 0);
    }

    public static long[] tlbiS2Ipa(int vmid, long ipa, boolean leaf, int num, int scale, long tg, int ttl) {
        return cmd(op(CMDQ_OP_TLBI_S2_IPA) | vmid(vmid) | range(num, scale),
                (ipa & CMDQ_TLBI_1_IPA_MASK) | hint(leaf, tg, ttl));
    }

    public static long[] tlbiNsnhAll() {
        return cmd(op(CMDQ_OP_TLBI_NSNH_ALL), 0);
    }

    // ---- ATS and PRI (4.5) -------------------------------------------------------------

    /** Invalidate {@code 4096 * 2^size} bytes at {@code addr} in the ATC; size 52 = everything. */
    public static long[] atcInv(int sid, int ssid, long addr, int size, boolean global) {
        return cmd(op(CMDQ_OP_ATC_INV) | sid(CMDQ_ATC_0_SID, sid) | ssid(CMDQ_ATC_0_SSID, ssid)
                        | (global ? CMDQ_ATC_0_GLOBAL : 0),
                field(CMDQ_ATC_1_SIZE, size, "size") | (addr & CMDQ_ATC_1_ADDR_MASK));
    }

    /** Respond to page request group {@code grpid}; {@code resp} is a {@code PRI_RESP_*} value. */
    public static long[] priResp(int sid, int ssid, int grpid, long resp) {
        return cmd(op(CMDQ_OP_PRI_RESP) | sid(CMDQ_PRI_0_SID, sid) | ssid(CMDQ_PRI_0_SSID, ssid),
                field(CMDQ_PRI_1_GRPID, grpid, "grpid") | field(CMDQ_PRI_1_RESP, resp, "resp"));
    }

    // ---- Fault response and synchronization (4.7) --------------------------------------

    /** Resume the stalled transaction {@code stag}; {@code action} is a {@code CMDQ_RESUME_0_RESP_*} value. */
    public static long[] resume(int sid, int stag, long action) {
        return cmd(op(CMDQ_OP_RESUME) | sid(CMDQ_RESUME_0_SID, sid) | field(CMDQ_RESUME_0_RESP, action, "action"),
                field(CMDQ_RESUME_1_STAG, stag, "stag"));
    }

    public static long[] stallTerm(int sid) {
        return cmd(op(CMDQ_OP_STALL_TERM) | sid(CMDQ_STALL_TERM_0_SID, sid), 0);
    }

    /** CMD_SYNC with completion signal {@code cs}; MSH and MSIATTR zero. */
    public static long[] sync(long cs, long msiAddr, int msiData) {
        return sync(cs, msiAddr, msiData, 0, 0);
    }

    /**
     * CMD_SYNC with every field; Linux's MSI-polled sync is
     * {@code sync(CS_IRQ, addr, 0, ARM_SMMU_SH_ISH, ARM_SMMU_MEMATTR_OIWB)}.
     */
    public static long[] sync(long cs, long msiAddr, int msiData, long msh, long msiAttr) {
        return cmd(op(CMDQ_OP_CMD_SYNC) | field(CMDQ_SYNC_0_CS, cs, "cs") | field(CMDQ_SYNC_0_MSH, msh, "msh")
                        | field(CMDQ_SYNC_0_MSIATTR, msiAttr, "msiAttr") | sid(CMDQ_SYNC_0_MSIDATA, msiData),
                msiAddr & CMDQ_SYNC_1_MSIADDR_MASK);
    }

    // ---- Decoding ----------------------------------------------------------------------

    /** The opcode of a command. */
    public static int opcode(long w0) {
        return (int) Field.get(CMDQ_0_OP, w0);
    }

    /**
     * The command's name and fields, such as
     * {@code "CMD_CFGI_CD sid=0x10 ssid=0x1 leaf=1"}. Unknown opcodes print their
     * raw dwords.
     */
    public static String describe(long w0, long w1) {
        int op = opcode(w0);
        StringBuilder sb = new StringBuilder(Cmd.name(op));
        switch (op) {
            case CMDQ_OP_PREFETCH_CFG -> substream(sb, w0, CMDQ_PREFETCH_0_SID, CMDQ_PREFETCH_0_SSID);
            case CMDQ_OP_PREFETCH_ADDR -> {
                substream(sb, w0, CMDQ_PREFETCH_0_SID, CMDQ_PREFETCH_0_SSID);
                hex(sb, "addr", w1 & CMDQ_PREFETCH_1_ADDR_MASK);
                dec(sb, "size", Field.get(CMDQ_PREFETCH_1_SIZE, w1));
            }
            case CMDQ_OP_CFGI_STE -> {
                hex(sb, "sid", Field.get(CMDQ_CFGI_0_SID, w0));
                dec(sb, "leaf", Field.get(CMDQ_CFGI_1_LEAF, w1));
            }
            case CMDQ_OP_CFGI_STE_RANGE -> {
                long range = Field.get(CMDQ_CFGI_1_RANGE, w1);
                if (range == CMDQ_CFGI_1_RANGE_ALL) {
                    sb.append(" (CMD_CFGI_ALL)");
                }
                hex(sb, "sid", Field.get(CMDQ_CFGI_0_SID, w0));
                dec(sb, "range", range);
            }
            case CMDQ_OP_CFGI_CD -> {
                hex(sb, "sid", Field.get(CMDQ_CFGI_0_SID, w0));
                hex(sb, "ssid", Field.get(CMDQ_CFGI_0_SSID, w0));
                dec(sb, "leaf", Field.get(CMDQ_CFGI_1_LEAF, w1));
            }
            case CMDQ_OP_CFGI_CD_ALL -> hex(sb, "sid", Field.get(CMDQ_CFGI_0_SID, w0));
            case CMDQ_OP_TLBI_NH_ALL, CMDQ_OP_TLBI_S12_VMALL -> hex(sb, "vmid", Field.get(CMDQ_TLBI_0_VMID, w0));
            case CMDQ_OP_TLBI_NH_ASID -> {
                hex(sb, "vmid", Field.get(CMDQ_TLBI_0_VMID, w0));
                hex(sb, "asid", Field.get(CMDQ_TLBI_0_ASID, w0));
            }
            case CMDQ_OP_TLBI_EL2_ASID -> hex(sb, "asid", Field.get(CMDQ_TLBI_0_ASID, w0));
            case CMDQ_OP_TLBI_NH_VA -> {
                hex(sb, "vmid", Field.get(CMDQ_TLBI_0_VMID, w0));
                hex(sb, "asid", Field.get(CMDQ_TLBI_0_ASID, w0));
                tlbiAddress(sb, w0, w1, CMDQ_TLBI_1_VA_MASK);
            }
            case CMDQ_OP_TLBI_NH_VAA, CMDQ_OP_TLBI_S2_IPA -> {
                hex(sb, "vmid", Field.get(CMDQ_TLBI_0_VMID, w0));
                tlbiAddress(sb, w0, w1, op == CMDQ_OP_TLBI_S2_IPA ? CMDQ_TLBI_1_IPA_MASK : CMDQ_TLBI_1_VA_MASK);
            }
            case CMDQ_OP_TLBI_EL2_VA -> {
                hex(sb, "asid", Field.get(CMDQ_TLBI_0_ASID, w0));
                tlbiAddress(sb, w0, w1, CMDQ_TLBI_1_VA_MASK);
            }
            case CMDQ_OP_TLBI_EL2_VAA -> tlbiAddress(sb, w0, w1, CMDQ_TLBI_1_VA_MASK);
            case CMDQ_OP_ATC_INV -> {
                substream(sb, w0, CMDQ_ATC_0_SID, CMDQ_ATC_0_SSID);
                dec(sb, "global", Field.get(CMDQ_ATC_0_GLOBAL, w0));
                hex(sb, "addr", w1 & CMDQ_ATC_1_ADDR_MASK);
                dec(sb, "size", Field.get(CMDQ_ATC_1_SIZE, w1));
            }
            case CMDQ_OP_PRI_RESP -> {
                substream(sb, w0, CMDQ_PRI_0_SID, CMDQ_PRI_0_SSID);
                hex(sb, "grpid", Field.get(CMDQ_PRI_1_GRPID, w1));
                sb.append(" resp=").append(priRespName(Field.get(CMDQ_PRI_1_RESP, w1)));
            }
            case CMDQ_OP_RESUME -> {
                hex(sb, "sid", Field.get(CMDQ_RESUME_0_SID, w0));
                hex(sb, "stag", Field.get(CMDQ_RESUME_1_STAG, w1));
                sb.append(" action=").append(resumeName(Field.get(CMDQ_RESUME_0_RESP, w0)));
            }
            case CMDQ_OP_STALL_TERM -> hex(sb, "sid", Field.get(CMDQ_STALL_TERM_0_SID, w0));
            case CMDQ_OP_CMD_SYNC -> {
                sb.append(" cs=").append(syncCsName(Field.get(CMDQ_SYNC_0_CS, w0)));
                dec(sb, "msh", Field.get(CMDQ_SYNC_0_MSH, w0));
                hex(sb, "msiattr", Field.get(CMDQ_SYNC_0_MSIATTR, w0));
                hex(sb, "msidata", Field.get(CMDQ_SYNC_0_MSIDATA, w0));
                hex(sb, "msiaddr", w1 & CMDQ_SYNC_1_MSIADDR_MASK);
            }
            case CMDQ_OP_TLBI_EL2_ALL, CMDQ_OP_TLBI_NSNH_ALL -> {
                // no fields
            }
            default -> {
                hex(sb, "op", op);
                hex(sb, "w0", w0);
                hex(sb, "w1", w1);
            }
        }
        return sb.toString();
    }

    // ---- helpers -----------------------------------------------------------------------

    private static long[] cmd(long w0, long w1) {
        return new long[] {w0, w1};
    }

    private static long op(int opcode) {
        return Field.prep(CMDQ_0_OP, opcode);
    }

    private static long field(long mask, long value, String name) {
        if (!Field.fits(mask, value)) {
            throw new IllegalArgumentException(name + " " + value + " does not fit a " + Field.width(mask) + "-bit field");
        }
        return Field.prep(mask, value);
    }

    /** A 32-bit unsigned value (StreamID, MSI data). */
    private static long sid(long mask, int value) {
        return Field.prep(mask, Integer.toUnsignedLong(value));
    }

    /** SSID and SSV; {@link #NO_SSID} leaves both zero. */
    private static long ssid(long mask, int ssid) {
        return ssid == NO_SSID ? 0 : CMDQ_0_SSV | field(mask, ssid, "ssid");
    }

    private static long vmid(int vmid) {
        return field(CMDQ_TLBI_0_VMID, vmid, "vmid");
    }

    private static long asid(int asid) {
        return field(CMDQ_TLBI_0_ASID, asid, "asid");
    }

    private static long range(int num, int scale) {
        return field(CMDQ_TLBI_0_NUM, num, "num") | field(CMDQ_TLBI_0_SCALE, scale, "scale");
    }

    private static long hint(boolean leaf, long tg, int ttl) {
        return (leaf ? CMDQ_TLBI_1_LEAF : 0) | field(CMDQ_TLBI_1_TG, tg, "tg") | field(CMDQ_TLBI_1_TTL, ttl, "ttl");
    }

    private static void substream(StringBuilder sb, long w0, long sidMask, long ssidMask) {
        hex(sb, "sid", Field.get(sidMask, w0));
        if (Field.isSet(CMDQ_0_SSV, w0)) {
            hex(sb, "ssid", Field.get(ssidMask, w0));
        }
    }

    private static void tlbiAddress(StringBuilder sb, long w0, long w1, long addrMask) {
        hex(sb, "addr", w1 & addrMask);
        dec(sb, "leaf", Field.get(CMDQ_TLBI_1_LEAF, w1));
        long num = Field.get(CMDQ_TLBI_0_NUM, w0);
        long scale = Field.get(CMDQ_TLBI_0_SCALE, w0);
        long tg = Field.get(CMDQ_TLBI_1_TG, w1);
        long ttl = Field.get(CMDQ_TLBI_1_TTL, w1);
        if (num != 0 || scale != 0 || tg != 0 || ttl != 0) {
            dec(sb, "num", num);
            dec(sb, "scale", scale);
            dec(sb, "tg", tg);
            dec(sb, "ttl", ttl);
        }
    }

    private static String priRespName(long resp) {
        return resp == PRI_RESP_DENY ? "DENY" : resp == PRI_RESP_FAIL ? "FAIL" : resp == PRI_RESP_SUCC ? "SUCC" : "RESERVED";
    }

    private static String resumeName(long action) {
        return action == CMDQ_RESUME_0_RESP_TERM ? "TERM"
                : action == CMDQ_RESUME_0_RESP_RETRY ? "RETRY"
                : action == CMDQ_RESUME_0_RESP_ABORT ? "ABORT" : "RESERVED";
    }

    private static String syncCsName(long cs) {
        return cs == CMDQ_SYNC_0_CS_NONE ? "NONE" : cs == CMDQ_SYNC_0_CS_IRQ ? "IRQ" : cs == CMDQ_SYNC_0_CS_SEV ? "SEV" : "RESERVED";
    }

    private static void hex(StringBuilder sb, String name, long value) {
        sb.append(' ').append(name).append("=0x").append(Long.toHexString(value));
    }

    private static void dec(StringBuilder sb, String name, long value) {
        sb.append(' ').append(name).append('=').append(value);
    }
}

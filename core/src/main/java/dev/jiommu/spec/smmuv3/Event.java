package dev.jiommu.spec.smmuv3;

/**
 * Event queue record layout: event numbers and fields (IHI0070 7.3; stall and
 * terminate fault models in 3.12).
 *
 * <p>A record is 32 bytes, four little-endian dwords. Dword 0 always carries
 * the event number, StreamID and, for most events, SSV/SubstreamID. The other
 * fields depend on the event; portions an event does not define are RES0.
 *
 * <pre>
 *  dword 0: 63..32 SID | 31..12 SSID | 11 SSV | 7..0 ID
 *  dword 1: 44 TTRnW | 41..40 CLASS | 39 S2 | 35 RnW | 34 InD | 33 PnU | 31 STALL | 15..0 STAG
 *           (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION; RnW/InD/PnU also in
 *           F_UUT, F_TRANSL_FORBIDDEN, F_WALK_EABT, F_TLB_CONFLICT)
 *  dword 2: 63..0 InputAddr (the address input to the SMMU, including bits 63..56)
 *  dword 3: 51..12 IPA (stage 2 faults)  or  51..3 FetchAddr (F_STE_FETCH, F_CD_FETCH,
 *           F_VMS_FETCH, F_WALK_EABT)
 * </pre>
 *
 * <p>Only the four translation-related faults carry STALL/STAG; a record with
 * STALL = 1 must be answered with CMD_RESUME or CMD_STALL_TERM and is never
 * merged (7.3.1). Event numbers 0xE0..0xEF are IMPLEMENTATION DEFINED; others
 * not listed here are reserved.
 */
public final class Event {

    private Event() {
    }

    // ---- Entry geometry ----------------------------------------------------------------

    public static final int EVTQ_ENT_SZ_SHIFT = 5;
    public static final int EVTQ_ENT_DWORDS = 4;
    /** {@code Q_MAX_SZ_SHIFT - EVTQ_ENT_SZ_SHIFT}: Linux's largest event queue, log2 entries. */
    public static final int EVTQ_MAX_SZ_SHIFT = Registers.Q_MAX_SZ_SHIFT - EVTQ_ENT_SZ_SHIFT;

    // ---- Event numbers (7.3.2 - 7.3.21) ------------------------------------------------

    public static final long EVTQ_0_ID = Field.genmask(7, 0);
    /** Not in Linux: F_UUT, unsupported upstream transaction. */
    public static final int EVT_ID_UUT = 0x01;
    /** C_BAD_STREAMID: StreamID out of range (recorded when CR2.RECINVSID). */
    public static final int EVT_ID_BAD_STREAMID_CONFIG = 0x02;
    /** F_STE_FETCH: external abort fetching the STE. */
    public static final int EVT_ID_STE_FETCH_FAULT = 0x03;
    /** C_BAD_STE: STE invalid or ILLEGAL. */
    public static final int EVT_ID_BAD_STE_CONFIG = 0x04;
    /** Not in Linux: F_BAD_ATS_TREQ, ATS translation request disallowed. */
    public static final int EVT_ID_BAD_ATS_TREQ = 0x05;
    /** F_STREAM_DISABLED: non-substream traffic disabled by STE.S1DSS. */
    public static final int EVT_ID_STREAM_DISABLED_FAULT = 0x06;
    /** Not in Linux: F_TRANSL_FORBIDDEN, ATS Translated traffic not allowed to bypass. */
    public static final int EVT_ID_TRANSL_FORBIDDEN = 0x07;
    /** C_BAD_SUBSTREAMID: SubstreamID out of range or not allowed. */
    public static final int EVT_ID_BAD_SUBSTREAMID_CONFIG = 0x08;
    /** F_CD_FETCH: external abort fetching the CD. */
    public static final int EVT_ID_CD_FETCH_FAULT = 0x09;
    /** C_BAD_CD: CD invalid or ILLEGAL. */
    public static final int EVT_ID_BAD_CD_CONFIG = 0x0a;
    /** Not in Linux: F_WALK_EABT, external abort on a table walk access. */
    public static final int EVT_ID_WALK_EABT = 0x0b;
    public static final int EVT_ID_TRANSLATION_FAULT = 0x10;
    public static final int EVT_ID_ADDR_SIZE_FAULT = 0x11;
    public static final int EVT_ID_ACCESS_FAULT = 0x12;
    public static final int EVT_ID_PERMISSION_FAULT = 0x13;
    /** Not in Linux: F_TLB_CONFLICT. */
    public static final int EVT_ID_TLB_CONFLICT = 0x20;
    /** Not in Linux: F_CFG_CONFLICT. */
    public static final int EVT_ID_CFG_CONFLICT = 0x21;
    /** Not in Linux: E_PAGE_REQUEST, speculative page-request hint. */
    public static final int EVT_ID_PAGE_REQUEST = 0x24;
    /** F_VMS_FETCH: external abort fetching the VMS. */
    public static final int EVT_ID_VMS_FETCH_FAULT = 0x25;
    /** Not in Linux: first IMPLEMENTATION DEFINED event number. */
    public static final int EVT_ID_IMPDEF_FIRST = 0xe0;
    /** Not in Linux: last IMPLEMENTATION DEFINED event number. */
    public static final int EVT_ID_IMPDEF_LAST = 0xef;

    // ---- Fields ------------------------------------------------------------------------

    public static final long EVTQ_0_SSV = 1L << 11;
    public static final long EVTQ_0_SSID = Field.genmask(31, 12);
    public static final long EVTQ_0_SID = Field.genmask(63, 32);
    /** Stall tag, to be returned in CMD_RESUME. */
    public static final long EVTQ_1_STAG = Field.genmask(15, 0);
    /** The transaction is stalled. */
    public static final long EVTQ_1_STALL = 1L << 31;
    /** Privileged (1) or unprivileged. */
    public static final long EVTQ_1_PnU = 1L << 33;
    /** Instruction (1) or data. */
    public static final long EVTQ_1_InD = 1L << 34;
    /** Read (1) or write. */
    public static final long EVTQ_1_RnW = 1L << 35;
    /** Stage 2 (1) or stage 1 fault. */
    public static final long EVTQ_1_S2 = 1L << 39;
    /** What faulted: the CD fetch, a stage 1 table walk, or the input address. */
    public static final long EVTQ_1_CLASS = Field.genmask(41, 40);
    /** Not in Linux (7.3). */
    public static final long EVTQ_1_CLASS_CD = 0x00;
    public static final long EVTQ_1_CLASS_TT = 0x01;
    /** Not in Linux (7.3). */
    public static final long EVTQ_1_CLASS_IN = 0x02;
    /** TTRnW: with CLASS == TT, the read (1) or write nature of the faulting table access. */
    public static final long EVTQ_1_TT_READ = 1L << 44;
    /** InputAddr, all 64 bits. */
    public static final long EVTQ_2_ADDR = Field.genmask(63, 0);
    /** The IPA of a stage 2 fault (the spec's field is [55:12] with 56-bit PAs). */
    public static final long EVTQ_3_IPA = Field.genmask(51, 12);
    /** The PA of the structure or descriptor whose fetch aborted (spec [55:3]). */
    public static final long EVTQ_3_FETCH_ADDR = Field.genmask(51, 3);

    /** The specification's name of an event number ("F_TRANSLATION"), or "RESERVED". */
    public static String name(int id) {
        return switch (id) {
            case EVT_ID_UUT -> "F_UUT";
            case EVT_ID_BAD_STREAMID_CONFIG -> "C_BAD_STREAMID";
            case EVT_ID_STE_FETCH_FAULT -> "F_STE_FETCH";
            case EVT_ID_BAD_STE_CONFIG -> "C_BAD_STE";
            case EVT_ID_BAD_ATS_TREQ -> "F_BAD_ATS_TREQ";
            case EVT_ID_STREAM_DISABLED_FAULT -> "F_STREAM_DISABLED";
            case EVT_ID_TRANSL_FORBIDDEN -> "F_TRANSL_FORBIDDEN";
            case EVT_ID_BAD_SUBSTREAMID_CONFIG -> "C_BAD_SUBSTREAMID";
            case EVT_ID_CD_FETCH_FAULT -> "F_CD_FETCH";
            case EVT_ID_BAD_CD_CONFIG -> "C_BAD_CD";
            case EVT_ID_WALK_EABT -> "F_WALK_EABT";
            case EVT_ID_TRANSLATION_FAULT -> "F_TRANSLATION";
            case EVT_ID_ADDR_SIZE_FAULT -> "F_ADDR_SIZE";
            case EVT_ID_ACCESS_FAULT -> "F_ACCESS";
            case EVT_ID_PERMISSION_FAULT -> "F_PERMISSION";
            case EVT_ID_TLB_CONFLICT -> "F_TLB_CONFLICT";
            case EVT_ID_CFG_CONFLICT -> "F_CFG_CONFLICT";
            case EVT_ID_PAGE_REQUEST -> "E_PAGE_REQUEST";
            case EVT_ID_VMS_FETCH_FAULT -> "F_VMS_FETCH";
            default -> id >= EVT_ID_IMPDEF_FIRST && id <= EVT_ID_IMPDEF_LAST ? "IMPDEF_EVENT" : "RESERVED";
        };
    }

    /** The event number of a record. */
    public static int id(long w0) {
        return (int) Field.get(EVTQ_0_ID, w0);
    }

    /**
     * The event's name and the fields it defines, such as
     * {@code "F_TRANSLATION sid=0x8 ssid=0x1 stall=0 class=IN s2=0 rnw=1 ind=0 pnu=0 addr=0x1000"}.
     *
     * @param record at least {@link #EVTQ_ENT_DWORDS} dwords
     */
    public static String describe(long[] record) {
        if (record.length < EVTQ_ENT_DWORDS) {
            throw new IllegalArgumentException("an event record has " + EVTQ_ENT_DWORDS + " dwords, got " + record.length);
        }
        long w0 = record[0];
        long w1 = record[1];
        long w2 = record[2];
        long w3 = record[3];
        int id = id(w0);
        StringBuilder sb = new StringBuilder(name(id));
        hex(sb, "sid", Field.get(EVTQ_0_SID, w0));
        if (id == EVT_ID_BAD_SUBSTREAMID_CONFIG || Field.isSet(EVTQ_0_SSV, w0)) {
            hex(sb, "ssid", Field.get(EVTQ_0_SSID, w0));
        }
        switch (id) {
            case EVT_ID_STE_FETCH_FAULT, EVT_ID_CD_FETCH_FAULT, EVT_ID_VMS_FETCH_FAULT ->
                    hex(sb, "fetch", w3 & EVTQ_3_FETCH_ADDR);
            case EVT_ID_UUT, EVT_ID_TRANSL_FORBIDDEN -> {
                access(sb, w1);
                hex(sb, "addr", w2);
            }
            case EVT_ID_BAD_ATS_TREQ, EVT_ID_PAGE_REQUEST -> hex(sb, "addr", w2);
            case EVT_ID_WALK_EABT -> {
                translation(sb, w1);
                hex(sb, "addr", w2);
                hex(sb, "fetch", w3 & EVTQ_3_FETCH_ADDR);
            }
            case EVT_ID_TRANSLATION_FAULT, EVT_ID_ADDR_SIZE_FAULT, EVT_ID_ACCESS_FAULT, EVT_ID_PERMISSION_FAULT -> {
                boolean stall = Field.isSet(EVTQ_1_STALL, w1);
                dec(sb, "stall", stall ? 1 : 0);
                if (stall) {
                    hex(sb, "stag", Field.get(EVTQ_1_STAG, w1));
                }
                translation(sb, w1);
                hex(sb, "addr", w2);
                if (Field.isSet(EVTQ_1_S2, w1)) {
                    hex(sb, "ipa", w3 & EVTQ_3_IPA);
                }
            }
            case EVT_ID_TLB_CONFLICT -> {
                translation(sb, w1);
                hex(sb, "addr", w2);
                hex(sb, "ipa", w3 & EVTQ_3_IPA);
            }
            case EVT_ID_BAD_STREAMID_CONFIG, EVT_ID_BAD_STE_CONFIG, EVT_ID_STREAM_DISABLED_FAULT,
                 EVT_ID_BAD_SUBSTREAMID_CONFIG, EVT_ID_BAD_CD_CONFIG, EVT_ID_CFG_CONFLICT -> {
                // StreamID and SubstreamID only
            }
            default -> {
                hex(sb, "w1", w1);
                hex(sb, "w2", w2);
                hex(sb, "w3", w3);
            }
        }
        return sb.toString();
    }

    private static void translation(StringBuilder sb, long w1) {
        long cls = Field.get(EVTQ_1_CLASS, w1);
        sb.append(" class=").append(cls == EVTQ_1_CLASS_CD ? "CD" : cls == EVTQ_1_CLASS_TT ? "TT"
                : cls == EVTQ_1_CLASS_IN ? "IN" : "RESERVED");
        dec(sb, "s2", Field.get(EVTQ_1_S2, w1));
        access(sb, w1);
        if (cls == EVTQ_1_CLASS_TT) {
            dec(sb, "ttrnw", Field.get(EVTQ_1_TT_READ, w1));
        }
    }

    private static void access(StringBuilder sb, long w1) {
        dec(sb, "rnw", Field.get(EVTQ_1_RnW, w1));
        dec(sb, "ind", Field.get(EVTQ_1_InD, w1));
        dec(sb, "pnu", Field.get(EVTQ_1_PnU, w1));
    }

    private static void hex(StringBuilder sb, String name, long value) {
        sb.append(' ').append(name).append("=0x").append(Long.toHexString(value));
    }

    private static void dec(StringBuilder sb, String name, long value) {
        sb.append(' ').append(name).append('=').append(value);
    }
}

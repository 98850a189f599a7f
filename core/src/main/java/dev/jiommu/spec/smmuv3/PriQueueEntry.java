package dev.jiommu.spec.smmuv3;

/**
 * PRI queue entry layout: a PCIe Page Request as the SMMU records it
 * (IHI0070 chapter 8, PRI queue; ATS and PRI support in 3.9).
 *
 * <p>An entry is 16 bytes, two little-endian dwords. Requests of one page
 * request group share StreamID and PRG index; the one with LAST set closes the
 * group, which software answers with a single CMD_PRI_RESP
 * ({@link Commands#priResp}).
 *
 * <pre>
 *  dword 0: 63 SSID_V | 62 PRG_LAST | 61 PERM_WRITE | 60 PERM_READ | 59 PERM_EXEC
 *           | 58 PERM_PRIV | 51..32 SSID | 31..0 SID
 *  dword 1: 63..12 ADDR | 8..0 PRG_IDX
 * </pre>
 */
public final class PriQueueEntry {

    private PriQueueEntry() {
    }

    public static final int PRIQ_ENT_SZ_SHIFT = 4;
    public static final int PRIQ_ENT_DWORDS = 2;
    /** {@code Q_MAX_SZ_SHIFT - PRIQ_ENT_SZ_SHIFT}: Linux's largest PRI queue, log2 entries. */
    public static final int PRIQ_MAX_SZ_SHIFT = Registers.Q_MAX_SZ_SHIFT - PRIQ_ENT_SZ_SHIFT;

    public static final long PRIQ_0_SID = Field.genmask(31, 0);
    public static final long PRIQ_0_SSID = Field.genmask(51, 32);
    public static final long PRIQ_0_PERM_PRIV = 1L << 58;
    public static final long PRIQ_0_PERM_EXEC = 1L << 59;
    public static final long PRIQ_0_PERM_READ = 1L << 60;
    public static final long PRIQ_0_PERM_WRITE = 1L << 61;
    /** Last request of its page request group. */
    public static final long PRIQ_0_PRG_LAST = 1L << 62;
    public static final long PRIQ_0_SSID_V = 1L << 63;

    /** Page request group index, echoed in CMD_PRI_RESP. */
    public static final long PRIQ_1_PRG_IDX = Field.genmask(8, 0);
    public static final long PRIQ_1_ADDR_MASK = Field.genmask(63, 12);

    /**
     * The request's fields, such as
     * {@code "PRI sid=0x8 ssid=0x1 grpid=0x3 addr=0x7f0000 perm=rw-- last=1"}.
     */
    public static String describe(long w0, long w1) {
        StringBuilder sb = new StringBuilder("PRI sid=0x").append(Long.toHexString(Field.get(PRIQ_0_SID, w0)));
        if (Field.isSet(PRIQ_0_SSID_V, w0)) {
            sb.append(" ssid=0x").append(Long.toHexString(Field.get(PRIQ_0_SSID, w0)));
        }
        sb.append(" grpid=0x").append(Long.toHexString(Field.get(PRIQ_1_PRG_IDX, w1)));
        sb.append(" addr=0x").append(Long.toHexString(w1 & PRIQ_1_ADDR_MASK));
        sb.append(" perm=")
                .append(Field.isSet(PRIQ_0_PERM_READ, w0) ? 'r' : '-')
                .append(Field.isSet(PRIQ_0_PERM_WRITE, w0) ? 'w' : '-')
                .append(Field.isSet(PRIQ_0_PERM_EXEC, w0) ? 'x' : '-')
                .append(Field.isSet(PRIQ_0_PERM_PRIV, w0) ? 'p' : '-');
        sb.append(" last=").append(Field.isSet(PRIQ_0_PRG_LAST, w0) ? 1 : 0);
        return sb.toString();
    }
}

package dev.jiommu.os.smmuv3;

/**
 * One live Stream Table Entry (IHI0070 5.2) or Context Descriptor (5.4) as the
 * driver sees it: eight little-endian qwords in memory the SMMU may fetch at
 * any moment, plus the means to make the SMMU drop what it has cached.
 *
 * <p>{@link EntryWriter} is the only user: it reads the current value once,
 * then issues {@link #write}s and {@link #sync}s in the order the hitless update
 * sequence needs. Implementations keep that order; they neither batch writes
 * nor reorder a write past a sync.
 *
 * <p>The architecture guarantees the SMMU reads configuration structures with
 * at least 64-bit single-copy atomicity (IHI0070 3.21.3), so one {@code write}
 * is the unit the hardware can observe; it may observe any mix of the qwords
 * written so far, in any order, until a {@code sync} completes.
 */
public interface EntryStore {

    /**
     * The qword {@code qword} (0..7) of the entry as it is in memory now.
     */
    long read(int qword);

    /**
     * Stores {@code value} into qword {@code qword} (0..7) with one 64-bit
     * single-copy-atomic store, ordered after every earlier write and sync.
     */
    void write(int qword, long value);

    /**
     * Returns only once the SMMU has dropped any cached copy of this entry, so
     * that its next use fetches the entry as written so far. The driver issues
     * {@code CMD_CFGI_STE} (or {@code CMD_CFGI_CD} for every StreamID using
     * the CD) followed by {@code CMD_SYNC} and waits for the sync.
     */
    void sync();
}

package dev.jiommu.os.smmuv3;

import dev.jiommu.mem.PhysicalMemory;

import java.util.function.IntSupplier;

/**
 * One live STE or CD in driver memory, for the hitless update writer: reads
 * and 64-bit single-copy-atomic writes of its eight qwords, and a
 * {@link #sync} that makes the SMMU drop its cached copy — CMD_CFGI_STE
 * ({@code arm_smmu_sync_ste_for_sid}) or CMD_CFGI_CD for every StreamID of the
 * master ({@code arm_smmu_sync_cd}), then CMD_SYNC, waited for.
 *
 * <p>Writes go to memory in the order they are made and are never batched or
 * reordered past a sync.
 * A sync that fails (a command queue timeout) is counted and logged by the
 * driver and its errno kept in {@link #lastSyncResult()}.
 */
public final class DriverEntryStore implements EntryStore {

    private static final int QWORDS = 8;

    private final PhysicalMemory memory;
    private final long address;
    private final IntSupplier syncer;
    private int lastSync;
    private long syncs;

    DriverEntryStore(PhysicalMemory memory, long address, IntSupplier syncer) {
        this.memory = memory;
        this.address = address;
        this.syncer = syncer;
    }

    /** The qword {@code qword} (0..7) as it is in memory now. */
    @Override
    public long read(int qword) {
        return memory.read64(address + 8L * check(qword));
    }

    /** Stores {@code value} into qword {@code qword} (0..7) with one 64-bit store. */
    @Override
    public void write(int qword, long value) {
        memory.write64(address + 8L * check(qword), value);
    }

    /** Invalidates the SMMU's copy and waits for CMD_SYNC. */
    @Override
    public void sync() {
        syncs++;
        lastSync = syncer.getAsInt();
    }

    /** The entry's PA. */
    public long address() {
        return address;
    }

    /** 0, or the errno of the last {@link #sync}. */
    public int lastSyncResult() {
        return lastSync;
    }

    /** Syncs made through this store. */
    public long syncs() {
        return syncs;
    }

    private static int check(int qword) {
        if (qword < 0 || qword >= QWORDS) {
            throw new IndexOutOfBoundsException("qword " + qword + " of an 8-qword entry");
        }
        return qword;
    }
}

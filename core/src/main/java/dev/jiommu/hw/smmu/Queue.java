package dev.jiommu.hw.smmu;

/**
 * One of the SMMU's circular queues in memory (SMMUv3 §3.5): the
 * {@code *_BASE} register and the PROD and CONS index registers, each an index
 * of LOG2SIZE bits with a wrap bit above it.
 *
 * <p>Invariants: LOG2SIZE is the smaller of what software wrote and the
 * implementation's maximum (§6.3.25: larger values behave as the maximum);
 * index bits above the wrap bit are not stored, so an index software writes
 * past the end of the queue is taken modulo twice the queue size, as the
 * register's width makes it on hardware. Flag bits (CMDQ_CONS.ERR, the
 * overflow flags) are kept apart from the indexes.
 */
final class Queue {

    final String name;
    final int entryBytes;
    private final int maxLog2;
    private final long addressMask;

    long base;
    int prod;
    int cons;

    /**
     * @param addressMask Q_BASE.ADDR as the implementation's OAS limits it
     */
    Queue(String name, int entryBytes, int maxLog2, long addressMask) {
        this.name = name;
        this.entryBytes = entryBytes;
        this.maxLog2 = maxLog2;
        this.addressMask = addressMask;
    }

    int log2Size() {
        return Math.min((int) (base & 0x1f), maxLog2);
    }

    int size() {
        return 1 << log2Size();
    }

    /** Index and wrap bits of a PROD/CONS value. */
    int indexBits(int value) {
        return value & ((2 << log2Size()) - 1);
    }

    /**
     * A PROD/CONS register as software reads it: its {@code flags} and the
     * index and wrap bits of the current size, so that after LOG2SIZE shrinks
     * the index reads truncated and the bits above the wrap bit read as zero
     * (§6.3.27, §6.3.28).
     */
    int visible(int value, long flags) {
        return (value & (int) flags) | indexBits(value);
    }

    int index(int value) {
        return value & (size() - 1);
    }

    boolean empty() {
        return indexBits(prod) == indexBits(cons);
    }

    boolean full() {
        return index(prod) == index(cons) && indexBits(prod) != indexBits(cons);
    }

    /** PROD or CONS advanced by one, wrap bit toggling at the end; flag bits kept. */
    int next(int value) {
        int flags = value & ~((2 << log2Size()) - 1);
        return flags | ((indexBits(value) + 1) & ((2 << log2Size()) - 1));
    }

    /** Physical address of the entry at index {@code value}. Aligned down to the queue size, as ADDR must be. */
    long entryAddress(int value) {
        long b = base & addressMask & -((long) size() * entryBytes);
        return b + (long) index(value) * entryBytes;
    }

    /** Number of entries between CONS and PROD. */
    int occupancy() {
        return (indexBits(prod) - indexBits(cons)) & ((2 << log2Size()) - 1);
    }
}

package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Registers.Q_BASE_ADDR_MASK;
import static dev.jiommu.spec.smmuv3.Registers.Q_BASE_LOG2SIZE;
import static dev.jiommu.spec.smmuv3.Registers.Q_BASE_RWA;
import static dev.jiommu.spec.smmuv3.Registers.Q_OVERFLOW_FLAG;

import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Field;

/**
 * One SMMU queue in driver memory and the driver's copy of its indexes:
 * Linux's {@code struct arm_smmu_queue} with its {@code arm_smmu_ll_queue}
 * (IHI 0070 §3.5).
 *
 * <p>An index ({@code prod}, {@code cons}) holds {@code log2} index bits, the
 * wrap bit above them, and bit 31 as the overflow flag (OVFLG in PROD,
 * OVACKFLG in CONS); the macros {@code Q_IDX}, {@code Q_WRP} and {@code Q_OVF}
 * are {@link #idx}, {@link #wrp} and {@link #ovf}. Invariants: the queue's
 * memory is {@code entryBytes << log2} bytes (at least a page), aligned to its
 * size, as {@code *_BASE.ADDR} requires; the queue is empty when index and wrap
 * bits of prod and cons are equal, full when the indexes are equal and the
 * wrap bits differ.
 */
final class DriverQueue {

    final String name;
    final int entryDwords;
    final int prodReg;
    final int consReg;
    int log2;
    long baseDma;
    long allocated;
    int prod;
    int cons;

    private DriverQueue(String name, int entryDwords, int prodReg, int consReg) {
        this.name = name;
        this.entryDwords = entryDwords;
        this.prodReg = prodReg;
        this.consReg = consReg;
    }

    /**
     * Linux's {@code arm_smmu_init_one_queue}: allocates {@code 2^maxLog2}
     * entries, halving while the allocation fails and the queue is at least a
     * page, and logs the size it got.
     *
     * @return the queue, or null when even the smallest size failed (-ENOMEM), logged
     */
    static DriverQueue allocate(FrameAllocator frames, String name, int entryDwords, int maxLog2, int prodReg,
                                int consReg, DriverLog log) {
        DriverQueue q = new DriverQueue(name, entryDwords, prodReg, consReg);
        int log2 = maxLog2;
        while (true) {
            long qsz = ((long) entryDwords * 8) << log2;
            long frame = Math.max(qsz, PhysicalMemory.PAGE_SIZE);
            long pa = frame <= (1L << 30) ? frames.allocate(frame) : FrameAllocator.NO_FRAME;
            if (pa != FrameAllocator.NO_FRAME) {
                q.log2 = log2;
                q.baseDma = pa;
                q.allocated = frame;
                log.info("allocated %d entries for %s", 1 << log2, name);
                return q;
            }
            if (qsz < PhysicalMemory.PAGE_SIZE || log2 == 0) {
                log.err("failed to allocate queue (0x%x bytes) for %s", qsz, name);
                return null;
            }
            log2--;
        }
    }

    /** The *_BASE register value: RWA, the address and LOG2SIZE. */
    long qBase() {
        return Q_BASE_RWA | (baseDma & Q_BASE_ADDR_MASK) | Field.prep(Q_BASE_LOG2SIZE, log2);
    }

    int idx(int v) {
        return v & ((1 << log2) - 1);
    }

    int wrp(int v) {
        return v & (1 << log2);
    }

    static int ovf(int v) {
        return v & (int) Q_OVERFLOW_FLAG;
    }

    /** Index and wrap bits. */
    int wrapIdx(int v) {
        return v & ((2 << log2) - 1);
    }

    boolean empty() {
        return wrapIdx(prod) == wrapIdx(cons);
    }

    boolean full() {
        return idx(prod) == idx(cons) && wrp(prod) != wrp(cons);
    }

    /** Linux's {@code queue_has_space}: at least {@code n} free slots between prod and cons. */
    boolean hasSpace(int n) {
        int space = wrp(prod) == wrp(cons) ? (1 << log2) - (idx(prod) - idx(cons)) : idx(cons) - idx(prod);
        return space >= n;
    }

    /** {@code v} advanced by {@code n}, the wrap bit toggling past the end; the overflow flag kept. */
    int inc(int v, int n) {
        return ovf(v) | ((wrapIdx(v) + n) & ((2 << log2) - 1));
    }

    /** Physical address of the entry at index {@code v}. */
    long entryAddress(int v) {
        return baseDma + (long) idx(v) * entryDwords * 8;
    }

    /** Whether a CONS value has moved past the entry at {@code at} (Linux's {@code queue_consumed}). */
    boolean consumed(int consValue, int at) {
        if (wrp(consValue) == wrp(at)) {
            return idx(consValue) > idx(at);
        }
        return idx(consValue) <= idx(at);
    }

    int entries() {
        return 1 << log2;
    }
}

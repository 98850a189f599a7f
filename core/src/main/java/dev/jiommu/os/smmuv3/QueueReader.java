package dev.jiommu.os.smmuv3;

import dev.jiommu.Errno;
import dev.jiommu.mem.PhysicalMemory;

/**
 * The consumer side of a queue the SMMU produces (event and PRI queues,
 * IHI 0070 §3.5, §7.4, §8): Linux's {@code queue_remove_raw},
 * {@code queue_sync_prod_in} and {@code queue_sync_cons_ovf}.
 *
 * <p>Overflow protocol: the SMMU toggles PROD.OVFLG when it loses an entry to
 * a full queue; the driver notices the flag differ from its copy of PROD
 * ({@link #syncProdIn} returns {@code -EOVERFLOW}), drains what is there, and
 * acknowledges by writing CONS with OVACKFLG equal to OVFLG
 * ({@link #syncConsOvf}); until then the PRI queue accepts nothing new.
 */
final class QueueReader {

    private final SmmuRegs regs;
    private final PhysicalMemory memory;
    final DriverQueue q;

    QueueReader(SmmuRegs regs, PhysicalMemory memory, DriverQueue q) {
        this.regs = regs;
        this.memory = memory;
        this.q = q;
    }

    /** Copies the entry at CONS into {@code out} and publishes CONS past it; false when empty. */
    boolean removeRaw(long[] out) {
        if (q.empty()) {
            return false;
        }
        long a = q.entryAddress(q.cons);
        for (int i = 0; i < q.entryDwords; i++) {
            out[i] = memory.read64(a + 8L * i);
        }
        q.cons = q.inc(q.cons, 1);
        regs.write32(q.consReg, q.cons);
        return true;
    }

    /** Reads PROD; {@code -EOVERFLOW} when its overflow flag changed since the last read. */
    int syncProdIn() {
        int prod = regs.read32(q.prodReg);
        int ret = DriverQueue.ovf(prod) != DriverQueue.ovf(q.prod) ? -Errno.EOVERFLOW : 0;
        q.prod = prod;
        return ret;
    }

    /** Acknowledges an overflow: CONS.OVACKFLG takes PROD.OVFLG. */
    void syncConsOvf() {
        if (DriverQueue.ovf(q.prod) == DriverQueue.ovf(q.cons)) {
            return;
        }
        q.cons = DriverQueue.ovf(q.prod) | q.wrapIdx(q.cons);
        regs.write32(q.consReg, q.cons);
    }
}

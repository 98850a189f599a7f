package dev.jiommu.hw.smmu;

import dev.jiommu.mem.MemoryFault;

import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * The event queue (SMMUv3 §7.2, §7.4): the SMMU is its producer. Records are
 * written at PROD, PROD moves on, and the event queue interrupt is signalled.
 *
 * <p>Rules: with EVTQEN = 0, or while GERROR.EVENTQ_ABT_ERR is active, events
 * are discarded. A record that meets a full queue is lost and toggles
 * EVTQ_PROD.OVFLG, unless an overflow is already active (OVFLG differs from
 * EVTQ_CONS.OVACKFLG); unlike the PRI queue, an active overflow does not stop
 * later records once space frees. A record whose write aborts activates
 * GERROR.EVENTQ_ABT_ERR.
 */
final class EventQueue {

    final Smmu smmu;
    final Queue queue;
    long recorded;
    long lost;
    long overflows;

    EventQueue(Smmu smmu, Queue queue) {
        this.smmu = smmu;
        this.queue = queue;
    }

    /** Whether a record would be written now (enabled, no abort error, space). */
    boolean canRecord() {
        return (smmu.cr0 & CR0_EVTQEN) != 0 && !smmu.globalErrorActive(GERROR_EVTQ_ABT_ERR) && !queue.full();
    }

    /**
     * Writes one 32-byte record.
     *
     * @return true when it reached the queue
     */
    boolean record(long w0, long w1, long w2, long w3) {
        if ((smmu.cr0 & CR0_EVTQEN) == 0 || smmu.globalErrorActive(GERROR_EVTQ_ABT_ERR)) {
            lost++;
            return false;
        }
        if (queue.full()) {
            lost++;
            int ovflg = queue.prod & (int) Q_OVERFLOW_FLAG;
            if (ovflg == (queue.cons & (int) Q_OVERFLOW_FLAG)) {
                queue.prod ^= (int) Q_OVERFLOW_FLAG;
                overflows++;
                signal();
            }
            return false;
        }
        long a = queue.entryAddress(queue.prod);
        try {
            smmu.memory.write64(a, w0);
            smmu.memory.write64(a + 8, w1);
            smmu.memory.write64(a + 16, w2);
            smmu.memory.write64(a + 24, w3);
        } catch (MemoryFault f) {
            lost++;
            smmu.raiseGlobalError(GERROR_EVTQ_ABT_ERR);
            return false;
        }
        queue.prod = queue.next(queue.prod);
        recorded++;
        signal();
        return true;
    }

    private void signal() {
        if ((smmu.irqCtrl & IRQ_CTRL_EVTQ_IRQEN) != 0
                && !smmu.evtqMsi.signal(smmu, MSI_CFG0_ADDR_MASK & smmu.oasMask,
                smmu.lines.eventQueue())) {
            smmu.raiseGlobalError(GERROR_MSI_EVTQ_ABT_ERR);
        }
    }
}

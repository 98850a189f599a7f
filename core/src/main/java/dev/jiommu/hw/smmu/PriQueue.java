package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.mem.MemoryFault;

import static dev.jiommu.spec.smmuv3.Field.prep;
import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * The PRI queue (SMMUv3 chapter 8): page requests from PCIe functions,
 * written as 16-byte PRIQ entries for software to answer with CMD_PRI_RESP.
 *
 * <p>Rules (§8.1, §8.2): with PRIQEN = 0 (SMMUEN = 0 implies it) or an active
 * GERROR.PRIQ_ABT_ERR, nothing is written and every page request gets an
 * automatic response "Response Failure" without PASID. A request that meets a
 * full queue toggles PRIQ_PROD.OVFLG (unless an overflow is active); while an
 * overflow is active nothing more is written: requests with Last = 0 are
 * dropped silently, and one with Last = 1 gets an automatic response —
 * Success, or Failure when its StreamID has no valid STE and it carried a
 * PASID (PPR-with-PASID answered per STE.PPAR, §8.1). A Stop Marker (PASID,
 * Last = 1, no R/W) is never answered. A write that aborts activates
 * GERROR.PRIQ_ABT_ERR and answers the request with Response Failure.
 */
final class PriQueue {

    final Smmu smmu;
    final Queue queue;
    long written;
    long discarded;
    long autoResponses;
    long overflows;

    PriQueue(Smmu smmu, Queue queue) {
        this.smmu = smmu;
        this.queue = queue;
    }

    private boolean overflowActive() {
        return (queue.prod & Q_OVERFLOW_FLAG) != (queue.cons & Q_OVERFLOW_FLAG);
    }

    void request(PageRequest r) {
        boolean stopMarker = r.substreamId() != DmaTarget.NO_SUBSTREAM && r.last() && !r.read() && !r.write();
        boolean enabled = smmu.config.pri() && (smmu.cr0 & CR0_PRIQEN) != 0 && smmu.enabled();
        if (!enabled || smmu.globalErrorActive(GERROR_PRIQ_ABT_ERR)) {
            discarded++;
            if (!stopMarker) {
                autoRespond(r, DmaTarget.NO_SUBSTREAM, PageRequest.FAILURE);
            }
            return;
        }
        if (!overflowActive() && queue.full()) {
            queue.prod ^= (int) Q_OVERFLOW_FLAG;
            overflows++;
            signal();
        }
        if (overflowActive()) {
            discarded++;
            if (r.last() && !stopMarker) {
                overflowResponse(r);
            }
            return;
        }
        long w0 = prep(PRIQ_0_SID, r.streamId() & 0xffff_ffffL)
                | (r.last() ? PRIQ_0_PRG_LAST : 0)
                | (r.write() ? PRIQ_0_PERM_WRITE : 0)
                | (r.read() ? PRIQ_0_PERM_READ : 0);
        if (r.substreamId() != DmaTarget.NO_SUBSTREAM) {
            w0 |= PRIQ_0_SSID_V | prep(PRIQ_0_SSID, r.substreamId())
                    | (r.exec() ? PRIQ_0_PERM_EXEC : 0)
                    | (r.privileged() ? PRIQ_0_PERM_PRIV : 0);
        }
        long w1 = prep(PRIQ_1_PRG_IDX, r.prgIndex()) | (r.address() & PRIQ_1_ADDR_MASK);
        long a = queue.entryAddress(queue.prod);
        try {
            smmu.memory.write64(a, w0);
            smmu.memory.write64(a + 8, w1);
        } catch (MemoryFault f) {
            discarded++;
            smmu.raiseGlobalError(GERROR_PRIQ_ABT_ERR);
            if (!stopMarker) {
                autoRespond(r, DmaTarget.NO_SUBSTREAM, PageRequest.FAILURE);
            }
            return;
        }
        queue.prod = queue.next(queue.prod);
        written++;
        signal();
    }

    /** The automatic response to a discarded Last request during overflow (§8.1). */
    private void overflowResponse(PageRequest r) {
        if (r.substreamId() == DmaTarget.NO_SUBSTREAM) {
            autoRespond(r, DmaTarget.NO_SUBSTREAM, PageRequest.SUCCESS);
            return;
        }
        SteLookup ste = smmu.translator.streamConfig(r.streamId());
        if (ste instanceof StreamConfig s) {
            autoRespond(r, s.ppar() ? r.substreamId() : DmaTarget.NO_SUBSTREAM, PageRequest.SUCCESS);
        } else {
            autoRespond(r, DmaTarget.NO_SUBSTREAM, PageRequest.FAILURE);
        }
    }

    private void autoRespond(PageRequest r, int ssid, int code) {
        autoResponses++;
        smmu.requester(r.streamId()).pageResponse(ssid, r.prgIndex(), code);
    }

    private void signal() {
        if ((smmu.irqCtrl & IRQ_CTRL_PRIQ_IRQEN) != 0
                && !smmu.priqMsi.signal(smmu, MSI_CFG0_ADDR_MASK & smmu.oasMask,
                smmu.lines.priQueue())) {
            smmu.raiseGlobalError(GERROR_MSI_PRIQ_ABT_ERR);
        }
    }
}

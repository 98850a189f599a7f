package dev.jiommu.os.smmuv3;

import dev.jiommu.Errno;
import dev.jiommu.spec.smmuv3.Cmd;
import dev.jiommu.spec.smmuv3.Event;

import java.util.function.Consumer;

/**
 * The event queue consumer: Linux's {@code arm_smmu_evtq_thread} and
 * {@code arm_smmu_handle_event} (IHI 0070 §7.2, §7.3).
 *
 * <p>Each record is decoded into an {@link SmmuEvent} and handed to the
 * registered consumer. Without one, an event is only logged; a stalled
 * transaction (STALL = 1) is then terminated with CMD_RESUME(ABORT), as
 * Linux's fault reporting answers a fault nobody handles, so the device does
 * not wait for ever. A consumer that throws is treated the same way: the
 * exception is logged, not passed to the interrupt. Overflow is detected from
 * EVTQ_PROD.OVFLG, counted, logged, and acknowledged once the queue is
 * drained.
 */
final class EventQueueDriver {

    private final QueueReader reader;
    private final CommandQueueDriver cmdq;
    private final DriverLog log;
    private final DriverStats stats;
    private Consumer<SmmuEvent> consumer;
    private final long[] raw = new long[Event.EVTQ_ENT_DWORDS];

    EventQueueDriver(QueueReader reader, CommandQueueDriver cmdq, DriverLog log, DriverStats stats) {
        this.reader = reader;
        this.cmdq = cmdq;
        this.log = log;
        this.stats = stats;
    }

    void consumer(Consumer<SmmuEvent> c) {
        this.consumer = c;
    }

    /** The interrupt thread: drains the queue until it stays empty, then acknowledges any overflow. */
    void thread() {
        stats.evtqIrqs++;
        do {
            while (reader.removeRaw(raw)) {
                handle(SmmuEvent.decode(raw));
            }
            if (reader.syncProdIn() == -Errno.EOVERFLOW) {
                stats.evtqOverflows++;
                log.err("EVTQ overflow detected -- events lost");
            }
        } while (!reader.q.empty());
        reader.syncConsOvf();
    }

    private void handle(SmmuEvent e) {
        stats.events++;
        if (e.stall()) {
            stats.stallEvents++;
        }
        boolean delivered = false;
        if (consumer != null) {
            try {
                consumer.accept(e);
                delivered = true;
            } catch (RuntimeException ex) {
                log.err("event consumer failed on %s: %s", e, ex);
            }
        }
        if (delivered) {
            return;
        }
        log.info("event 0x%02x received: %s", e.id(), e);
        if (e.stall()) {
            stats.stallsAborted++;
            cmdq.issue(new CmdqEnt.Resume(e.sid(), e.stag(), (int) Cmd.CMDQ_RESUME_0_RESP_ABORT));
        }
    }
}

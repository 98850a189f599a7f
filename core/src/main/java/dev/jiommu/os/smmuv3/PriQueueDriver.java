package dev.jiommu.os.smmuv3;

import dev.jiommu.Errno;
import dev.jiommu.spec.smmuv3.Cmd;
import dev.jiommu.spec.smmuv3.PriQueueEntry;

import java.util.function.Consumer;

/**
 * The PRI queue consumer: Linux's {@code arm_smmu_priq_thread} and
 * {@code arm_smmu_handle_ppr} (IHI 0070 chapter 8).
 *
 * <p>Each entry is decoded into a {@link PriRequest} and handed to the
 * registered consumer, which answers each group (the request with LAST) with
 * {@link ArmSmmuV3#priResponse}. Without a consumer — or when it throws — the
 * driver does what Linux does with an unexpected request: logs it and, for a
 * LAST request, sends CMD_PRI_RESP with DENY. Overflow (PRIQ_PROD.OVFLG) is
 * counted, logged and acknowledged after the drain; until the
 * acknowledgement the SMMU writes no new entries (§8.2).
 */
final class PriQueueDriver {

    private final QueueReader reader;
    private final CommandQueueDriver cmdq;
    private final DriverLog log;
    private final DriverStats stats;
    private Consumer<PriRequest> consumer;
    private final long[] raw = new long[PriQueueEntry.PRIQ_ENT_DWORDS];

    PriQueueDriver(QueueReader reader, CommandQueueDriver cmdq, DriverLog log, DriverStats stats) {
        this.reader = reader;
        this.cmdq = cmdq;
        this.log = log;
        this.stats = stats;
    }

    void consumer(Consumer<PriRequest> c) {
        this.consumer = c;
    }

    void thread() {
        stats.priqIrqs++;
        do {
            while (reader.removeRaw(raw)) {
                handle(PriRequest.decode(raw[0], raw[1]));
            }
            if (reader.syncProdIn() == -Errno.EOVERFLOW) {
                stats.priqOverflows++;
                log.err("PRIQ overflow detected -- requests lost");
            }
        } while (!reader.q.empty());
        reader.syncConsOvf();
    }

    private void handle(PriRequest r) {
        stats.priRequests++;
        if (consumer != null) {
            try {
                consumer.accept(r);
                return;
            } catch (RuntimeException ex) {
                log.err("PRI consumer failed on %s: %s", r, ex);
            }
        }
        log.info("unexpected PRI request received: sid 0x%08x.0x%05x: [%d%s] %sprivileged %s%s%s access at iova "
                        + "0x%016x", r.sid(), r.pasidValid() ? r.pasid() : 0, r.prgIndex(), r.last() ? "L" : "",
                r.priv() ? "" : "un", r.read() ? "R" : "", r.write() ? "W" : "", r.exec() ? "X" : "", r.address());
        if (r.last()) {
            stats.priDenied++;
            cmdq.issue(new CmdqEnt.PriResp(r.sid(), r.pasidValid() ? r.pasid() : CmdqEnt.NO_SSID, r.prgIndex(),
                    (int) Cmd.PRI_RESP_DENY));
        }
    }
}

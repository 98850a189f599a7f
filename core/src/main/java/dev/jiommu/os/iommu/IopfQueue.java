package dev.jiommu.os.iommu;

import dev.jiommu.Errno;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Recoverable I/O page faults of the devices behind one IOMMU instance (Linux
 * {@code io-pgfault.c}: {@code struct iopf_queue}, {@code iopf_group},
 * {@code iommu_report_device_fault}, {@code iommu_sva_handle_iopf}).
 *
 * <p>Flow: the driver reports each fault it pulls from its PRI or event queue
 * ({@link #reportFault}). A fault that is not {@link IopfFault#last() last}
 * waits as a partial fault of its device. The last fault closes the group
 * (same device, same PASID, same group id): the partial faults that match
 * join it, and the group is matched to the SVA bond of its PASID. A group
 * without a bond is answered {@link ResponseCode#INVALID} at once; the
 * others wait in a FIFO for {@link #process()} (Linux's workqueue), which
 * resolves each fault through the address space's fault handler, stops at the
 * first failure (errors are sticky within a group, as in Linux), and sends one
 * response per group through the device's driver.
 *
 * <p>Teardown: {@link #discardPartial()} drops every partial fault without a
 * response ({@code iopf_queue_discard_partial}, for a PRI queue overflow);
 * {@link #removeDevice} drops the device's partial faults and answers its
 * queued groups INVALID ({@code iopf_queue_remove_device}); when a bond ends,
 * the core drops the PASID's partial faults and answers its queued groups
 * INVALID, so none of them reaches the next address space given that PASID;
 * when an address space exits, its queued groups are resolved at once and
 * fail with {@code -ESRCH} (Linux's {@code mmget_not_zero} failing).
 *
 * <p>Invariants: every closed group gets exactly one response; a device's
 * faults are accepted only while it is on this queue; partial faults are
 * kept in arrival order.
 */
public final class IopfQueue {

    /** A closed group waiting to be resolved. */
    private record Pending(Device dev, List<IopfFault> faults, SvaHandle bond) {
        IopfFault last() {
            return faults.getLast();
        }
    }

    private final IommuCore core;
    private final String name;
    /** Devices on this queue and their partial faults. */
    private final Map<Device, List<IopfFault>> partial = new LinkedHashMap<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    private long faults;
    private long groups;
    private long partialsDiscarded;
    private long failedFaults;
    private final long[] responses = new long[ResponseCode.values().length];

    IopfQueue(IommuCore core, String name) {
        this.core = core;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /**
     * Accept faults of {@code dev} ({@code iopf_queue_add_device}); the driver
     * calls this when it enables PRI or stall for the device.
     *
     * @return 0; {@code -ENODEV} when the device is not probed;
     *         {@code -EBUSY} when it is on a queue already
     */
    public int addDevice(Device dev) {
        if (dev.group() == null) {
            return -Errno.ENODEV;
        }
        if (dev.iopfQueue() != null) {
            return -Errno.EBUSY;
        }
        partial.put(dev, new ArrayList<>());
        dev.iopfQueue(this);
        return 0;
    }

    /**
     * Stop accepting faults of {@code dev} ({@code iopf_queue_remove_device}):
     * its partial faults are dropped, its queued groups answered INVALID.
     *
     * @return 0; {@code -EINVAL} when the device is not on this queue
     */
    public int removeDevice(Device dev) {
        if (dev.iopfQueue() != this) {
            return -Errno.EINVAL;
        }
        partialsDiscarded += partial.remove(dev).size();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.dev() == dev) {
                it.remove();
                respond(p.dev(), p.last(), ResponseCode.INVALID);
            }
        }
        dev.iopfQueue(null);
        return 0;
    }

    /**
     * Take one fault from the driver ({@code iommu_report_device_fault}).
     *
     * @return 0 (the fault is queued, or its group was answered);
     *         {@code -EINVAL} when {@code dev} is not on this queue
     */
    public int reportFault(Device dev, IopfFault fault) {
        List<IopfFault> devPartial = partial.get(dev);
        if (devPartial == null) {
            return -Errno.EINVAL;
        }
        faults++;
        if (!fault.last()) {
            devPartial.add(fault);
            return 0;
        }
        List<IopfFault> group = new ArrayList<>(devPartial.size() + 1);
        if (!devPartial.isEmpty()) {
            for (Iterator<IopfFault> it = devPartial.iterator(); it.hasNext(); ) {
                IopfFault f = it.next();
                if (f.pasidValid() == fault.pasidValid() && f.pasid() == fault.pasid()
                        && f.groupId() == fault.groupId()) {
                    group.add(f);
                    it.remove();
                }
            }
        }
        group.add(fault);
        groups++;
        SvaHandle bond = core.sva().bondFor(dev, fault);
        if (bond == null) {
            int why = fault.pasidValid() ? -Errno.ENODEV : -Errno.EINVAL;
            failedFaults++;
            core.reportToDevice(dev, new FailedPageRequest(fault, why, ResponseCode.INVALID));
            respond(dev, fault, ResponseCode.INVALID);
            return 0;
        }
        pending.add(new Pending(dev, group, bond));
        return 0;
    }

    /**
     * Resolve every queued group in arrival order and answer each (the
     * workqueue running {@code iopf_handler}).
     *
     * @return groups resolved
     */
    public int process() {
        int n = 0;
        while (!pending.isEmpty()) {
            resolve(pending.poll());
            n++;
        }
        return n;
    }

    /** Resolve the queued groups of {@code dev} now ({@code iopf_queue_flush_dev}). */
    public void flushDevice(Device dev) {
        for (Pending p : take(p -> p.dev() == dev)) {
            resolve(p);
        }
    }

    /** Drop every partial fault, without responses ({@code iopf_queue_discard_partial}). */
    public void discardPartial() {
        for (List<IopfFault> l : partial.values()) {
            partialsDiscarded += l.size();
            l.clear();
        }
    }

    /** Groups closed and waiting for {@link #process()}. */
    public int pendingGroups() {
        return pending.size();
    }

    /** Partial faults waiting for their last fault, over all devices. */
    public int partialFaults() {
        int n = 0;
        for (List<IopfFault> l : partial.values()) {
            n += l.size();
        }
        return n;
    }

    public IopfStats stats() {
        return new IopfStats(faults, groups, partialsDiscarded, failedFaults,
                responses[ResponseCode.SUCCESS.ordinal()], responses[ResponseCode.INVALID.ordinal()],
                responses[ResponseCode.FAILURE.ordinal()]);
    }

    // ---- called by the core --------------------------------------------------------

    /** The bond of {@code dev} on {@code pasid} ended: drop its partial faults, answer its groups INVALID. */
    void flushPasid(Device dev, int pasid) {
        List<IopfFault> l = partial.get(dev);
        if (l != null) {
            int before = l.size();
            l.removeIf(f -> f.pasidValid() && f.pasid() == pasid);
            partialsDiscarded += before - l.size();
        }
        for (Pending p : take(p -> p.dev() == dev && p.last().pasidValid() && p.last().pasid() == pasid)) {
            respond(p.dev(), p.last(), ResponseCode.INVALID);
        }
    }

    /** The bond's address space exited: resolve its queued groups now (they fail). */
    void flushBond(SvaHandle bond) {
        for (Pending p : take(p -> p.bond() == bond)) {
            resolve(p);
        }
    }

    private List<Pending> take(Predicate<Pending> which) {
        List<Pending> out = new ArrayList<>();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (which.test(p)) {
                it.remove();
                out.add(p);
            }
        }
        return out;
    }

    private void resolve(Pending p) {
        ResponseCode code = ResponseCode.SUCCESS;
        List<IopfFault> faults = p.faults();
        for (int i = 0; i < faults.size(); i++) {
            IopfFault f = faults.get(i);
            int err = p.bond().mm().released ? -Errno.ESRCH : p.bond().addressSpace().handleFault(f.address(), f.perm());
            if (err != 0) {
                code = ResponseCode.INVALID;
                failedFaults++;
                core.reportToDevice(p.dev(), new FailedPageRequest(f, err, code));
                break;
            }
        }
        respond(p.dev(), p.last(), code);
    }

    private void respond(Device dev, IopfFault last, ResponseCode code) {
        responses[code.ordinal()]++;
        dev.driver().pageResponse(dev, last, PageResponse.to(last, code));
    }

    @Override
    public String toString() {
        return "iopf-queue " + name;
    }
}

package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_ID_PRI;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_PRI_SIZEOF;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_ALLOC_REQ;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_CTRL;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_CTRL_ENABLE;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_CTRL_RESET;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_MAX_REQ;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_STATUS;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_STATUS_PASID;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_STATUS_RF;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_STATUS_STOPPED;
import static dev.jiommu.hw.pci.PciRegs.PCI_PRI_STATUS_UPRGI;

/**
 * The Page Request Extended Capability (PCIe Base 6.0 §10.5.2) and the
 * page-request credits it governs: the function's page-request engine asks it
 * before sending each Page Request Message and tells it of each PRG Response.
 *
 * <pre>
 *  31                      16 15                       0
 * +---------------------------+---------------------------+
 * | next [31:20] | ver [19:16] |   ID 0013h                | +0
 * |       PRI Status          |       PRI Control         | +4
 * |         Outstanding Page Request Capacity  (RO)       | +8
 * |         Outstanding Page Request Allocation (RW)      | +c
 * +---------------------------+---------------------------+
 *  Control: [0] Enable (RW, reset 0)   [1] Reset (writes act, reads 0)
 *  Status:  [0] Response Failure (RW1C)  [1] Unexpected PRG Index (RW1C)
 *           [8] Stopped (RO, reset 1)    [15] PRG Response PASID Required (RO)
 * </pre>
 *
 * <p>Rules (§10.5.2.2, §10.5.2.3; Response Failure: §10.4.2), which are this class's invariants:
 * <ul>
 *   <li>Requests are issued only while Enable is set and no Response Failure has
 *       been received since Enable was last set ({@link #mayRequest()}), and at
 *       most {@code min(Allocation, Capacity)} are outstanding at once (a
 *       function cannot hold more than it physically has, whatever software
 *       allocates; Linux allocates {@code min(Capacity, wanted)}).</li>
 *   <li>Enable going from 0 to 1 clears Stopped, Response Failure and Unexpected
 *       PRG Index. Enabling an interface that had not Stopped has indeterminate
 *       results in the spec; here the outstanding count simply carries over.</li>
 *   <li>With Enable clear, Stopped is 1 exactly when no request is outstanding.
 *       While Enable is set the spec leaves Stopped undefined; here it reads 0.</li>
 *   <li>Writing 1 to Reset while Enable is clear after the write (already clear,
 *       or cleared by the same write) clears the credit counter and the pending
 *       request state: no request is outstanding any more, and the
 *       {@link #onReset reset hook} tells the engine to forget its groups. With
 *       Enable set the write does nothing. The status flags are not touched by
 *       Reset; only enabling clears them (besides software's RW1C writes).</li>
 *   <li>A Response Failure disables the interface: Response Failure is set, no
 *       request may be issued, and further PRG Responses are ignored (they
 *       release no credits and raise no Unexpected PRG Index) until software
 *       clears Enable and sets it again. Clearing the RF bit alone does not
 *       re-enable requests. So, after a failure, the interface reaches Stopped
 *       only through Reset.</li>
 * </ul>
 */
public final class PriCapability {

    /** Capability Version of this structure (§10.5.2.1). */
    private static final int VERSION = 1;

    private final ConfigSpace config;
    private final int offset;
    private final int capacity;

    /** Enable as of the last control write, to see its transitions. */
    private boolean enabled;
    /** A Response Failure was received since Enable was last set. */
    private boolean failed;
    private int outstanding;
    private Runnable resetHook = () -> { };

    private PriCapability(ConfigSpace config, int offset, int capacity) {
        this.config = config;
        this.offset = offset;
        this.capacity = capacity;
    }

    /**
     * Adds the capability at the end of {@code function}'s extended list, in its
     * reset state: disabled, Stopped, allocation 0.
     *
     * @param capacity      Outstanding Page Request Capacity, at least 1
     * @param pasidRequired PRG Response PASID Required: responses to requests
     *                      that carried a PASID must carry it too
     * @throws IllegalArgumentException on a capacity below 1
     * @throws IllegalStateException    on a conventional function or a full space
     */
    public static PriCapability add(PciFunction function, int capacity, boolean pasidRequired) {
        if (capacity < 1) {
            throw new IllegalArgumentException("outstanding page request capacity " + capacity);
        }
        ConfigSpace config = function.config;
        int at = config.addExtendedCapability(PCI_EXT_CAP_ID_PRI, VERSION, PCI_EXT_CAP_PRI_SIZEOF);
        config.set16(at + PCI_PRI_CTRL, 0);
        config.setWritable(at + PCI_PRI_CTRL, 2, PCI_PRI_CTRL_ENABLE | PCI_PRI_CTRL_RESET);
        config.set16(at + PCI_PRI_STATUS, PCI_PRI_STATUS_STOPPED | (pasidRequired ? PCI_PRI_STATUS_PASID : 0));
        config.setWriteOneToClear(at + PCI_PRI_STATUS, 2, PCI_PRI_STATUS_RF | PCI_PRI_STATUS_UPRGI);
        config.set32(at + PCI_PRI_MAX_REQ, capacity);
        config.set32(at + PCI_PRI_ALLOC_REQ, 0);
        config.setWritable(at + PCI_PRI_ALLOC_REQ, 4, 0xffff_ffffL);
        PriCapability pri = new PriCapability(config, at, capacity);
        function.observeConfigWrites(pri::configWritten);
        return pri;
    }

    /** Offset of the capability header in configuration space. */
    public int offset() {
        return offset;
    }

    /**
     * Called after the engine's state for outstanding groups must be dropped
     * (a Reset that acted). One hook per capability; the last one set wins.
     */
    public void onReset(Runnable hook) {
        resetHook = hook == null ? () -> { } : hook;
    }

    // ---- what the page-request engine asks ---------------------------------------

    /** Enable, as software last wrote it. */
    public boolean enabled() {
        return enabled;
    }

    /** Outstanding Page Request Allocation as software wrote it (32 bits, unsigned). */
    public long allocation() {
        return config.get32(offset + PCI_PRI_ALLOC_REQ);
    }

    /** Outstanding Page Request Capacity. */
    public int capacity() {
        return capacity;
    }

    /** Page requests sent and not yet answered by a PRG Response (nor cleared by Reset). */
    public int outstanding() {
        return outstanding;
    }

    /** Whether the interface may issue page requests at all: enabled and no Response Failure since. */
    public boolean mayRequest() {
        return enabled && !failed;
    }

    /**
     * Takes the credits for {@code n} page requests (one per Page Request
     * Message, e.g. the requests of one group).
     *
     * @return false, taking nothing, when requests are not allowed ({@link #mayRequest()}),
     *         {@code n < 1}, or the requests would exceed {@code min(allocation, capacity)}
     */
    public boolean tryReserve(int n) {
        if (!mayRequest() || n < 1 || outstanding + (long) n > Math.min(allocation(), capacity)) {
            return false;
        }
        outstanding += n;
        return true;
    }

    /** {@link #tryReserve tryReserve(1)}. */
    public boolean trySend() {
        return tryReserve(1);
    }

    /**
     * A PRG Response (Success or Invalid Request) answering {@code n} page
     * requests: their credits return. Ignored after a Response Failure.
     *
     * @return false when ignored
     */
    public boolean responseReceived(int n) {
        if (failed || n < 1) {
            return false;
        }
        outstanding = Math.max(0, outstanding - n);
        updateStopped();
        return true;
    }

    /** A PRG Response with Response Failure: sets RF and disables the interface (see class rules). */
    public void responseFailure() {
        if (failed) {
            return;
        }
        failed = true;
        config.set16(offset + PCI_PRI_STATUS, status() | PCI_PRI_STATUS_RF);
    }

    /** A PRG Response whose PRG index matches no outstanding group: sets UPRGI. Ignored after a Response Failure. */
    public void unexpectedPrgIndex() {
        if (!failed) {
            config.set16(offset + PCI_PRI_STATUS, status() | PCI_PRI_STATUS_UPRGI);
        }
    }

    /** PRG Response PASID Required. */
    public boolean pasidRequired() {
        return (status() & PCI_PRI_STATUS_PASID) != 0;
    }

    /** The Stopped status bit. */
    public boolean stopped() {
        return (status() & PCI_PRI_STATUS_STOPPED) != 0;
    }

    public boolean responseFailed() {
        return (status() & PCI_PRI_STATUS_RF) != 0;
    }

    public boolean unexpectedPrgIndexSeen() {
        return (status() & PCI_PRI_STATUS_UPRGI) != 0;
    }

    // ---- what software's writes do ------------------------------------------------

    private void configWritten(int at, int width) {
        if (!ConfigSpace.overlaps(at, width, offset + PCI_PRI_CTRL, 2)) {
            return;
        }
        int control = config.get16(offset + PCI_PRI_CTRL);
        boolean enable = (control & PCI_PRI_CTRL_ENABLE) != 0;
        if ((control & PCI_PRI_CTRL_RESET) != 0) {
            config.set16(offset + PCI_PRI_CTRL, control & ~PCI_PRI_CTRL_RESET);
            if (!enable) {
                outstanding = 0;
                resetHook.run();
            }
        }
        if (enable && !enabled) {
            failed = false;
            config.set16(offset + PCI_PRI_STATUS,
                    status() & ~(PCI_PRI_STATUS_STOPPED | PCI_PRI_STATUS_RF | PCI_PRI_STATUS_UPRGI));
        }
        enabled = enable;
        updateStopped();
    }

    private void updateStopped() {
        if (!enabled) {
            int s = status() & ~PCI_PRI_STATUS_STOPPED;
            config.set16(offset + PCI_PRI_STATUS, outstanding == 0 ? s | PCI_PRI_STATUS_STOPPED : s);
        }
    }

    private int status() {
        return config.get16(offset + PCI_PRI_STATUS);
    }
}

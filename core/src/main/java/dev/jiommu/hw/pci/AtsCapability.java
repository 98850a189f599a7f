package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_CAP;
import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_CAP_PAGE_ALIGNED;
import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_CAP_QDEP;
import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_CTRL;
import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_CTRL_ENABLE;
import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_CTRL_STU;
import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_MAX_QDEP;
import static dev.jiommu.hw.pci.PciRegs.PCI_ATS_MIN_STU;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_ATS_SIZEOF;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_ID_ATS;

/**
 * The ATS Extended Capability of a function with an Address Translation Cache
 * (PCIe Base 6.0 §10.5.1), as software sees it in configuration space and as
 * the function's ATC reads it.
 *
 * <pre>
 *  31                      16 15                       0
 * +---------------------------+---------------------------+
 * | next [31:20] | ver [19:16] |   ID 000Fh                | +0
 * |       ATS Control         |      ATS Capability       | +4
 * +---------------------------+---------------------------+
 *  ATS Capability (RO):  [4:0] Invalidate Queue Depth (0 encodes 32)
 *                        [5]   Page Aligned Request
 *  ATS Control    (RW):  [4:0] Smallest Translation Unit (STU), reset 0
 *                        [15]  Enable, reset 0
 * </pre>
 *
 * <p>Invariants: only STU and Enable are writable (other Control bits and the
 * whole Capability register are read-only); nothing acts on a write, so
 * {@link #enabled()} and {@link #stu()} always reflect the register as last
 * written. Global Invalidate Supported (Capability bit 6) and the later
 * optional bits are not implemented and read 0.
 */
public final class AtsCapability {

    /** Capability Version of this structure (§10.5.1.1). */
    private static final int VERSION = 1;
    private static final int CTRL_WRITABLE = PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(0x1f);

    private final ConfigSpace config;
    private final int offset;

    private AtsCapability(ConfigSpace config, int offset) {
        this.config = config;
        this.offset = offset;
    }

    /**
     * Adds the capability at the end of {@code function}'s extended list.
     *
     * @param invalidateQueueDepth Invalidate Requests the function accepts before
     *                             back-pressuring, 1..32
     * @param pageAlignedRequest   whether the untranslated address of every
     *                             Translation Request is 4 KiB aligned
     * @throws IllegalArgumentException on a depth outside 1..32
     * @throws IllegalStateException    on a conventional function or a full space
     */
    public static AtsCapability add(PciFunction function, int invalidateQueueDepth, boolean pageAlignedRequest) {
        if (invalidateQueueDepth < 1 || invalidateQueueDepth > PCI_ATS_MAX_QDEP) {
            throw new IllegalArgumentException("invalidate queue depth " + invalidateQueueDepth);
        }
        ConfigSpace config = function.config;
        int at = config.addExtendedCapability(PCI_EXT_CAP_ID_ATS, VERSION, PCI_EXT_CAP_ATS_SIZEOF);
        config.set16(at + PCI_ATS_CAP,
                PCI_ATS_CAP_QDEP(invalidateQueueDepth) | (pageAlignedRequest ? PCI_ATS_CAP_PAGE_ALIGNED : 0));
        config.set16(at + PCI_ATS_CTRL, 0);
        config.setWritable(at + PCI_ATS_CTRL, 2, CTRL_WRITABLE);
        return new AtsCapability(config, at);
    }

    /** Offset of the capability header in configuration space. */
    public int offset() {
        return offset;
    }

    /** Enable: the function may issue Translation Requests and cache translations. */
    public boolean enabled() {
        return (control() & PCI_ATS_CTRL_ENABLE) != 0;
    }

    /**
     * The Smallest Translation Unit as log2 of bytes: {@code 12 + STU}. Every
     * Translation Completion and Invalidate Request covers a multiple of it.
     */
    public int stu() {
        return PCI_ATS_MIN_STU + PCI_ATS_CTRL_STU(control());
    }

    /** Invalidate Queue Depth, decoded: 1..32. */
    public int invalidateQueueDepth() {
        int q = PCI_ATS_CAP_QDEP(config.get16(offset + PCI_ATS_CAP));
        return q == 0 ? PCI_ATS_MAX_QDEP : q;
    }

    /** Page Aligned Request. */
    public boolean pageAlignedRequest() {
        return (config.get16(offset + PCI_ATS_CAP) & PCI_ATS_CAP_PAGE_ALIGNED) != 0;
    }

    private int control() {
        return config.get16(offset + PCI_ATS_CTRL);
    }
}

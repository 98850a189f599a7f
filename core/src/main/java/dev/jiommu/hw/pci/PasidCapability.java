package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_ID_PASID;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_PASID_SIZEOF;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CAP;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CAP_EXEC;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CAP_PRIV;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CAP_WIDTH;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CTRL;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CTRL_ENABLE;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CTRL_EXEC;
import static dev.jiommu.hw.pci.PciRegs.PCI_PASID_CTRL_PRIV;

/**
 * The PASID Extended Capability (PCIe Base 6.0 §7.8.8): whether, and with
 * which PASIDs, the function may send and receive requests that carry a PASID
 * (on Arm, the SMMU's SubstreamID).
 *
 * <pre>
 *  31                      16 15                       0
 * +---------------------------+---------------------------+
 * | next [31:20] | ver [19:16] |   ID 001Bh                | +0
 * |      PASID Control        |     PASID Capability      | +4
 * +---------------------------+---------------------------+
 *  PASID Capability (RO): [1] Execute Permission Supported
 *                         [2] Privileged Mode Supported
 *                         [12:8] Max PASID Width (0..20)
 *  PASID Control    (RW): [0] PASID Enable
 *                         [1] Execute Permission Enable (RsvdP unless supported)
 *                         [2] Privileged Mode Enable   (RsvdP unless supported)
 *                         all reset to 0
 * </pre>
 *
 * <p>Invariants: the Capability register is fixed at construction; a Control
 * enable bit is writable only if its feature is supported (otherwise it is
 * RsvdP and reads 0). §7.8.8.3 leaves the behaviour undefined when software
 * changes any Control bit while ATS Enable is set (hence Linux's SMMUv3 driver
 * enables PASID before ATS); the spec asks nothing of the function then, so
 * a write simply takes effect here.
 */
public final class PasidCapability {

    /** Capability Version of this structure (§7.8.8.1). */
    private static final int VERSION = 1;
    /** The largest Max PASID Width (§7.8.8.2): PASIDs are 20 bits. */
    public static final int MAX_WIDTH = 20;

    private final ConfigSpace config;
    private final int offset;

    private PasidCapability(ConfigSpace config, int offset) {
        this.config = config;
        this.offset = offset;
    }

    /**
     * Adds the capability at the end of {@code function}'s extended list.
     *
     * @param maxWidth           Max PASID Width: PASIDs 0 .. 2^maxWidth - 1 are supported, 0..20
     * @param executeSupported   Execute Permission Supported
     * @param privilegedSupported Privileged Mode Supported
     * @throws IllegalArgumentException on a width outside 0..20
     * @throws IllegalStateException    on a conventional function or a full space
     */
    public static PasidCapability add(PciFunction function, int maxWidth, boolean executeSupported,
                                      boolean privilegedSupported) {
        if (maxWidth < 0 || maxWidth > MAX_WIDTH) {
            throw new IllegalArgumentException("max PASID width " + maxWidth);
        }
        ConfigSpace config = function.config;
        int at = config.addExtendedCapability(PCI_EXT_CAP_ID_PASID, VERSION, PCI_EXT_CAP_PASID_SIZEOF);
        config.set16(at + PCI_PASID_CAP, maxWidth << Integer.numberOfTrailingZeros(PCI_PASID_CAP_WIDTH)
                | (executeSupported ? PCI_PASID_CAP_EXEC : 0) | (privilegedSupported ? PCI_PASID_CAP_PRIV : 0));
        config.set16(at + PCI_PASID_CTRL, 0);
        config.setWritable(at + PCI_PASID_CTRL, 2, PCI_PASID_CTRL_ENABLE
                | (executeSupported ? PCI_PASID_CTRL_EXEC : 0) | (privilegedSupported ? PCI_PASID_CTRL_PRIV : 0));
        return new PasidCapability(config, at);
    }

    /** Offset of the capability header in configuration space. */
    public int offset() {
        return offset;
    }

    /** PASID Enable: the function may send and receive TLPs with a PASID. */
    public boolean enabled() {
        return (control() & PCI_PASID_CTRL_ENABLE) != 0;
    }

    /** Max PASID Width: the function supports PASIDs below {@code 2^maxWidth()}. */
    public int maxWidth() {
        return (config.get16(offset + PCI_PASID_CAP) & PCI_PASID_CAP_WIDTH)
                >>> Integer.numberOfTrailingZeros(PCI_PASID_CAP_WIDTH);
    }

    /** Whether a request may carry {@code pasid}: PASID is enabled and the value fits the width. */
    public boolean allows(int pasid) {
        return enabled() && pasid >= 0 && pasid < 1 << maxWidth();
    }

    /** Execute Permission Enable: requests may set Execute Requested. */
    public boolean executeEnabled() {
        return (control() & PCI_PASID_CTRL_EXEC) != 0;
    }

    /** Privileged Mode Enable: requests may set Privileged Mode Requested. */
    public boolean privilegedEnabled() {
        return (control() & PCI_PASID_CTRL_PRIV) != 0;
    }

    public boolean executeSupported() {
        return (config.get16(offset + PCI_PASID_CAP) & PCI_PASID_CAP_EXEC) != 0;
    }

    public boolean privilegedSupported() {
        return (config.get16(offset + PCI_PASID_CAP) & PCI_PASID_CAP_PRIV) != 0;
    }

    private int control() {
        return config.get16(offset + PCI_PASID_CTRL);
    }
}

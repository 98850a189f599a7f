package dev.jiommu.hw.pci;

/**
 * The host bridge's own function at 00:00.0: QEMU's {@code gpex-root}
 * ({@code hw/pci-host/gpex.c}), vendor 1b36 (Red Hat), device 0008, class
 * 0600 (host bridge), a conventional function with no BARs or capabilities.
 */
public final class HostBridge extends PciFunction {

    public static final Identity IDENTITY = new Identity(PciRegs.PCI_VENDOR_ID_REDHAT,
            PciRegs.PCI_DEVICE_ID_REDHAT_PCIE_HOST, 0, PciRegs.PCI_CLASS_BRIDGE_HOST);

    public HostBridge() {
        super(IDENTITY, false);
    }
}

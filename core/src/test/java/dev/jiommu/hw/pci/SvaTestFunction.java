package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.DmaTarget;

/**
 * A PCI Express endpoint with every capability this package models, for tests
 * that drive it as software would: PCI Express (endpoint, End-End TLP prefixes),
 * MSI-X with {@link #VECTORS} vectors whose table is at BAR0 + 0 and PBA at
 * BAR0 + {@link #PBA_OFFSET}, ATS, PRI and PASID. BAR0 holds only the MSI-X
 * structures.
 */
final class SvaTestFunction extends PciFunction {

    /** More than 64, so the PBA has two QWORDs. */
    static final int VECTORS = 70;
    static final long PBA_OFFSET = 0x800;
    static final long BAR0_SIZE = 0x1000;
    static final int INVALIDATE_QUEUE_DEPTH = 32;
    static final int PRI_CAPACITY = 8;
    static final int PASID_WIDTH = 16;

    final PciExpressCapability express;
    final MsixCapability msix;
    final AtsCapability ats;
    final PriCapability pri;
    final PasidCapability pasid;

    SvaTestFunction(DmaTarget upstream) {
        super(new Identity(PciRegs.PCI_VENDOR_ID_REDHAT, 0x00ff, 0, PciRegs.PCI_CLASS_OTHERS), true);
        express = PciExpressCapability.add(this, PciRegs.PCI_EXP_TYPE_ENDPOINT, true);
        msix = MsixCapability.add(this, upstream, VECTORS, 0, 0, 0, PBA_OFFSET);
        addBar(new Bar(0, BAR0_SIZE, false, msix.bar(0)));
        ats = AtsCapability.add(this, INVALIDATE_QUEUE_DEPTH, true);
        pri = PriCapability.add(this, PRI_CAPACITY, true);
        pasid = PasidCapability.add(this, PASID_WIDTH, true, false);
    }
}

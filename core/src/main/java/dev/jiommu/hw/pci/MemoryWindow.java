package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.MmioDevice;

/**
 * A window of PCI memory space on the system bus. An access is routed to the
 * BAR that decodes its PCI address (see {@link PciFunction#barAddress}); the
 * BAR's device sees the offset within the BAR and the access size unchanged.
 *
 * <p>An access that no BAR decodes, or that runs past the end of the BAR it
 * starts in, completes as an Unsupported Request (PCIe Base 6.0 §2.3.2): reads
 * return all ones, writes are dropped.
 */
final class MemoryWindow implements MmioDevice {

    private final PciHost host;
    private final long pciBase;

    MemoryWindow(PciHost host, long pciBase) {
        this.host = host;
        this.pciBase = pciBase;
    }

    @Override
    public long read(long offset, int size) {
        long address = pciBase + offset;
        for (PciFunction f : host.functions()) {
            for (Bar bar : f.bars()) {
                long base = f.barAddress(bar);
                if (base >= 0 && address >= base && address - base <= bar.size() - size) {
                    return bar.device().read(address - base, size);
                }
            }
        }
        return Ecam.allOnes(size);
    }

    @Override
    public void write(long offset, int size, long value) {
        long address = pciBase + offset;
        for (PciFunction f : host.functions()) {
            for (Bar bar : f.bars()) {
                long base = f.barAddress(bar);
                if (base >= 0 && address >= base && address - base <= bar.size() - size) {
                    bar.device().write(address - base, size, value);
                    return;
                }
            }
        }
    }
}

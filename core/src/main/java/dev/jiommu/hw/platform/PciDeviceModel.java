package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.pci.PciFunction;
import dev.jiommu.mem.PhysicalMemory;

/** Makes a PCI endpoint that a machine can be asked for by name (QEMU's {@code -device NAME}). */
@FunctionalInterface
public interface PciDeviceModel {

    /**
     * @param dma    where the function's DMA goes (the IOMMU, or directly to memory)
     * @param memory system memory, for models that also access it without the IOMMU
     */
    PciFunction create(DmaTarget dma, PhysicalMemory memory);
}

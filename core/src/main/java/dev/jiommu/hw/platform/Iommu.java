package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.Dvm;
import dev.jiommu.hw.bus.MmioDevice;

/**
 * An IOMMU as a machine wires it: its register block, which the machine maps
 * at the IOMMU's place in the memory map, and the port through which the PCI
 * functions behind it send DMA. For the SMMUv3 model both are the same object.
 *
 * @param name      the model's name, as QEMU's {@code virt,iommu=} property spells it ({@code smmuv3})
 * @param registers the programming interface
 * @param dma       where devices behind the IOMMU send their transactions
 * @param dvm       what receives the PEs' broadcast TLB maintenance, or null when the IOMMU takes no part
 */
public record Iommu(String name, MmioDevice registers, DmaTarget dma, Dvm.Participant dvm) {

    /** An IOMMU that takes no part in broadcast TLB maintenance. */
    public Iommu(String name, MmioDevice registers, DmaTarget dma) {
        this(name, registers, dma, null);
    }
}

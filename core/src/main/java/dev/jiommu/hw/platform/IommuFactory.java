package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.SystemBus;

/**
 * Makes the IOMMU of a machine. The IOMMU reaches memory (tables, queues,
 * translated DMA) and MSI targets through {@code bus}; the machine maps the
 * returned register block itself.
 */
@FunctionalInterface
public interface IommuFactory {

    Iommu create(SystemBus bus);
}

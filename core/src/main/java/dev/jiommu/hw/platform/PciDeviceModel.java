package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.Scheduler;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.pci.PciFunction;
import dev.jiommu.mem.PhysicalMemory;

/** Makes a PCI endpoint that a machine can be asked for by name (QEMU's {@code -device NAME}). */
@FunctionalInterface
public interface PciDeviceModel {

    /**
     * What a device is made with.
     *
     * @param dma       where the function's requests go: the IOMMU, or memory directly (then without ATS)
     * @param memory    system memory, for models that also access it without the IOMMU
     * @param scheduler the machine's work queue, for devices that work after the access that started them
     */
    record Context(TranslationAgent dma, PhysicalMemory memory, Scheduler scheduler) {}

    PciFunction create(Context context);
}

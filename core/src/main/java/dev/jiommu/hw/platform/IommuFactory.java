package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;

/**
 * Makes the IOMMU of a machine. The IOMMU reaches memory (tables, queues,
 * translated DMA) and MSI targets through {@code bus}; the machine maps the
 * returned register block itself.
 */
@FunctionalInterface
public interface IommuFactory {

    Iommu create(SystemBus bus);

    /**
     * An SMMUv3 with the features of {@code config}; its own MSIs carry
     * {@link VirtMachine#SMMU_MSI_DEVICE_ID}; with IDR0.BTM it receives the
     * machine's broadcast TLB maintenance.
     */
    static IommuFactory smmuv3(SmmuConfig config) {
        return bus -> {
            Smmu smmu = new Smmu(config, bus);
            smmu.msiDeviceId(VirtMachine.SMMU_MSI_DEVICE_ID);
            return new Iommu("smmuv3", smmu, smmu, config.btm() ? smmu : null);
        };
    }
}

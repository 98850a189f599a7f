package dev.jiommu.os.smmuv3;

import dev.jiommu.os.iommu.Device;
import dev.jiommu.os.iommu.DeviceDomainOps;
import dev.jiommu.os.iommu.DomainType;

/**
 * The IDENTITY or BLOCKED domain of an {@link ArmSmmuV3Iommu} (Linux's static
 * {@code arm_smmu_identity_domain} and {@code arm_smmu_blocked_domain}):
 * attaching writes a bypass or abort STE, or, while PASIDs are bound, the
 * CD-table STE with S1DSS BYPASS or TERMINATE; CD 0 is cleared.
 */
final class SmmuFixedDomain implements DeviceDomainOps {

    final ArmSmmuV3Iommu driver;
    final DomainType type;

    SmmuFixedDomain(ArmSmmuV3Iommu driver, DomainType type) {
        this.driver = driver;
        this.type = type;
    }

    /** @return 0; {@code -EINVAL} for a device this driver did not probe; the STE/CD write errors */
    @Override
    public int attachDevice(Device dev) {
        return driver.attach(dev, this);
    }

    /** Nothing to release. */
    @Override
    public void free() {
    }
}

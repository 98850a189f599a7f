package dev.jiommu.os.iommu;

/**
 * A device driver's fault handler (Linux
 * {@code iommu_register_device_fault_handler}): unrecoverable faults of the
 * device, and recoverable ones that ended in an error response.
 */
@FunctionalInterface
public interface DeviceFaultHandler {
    void onFault(Device dev, FaultReport report);
}

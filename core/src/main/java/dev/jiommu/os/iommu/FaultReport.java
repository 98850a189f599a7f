package dev.jiommu.os.iommu;

/** What a device's fault handler receives (Linux {@code struct iommu_fault}, by type). */
public sealed interface FaultReport permits UnrecoverableFault, FailedPageRequest {
}

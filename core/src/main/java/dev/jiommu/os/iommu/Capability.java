package dev.jiommu.os.iommu;

/**
 * Per-device questions to the driver: Linux's {@code enum iommu_cap} plus the
 * device features SVA and IOPF ({@code IOMMU_DEV_FEAT_SVA},
 * {@code IOMMU_DEV_FEAT_IOPF}) and the nesting support the old
 * {@code DOMAIN_ATTR_NESTING} attribute relied on.
 */
public enum Capability {
    /** DMA is coherent with CPU caches ({@code IOMMU_CAP_CACHE_COHERENCY}). */
    CACHE_COHERENCY,
    /** The NOEXEC mapping flag is honoured ({@code IOMMU_CAP_NOEXEC}). */
    NOEXEC,
    /** UNMANAGED domains can be switched to nested (stage 1 + stage 2) translation. */
    NESTING,
    /** The device can share process address spaces through PASIDs ({@code IOMMU_DEV_FEAT_SVA}). */
    SVA,
    /** The device's translation faults can be recovered: PRI or stall ({@code IOMMU_DEV_FEAT_IOPF}). */
    IOPF
}

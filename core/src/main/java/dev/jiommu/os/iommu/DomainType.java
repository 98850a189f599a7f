package dev.jiommu.os.iommu;

/**
 * What a domain does with the DMA of the devices attached to it (Linux
 * {@code IOMMU_DOMAIN_*} in {@code include/linux/iommu.h}).
 */
public enum DomainType {
    /** All DMA is blocked ({@code IOMMU_DOMAIN_BLOCKED}). */
    BLOCKED,
    /** DMA addresses are physical addresses: bypass ({@code IOMMU_DOMAIN_IDENTITY}). */
    IDENTITY,
    /** Translated through page tables a user (VFIO) manages ({@code IOMMU_DOMAIN_UNMANAGED}). */
    UNMANAGED,
    /** Translated through page tables the kernel's DMA API manages ({@code IOMMU_DOMAIN_DMA}). */
    DMA,
    /** Shares a process's page tables, attached to a PASID ({@code IOMMU_DOMAIN_SVA}). */
    SVA;

    /** Whether the core maps and unmaps in it ({@code __IOMMU_DOMAIN_PAGING}). */
    public boolean isPaging() {
        return this == UNMANAGED || this == DMA;
    }
}

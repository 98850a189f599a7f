package dev.jiommu.os.iommu;

/**
 * The driver's side of one domain (Linux {@code struct iommu_domain_ops} and
 * the driver structure embedding {@code struct iommu_domain}). The core wraps
 * it in a {@link Domain}; drivers never see the wrapper.
 *
 * <p>Domains a device or group is attached to as a whole (BLOCKED, IDENTITY,
 * DMA, UNMANAGED) implement {@link DeviceDomainOps}, paging ones
 * {@link PagingDomainOps}; SVA domains, attached by PASID only, implement
 * {@link SvaDomainOps}.
 *
 * <p>The core calls these methods single-threaded and only in legal states:
 * never on a freed domain, never {@link #free()} while a device uses it.
 */
public interface DomainOps {

    /**
     * Release the domain's resources ({@code free}): page tables, ASID/VMID,
     * driver bookkeeping. No device uses the domain when the core calls this.
     */
    void free();
}

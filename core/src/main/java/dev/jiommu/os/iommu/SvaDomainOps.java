package dev.jiommu.os.iommu;

/**
 * A domain that shares one process address space (Linux
 * {@code IOMMU_DOMAIN_SVA}, allocated by {@code domain_alloc_sva}). It is
 * attached to devices by PASID only, never as a device's or group's domain.
 *
 * <p>Linux drivers register their own MMU notifier when they allocate an SVA
 * domain; here the core registers one listener per address space and forwards
 * its events to every SVA domain of that address space, so drivers need no
 * process model: {@link #invalidateRange} and {@link #release}.
 */
public interface SvaDomainOps extends DomainOps {

    /**
     * Translate {@code pasid} of {@code dev} through this domain
     * ({@code set_dev_pasid}). The core calls this for each device of the
     * group that supports PASIDs, and undoes with
     * {@link IommuDriver#removeDevPasid} what succeeded when one fails.
     *
     * @return 0; {@code -EINVAL} when the domain cannot serve this device (a
     *         domain of another IOMMU instance, an incompatible page-table
     *         format); {@code -ENOSPC} when no context slot or ASID is free;
     *         {@code -ENOMEM}; {@code -EOPNOTSUPP} when the device cannot take
     *         an SVA context
     */
    int setDevPasid(Device dev, int pasid);

    /**
     * The process changed or removed translations of
     * {@code [start, end)} (the MMU notifier's {@code invalidate_range}, end
     * exclusive): invalidate the IOTLB for the address space's ASID and the
     * ATCs of devices using it.
     */
    void invalidateRange(long start, long end);

    /**
     * The process is exiting (the MMU notifier's {@code release}): its page
     * tables are about to be freed while devices may still issue DMA. Keep
     * every context of this domain valid but make all its translations fault
     * without recording page requests (the SMMUv3 driver writes a "quiet"
     * context descriptor with both TTBs disabled), and invalidate TLBs and ATCs.
     * The domain stays attached until unbind.
     */
    void release();
}

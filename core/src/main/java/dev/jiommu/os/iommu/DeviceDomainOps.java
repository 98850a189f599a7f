package dev.jiommu.os.iommu;

/**
 * A domain that translates a device's DMA without PASID: BLOCKED, IDENTITY,
 * and the paging types ({@link PagingDomainOps}).
 */
public interface DeviceDomainOps extends DomainOps {

    /**
     * Make this domain translate {@code dev}'s DMA without PASID, replacing
     * whatever translated it before ({@code attach_dev}). The change must be
     * complete (structures written, caches invalidated) when this returns. The
     * first attach finalises the domain: its configuration (stage, nesting)
     * is fixed from then on.
     *
     * @return 0; {@code -EINVAL} when the domain cannot serve this device (it
     *         belongs to another IOMMU instance, its page or address sizes do
     *         not fit); {@code -ENOMEM} when structures cannot be allocated.
     *         On error the device is left translated as it was.
     */
    int attachDevice(Device dev);
}

package dev.jiommu.os.iommu;

import java.util.List;

/**
 * One IOMMU instance's driver as the core drives it (Linux
 * {@code struct iommu_ops}). The per-domain operations live in the objects
 * {@link #domainAlloc} and {@link #domainAllocSva} return.
 *
 * <p>Threading and order: the core calls single-threaded. It probes a device
 * before anything else touches it and releases it last; it never hands a
 * driver a device another driver probed, nor a domain another driver
 * allocated.
 *
 * <p>Fault paths run the other way: the driver reports unrecoverable faults
 * with {@link IommuCore#reportUnrecoverable} and recoverable ones with
 * {@link IopfQueue#reportFault} on a queue it allocated with
 * {@link IommuCore#iopfQueueAlloc}, adding each fault-capable device to it
 * ({@link IopfQueue#addDevice}) when it enables PRI or stall for the device.
 */
public interface IommuDriver {

    /** The instance's name, for reports. */
    String name();

    /**
     * Take {@code dev} on ({@code probe_device}): look up its StreamIDs, set
     * up per-device structures (stream table entries), and decide what to
     * enable from what the device offers and the IOMMU supports — the PASID
     * width (the smaller of the device's and the IOMMU's), ATS, PRI, stall.
     *
     * @return the enabled features; {@code -ENODEV} when the device is not
     *         behind this IOMMU (the core then asks the next driver);
     *         {@code -ERANGE} for a StreamID the stream table cannot hold;
     *         {@code -ENOMEM}
     */
    Result<DeviceFeatures> probeDevice(Device dev);

    /**
     * Let go of {@code dev} ({@code release_device}): the device no longer
     * DMAs; disable its stream and free per-device structures. No SVA bond
     * remains on it.
     */
    void releaseDevice(Device dev);

    /** Whether the IOMMU, for {@code dev}, has {@code cap} ({@code capable} and the device-feature queries). */
    boolean capable(Device dev, Capability cap);

    /** Page sizes this IOMMU maps ({@code pgsize_bitmap}); not 0. */
    long pageSizeBitmap();

    /**
     * Allocate a domain to attach devices or groups to ({@code domain_alloc},
     * {@code domain_alloc_paging}, the static identity and blocked domains).
     * For {@link DomainType#DMA} and {@link DomainType#UNMANAGED} the result
     * implements {@link PagingDomainOps}. The domain is not tied to an IOMMU
     * instance until its first attach.
     *
     * @param type BLOCKED, IDENTITY, UNMANAGED or DMA (never SVA)
     * @return the domain; {@code -EOPNOTSUPP} for a type the driver does not
     *         offer; {@code -ENOMEM}
     */
    Result<DeviceDomainOps> domainAlloc(DomainType type);

    /**
     * Allocate an SVA domain sharing {@code mm}'s page tables for use by
     * {@code dev} ({@code domain_alloc_sva}). Drivers that share the CPU ASID
     * pin it here ({@link SvaAddressSpace#pinAsid()}) and unpin it when the
     * domain is freed.
     *
     * @return the domain; {@code -EOPNOTSUPP} when the IOMMU or the device
     *         cannot do SVA (no PASID, no BTM or broadcast TLB maintenance, a
     *         page-table format the IOMMU cannot walk); {@code -ENOMEM};
     *         {@code -ENOSPC} when no ASID is available
     */
    Result<SvaDomainOps> domainAllocSva(Device dev, SvaAddressSpace mm);

    /**
     * Stop translating {@code pasid} of {@code dev} through {@code domain}
     * ({@code remove_dev_pasid}): clear the context, invalidate TLBs and ATCs
     * for it, and drain the hardware's event and page-request queues into
     * {@link IopfQueue#reportFault} so no fault for the PASID is left in them.
     * The core then discards or answers what remains queued for the PASID.
     */
    void removeDevPasid(Device dev, int pasid, SvaDomainOps domain);

    /**
     * Send the response to the fault group {@code last} closed
     * ({@code page_response}): a PRI Page Group Response for a
     * {@link PageRequest} ({@code CMD_PRI_RESP}), a resume or terminate for a
     * {@link StallFault} ({@code CMD_RESUME}).
     */
    void pageResponse(Device dev, IopfFault last, PageResponse response);

    /**
     * Regions of {@code dev}'s IOVA space the hardware fixes
     * ({@code get_resv_regions}, without the software MSI window, which the
     * core adds): firmware-described direct mappings (IORT RMR), host-bridge
     * windows, hardware MSI ranges. Empty when there are none.
     */
    List<ReservedRegion> reservedRegions(Device dev);
}

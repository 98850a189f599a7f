package dev.jiommu.os.iommu;

import dev.jiommu.Errno;

/**
 * A domain that translates through page tables the core maps into
 * ({@code IOMMU_DOMAIN_DMA}, {@code IOMMU_DOMAIN_UNMANAGED}): Linux's
 * {@code map_pages}, {@code unmap_pages}, {@code iova_to_phys} and, for
 * UNMANAGED domains, {@code enable_nesting}.
 *
 * <p>The core has already checked alignment and split the request (as
 * {@link PageSizes#split} describes) when it calls {@link #mapPages} and
 * {@link #unmapPages}: {@code pgsize} is one size of {@link #pageSizeBitmap()},
 * addresses are aligned to it, {@code pgcount >= 1}.
 */
public interface PagingDomainOps extends DeviceDomainOps {

    /** Page sizes this domain maps ({@code domain->pgsize_bitmap}); not 0. */
    long pageSizeBitmap();

    /**
     * Map {@code pgcount} pages of {@code pgsize} from {@code iova} to
     * {@code paddr} ({@code map_pages}). The driver may stop early; what it
     * mapped it reports in {@link MapResult#mapped()} so the core can undo it.
     * With {@code error == 0} it must report progress ({@code mapped > 0}).
     *
     * @return error 0; {@code -EEXIST} where something is mapped already;
     *         {@code -ENOMEM} when table memory runs out; {@code -ERANGE} beyond
     *         the input or output address size; {@code -EINVAL} for arguments
     *         the table format refuses
     */
    MapResult mapPages(long iova, long paddr, long pgsize, long pgcount, int prot);

    /**
     * Unmap up to {@code pgcount} pages of {@code pgsize} from {@code iova}
     * ({@code unmap_pages}). An entry of exactly {@code pgsize} that points to
     * a table of smaller pages is removed with them. The driver stops at a
     * hole or at a block larger than {@code pgsize} (it does not split
     * blocks); when this returns, no device can translate through what was
     * removed (TLBs and ATCs are invalidated: Linux's {@code iotlb_sync}).
     *
     * @return bytes unmapped, 0 when nothing at {@code iova} could be
     */
    long unmapPages(long iova, long pgsize, long pgcount);

    /** The physical address {@code iova} translates to, 0 where nothing is mapped ({@code iova_to_phys}). */
    long iovaToPhys(long iova);

    /**
     * Switch the domain to nested translation, or back to stage 1 alone,
     * before its first attach: Linux's {@code DOMAIN_ATTR_NESTING} through
     * {@code domain_set_attr} (v5.4) and its successor {@code enable_nesting}
     * (v5.13). The core calls this only for UNMANAGED domains of a driver
     * reporting {@link Capability#NESTING}, and only before the first attach.
     * The default is a driver without the operation.
     *
     * @return 0; {@code -EINVAL} when the driver has no nesting
     */
    default int setNesting(boolean nesting) {
        return -Errno.EINVAL;
    }
}

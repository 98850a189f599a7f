package dev.jiommu.os.iommu;

/**
 * A recoverable translation fault a device is waiting on (Linux
 * {@code struct iommu_fault_page_request}): a PCIe page request or a stalled
 * transaction. The driver reports it with {@link IopfQueue#reportFault}; the
 * core answers each group once, through {@link IommuDriver#pageResponse}.
 *
 * <p>{@link #perm()} holds {@link dev.jiommu.pgtable.Access} bits READ, WRITE,
 * EXEC and PRIV, which have the values of Linux's
 * {@code IOMMU_FAULT_PERM_READ/WRITE/EXEC/PRIV}.
 */
public sealed interface IopfFault permits PageRequest, StallFault {

    /** The request carried a PASID ({@code IOMMU_FAULT_PAGE_REQUEST_PASID_VALID}). */
    boolean pasidValid();

    /** The PASID, meaningful when {@link #pasidValid()}. */
    int pasid();

    /** The identifier the response must echo ({@code grpid}): PRG index or STAG. */
    int groupId();

    /** Whether this fault closes its group ({@code IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE}). */
    boolean last();

    /** Requested access, as {@link dev.jiommu.pgtable.Access} bits. */
    int perm();

    /** The faulting address, page-aligned for page requests. */
    long address();

    /** Whether the response must carry the PASID ({@code IOMMU_PAGE_RESP_PASID_VALID}). */
    boolean responseNeedsPasid();
}

/**
 * The IOMMU core: devices, groups and domains; map and unmap split into the
 * driver's page sizes; reserved regions; fault reporting; shared virtual
 * addressing (SVA) with a global PASID space; and recoverable I/O page faults.
 *
 * <p>The semantics are those of Linux's {@code drivers/iommu/iommu.c},
 * {@code iommu-sva.c} and {@code io-pgfault.c}. Where this model departs from
 * a particular kernel version, the class or method says so.
 *
 * <p>Shape of the driver boundary (Linux {@code struct iommu_ops} and
 * {@code struct iommu_domain_ops}):
 * <ul>
 *   <li>{@link dev.jiommu.os.iommu.IommuDriver}: one IOMMU instance — probe,
 *       release, capabilities, domain allocation, PASID removal, page
 *       responses, reserved regions;</li>
 *   <li>{@link dev.jiommu.os.iommu.DomainOps},
 *       {@link dev.jiommu.os.iommu.PagingDomainOps},
 *       {@link dev.jiommu.os.iommu.SvaDomainOps}: the driver's per-domain
 *       object, which the core wraps in a {@link dev.jiommu.os.iommu.Domain}.</li>
 * </ul>
 *
 * <p>Errors are negated {@link dev.jiommu.Errno} values, documented per call;
 * calls that return an object return a {@link dev.jiommu.os.iommu.Result}
 * (Linux's {@code ERR_PTR}). Exceptions signal only a broken contract (a
 * driver returning what its contract forbids, a null argument).
 *
 * <p>Dependencies: {@code dev.jiommu.Errno} and {@code dev.jiommu.pgtable};
 * never the hardware model. The process model reaches this package through
 * {@link dev.jiommu.os.iommu.SvaAddressSpace}.
 */
package dev.jiommu.os.iommu;

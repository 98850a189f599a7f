package dev.jiommu.os.iommu;

/**
 * A recoverable fault that could not be resolved and was answered with
 * {@code code}: reported to the device's fault handler so its driver can tell
 * the failing job from a retried one.
 *
 * @param fault the fault (for a group, the first one that failed)
 * @param error why: {@code -EFAULT} no mapping at the address,
 *              {@code -EACCES} the mapping forbids the access,
 *              {@code -ENOMEM}, {@code -ESRCH} the address space has exited,
 *              {@code -ENODEV} no address space is bound to the PASID,
 *              {@code -EINVAL} the fault carries no PASID
 * @param code  the response the device got
 */
public record FailedPageRequest(IopfFault fault, int error, ResponseCode code) implements FaultReport {
}

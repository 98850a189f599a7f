package dev.jiommu.os.iommu;

/**
 * A domain owner's fault handler (Linux {@code iommu_set_fault_handler},
 * called through {@code report_iommu_fault}).
 */
@FunctionalInterface
public interface DomainFaultHandler {
    /**
     * @return 0 when the fault was handled, a negated errno otherwise (it is
     *         handed back to the reporting driver, which may log the fault)
     */
    int onFault(Domain domain, Device dev, UnrecoverableFault fault);
}

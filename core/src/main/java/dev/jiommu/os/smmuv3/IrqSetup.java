package dev.jiommu.os.smmuv3;

/**
 * How the SMMU driver gets its interrupts: the platform's MSI domain, as
 * Linux's {@code platform_device_msi_init_and_alloc_irqs} gives the SMMU its
 * MSIs (one per vector) and {@code arm_smmu_write_msi_msg} programs each into
 * {@code *_IRQ_CFG0/1/2}.
 *
 * <p>The driver asks for {@code nvec} vectors — 0 the event queue, 1 GERROR,
 * 2 the PRI queue (Linux's {@code EVTQ_MSI_INDEX}, {@code GERROR_MSI_INDEX},
 * {@code PRIQ_MSI_INDEX}) — and passes the handler each must run. The domain
 * knows the SMMU's DeviceID (firmware's IORT mapping) and returns the message
 * (doorbell address and data) each vector must write.
 */
public interface IrqSetup {

    /** What the SMMU writes to signal one vector. */
    record MsiMessage(long address, int data) {
    }

    /**
     * Allocates {@code nvec} MSIs; {@code handlers[i]} runs on each delivery of vector {@code i}.
     *
     * @return one message per vector, or null when the domain has none to give
     *         (the driver then falls back as Linux does, to no interrupts here)
     */
    MsiMessage[] allocateMsis(int nvec, Runnable[] handlers);

    /** Releases what {@link #allocateMsis} set up; nothing when nothing was. */
    void freeMsis();

    /** No MSI domain ({@code dev->msi.domain} absent). */
    IrqSetup NONE = new IrqSetup() {
        @Override
        public MsiMessage[] allocateMsis(int nvec, Runnable[] handlers) {
            return null;
        }

        @Override
        public void freeMsis() {
        }
    };
}

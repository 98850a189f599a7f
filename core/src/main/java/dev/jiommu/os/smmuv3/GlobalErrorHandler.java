package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * Linux's {@code arm_smmu_gerror_handler} (IHI 0070 §7.5): reads GERROR and
 * GERRORN, and for every error active (the bits that differ) logs and counts
 * it — Service Failure Mode disables the SMMU, a command queue error skips the
 * faulty command ({@link CommandQueueDriver#skipErr}) — then acknowledges all
 * of them at once by writing GERROR's value to GERRORN.
 *
 * <p>The handler runs from the GERROR LPI, and from command queue waits that
 * see GERROR.CMDQ_ERR active (one CPU: the interrupt would preempt the wait).
 * A second run with nothing active returns at once (Linux's IRQ_NONE).
 */
final class GlobalErrorHandler implements Runnable {

    private final SmmuRegs regs;
    private final CommandQueueDriver cmdq;
    private final Runnable disable;
    private final DriverLog log;
    private final DriverStats stats;

    GlobalErrorHandler(SmmuRegs regs, CommandQueueDriver cmdq, Runnable disable, DriverLog log, DriverStats stats) {
        this.regs = regs;
        this.cmdq = cmdq;
        this.disable = disable;
        this.log = log;
        this.stats = stats;
    }

    /** @return whether an error was active (IRQ_HANDLED) */
    boolean handle() {
        int gerror = regs.read32(ARM_SMMU_GERROR);
        int gerrorn = regs.read32(ARM_SMMU_GERRORN);
        int active = gerror ^ gerrorn;
        if ((active & GERROR_ERR_MASK) == 0) {
            return false;
        }
        stats.gerrorInterrupts++;
        for (int bit = 0; bit < stats.gerrors.length; bit++) {
            if ((active & GERROR_ERR_MASK & (1L << bit)) != 0) {
                stats.gerrors[bit]++;
            }
        }
        log.warn("unexpected global error reported (0x%08x), this could be serious", active);
        if ((active & GERROR_SFM_ERR) != 0) {
            log.err("device has entered Service Failure Mode!");
            disable.run();
        }
        if ((active & GERROR_MSI_GERROR_ABT_ERR) != 0) {
            log.warn("GERROR MSI write aborted");
        }
        if ((active & GERROR_MSI_PRIQ_ABT_ERR) != 0) {
            log.warn("PRIQ MSI write aborted");
        }
        if ((active & GERROR_MSI_EVTQ_ABT_ERR) != 0) {
            log.warn("EVTQ MSI write aborted");
        }
        if ((active & GERROR_MSI_CMDQ_ABT_ERR) != 0) {
            log.warn("CMDQ MSI write aborted");
        }
        if ((active & GERROR_PRIQ_ABT_ERR) != 0) {
            log.err("PRIQ write aborted -- events may have been lost");
        }
        if ((active & GERROR_EVTQ_ABT_ERR) != 0) {
            log.err("EVTQ write aborted -- events may have been lost");
        }
        if ((active & GERROR_CMDQ_ERR) != 0) {
            cmdq.skipErr();
        }
        regs.write32(ARM_SMMU_GERRORN, gerror);
        return true;
    }

    @Override
    public void run() {
        handle();
    }
}

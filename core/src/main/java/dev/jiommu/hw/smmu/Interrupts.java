package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.InterruptLine;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.MemoryFault;

/**
 * The SMMU's interrupt outputs (SMMUv3 §3.18): for the event queue, the PRI
 * queue, GERROR, and CMD_SYNC completion. Each is a wired edge or, where the
 * SMMU implements MSIs and software has programmed a non-zero
 * {@code *_IRQ_CFG0.ADDR}, a 32-bit MSI write of {@code *_IRQ_CFG1} data
 * through the bus. A write that no RAM or device decodes is an MSI abort: the
 * matching GERROR.MSI_*_ABT_ERR.
 *
 * @param eventQueue the "eventq" wired line
 * @param priQueue   the "priq" wired line
 * @param gerror     the "gerror" wired line
 * @param cmdSync    the "cmdq-sync" wired line
 */
public record Interrupts(InterruptLine eventQueue, InterruptLine priQueue, InterruptLine gerror, InterruptLine cmdSync) {

    /** No lines connected. */
    public static final Interrupts NONE = new Interrupts(InterruptLine.NONE, InterruptLine.NONE, InterruptLine.NONE,
            InterruptLine.NONE);

    /** One interrupt source's MSI configuration: {@code *_IRQ_CFG0/1/2}. */
    static final class Msi {
        long address;
        int data;
        int attributes;

        /**
         * Signals by MSI when one is configured, else pulses {@code line}.
         *
         * @return false when the MSI write aborted
         */
        boolean signal(boolean msiImplemented, long addressMask, SystemBus bus, InterruptLine line) {
            long a = address & addressMask;
            if (!msiImplemented || a == 0) {
                line.pulse();
                return true;
            }
            try {
                bus.write(a, 4, data & 0xffff_ffffL);
                return true;
            } catch (MemoryFault f) {
                return false;
            }
        }
    }
}

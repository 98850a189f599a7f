package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.InterruptLine;
import dev.jiommu.mem.MemoryFault;

/**
 * The SMMU's interrupt outputs (SMMUv3 §3.18): for the event queue, the PRI
 * queue, GERROR, and CMD_SYNC completion. Each enabled source pulses its
 * wired edge (§3.18.2: the model implements the wired outputs; a line
 * connected to nothing is {@link InterruptLine#NONE}) and, where the SMMU
 * implements MSIs and software has programmed a non-zero address
 * ({@code *_IRQ_CFG0.ADDR}, CMD_SYNC.MSIAddress), also sends a 32-bit MSI write
 * of the configured data through the bus, carrying the SMMU's own DeviceID
 * ({@link Smmu#msiDeviceId(int)}) as an interrupt controller's ITS needs: both at once, as §3.18.2 and §4.7.3
 * describe for an implementation that has both. A write that no RAM or device
 * decodes is an MSI abort: the matching GERROR.MSI_*_ABT_ERR.
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
         * Pulses {@code line}, and sends the MSI too when one is implemented and configured.
         *
         * @return false when the MSI write aborted
         */
        boolean signal(Smmu smmu, long addressMask, InterruptLine line) {
            line.pulse();
            boolean msiImplemented = smmu.config.msi();
            // The zero test covers the whole address field, not only the bits below OAS (§4.7.3); the address is
            // then truncated to OAS (§3.4.3).
            if (!msiImplemented || address == 0) {
                return true;
            }
            long a = address & addressMask;
            try {
                smmu.bus.write(a, 4, data & 0xffff_ffffL, smmu.msiDeviceId);
                return true;
            } catch (MemoryFault f) {
                return false;
            }
        }
    }
}

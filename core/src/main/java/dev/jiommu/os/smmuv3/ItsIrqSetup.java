package dev.jiommu.os.smmuv3;

import dev.jiommu.hw.irq.GitsRegs;
import dev.jiommu.hw.irq.Its;

/**
 * An {@link IrqSetup} over a GICv3 ITS: what Linux's ITS MSI domain does for a
 * platform device. For the SMMU's DeviceID it maps an interrupt translation
 * table with room for the vectors (MAPD, {@link Its#mapDevice}), translates
 * EventID {@code i} to LPI {@code firstLpi + i} (MAPTI, {@link Its#mapEvent}),
 * registers each handler on its LPI ({@link Its#onLpi}), and returns messages
 * that write EventID {@code i} to GITS_TRANSLATER. An ITS found disabled is
 * enabled (GITS_CTLR.Enabled), as the GIC driver's probe leaves it.
 *
 * <p>The SMMU's own MSIs carry its DeviceID from the interconnect (on QEMU's
 * {@code virt}, {@code VirtMachine.SMMU_MSI_DEVICE_ID}), not the StreamIDs of
 * the devices behind it. A mapping the ITS refuses (the DeviceID or an LPI
 * taken already, out of range) makes {@link #allocateMsis} return null.
 */
public final class ItsIrqSetup implements IrqSetup {

    private final Its its;
    private final long doorbell;
    private final int deviceId;
    private final int firstLpi;
    private int mapped;

    /**
     * @param its      the ITS, whose registers are at {@code itsBase} on the bus
     * @param itsBase  ITS_base as a bus master sees it
     * @param deviceId the SMMU's DeviceID at the ITS
     * @param firstLpi the LPI of vector 0; vector {@code i} gets {@code firstLpi + i}
     */
    public ItsIrqSetup(Its its, long itsBase, int deviceId, int firstLpi) {
        this.its = its;
        this.doorbell = itsBase + GitsRegs.GITS_TRANSLATER;
        this.deviceId = deviceId;
        this.firstLpi = firstLpi;
    }

    @Override
    public MsiMessage[] allocateMsis(int nvec, Runnable[] handlers) {
        if (mapped != 0 || nvec < 1 || handlers.length < nvec) {
            return null;
        }
        int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(nvec - 1));
        try {
            its.mapDevice(deviceId, bits);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return null;
        }
        MsiMessage[] msgs = new MsiMessage[nvec];
        int registered = 0;
        try {
            for (int i = 0; i < nvec; i++) {
                its.mapEvent(deviceId, i, firstLpi + i);
                Runnable h = handlers[i];
                its.onLpi(firstLpi + i, intid -> h.run());
                registered++;
                msgs[i] = new MsiMessage(doorbell, i);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            for (int i = 0; i < registered; i++) {
                its.removeLpiHandler(firstLpi + i);
            }
            its.unmapDevice(deviceId);
            return null;
        }
        mapped = nvec;
        if (!its.enabled()) {
            its.write(GitsRegs.GITS_CTLR, 4, GitsRegs.GITS_CTLR_ENABLE);
        }
        return msgs;
    }

    @Override
    public void freeMsis() {
        if (mapped == 0) {
            return;
        }
        for (int i = 0; i < mapped; i++) {
            its.removeLpiHandler(firstLpi + i);
        }
        its.unmapDevice(deviceId);
        mapped = 0;
    }

    /** The LPI of vector {@code i}. */
    public int lpi(int vector) {
        return firstLpi + vector;
    }
}

package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;

import dev.jiommu.spec.smmuv3.Field;

/**
 * One PRI queue entry: a PCIe Page Request as the SMMU recorded it (IHI 0070
 * chapter 8; layout in {@link dev.jiommu.spec.smmuv3.PriQueueEntry}), decoded
 * as Linux's {@code arm_smmu_handle_ppr} reads it.
 *
 * <p>Requests of one group share {@link #sid} and {@link #prgIndex}; the one
 * with {@link #last} closes the group, which is answered once with
 * {@link ArmSmmuV3#priResponse}. {@link #pasid} is {@link CmdqEnt#NO_SSID}
 * unless {@link #pasidValid}.
 */
public record PriRequest(int sid, boolean pasidValid, int pasid, int prgIndex, boolean last, boolean read,
                         boolean write, boolean exec, boolean priv, long address) {

    public static PriRequest decode(long w0, long w1) {
        boolean pv = Field.isSet(PRIQ_0_SSID_V, w0);
        return new PriRequest((int) Field.get(PRIQ_0_SID, w0), pv, pv ? (int) Field.get(PRIQ_0_SSID, w0)
                : CmdqEnt.NO_SSID, (int) Field.get(PRIQ_1_PRG_IDX, w1), Field.isSet(PRIQ_0_PRG_LAST, w0),
                Field.isSet(PRIQ_0_PERM_READ, w0), Field.isSet(PRIQ_0_PERM_WRITE, w0),
                Field.isSet(PRIQ_0_PERM_EXEC, w0), Field.isSet(PRIQ_0_PERM_PRIV, w0), w1 & PRIQ_1_ADDR_MASK);
    }
}

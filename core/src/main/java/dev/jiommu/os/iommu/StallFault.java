package dev.jiommu.os.iommu;

import dev.jiommu.pgtable.Access;

/**
 * A stalled transaction (SMMUv3 event with Stall=1, 3.12.2): the transaction
 * waits in the SMMU until software resumes or terminates it by STAG
 * ({@code CMD_RESUME}). Each stall is a group of its own, so it is always
 * {@link #last()}.
 *
 * @param streamId   the StreamID of the stalled transaction
 * @param stag       the stall tag the response must echo, 16 bits
 * @param pasidValid the transaction carried a SubstreamID (SSV)
 * @param pasid      the SubstreamID (0 when not valid)
 * @param perm       {@link Access} READ / WRITE / EXEC / PRIV
 * @param address    the faulting input address
 */
public record StallFault(int streamId, int stag, boolean pasidValid, int pasid, int perm, long address)
        implements IopfFault {

    public StallFault {
        if ((stag & ~0xffff) != 0) {
            throw new IllegalArgumentException("STAG " + stag + " exceeds 16 bits");
        }
        if (pasid < 0 || pasid >= 1 << DeviceFeatures.MAX_PASID_BITS || (!pasidValid && pasid != 0)) {
            throw new IllegalArgumentException("PASID " + pasid + (pasidValid ? "" : " given without SSV"));
        }
        if ((perm & ~(Access.READ | Access.WRITE | Access.EXEC | Access.PRIV)) != 0) {
            throw new IllegalArgumentException("perm 0x" + Integer.toHexString(perm) + " has bits beyond R/W/X/PRIV");
        }
    }

    @Override
    public int groupId() {
        return stag;
    }

    @Override
    public boolean last() {
        return true;
    }

    /** The resume is matched by StreamID and STAG; a PASID is carried when the stall had one. */
    @Override
    public boolean responseNeedsPasid() {
        return pasidValid;
    }
}

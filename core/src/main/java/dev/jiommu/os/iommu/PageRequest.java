package dev.jiommu.os.iommu;

import dev.jiommu.pgtable.Access;

/**
 * A PCIe Page Request Message (PCIe r6, 10.4.1) as the SMMU's PRI queue
 * delivers it. Requests with the same PASID and PRG index form a group that
 * the {@link #last()} request closes; the group gets one PRG Response.
 *
 * @param pasidValid         the request carried a PASID prefix
 * @param pasid              the PASID (0 when not valid)
 * @param prgIndex           Page Request Group index, 9 bits
 * @param last               the Last Request in PRG bit
 * @param perm               {@link Access} READ / WRITE / EXEC / PRIV
 * @param address            page-aligned address
 * @param responseNeedsPasid the function's PRG Response PASID Required bit
 */
public record PageRequest(boolean pasidValid, int pasid, int prgIndex, boolean last, int perm, long address,
                          boolean responseNeedsPasid) implements IopfFault {

    /** PRG index field width (PCIe Page Request Message). */
    public static final int PRG_INDEX_MASK = 0x1ff;

    public PageRequest {
        if ((prgIndex & ~PRG_INDEX_MASK) != 0) {
            throw new IllegalArgumentException("PRG index " + prgIndex + " exceeds 9 bits");
        }
        if (pasid < 0 || pasid >= 1 << DeviceFeatures.MAX_PASID_BITS || (!pasidValid && pasid != 0)) {
            throw new IllegalArgumentException("PASID " + pasid + (pasidValid ? "" : " given without PASID valid"));
        }
        if ((perm & ~(Access.READ | Access.WRITE | Access.EXEC | Access.PRIV)) != 0) {
            throw new IllegalArgumentException("perm 0x" + Integer.toHexString(perm) + " has bits beyond R/W/X/PRIV");
        }
    }

    /** A request with a PASID whose response echoes the PASID. */
    public static PageRequest of(int pasid, int prgIndex, boolean last, int perm, long address) {
        return new PageRequest(true, pasid, prgIndex, last, perm, address, true);
    }

    @Override
    public int groupId() {
        return prgIndex;
    }
}

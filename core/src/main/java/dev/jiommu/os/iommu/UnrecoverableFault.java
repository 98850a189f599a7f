package dev.jiommu.os.iommu;

/**
 * A translation fault no one will retry (Linux
 * {@code struct iommu_fault_unrecoverable}): the driver found it in its event
 * queue and reports it with {@link IommuCore#reportUnrecoverable}.
 *
 * @param reason       why translation failed
 * @param pasidValid   the transaction carried a PASID
 * @param pasid        the PASID (0 when not valid)
 * @param perm         {@link dev.jiommu.pgtable.Access} bits of the access
 * @param addressValid whether {@code address} is meaningful
 * @param address      the faulting input address
 */
public record UnrecoverableFault(Reason reason, boolean pasidValid, int pasid, int perm, boolean addressValid,
                                 long address) implements FaultReport {

    /** Linux {@code enum iommu_fault_reason}. */
    public enum Reason {
        UNKNOWN,
        /** Could not access the PASID table (context descriptor fetch). */
        PASID_FETCH,
        /** The PASID table entry is invalid or malformed. */
        BAD_PASID_ENTRY,
        /** The PASID is out of range or disabled. */
        PASID_INVALID,
        /** External abort on a table walk. */
        WALK_EABT,
        /** No valid translation: a page-table entry is invalid. */
        PTE_FETCH,
        /** The mapping forbids the access. */
        PERMISSION,
        /** The access flag is clear. */
        ACCESS,
        /** The address is beyond the input range. */
        OOR_ADDRESS
    }

    /** A fault at {@code address} without PASID. */
    public static UnrecoverableFault at(Reason reason, long address, int perm) {
        return new UnrecoverableFault(reason, false, 0, perm, true, address);
    }
}

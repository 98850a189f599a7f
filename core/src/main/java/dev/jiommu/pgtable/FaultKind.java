package dev.jiommu.pgtable;

/**
 * Why a walk failed (Arm ARM D8.15, "MMU fault types"), plus the two ways the
 * fetch of a table itself can fail.
 */
public enum FaultKind {
    /** An invalid descriptor, a block where none is allowed, or an input address beyond IAS. */
    TRANSLATION,
    /** A table or output address beyond OAS. */
    ADDRESS_SIZE,
    /** A leaf with AF = 0 while hardware access-flag update is off. */
    ACCESS_FLAG,
    /** The leaf does not grant the requested access. */
    PERMISSION,
    /** A descriptor read that hit no RAM (external abort on the walk). */
    EXTERNAL_ABORT,
    /**
     * The {@link TableAddressHook} refused a table address: for nested
     * translation, a stage-2 fault on a stage-1 table fetch. The hook holds the
     * details.
     */
    TABLE_FETCH
}

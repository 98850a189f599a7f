package dev.jiommu.pgtable;

/**
 * Turns the address of a descriptor the walker is about to read into the
 * physical address to read it from. Nested translation runs every stage-1
 * table address (an IPA) through stage 2 here.
 *
 * <p>Called once per descriptor read (and again for a hardware update of that
 * descriptor); must not allocate on the success path.
 */
@FunctionalInterface
public interface TableAddressHook {

    /** Returned when the address cannot be used: the walk ends with {@link FaultKind#TABLE_FETCH}. */
    long REFUSED = -1;

    /**
     * @param descriptorAddress where the descriptor lies in the walk's input space for tables
     * @param level             the level of the table holding it
     * @param write             true when the walker is about to update the descriptor (HA/HD)
     * @return the physical address, or {@link #REFUSED}
     */
    long toPhysical(long descriptorAddress, int level, boolean write);
}

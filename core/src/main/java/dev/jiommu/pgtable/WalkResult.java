package dev.jiommu.pgtable;

/**
 * The outcome of one {@link Walker#walk}: a translation or a fault. One
 * instance is reused across walks so that a walk allocates nothing.
 *
 * <p>Invariant after a walk: exactly one of {@link #ok()} or
 * {@link #fault()} != null holds. On success {@link #outputAddress()},
 * {@link #blockSize()}, {@link #level()}, {@link #permissions()} and the
 * attributes describe the leaf; on a fault {@link #level()} is the level the
 * fault happened at and {@link #descriptorAddress()} the descriptor involved
 * (the table address refused, for {@link FaultKind#TABLE_FETCH}).
 */
public final class WalkResult {
    long inputAddress;
    long walkRoot;
    int access;
    FaultKind fault;
    int level;
    long outputAddress;
    int blockShift;
    long descriptor;
    long descriptorAddress;
    int permissions;
    int reads;
    boolean hardwareUpdated;

    /** True when the walk produced a translation that allows the access asked for. */
    public boolean ok() {
        return fault == null;
    }

    /** The fault, or null on success. */
    public FaultKind fault() {
        return fault;
    }

    /**
     * Level of the leaf on success, of the failing lookup on a fault. Fields
     * that do not apply to the outcome (the output address after a fault) keep
     * values from an earlier walk.
     */
    public int level() {
        return level;
    }

    public long inputAddress() {
        return inputAddress;
    }

    /** The access the walk checked. */
    public int access() {
        return access;
    }

    /** The translated address, page offset included. */
    public long outputAddress() {
        return outputAddress;
    }

    /** Size of the leaf's mapping (page or block). */
    public long blockSize() {
        return 1L << blockShift;
    }

    public int blockShift() {
        return blockShift;
    }

    /** The leaf descriptor as last read or written (after any HA/HD update). */
    public long descriptor() {
        return descriptor;
    }

    /** Where the leaf (or faulting) descriptor lies, in the walk's table address space. */
    public long descriptorAddress() {
        return descriptorAddress;
    }

    /** Granted permissions, {@link Access}{@code .PERM_*} bits. */
    public int permissions() {
        return permissions;
    }

    /** Descriptors read by this walk. */
    public int descriptorReads() {
        return reads;
    }

    /** True when the walk set AF or made the leaf dirty in memory. */
    public boolean hardwareUpdated() {
        return hardwareUpdated;
    }

    /** Stage 1 AttrIndx, or stage 2 MemAttr. */
    public int memoryAttributes(Stage stage) {
        return stage == Stage.STAGE1 ? (int) ((descriptor & Descriptor.ATTRINDX_MASK) >>> Descriptor.ARM_LPAE_PTE_ATTRINDX_SHIFT)
                : (int) ((descriptor & Descriptor.MEMATTR_MASK) >>> 2);
    }

    /** SH[1:0] of the leaf. */
    public int shareability() {
        return (int) (descriptor >>> Descriptor.SH_SHIFT) & 3;
    }

    @Override
    public String toString() {
        if (fault != null) {
            return String.format("fault %s at level %d, IA 0x%x, descriptor at 0x%x", fault, level, inputAddress, descriptorAddress);
        }
        return String.format("IA 0x%x -> OA 0x%x (level %d, size 0x%x, %s)", inputAddress, outputAddress, level,
                blockSize(), Access.permissionsToString(permissions));
    }
}

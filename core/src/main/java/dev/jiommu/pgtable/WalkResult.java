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
    long outputAddress;
    long descriptor;
    long descriptorAddress;
    /** The table descriptors met on the way, ORed: their APTable/UXNTable/PXNTable bits (stage 1). */
    long tableAttrs;
    /**
     * The small facts of the walk in one word, so that a walk stores few
     * fields: {@link #level()} in bits 3:0, {@link #descriptorReads()} in 7:4,
     * {@link #blockShift()} in 13:8, {@link #access()} in 17:14, stage 1 in
     * bit 18, {@link #hardwareUpdated()} in bit 19, and the fault's ordinal
     * plus one in 23:20 (0: no fault).
     */
    int shape;

    private static final int LEVEL_MASK = 0xf;
    private static final int READS_SHIFT = 4;
    private static final int BLOCK_SHIFT_SHIFT = 8;
    private static final int ACCESS_SHIFT = 14;
    static final int STAGE1 = 1 << 18;
    static final int HARDWARE_UPDATED = 1 << 19;
    private static final int FAULT_SHIFT = 20;
    private static final FaultKind[] FAULTS = FaultKind.values();

    /** The {@link #shape} of a walk that ended in a leaf. */
    static int leafShape(int level, int reads, int blockShift, int access, boolean stage1) {
        return level | reads << READS_SHIFT | blockShift << BLOCK_SHIFT_SHIFT | (access & 0xf) << ACCESS_SHIFT
                | (stage1 ? STAGE1 : 0);
    }

    /** The {@link #shape} of a walk that ended with {@code fault}. */
    static int faultShape(FaultKind fault, int level, int reads, int access) {
        return level | reads << READS_SHIFT | (access & 0xf) << ACCESS_SHIFT | (fault.ordinal() + 1) << FAULT_SHIFT;
    }

    /** True when the walk produced a translation that allows the access asked for. */
    public boolean ok() {
        return shape >>> FAULT_SHIFT == 0;
    }

    /** The fault, or null on success. */
    public FaultKind fault() {
        int f = shape >>> FAULT_SHIFT;
        return f == 0 ? null : FAULTS[f - 1];
    }

    /**
     * Level of the leaf on success, of the failing lookup on a fault. Fields
     * that do not apply to the outcome (the output address after a fault) keep
     * values from an earlier walk.
     */
    public int level() {
        return shape & LEVEL_MASK;
    }

    public long inputAddress() {
        return inputAddress;
    }

    /** The access the walk checked. */
    public int access() {
        return (shape >>> ACCESS_SHIFT) & 0xf;
    }

    /** The translated address, page offset included. */
    public long outputAddress() {
        return outputAddress;
    }

    /** Size of the leaf's mapping (page or block). */
    public long blockSize() {
        return 1L << blockShift();
    }

    public int blockShift() {
        return (shape >>> BLOCK_SHIFT_SHIFT) & 0x3f;
    }

    /** The leaf descriptor as last read or written (after any HA/HD update). */
    public long descriptor() {
        return descriptor;
    }

    /** Where the leaf (or faulting) descriptor lies, in the walk's table address space. */
    public long descriptorAddress() {
        return descriptorAddress;
    }

    /**
     * Granted permissions, {@link Access}{@code .PERM_*} bits: derived from
     * the leaf and the hierarchical table bits when asked, not during the
     * walk, which only checks that the access is allowed.
     */
    public int permissions() {
        return (shape & STAGE1) != 0 ? Walker.stage1Permissions(descriptor, tableAttrs) : Walker.stage2Permissions(descriptor);
    }

    /** The table descriptors met on the way, ORed: their APTable, UXNTable and PXNTable bits count (stage 1). */
    public long tableAttributes() {
        return tableAttrs;
    }

    /**
     * The {@link Access}{@code .PERM_*} bits a stage-1 leaf {@code descriptor}
     * grants under the table bits {@code tableAttributes} (Arm ARM D8.4: AP,
     * UXN, PXN, the hierarchical APTable/UXNTable/PXNTable, and EL0-writable
     * memory being privileged-execute-never), as {@link #permissions()}
     * reports them for a stage-1 walk.
     */
    public static int stage1Permissions(long descriptor, long tableAttributes) {
        return Walker.stage1Permissions(descriptor, tableAttributes);
    }

    /** Descriptors read by this walk. */
    public int descriptorReads() {
        return (shape >>> READS_SHIFT) & 0xf;
    }

    /** True when the walk set AF or made the leaf dirty in memory. */
    public boolean hardwareUpdated() {
        return (shape & HARDWARE_UPDATED) != 0;
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
        if (!ok()) {
            return String.format("fault %s at level %d, IA 0x%x, descriptor at 0x%x", fault(), level(), inputAddress,
                    descriptorAddress);
        }
        return String.format("IA 0x%x -> OA 0x%x (level %d, size 0x%x, %s)", inputAddress, outputAddress, level(),
                blockSize(), Access.permissionsToString(permissions()));
    }
}

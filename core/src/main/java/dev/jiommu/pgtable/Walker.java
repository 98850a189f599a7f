package dev.jiommu.pgtable;

import dev.jiommu.mem.MemoryFault;
import dev.jiommu.mem.PhysicalMemory;

import static dev.jiommu.pgtable.Descriptor.*;

/**
 * The VMSAv8-64 translation table walk (Arm ARM D8), shared by the CPU MMU
 * model and the SMMU: from a root, a {@link TableFormat} and an input address
 * to an output address with permissions, or a {@link FaultKind} with the level
 * it happened at.
 *
 * <p>Checks, in the architecture's priority order at each level: descriptor
 * fetch (hook refusal, external abort), validity and type (translation fault,
 * including blocks at levels where the granule has none), address size (table
 * or output address beyond OAS), access flag, permission. Stage 1 honours the
 * hierarchical APTable/UXNTable/PXNTable bits and makes EL0-writable memory
 * privileged-execute-never; stage 2 uses S2AP and XN.
 *
 * <p>Hardware updates (FEAT_HAFDBS): with {@link #HA}, a leaf with AF = 0 gets
 * AF set instead of faulting; with {@link #HD} as well, a write to a leaf with
 * DBM = 1 that is read-only only through AP[2] (stage 1) or S2AP[1] = 0
 * (stage 2) makes it writable ("dirty") instead of faulting. Both are one
 * atomic compare-and-set of the descriptor; if the descriptor changed under
 * the walk, the walk starts again.
 *
 * <p>Every descriptor address goes through the {@link TableAddressHook}, if
 * one is set. A walk allocates nothing.
 */
public final class Walker {

    /** Hardware access-flag update (CD.HA, STE.S2HA, TCR.HA). */
    public static final int HA = 1;
    /** Hardware dirty-state update via DBM (CD.HD, STE.S2HD, TCR.HD); meaningful with HA. */
    public static final int HD = 2;
    /** Access flag faults disabled: AF = 0 is treated as 1 (SMMU CD.AFFD, STE.S2AFFD). */
    public static final int AFFD = 4;

    private final PhysicalMemory memory;
    private final TableAddressHook hook;

    private long walks;
    private long descriptorReads;
    private long hardwareUpdates;
    private final long[] faults = new long[FaultKind.values().length];

    /*
     * The geometry of the format walked last, so that the common walk reads
     * plain fields instead of deriving shifts and masks from the format.
     * gTableCheck is the valid and table bits plus the table-address bits
     * beyond OAS: a table descriptor the walk may follow gives 0b11.
     */
    private TableFormat geometryOf;
    private int gInputBits;
    private int gOutputBits;
    private int gStartLevel;
    private int gStartShift;
    private int gBitsPerLevel;
    private long gStartIndexMask;
    private long gIndexMask;
    private int gBlockLevels;
    private long gRootMask;
    private long gTableMask;
    private long gTableCheck;
    private boolean gStage1;

    /** A walker that reads tables straight from physical memory. */
    public Walker(PhysicalMemory memory) {
        this(memory, null);
    }

    /**
     * @param hook translates descriptor addresses before each read, or null
     *             when table addresses are physical
     */
    public Walker(PhysicalMemory memory, TableAddressHook hook) {
        this.memory = memory;
        this.hook = hook;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    /**
     * Walks {@code ia} through the tables at {@code root}.
     *
     * @param format the table format; its input size bounds {@code ia}
     * @param root   base of the start table (TTBR / CD.TTBx / STE.S2TTB)
     * @param ia     input address, below 2^IAS (callers select TTB0/TTB1 and
     *               pass the address bits below IAS)
     * @param access {@link Access} request bits; {@link Access#NONE} checks no permission
     * @param flags  {@link #HA}, {@link #HD}, {@link #AFFD}
     * @param out    receives the outcome
     * @return {@code out.ok()}
     */
    public boolean walk(TableFormat f, long root, long ia, int access, int flags, WalkResult out) {
        if (hook == null && !f.lpa()) {
            if (f != geometryOf) {
                learnGeometry(f);
            }
            if (walkCommon(root, ia, access, out)) {
                return true;
            }
        }
        return walkFully(f, root, ia, access, flags, out);
    }

    private void learnGeometry(TableFormat f) {
        Granule g = f.granule();
        int start = f.startLevel();
        long startBytes = 8L << (f.inputBits() - g.levelShift(start));
        long entryMask = (1L << g.bitsPerLevel()) - 1;
        gInputBits = f.inputBits();
        gOutputBits = f.outputBits();
        gStartLevel = start;
        gStartShift = g.levelShift(start);
        gBitsPerLevel = g.bitsPerLevel();
        gStartIndexMask = (startBytes >>> 3) - 1;
        gIndexMask = entryMask;
        gBlockLevels = g.blockLevels(false);
        gRootMask = -Math.max(startBytes, 64);
        gTableMask = Descriptor.ADDR_MASK_48 & -(1L << g.shift());
        gTableCheck = ARM_LPAE_PTE_TYPE_MASK | (gTableMask & -(1L << f.outputBits()));
        gStage1 = f.stage() == Stage.STAGE1;
        geometryOf = f;
    }

    /**
     * The walk that ends in a valid, accessed leaf granting {@code access},
     * without a hook and without 52-bit addresses: the checks of
     * {@link #walkFully}, unrolled by start level (the unrolled steps are
     * alike on purpose: the loop form measured about 5 ns slower per walk in
     * {@code bench walk}). Returns false, having
     * changed nothing, for every other outcome, which {@link #walkFully} then
     * decides.
     */
    private boolean walkCommon(long root, long ia, int access, WalkResult out) {
        long table = root & gRootMask;
        if ((ia >>> gInputBits) != 0 || (table >>> gOutputBits) != 0) {
            return false;
        }
        PhysicalMemory m = memory;
        long tableCheck = gTableCheck;
        long tableMask = gTableMask;
        long entryMask = gIndexMask;
        int bpl = gBitsPerLevel;
        int level = gStartLevel;
        int shift = gStartShift;
        long tableAttrs = 0;
        long descAddr = table + (((ia >>> shift) & gStartIndexMask) << 3);
        long desc;
        try {
            desc = m.read64(descAddr);
            // One step per table descriptor, entered at the start level.
            switch (level) {
                case 0:
                    if ((desc & tableCheck) != ARM_LPAE_PTE_TYPE_TABLE) {
                        break;
                    }
                    tableAttrs = desc;
                    shift -= bpl;
                    descAddr = (desc & tableMask) + (((ia >>> shift) & entryMask) << 3);
                    desc = m.read64(descAddr);
                    level = 1;
                    // fall through
                case 1:
                    if ((desc & tableCheck) != ARM_LPAE_PTE_TYPE_TABLE) {
                        break;
                    }
                    tableAttrs |= desc;
                    shift -= bpl;
                    descAddr = (desc & tableMask) + (((ia >>> shift) & entryMask) << 3);
                    desc = m.read64(descAddr);
                    level = 2;
                    // fall through
                case 2:
                    if ((desc & tableCheck) != ARM_LPAE_PTE_TYPE_TABLE) {
                        break;
                    }
                    tableAttrs |= desc;
                    shift -= bpl;
                    descAddr = (desc & tableMask) + (((ia >>> shift) & entryMask) << 3);
                    desc = m.read64(descAddr);
                    level = 3;
                    // fall through
                default:
                    break;
            }
        } catch (MemoryFault e) {
            return false;
        }
        // A page at level 3, a block where the granule has blocks; anything
        // else here (invalid, a table beyond OAS) is for walkFully.
        long type = desc & ARM_LPAE_PTE_TYPE_MASK;
        if (level == 3 ? type != ARM_LPAE_PTE_TYPE_PAGE
                : type != ARM_LPAE_PTE_TYPE_BLOCK || ((gBlockLevels >>> level) & 1) == 0) {
            return false;
        }
        long oa = desc & ADDR_MASK_48 & -(1L << shift);
        int perms = gStage1 ? stage1Permissions(desc, tableAttrs) : stage2Permissions(desc);
        if ((oa >>> gOutputBits) != 0 || (desc & ARM_LPAE_PTE_AF) == 0 || !Access.allowed(perms, access)) {
            return false;
        }
        int reads = level - gStartLevel + 1;
        walks++;
        descriptorReads += reads;
        out.inputAddress = ia;
        out.walkRoot = root;
        out.access = access;
        out.hardwareUpdated = false;
        out.fault = null;
        out.descriptorAddress = descAddr;
        out.reads = reads;
        out.level = level;
        out.blockShift = shift;
        out.outputAddress = oa | (ia & ((1L << shift) - 1));
        out.descriptor = desc;
        out.permissions = perms;
        return true;
    }

    /** The walk with every outcome: faults, hardware updates, the hook, 52-bit addresses. */
    private boolean walkFully(TableFormat f, long root, long ia, int access, int flags, WalkResult out) {
        walks++;
        Granule g = f.granule();
        int level = f.startLevel();
        int shift = g.levelShift(level);
        out.inputAddress = ia;
        out.walkRoot = root;
        out.access = access;
        out.hardwareUpdated = false;
        out.fault = null;
        if ((ia >>> f.inputBits()) != 0) {
            return fault(out, FaultKind.TRANSLATION, level, root, 0);
        }
        int oas = f.outputBits();
        int bpl = g.bitsPerLevel();
        long startBytes = 8L << (f.inputBits() - shift);
        long table = root & -Math.max(startBytes, 64);
        long indexMask = (startBytes >>> 3) - 1;
        if ((table >>> oas) != 0) {
            return fault(out, FaultKind.ADDRESS_SIZE, level, root, 0);
        }
        long tableMask = Descriptor.ADDR_MASK_48 & -(1L << g.shift());
        long tableAttrs = 0;
        int reads = 0;
        for (;;) {
            long descAddr = table + (((ia >>> shift) & indexMask) << 3);
            long desc = fetch(descAddr, level, reads, out);
            reads++;
            if ((desc & ARM_LPAE_PTE_VALID) == 0) {
                return out.fault == null ? fault(out, FaultKind.TRANSLATION, level, descAddr, reads) : false;
            }
            if (level == 3 || (desc & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_TABLE) {
                return leaf(f, desc, descAddr, level, shift, tableAttrs, ia, access, flags, reads, out);
            }
            table = desc & tableMask;
            if (oas == 52) {
                table |= (desc & Descriptor.ADDR_HI_MASK_52) << 36;
            }
            if ((table >>> oas) != 0) {
                return fault(out, FaultKind.ADDRESS_SIZE, level, descAddr, reads);
            }
            tableAttrs |= desc;
            level++;
            shift -= bpl;
            indexMask = (1L << bpl) - 1;
        }
    }

    /**
     * Reads the descriptor at {@code descAddr} through the hook. On a fetch
     * fault, sets {@code out.fault} and returns 0 (an invalid descriptor).
     */
    private long fetch(long descAddr, int level, int reads, WalkResult out) {
        long pa = descAddr;
        if (hook != null && (pa = hook.toPhysical(descAddr, level, false)) == TableAddressHook.REFUSED) {
            fault(out, FaultKind.TABLE_FETCH, level, descAddr, reads);
            return 0;
        }
        try {
            return memory.read64(pa);
        } catch (MemoryFault e) {
            fault(out, FaultKind.EXTERNAL_ABORT, level, descAddr, reads);
            return 0;
        }
    }

    /** A leaf descriptor: legality, output address size, then AF and permissions (common case inline). */
    private boolean leaf(TableFormat f, long desc, long descAddr, int level, int shift, long tableAttrs, long ia,
                         int access, int flags, int reads, WalkResult out) {
        boolean lpa = f.lpa();
        // A page at level 3 (0b11), a block (0b01) where the granule has blocks.
        boolean legal = level == 3 ? (desc & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_PAGE
                : ((f.granule().blockLevels(lpa) >>> level) & 1) != 0;
        long oa = Descriptor.outputAddress(desc, shift, lpa);
        if (!legal || (oa >>> f.outputBits()) != 0) {
            return fault(out, legal ? FaultKind.ADDRESS_SIZE : FaultKind.TRANSLATION, level, descAddr, reads);
        }
        out.descriptorAddress = descAddr;
        out.reads = reads;
        out.level = level;
        out.blockShift = shift;
        out.outputAddress = oa | (ia & ((1L << shift) - 1));
        int perms = f.stage() == Stage.STAGE1 ? stage1Permissions(desc, tableAttrs) : stage2Permissions(desc);
        if ((desc & ARM_LPAE_PTE_AF) != 0 && Access.allowed(perms, access)) {
            out.descriptor = desc;
            out.permissions = perms;
            descriptorReads += reads;
            return true;
        }
        return leafSlow(f, desc, perms, tableAttrs, access, flags, out);
    }

    /** A leaf with AF = 0 or without the requested permission: HA/HD updates, or the fault. */
    private boolean leafSlow(TableFormat f, long desc, int perms, long tableAttrs, int access, int flags, WalkResult out) {
        boolean stage1 = f.stage() == Stage.STAGE1;
        int level = out.level;
        long descAddr = out.descriptorAddress;
        long update = desc;
        if ((desc & ARM_LPAE_PTE_AF) == 0) {
            if ((flags & HA) != 0) {
                update |= ARM_LPAE_PTE_AF;
            } else if ((flags & AFFD) == 0) {
                return fault(out, FaultKind.ACCESS_FLAG, level, descAddr, out.reads);
            }
        }
        if (!Access.allowed(perms, access)) {
            if (!dirtyUpdateAllowed(stage1, desc, tableAttrs, access, flags)) {
                return fault(out, FaultKind.PERMISSION, level, descAddr, out.reads);
            }
            update = stage1 ? update & ~ARM_LPAE_PTE_AP_RDONLY : update | ARM_LPAE_PTE_HAP_WRITE;
            perms = stage1 ? stage1Permissions(update, tableAttrs) : stage2Permissions(update);
        }
        if (update != desc) {
            if (!hardwareUpdate(descAddr, level, desc, update, out, out.reads)) {
                if (out.fault != null) {
                    return false;
                }
                // The leaf changed under the walk (another writer): walk again.
                walks--;
                descriptorReads += out.reads;
                return walkFully(f, out.walkRoot, out.inputAddress, access, flags, out);
            }
            hardwareUpdates++;
        }
        out.descriptor = update;
        out.permissions = perms;
        descriptorReads += out.reads;
        return true;
    }

    /** The HA/HD compare-and-set of a leaf; false with a fault, or with no fault when the leaf changed under us. */
    private boolean hardwareUpdate(long descAddr, int level, long desc, long update, WalkResult out, int reads) {
        long wpa = hook == null ? descAddr : hook.toPhysical(descAddr, level, true);
        if (wpa == TableAddressHook.REFUSED) {
            return fault(out, FaultKind.TABLE_FETCH, level, descAddr, reads);
        }
        try {
            if (!memory.compareAndSet64(wpa, desc, update)) {
                out.reads = reads;
                return false;
            }
        } catch (MemoryFault e) {
            return fault(out, FaultKind.EXTERNAL_ABORT, level, descAddr, reads);
        }
        out.hardwareUpdated = true;
        return true;
    }

    /** HD turns a clean (read-only) DBM leaf writable on a write, if only AP[2]/S2AP[1] forbids it. */
    private static boolean dirtyUpdateAllowed(boolean stage1, long desc, long tableAttrs, int access, int flags) {
        if ((access & Access.WRITE) == 0 || (flags & (HA | HD)) != (HA | HD) || (desc & ARM_LPAE_PTE_DBM) == 0) {
            return false;
        }
        return !stage1 || (tableAttrs & APTABLE_RDONLY) == 0;
    }

    /**
     * Stage-1 permissions by (APTable[1:0], UXNTable, PXNTable, UXN, PXN,
     * AP[2:1]): index bits 7..6 = APTable, 5 = UXNTable, 4 = PXNTable,
     * 3 = UXN, 2 = PXN, 1..0 = AP[2:1].
     */
    private static final byte[] STAGE1_PERMS = new byte[256];
    /** Stage-2 permissions by (XN[1], S2AP): index bit 2 = XN[1], 1..0 = S2AP. */
    private static final byte[] STAGE2_PERMS = new byte[8];

    static {
        for (int i = 0; i < 256; i++) {
            STAGE1_PERMS[i] = (byte) stage1PermissionsOf((i & 2) != 0, (i & 1) != 0, (i & 4) != 0, (i & 8) != 0,
                    (i & 16) != 0, (i & 32) != 0, (i & 64) != 0, (i & 128) != 0);
        }
        for (int i = 0; i < 8; i++) {
            int p = 0;
            if ((i & 1) != 0) {
                p |= Access.PERM_UNPRIV_READ | Access.PERM_PRIV_READ;
            }
            if ((i & 2) != 0) {
                p |= Access.PERM_UNPRIV_WRITE | Access.PERM_PRIV_WRITE;
            }
            if ((i & 4) == 0) {
                p |= Access.PERM_UNPRIV_EXEC | Access.PERM_PRIV_EXEC;
            }
            STAGE2_PERMS[i] = (byte) p;
        }
    }

    /** AP[2:1], UXN, PXN and the hierarchical table bits accumulated in {@code tableAttrs} (Arm ARM D8.4). */
    static int stage1Permissions(long desc, long tableAttrs) {
        int i = (int) ((desc >>> 6) & 3) | (int) ((desc >>> 51) & 0xC) | (int) ((tableAttrs >>> 55) & 0xF0);
        return STAGE1_PERMS[i];
    }

    /** S2AP and XN[1]; stage 2 does not tell privileged from unprivileged. */
    static int stage2Permissions(long desc) {
        return STAGE2_PERMS[(int) ((desc >>> 6) & 3) | (int) ((desc >>> 52) & 4)];
    }

    private static int stage1PermissionsOf(boolean apRdonly, boolean apUnpriv, boolean pxnBit, boolean uxnBit,
                                           boolean pxnTable, boolean uxnTable, boolean apTableNoEl0, boolean apTableRdonly) {
        boolean el0 = apUnpriv && !apTableNoEl0;
        boolean readOnly = apRdonly || apTableRdonly;
        boolean uxn = uxnBit || uxnTable;
        // Memory writable at EL0 is never executable at EL1.
        boolean pxn = pxnBit || pxnTable || (el0 && !readOnly);
        int p = Access.PERM_PRIV_READ;
        if (!readOnly) {
            p |= Access.PERM_PRIV_WRITE;
        }
        if (!pxn) {
            p |= Access.PERM_PRIV_EXEC;
        }
        if (el0) {
            p |= Access.PERM_UNPRIV_READ;
            if (!readOnly) {
                p |= Access.PERM_UNPRIV_WRITE;
            }
        }
        if (!uxn) {
            p |= Access.PERM_UNPRIV_EXEC;
        }
        return p;
    }

    private boolean fault(WalkResult out, FaultKind kind, int level, long descAddr, int reads) {
        faults[kind.ordinal()]++;
        descriptorReads += reads;
        out.fault = kind;
        out.level = level;
        out.descriptorAddress = descAddr;
        out.reads = reads;
        return false;
    }

    /** Walks performed (a retried walk counts once). */
    public long walks() {
        return walks;
    }

    /** Descriptors read over all walks. */
    public long descriptorReads() {
        return descriptorReads;
    }

    /** Walks that set AF or DBM-dirty state in memory. */
    public long hardwareUpdates() {
        return hardwareUpdates;
    }

    /** Walks that ended with {@code kind}. */
    public long faults(FaultKind kind) {
        return faults[kind.ordinal()];
    }
}

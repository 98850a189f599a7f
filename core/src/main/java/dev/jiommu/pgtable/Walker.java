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
    /** Walks by {@link #walk4KiBToPage}, each four reads: one counter where the others need two. */
    private long fourLevelPageWalks;
    private long hardwareUpdates;
    private final long[] faults = new long[FaultKind.values().length];

    /*
     * The geometry of the format walked last, so that the common walk reads
     * plain fields instead of deriving shifts and masks from the format.
     * gTableCheck is the valid and table bits plus the table-address bits
     * beyond OAS: a table descriptor the walk may follow gives 0b11.
     * gLeafCheck is the type bits, AF and the output-address bits beyond
     * OAS: a leaf the common walk may end in gives its type with AF.
     * gBeyondOas is the address bits of a descriptor beyond OAS.
     * g4KiB48 is true for the 4 KiB granule with a 48-bit input size.
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
    private long gLeafCheck;
    private long gBeyondOas;
    private boolean g4KiB48;
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
        if (f != geometryOf) {
            if (hook != null || f.lpa()) {
                return walkFully(f, root, ia, access, flags, out);
            }
            learnGeometry(f);
        }
        return walkCommon(root, ia, access, out) || walkFully(f, root, ia, access, flags, out);
    }

    /** Keeps {@code f}'s geometry for {@link #walkCommon}; only for formats it can walk (no hook, no 52-bit). */
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
        gBeyondOas = ADDR_MASK_48 & -(1L << f.outputBits());
        gLeafCheck = ARM_LPAE_PTE_TYPE_MASK | ARM_LPAE_PTE_AF | gBeyondOas;
        g4KiB48 = g == Granule.G4K && f.inputBits() == 48;
        gStage1 = f.stage() == Stage.STAGE1;
        geometryOf = f;
    }

    /**
     * The walk that ends in a valid, accessed leaf surely granting
     * {@code access} ({@link #surelyAllowed}), without a hook and without
     * 52-bit addresses: the checks of {@link #walkFully} for that outcome.
     * Returns false, having changed nothing, for every other outcome, which
     * {@link #walkFully} then decides.
     */
    private boolean walkCommon(long root, long ia, int access, WalkResult out) {
        try {
            if (g4KiB48) {
                long table = root & -PAGE_4K;
                return ((ia | root) >>> 48) == 0 && (table & gBeyondOas) == 0
                        && (walk4KiBToPage(table, ia, access, out) || walkAnyLeaf(table, ia, access, out));
            }
            long table = root & gRootMask;
            return (ia >>> gInputBits) == 0 && (table >>> gOutputBits) == 0 && walkAnyLeaf(table, ia, access, out);
        } catch (MemoryFault e) {
            return false;
        }
    }

    private static final long PAGE_4K = 1L << 12;
    /** Table and page descriptor address bits with the 4 KiB granule, below 2^48. */
    private static final long ADDR_4K = ADDR_MASK_48 & -PAGE_4K;

    /**
     * The usual walk, 4 KiB granule and 48-bit input (start level 0), to a
     * page, straight through: four reads, shifts and masks as constants
     * (D8.2.8). A table descriptor must be valid and of table type; address
     * bits beyond OAS in any of the four descriptors (checked once, after the
     * reads, which have no side effect here) leave the walk to
     * {@link #walkFully}. Anything else (a block, a fault) returns false and
     * {@link #walkAnyLeaf} walks again from the start. Counted in
     * {@link #fourLevelPageWalks}. Kept apart from {@link #walkAnyLeaf}
     * for speed: with the constants it measured about 2 ns per walk faster in
     * {@code bench walk} than the same straight walk with the shifts and
     * masks read from the geometry fields.
     */
    private boolean walk4KiBToPage(long table, long ia, int access, WalkResult out) {
        PhysicalMemory m = memory;
        long d0 = m.read64(table + (((ia >>> 39) & 511) << 3));
        if ((d0 & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_TABLE) {
            return false;
        }
        long d1 = m.read64((d0 & ADDR_4K) + (((ia >>> 30) & 511) << 3));
        if ((d1 & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_TABLE) {
            return false;
        }
        long d2 = m.read64((d1 & ADDR_4K) + (((ia >>> 21) & 511) << 3));
        if ((d2 & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_TABLE) {
            return false;
        }
        long descAddr = (d2 & ADDR_4K) + (((ia >>> 12) & 511) << 3);
        long desc = m.read64(descAddr);
        long tableAttrs = d0 | d1 | d2;
        boolean stage1 = gStage1;
        // gLeafCheck and surelyAllowed, as two masked compares.
        if ((desc & (gLeafCheck | surelyLeafMask(stage1, access)))
                        != (ARM_LPAE_PTE_TYPE_PAGE | ARM_LPAE_PTE_AF | surelyLeafSet(stage1, access))
                || (tableAttrs & (gBeyondOas | surelyTableClear(stage1, access))) != 0) {
            return false;
        }
        fourLevelPageWalks++;
        return found(ia, desc, descAddr, tableAttrs, 3, 4, 12, access, out);
    }

    /**
     * The common walk from any start level to a page or a block, unrolled by
     * start level (the unrolled steps are alike on purpose: the loop form
     * measured about 5 ns slower per walk in {@code bench walk}).
     */
    private boolean walkAnyLeaf(long table, long ia, int access, WalkResult out) {
        PhysicalMemory m = memory;
        long tableCheck = gTableCheck;
        long tableMask = gTableMask;
        long entryMask = gIndexMask;
        int bpl = gBitsPerLevel;
        int level = gStartLevel;
        int shift = gStartShift;
        long tableAttrs = 0;
        long descAddr = table + (((ia >>> shift) & gStartIndexMask) << 3);
        long desc = m.read64(descAddr);
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
        // A page at level 3, a block where the granule has blocks, with AF set
        // and no output address bits beyond OAS; anything else here (invalid,
        // a table beyond OAS) is for walkFully.
        long leafType = level == 3 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK;
        if ((desc & gLeafCheck) != (leafType | ARM_LPAE_PTE_AF)
                || (level != 3 && ((gBlockLevels >>> level) & 1) == 0)
                || !surelyAllowed(gStage1, desc, tableAttrs, access)) {
            return false;
        }
        int reads = level - gStartLevel + 1;
        walks++;
        descriptorReads += reads;
        return found(ia, desc, descAddr, tableAttrs, level, reads, shift, access, out);
    }

    /** The outcome of a common walk that ended in the leaf {@code desc} (2^shift bytes). */
    private boolean found(long ia, long desc, long descAddr, long tableAttrs, int level, int reads, int shift,
                          int access, WalkResult out) {
        out.inputAddress = ia;
        out.outputAddress = (desc & ADDR_MASK_48 & -(1L << shift)) | (ia & ((1L << shift) - 1));
        out.descriptor = desc;
        out.descriptorAddress = descAddr;
        out.tableAttrs = tableAttrs;
        out.shape = WalkResult.leafShape(level, reads, shift, access, gStage1);
        return true;
    }

    /**
     * A sufficient condition for {@code access} to be allowed by a leaf
     * {@code desc} under the table bits {@code tableAttrs}, as bit tests: the
     * exact rule is {@link #stage1Permissions}/{@link #stage2Permissions}
     * with {@link Access#allowed}, which agrees wherever this holds. The one
     * case it leaves to the exact rule is a privileged execute from an
     * EL0-accessible page (D8.4.1: EL0-writable memory is PXN).
     */
    static boolean surelyAllowed(boolean stage1, long desc, long tableAttrs, int access) {
        return (desc & surelyLeafMask(stage1, access)) == surelyLeafSet(stage1, access)
                && (tableAttrs & surelyTableClear(stage1, access)) == 0;
    }

    /** The leaf bits {@link #surelyAllowed} looks at: those it needs set and those it needs clear. */
    private static long surelyLeafMask(boolean stage1, int access) {
        boolean write = (access & Access.WRITE) != 0;
        boolean exec = (access & Access.EXEC) != 0;
        if (!stage1) {
            return surelyLeafSet(false, access) | (exec ? UXN : 0);
        }
        boolean priv = (access & Access.PRIV) != 0;
        return surelyLeafSet(true, access) | (write ? ARM_LPAE_PTE_AP_RDONLY : 0)
                | (exec ? (priv ? PXN | ARM_LPAE_PTE_AP_UNPRIV : UXN) : 0);
    }

    /** The leaf bits {@link #surelyAllowed} needs set: S2AP for stage 2, AP[1] for an EL0 data access at stage 1. */
    private static long surelyLeafSet(boolean stage1, int access) {
        boolean read = (access & Access.READ) != 0;
        boolean write = (access & Access.WRITE) != 0;
        if (!stage1) {
            return (read ? ARM_LPAE_PTE_HAP_READ : 0) | (write ? ARM_LPAE_PTE_HAP_WRITE : 0);
        }
        return el0Data(access) ? ARM_LPAE_PTE_AP_UNPRIV : 0;
    }

    /** The hierarchical table bits {@link #surelyAllowed} needs clear (none at stage 2). */
    private static long surelyTableClear(boolean stage1, int access) {
        if (!stage1) {
            return 0;
        }
        boolean write = (access & Access.WRITE) != 0;
        boolean exec = (access & Access.EXEC) != 0;
        boolean priv = (access & Access.PRIV) != 0;
        return (el0Data(access) ? APTABLE_NO_EL0 : 0) | (write ? APTABLE_RDONLY : 0)
                | (exec ? (priv ? PXNTABLE : UXNTABLE) : 0);
    }

    private static boolean el0Data(int access) {
        return (access & Access.PRIV) == 0 && (access & (Access.READ | Access.WRITE)) != 0;
    }

    /** The walk with every outcome: faults, hardware updates, the hook, 52-bit addresses. */
    private boolean walkFully(TableFormat f, long root, long ia, int access, int flags, WalkResult out) {
        walks++;
        Granule g = f.granule();
        int level = f.startLevel();
        int shift = g.levelShift(level);
        out.inputAddress = ia;
        if ((ia >>> f.inputBits()) != 0) {
            return fault(out, FaultKind.TRANSLATION, level, root, 0, access);
        }
        int oas = f.outputBits();
        int bpl = g.bitsPerLevel();
        long startBytes = 8L << (f.inputBits() - shift);
        long table = root & -Math.max(startBytes, 64);
        long indexMask = (startBytes >>> 3) - 1;
        if ((table >>> oas) != 0) {
            return fault(out, FaultKind.ADDRESS_SIZE, level, root, 0, access);
        }
        long tableMask = Descriptor.ADDR_MASK_48 & -(1L << g.shift());
        long tableAttrs = 0;
        int reads = 0;
        for (;;) {
            long descAddr = table + (((ia >>> shift) & indexMask) << 3);
            long pa = descAddr;
            if (hook != null && (pa = hook.toPhysical(descAddr, level, false)) == TableAddressHook.REFUSED) {
                return fault(out, FaultKind.TABLE_FETCH, level, descAddr, reads, access);
            }
            long desc;
            try {
                desc = memory.read64(pa);
            } catch (MemoryFault e) {
                return fault(out, FaultKind.EXTERNAL_ABORT, level, descAddr, reads, access);
            }
            reads++;
            if ((desc & ARM_LPAE_PTE_VALID) == 0) {
                return fault(out, FaultKind.TRANSLATION, level, descAddr, reads, access);
            }
            if (level == 3 || (desc & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_TABLE) {
                return leaf(f, root, desc, descAddr, level, shift, tableAttrs, ia, access, flags, reads, out);
            }
            table = desc & tableMask;
            if (oas == 52) {
                table |= (desc & Descriptor.ADDR_HI_MASK_52) << 36;
            }
            if ((table >>> oas) != 0) {
                return fault(out, FaultKind.ADDRESS_SIZE, level, descAddr, reads, access);
            }
            tableAttrs |= desc;
            level++;
            shift -= bpl;
            indexMask = (1L << bpl) - 1;
        }
    }

    /** A leaf descriptor: legality, output address size, then AF and permissions, with HA/HD updates. */
    private boolean leaf(TableFormat f, long root, long desc, long descAddr, int level, int shift, long tableAttrs,
                         long ia, int access, int flags, int reads, WalkResult out) {
        boolean lpa = f.lpa();
        // A page at level 3 (0b11), a block (0b01) where the granule has blocks.
        boolean legal = level == 3 ? (desc & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_PAGE
                : ((f.granule().blockLevels(lpa) >>> level) & 1) != 0;
        long oa = Descriptor.outputAddress(desc, shift, lpa);
        if (!legal || (oa >>> f.outputBits()) != 0) {
            return fault(out, legal ? FaultKind.ADDRESS_SIZE : FaultKind.TRANSLATION, level, descAddr, reads, access);
        }
        boolean stage1 = f.stage() == Stage.STAGE1;
        int perms = stage1 ? stage1Permissions(desc, tableAttrs) : stage2Permissions(desc);
        long update = desc;
        if ((desc & ARM_LPAE_PTE_AF) == 0) {
            if ((flags & HA) != 0) {
                update |= ARM_LPAE_PTE_AF;
            } else if ((flags & AFFD) == 0) {
                return fault(out, FaultKind.ACCESS_FLAG, level, descAddr, reads, access);
            }
        }
        if (!Access.allowed(perms, access)) {
            if (!dirtyUpdateAllowed(stage1, desc, tableAttrs, access, flags)) {
                return fault(out, FaultKind.PERMISSION, level, descAddr, reads, access);
            }
            update = stage1 ? update & ~ARM_LPAE_PTE_AP_RDONLY : update | ARM_LPAE_PTE_HAP_WRITE;
        }
        int shape = WalkResult.leafShape(level, reads, shift, access, stage1);
        if (update != desc) {
            long wpa = hook == null ? descAddr : hook.toPhysical(descAddr, level, true);
            if (wpa == TableAddressHook.REFUSED) {
                return fault(out, FaultKind.TABLE_FETCH, level, descAddr, reads, access);
            }
            try {
                if (!memory.compareAndSet64(wpa, desc, update)) {
                    // The leaf changed under the walk (another writer): walk again.
                    walks--;
                    descriptorReads += reads;
                    return walkFully(f, root, ia, access, flags, out);
                }
            } catch (MemoryFault e) {
                return fault(out, FaultKind.EXTERNAL_ABORT, level, descAddr, reads, access);
            }
            hardwareUpdates++;
            shape |= WalkResult.HARDWARE_UPDATED;
        }
        descriptorReads += reads;
        out.outputAddress = oa | (ia & ((1L << shift) - 1));
        out.descriptor = update;
        out.descriptorAddress = descAddr;
        out.tableAttrs = tableAttrs;
        out.shape = shape;
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
        // The mask changes nothing; it tells the JIT the index is in bounds.
        return STAGE1_PERMS[i & 0xff];
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

    private boolean fault(WalkResult out, FaultKind kind, int level, long descAddr, int reads, int access) {
        faults[kind.ordinal()]++;
        descriptorReads += reads;
        out.descriptorAddress = descAddr;
        out.shape = WalkResult.faultShape(kind, level, reads, access);
        return false;
    }

    /** Walks performed (a retried walk counts once). */
    public long walks() {
        return walks + fourLevelPageWalks;
    }

    /** Descriptors read over all walks. */
    public long descriptorReads() {
        return descriptorReads + 4 * fourLevelPageWalks;
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

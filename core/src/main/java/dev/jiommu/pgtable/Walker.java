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
    public boolean walk(TableFormat format, long root, long ia, int access, int flags, WalkResult out) {
        walks++;
        boolean ok;
        do {
            out.reset(ia, access);
            ok = walkOnce(format, root, ia, access, flags, out);
        } while (!ok && out.fault == null); // a hardware update lost a race: walk again
        descriptorReads += out.descriptorReads;
        if (out.fault != null) {
            faults[out.fault.ordinal()]++;
        } else if (out.hardwareUpdated) {
            hardwareUpdates++;
        }
        return ok;
    }

    /** @return true on success; false with {@code out.fault} set on a fault, or null to retry */
    private boolean walkOnce(TableFormat f, long root, long ia, int access, int flags, WalkResult out) {
        Granule g = f.granule();
        boolean lpa = f.lpa();
        int oas = f.outputBits();
        int level = f.startLevel();
        boolean stage1 = f.stage() == Stage.STAGE1;

        if ((ia >>> f.inputBits()) != 0) {
            return fault(out, FaultKind.TRANSLATION, level, root);
        }
        long table = root & -Math.max(f.startTableBytes(), 64);
        if ((table >>> oas) != 0) {
            return fault(out, FaultKind.ADDRESS_SIZE, level, root);
        }
        long indexMask = f.startEntries() - 1;
        long tableAttrs = 0;
        for (;;) {
            int shift = g.levelShift(level);
            long descAddr = table + (((ia >>> shift) & indexMask) << 3);
            long pa = descAddr;
            if (hook != null && (pa = hook.toPhysical(descAddr, level, false)) == TableAddressHook.REFUSED) {
                return fault(out, FaultKind.TABLE_FETCH, level, descAddr);
            }
            long desc;
            try {
                desc = memory.read64(pa);
            } catch (MemoryFault e) {
                return fault(out, FaultKind.EXTERNAL_ABORT, level, descAddr);
            }
            out.descriptorReads++;
            if ((desc & ARM_LPAE_PTE_VALID) == 0) {
                return fault(out, FaultKind.TRANSLATION, level, descAddr);
            }
            if (level < 3 && (desc & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_TABLE) {
                long next = Descriptor.outputAddress(desc, g.shift(), lpa);
                if ((next >>> oas) != 0) {
                    return fault(out, FaultKind.ADDRESS_SIZE, level, descAddr);
                }
                if (stage1) {
                    tableAttrs |= desc & (APTABLE_RDONLY | APTABLE_NO_EL0 | UXNTABLE | PXNTABLE);
                }
                table = next;
                level++;
                indexMask = g.entriesPerTable() - 1;
                continue;
            }
            if (level == 3 ? (desc & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_PAGE : !g.blockAllowed(level, lpa)) {
                return fault(out, FaultKind.TRANSLATION, level, descAddr);
            }
            return leaf(f, desc, descAddr, pa, level, shift, tableAttrs, access, flags, out);
        }
    }

    private boolean leaf(TableFormat f, long desc, long descAddr, long pa, int level, int shift, long tableAttrs,
                         int access, int flags, WalkResult out) {
        boolean stage1 = f.stage() == Stage.STAGE1;
        out.level = level;
        out.descriptorAddress = descAddr;
        out.descriptor = desc;
        long oa = Descriptor.outputAddress(desc, shift, f.lpa());
        if ((oa >>> f.outputBits()) != 0) {
            return fault(out, FaultKind.ADDRESS_SIZE, level, descAddr);
        }
        long update = desc;
        if ((desc & ARM_LPAE_PTE_AF) == 0) {
            if ((flags & HA) != 0) {
                update |= ARM_LPAE_PTE_AF;
            } else if ((flags & AFFD) == 0) {
                return fault(out, FaultKind.ACCESS_FLAG, level, descAddr);
            }
        }
        int perms = stage1 ? stage1Permissions(desc, tableAttrs) : stage2Permissions(desc);
        if (!Access.allowed(perms, access)) {
            if (!dirtyUpdateAllowed(stage1, desc, tableAttrs, access, flags)) {
                return fault(out, FaultKind.PERMISSION, level, descAddr);
            }
            update = stage1 ? update & ~ARM_LPAE_PTE_AP_RDONLY : update | ARM_LPAE_PTE_HAP_WRITE;
            perms = stage1 ? stage1Permissions(update, tableAttrs) : stage2Permissions(update);
            if (!Access.allowed(perms, access)) {
                return fault(out, FaultKind.PERMISSION, level, descAddr);
            }
        }
        if (update != desc) {
            long wpa = hook == null ? pa : hook.toPhysical(descAddr, level, true);
            if (wpa == TableAddressHook.REFUSED) {
                return fault(out, FaultKind.TABLE_FETCH, level, descAddr);
            }
            try {
                if (!memory.compareAndSet64(wpa, desc, update)) {
                    return false; // changed under us: retry the walk
                }
            } catch (MemoryFault e) {
                return fault(out, FaultKind.EXTERNAL_ABORT, level, descAddr);
            }
            out.hardwareUpdated = true;
            out.descriptor = update;
        }
        out.permissions = perms;
        out.blockShift = shift;
        out.outputAddress = oa | (out.inputAddress & ((1L << shift) - 1));
        return true;
    }

    /** HD turns a clean (read-only) DBM leaf writable on a write, if only AP[2]/S2AP[1] forbids it. */
    private static boolean dirtyUpdateAllowed(boolean stage1, long desc, long tableAttrs, int access, int flags) {
        if ((access & Access.WRITE) == 0 || (flags & (HA | HD)) != (HA | HD) || (desc & ARM_LPAE_PTE_DBM) == 0) {
            return false;
        }
        return !stage1 || (tableAttrs & APTABLE_RDONLY) == 0;
    }

    /** AP[2:1], UXN, PXN and the hierarchical table bits (Arm ARM D8.4). */
    static int stage1Permissions(long desc, long tableAttrs) {
        boolean el0 = (desc & ARM_LPAE_PTE_AP_UNPRIV) != 0 && (tableAttrs & APTABLE_NO_EL0) == 0;
        boolean readOnly = (desc & ARM_LPAE_PTE_AP_RDONLY) != 0 || (tableAttrs & APTABLE_RDONLY) != 0;
        boolean uxn = (desc & UXN) != 0 || (tableAttrs & UXNTABLE) != 0;
        // Memory writable at EL0 is never executable at EL1.
        boolean pxn = (desc & PXN) != 0 || (tableAttrs & PXNTABLE) != 0 || (el0 && !readOnly);
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

    /** S2AP and XN[1]; stage 2 does not tell privileged from unprivileged. */
    static int stage2Permissions(long desc) {
        int p = 0;
        if ((desc & ARM_LPAE_PTE_HAP_READ) != 0) {
            p |= Access.PERM_UNPRIV_READ | Access.PERM_PRIV_READ;
        }
        if ((desc & ARM_LPAE_PTE_HAP_WRITE) != 0) {
            p |= Access.PERM_UNPRIV_WRITE | Access.PERM_PRIV_WRITE;
        }
        if ((desc & UXN) == 0) {
            p |= Access.PERM_UNPRIV_EXEC | Access.PERM_PRIV_EXEC;
        }
        return p;
    }

    private static boolean fault(WalkResult out, FaultKind kind, int level, long descAddr) {
        out.fault = kind;
        out.level = level;
        out.descriptorAddress = descAddr;
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

package dev.jiommu.pgtable;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;

import java.util.Arrays;

import static dev.jiommu.pgtable.Descriptor.*;

/**
 * A VMSAv8-64 translation table tree in simulated memory, managed with the
 * semantics of Linux's io-pgtable ({@code drivers/iommu/io-pgtable-arm.c}) as
 * the IOMMU core drives it.
 *
 * <p>Errors are negative errno values, never exceptions:
 * <ul>
 *   <li>{@link #map}: {@code -EINVAL} when {@code size} is not one page size
 *       of {@link #pageSizeBitmap()} or {@code iova}/{@code paddr} are not
 *       aligned to it; {@code -ERANGE} when the range exceeds IAS or the
 *       physical range exceeds OAS; {@code -EEXIST} when anything in the range
 *       is already mapped (a leaf, or a table of smaller mappings);
 *       {@code -ENOMEM} when the frame allocator is exhausted. A mapping
 *       without READ or WRITE maps nothing and returns 0, as Linux does.</li>
 *   <li>{@link #unmap} returns the bytes unmapped, 0 for bad arguments or
 *       nothing mapped; it stops at the first hole and refuses to split a
 *       block (Linux no longer splits blocks on unmap).</li>
 *   <li>{@link #iovaToPhys} returns 0 where nothing is mapped.</li>
 * </ul>
 *
 * <p>Invariants: every table page but the start table holds at least one
 * valid entry; table pages come from and return to the {@link FrameAllocator}
 * (a table whose last entry is unmapped is freed at once); the page-size
 * bitmap is restricted to one granule, as Linux's
 * {@code arm_lpae_restrict_pgsizes} does.
 */
public final class IoPageTable {

    /** IO_PGTABLE_QUIRK_ARM_NS: set NS in leaves and NSTable in tables (stage 1). */
    public static final int QUIRK_ARM_NS = 1 << 0;
    /** IO_PGTABLE_QUIRK_ARM_HD: writable stage-1 leaves carry DBM, for hardware dirty tracking. */
    public static final int QUIRK_ARM_HD = 1 << 7;

    private final TableFormat format;
    private final long pageSizeBitmap;
    private final int quirks;
    private final FrameAllocator frames;
    private final PhysicalMemory memory;
    private final long root;
    private final long rootBytes;
    private final long tableBytesPerPage;
    /** Valid entries per table page, indexed by (table PA - allocator base) >> 12. */
    private int[] validEntries = new int[64];
    private long tablePages;
    private long tableBytes;
    // Descent path of the last unmap, by level: the table and the entry's address.
    private final long[] pathTable = new long[4];
    private final long[] pathEntry = new long[4];
    private boolean freed;

    private IoPageTable(TableFormat format, long pageSizeBitmap, int quirks, FrameAllocator frames) {
        this.format = format;
        this.pageSizeBitmap = pageSizeBitmap;
        this.quirks = quirks;
        this.frames = frames;
        this.memory = frames.memory();
        this.tableBytesPerPage = format.granule().size();
        this.rootBytes = Math.max(format.startTableBytes(), PhysicalMemory.PAGE_SIZE);
        long r = frames.allocate(rootBytes);
        if (r == FrameAllocator.NO_FRAME) {
            throw new IllegalStateException("no frame for the start table (" + rootBytes + " bytes)");
        }
        this.root = r;
        tablePages++;
        tableBytes += rootBytes;
    }

    /**
     * Allocates an empty table tree, as Linux's {@code alloc_io_pgtable_ops}.
     * The granule is the smallest page size in {@code pgsizeBitmap}; the bitmap
     * is then restricted to that granule's page sizes, IAS and OAS to 48 bits
     * (52 with 64K). Stage 2 concatenates start tables as Linux does.
     *
     * @throws IllegalArgumentException for a configuration Linux refuses
     *         (no usable granule, sizes out of range, unknown quirks), or
     *         table frames the walk could not reach (beyond OAS)
     * @throws IllegalStateException    when no frame is left for the start table
     */
    public static IoPageTable create(Stage stage, long pgsizeBitmap, int ias, int oas, int quirks, FrameAllocator frames) {
        if ((quirks & ~(QUIRK_ARM_NS | QUIRK_ARM_HD)) != 0) {
            throw new IllegalArgumentException("unsupported io-pgtable quirks 0x" + Integer.toHexString(quirks));
        }
        if (stage == Stage.STAGE2 && quirks != 0) {
            throw new IllegalArgumentException("stage 2 takes no quirks");
        }
        long atLeastPage = pgsizeBitmap & -(long) PhysicalMemory.PAGE_SIZE;
        Granule g = atLeastPage == 0 ? null : Granule.ofSize(Long.lowestOneBit(atLeastPage));
        if (g == null) {
            throw new IllegalArgumentException("page-size bitmap 0x" + Long.toHexString(pgsizeBitmap) + " names no 4K/16K/64K granule");
        }
        int maxBits = g == Granule.G64K ? 52 : 48;
        ias = Math.min(ias, maxBits);
        oas = Math.min(oas, maxBits);
        TableFormat f = stage == Stage.STAGE1 ? TableFormat.stage1(g, ias, oas) : TableFormat.stage2(g, ias, oas);
        if (((frames.base() + frames.size() - 1) >>> oas) != 0) {
            throw new IllegalArgumentException(String.format(
                    "table frames up to 0x%x lie beyond the %d-bit output size the walker can reach",
                    frames.base() + frames.size() - 1, oas));
        }
        return new IoPageTable(f, pgsizeBitmap & g.pageSizeBitmap(oas > 48), quirks, frames);
    }

    public TableFormat format() {
        return format;
    }

    /** Base of the start table: the value for TTB0 / S2TTB. */
    public long root() {
        return root;
    }

    /** Page sizes this table maps, as a bitmap of sizes. */
    public long pageSizeBitmap() {
        return pageSizeBitmap;
    }

    public int quirks() {
        return quirks;
    }

    /** Table pages in use, the start table included. */
    public long tablePages() {
        return tablePages;
    }

    /** Bytes of table memory in use, the start table included. */
    public long tableBytes() {
        return tableBytes;
    }

    // ---- map ----------------------------------------------------------------------

    /**
     * Maps {@code [iova, iova + size)} to {@code [paddr, paddr + size)} with one
     * leaf of {@code size}.
     *
     * @return 0, or {@code -EINVAL}, {@code -ERANGE}, {@code -EEXIST}, {@code -ENOMEM} (see class doc)
     */
    public int map(long iova, long paddr, long size, int prot) {
        int err = checkMap(iova, paddr, size, size);
        if (err != 0 || (prot & (Prot.READ | Prot.WRITE)) == 0) {
            return err;
        }
        return install(iova, paddr, size, protToPte(prot));
    }

    /**
     * Maps {@code pgcount} pages of {@code pgsize} from {@code iova} to
     * {@code paddr}, using the largest page size of the bitmap wherever
     * {@code iova}, {@code paddr} and the remaining length allow (as Linux's
     * {@code iommu_map} does). All or nothing: on error, what this call mapped
     * is unmapped again.
     *
     * @return 0, or {@code -EINVAL} ({@code pgsize} not in the bitmap,
     *         {@code pgcount < 1}, misalignment), {@code -ERANGE},
     *         {@code -EEXIST}, {@code -ENOMEM}
     */
    public int mapPages(long iova, long paddr, long pgsize, long pgcount, int prot) {
        if (pgcount < 1 || Long.bitCount(pgsize) != 1 || (pgsize & pageSizeBitmap) == 0) {
            return -Errno.EINVAL;
        }
        if (pgcount > (Long.MAX_VALUE / pgsize)) {
            return -Errno.ERANGE;
        }
        long total = pgsize * pgcount;
        int err = checkMap(iova, paddr, pgsize, total);
        if (err != 0 || (prot & (Prot.READ | Prot.WRITE)) == 0) {
            return err;
        }
        long pte = protToPte(prot);
        long done = 0;
        while (done < total) {
            long s = pickPageSize(iova + done, paddr + done, total - done);
            err = install(iova + done, paddr + done, s, pte);
            if (err != 0) {
                unmapExactly(iova, paddr, done);
                return err;
            }
            done += s;
        }
        return 0;
    }

    /** Argument checks shared by map and mapPages, in Linux's order. */
    private int checkMap(long iova, long paddr, long pgsize, long total) {
        if (Long.bitCount(pgsize) != 1 || (pgsize & pageSizeBitmap) == 0) {
            return -Errno.EINVAL;
        }
        if (((iova | paddr) & (pgsize - 1)) != 0) {
            return -Errno.EINVAL;
        }
        long lastIova = iova + total - 1;
        long lastPa = paddr + total - 1;
        if (iova < 0 || lastIova < iova || (lastIova >>> format.inputBits()) != 0) {
            return -Errno.ERANGE;
        }
        if (paddr < 0 || lastPa < paddr || (lastPa >>> format.outputBits()) != 0) {
            return -Errno.ERANGE;
        }
        return 0;
    }

    /** Largest bitmap size that fits {@code remaining} and to which both addresses are aligned. */
    private long pickPageSize(long iova, long paddr, long remaining) {
        long sizes = pageSizeBitmap;
        long align = Long.lowestOneBit(iova | paddr);
        if (align != 0) {
            sizes &= (align << 1) - 1;
        }
        sizes &= (Long.highestOneBit(remaining) << 1) - 1;
        return Long.highestOneBit(sizes);
    }

    private void unmapExactly(long iova, long paddr, long length) {
        long done = 0;
        while (done < length) {
            long s = pickPageSize(iova + done, paddr + done, length - done);
            unmapOne(iova + done, s);
            done += s;
        }
    }

    private int install(long iova, long paddr, long size, long pte) {
        long table = root;
        for (int level = format.startLevel(); ; level++) {
            long ptep = entry(table, level, iova);
            long cur = memory.read64(ptep);
            if (size == format.blockSize(level)) {
                if (cur != 0) {
                    return -Errno.EEXIST;
                }
                long type = level == 3 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK;
                memory.write64(ptep, pte | Descriptor.addressField(paddr, format.lpa()) | type);
                adjustValid(table, +1);
                return 0;
            }
            if (cur == 0) {
                long next = frames.allocate(tableBytesPerPage);
                if (next == FrameAllocator.NO_FRAME) {
                    pruneAfterFailedInstall(iova);
                    return -Errno.ENOMEM;
                }
                tablePages++;
                tableBytes += tableBytesPerPage;
                cur = Descriptor.addressField(next, format.lpa()) | ARM_LPAE_PTE_TYPE_TABLE
                        | ((quirks & QUIRK_ARM_NS) != 0 ? ARM_LPAE_PTE_NSTABLE : 0);
                memory.write64(ptep, cur);
                adjustValid(table, +1);
            } else if (!Descriptor.isTable(cur, level)) {
                return -Errno.EEXIST;
            }
            table = nextTable(cur);
        }
    }

    /** Frees the empty tables a failed install left on the path to {@code iova}. */
    private void pruneAfterFailedInstall(long iova) {
        int level = format.startLevel();
        long table = root;
        for (;; level++) {
            long ptep = entry(table, level, iova);
            pathTable[level] = table;
            pathEntry[level] = ptep;
            long cur = memory.read64(ptep);
            if (!Descriptor.isTable(cur, level)) {
                break;
            }
            table = nextTable(cur);
        }
        // 'table' at 'level' is the deepest table; free it and its parents while empty.
        while (level > format.startLevel() && validCount(table) == 0) {
            releaseTable(table);
            level--;
            memory.write64(pathEntry[level], 0);
            table = pathTable[level];
            adjustValid(table, -1);
        }
    }

    /** Linux's arm_lpae_prot_to_pte (without the type and address). */
    long protToPte(int prot) {
        long pte;
        if (format.stage() == Stage.STAGE1) {
            pte = ARM_LPAE_PTE_nG;
            if ((prot & Prot.WRITE) == 0 && (prot & Prot.READ) != 0) {
                pte |= ARM_LPAE_PTE_AP_RDONLY;
            } else if ((quirks & QUIRK_ARM_HD) != 0) {
                pte |= ARM_LPAE_PTE_DBM;
            }
            if ((prot & Prot.PRIV) == 0) {
                pte |= ARM_LPAE_PTE_AP_UNPRIV;
            }
            int idx = (prot & Prot.MMIO) != 0 ? ARM_LPAE_MAIR_ATTR_IDX_DEV
                    : (prot & Prot.CACHE) != 0 ? ARM_LPAE_MAIR_ATTR_IDX_CACHE : ARM_LPAE_MAIR_ATTR_IDX_NC;
            pte |= (long) idx << ARM_LPAE_PTE_ATTRINDX_SHIFT;
        } else {
            pte = ARM_LPAE_PTE_HAP_FAULT;
            if ((prot & Prot.READ) != 0) {
                pte |= ARM_LPAE_PTE_HAP_READ;
            }
            if ((prot & Prot.WRITE) != 0) {
                pte |= ARM_LPAE_PTE_HAP_WRITE;
            }
            pte |= (prot & Prot.MMIO) != 0 ? ARM_LPAE_PTE_MEMATTR_DEV
                    : (prot & Prot.CACHE) != 0 ? ARM_LPAE_PTE_MEMATTR_OIWB : ARM_LPAE_PTE_MEMATTR_NC;
        }
        pte |= (prot & Prot.CACHE) != 0 ? ARM_LPAE_PTE_SH_IS : ARM_LPAE_PTE_SH_OS;
        if ((prot & Prot.NOEXEC) != 0) {
            pte |= ARM_LPAE_PTE_XN;
        }
        if ((quirks & QUIRK_ARM_NS) != 0) {
            pte |= ARM_LPAE_PTE_NS;
        }
        return pte | ARM_LPAE_PTE_AF;
    }

    // ---- unmap --------------------------------------------------------------------

    /**
     * Unmaps {@code [iova, iova + size)} in page-size chunks, as Linux's
     * {@code iommu_unmap}: each chunk is the largest page size that fits the
     * remaining length and the alignment of its address; a chunk whose entry
     * is a table of smaller mappings removes that whole table.
     *
     * @return bytes unmapped: 0 when {@code iova}/{@code size} are not aligned
     *         to the smallest page size, lie beyond IAS, or nothing is mapped
     *         at {@code iova}; less than {@code size} when a hole or a block
     *         reaching outside the range stops it
     */
    public long unmap(long iova, long size) {
        long min = Long.lowestOneBit(pageSizeBitmap);
        if (size <= 0 || ((iova | size) & (min - 1)) != 0) {
            return 0;
        }
        long last = iova + size - 1;
        if (iova < 0 || last < iova || (last >>> format.inputBits()) != 0) {
            return 0;
        }
        long done = 0;
        while (done < size) {
            long chunk = pickPageSize(iova + done, 0, size - done);
            long n = unmapOne(iova + done, chunk);
            if (n == 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /** Removes the entry of exactly {@code pgsize} at {@code iova}; 0 for a hole or a larger block. */
    private long unmapOne(long iova, long pgsize) {
        long table = root;
        for (int level = format.startLevel(); ; level++) {
            long ptep = entry(table, level, iova);
            long cur = memory.read64(ptep);
            if (cur == 0) {
                return 0;
            }
            pathTable[level] = table;
            pathEntry[level] = ptep;
            if (pgsize == format.blockSize(level)) {
                if (Descriptor.isTable(cur, level)) {
                    freeSubtree(nextTable(cur), level + 1);
                }
                memory.write64(ptep, 0);
                adjustValid(table, -1);
                pruneUpwards(level);
                return pgsize;
            }
            if (!Descriptor.isTable(cur, level)) {
                return 0; // a block larger than the chunk: Linux refuses to split it
            }
            table = nextTable(cur);
        }
    }

    /** Frees tables on the recorded path, from {@code level} up, while they are empty. */
    private void pruneUpwards(int level) {
        while (level > format.startLevel() && validCount(pathTable[level]) == 0) {
            releaseTable(pathTable[level]);
            level--;
            memory.write64(pathEntry[level], 0);
            adjustValid(pathTable[level], -1);
        }
    }

    private void freeSubtree(long table, int level) {
        if (level < 3) {
            long entries = format.granule().entriesPerTable();
            for (long i = 0; i < entries && validCount(table) > 0; i++) {
                long d = memory.read64(table + i * 8);
                if (Descriptor.isTable(d, level)) {
                    freeSubtree(nextTable(d), level + 1);
                }
                if (d != 0) {
                    adjustValid(table, -1);
                }
            }
        }
        setValid(table, 0);
        releaseTable(table);
    }

    private void releaseTable(long table) {
        frames.free(table, tableBytesPerPage);
        tablePages--;
        tableBytes -= tableBytesPerPage;
    }

    /**
     * Frees every table page, the start table included (Linux's
     * {@code free_io_pgtable_ops}). The table must not be used afterwards.
     */
    public void free() {
        if (freed) {
            return;
        }
        freed = true;
        int start = format.startLevel();
        if (start < 3) {
            for (long i = 0; i < format.startEntries(); i++) {
                long d = memory.read64(root + i * 8);
                if (Descriptor.isTable(d, start)) {
                    freeSubtree(nextTable(d), start + 1);
                }
            }
        }
        frames.free(root, rootBytes);
        tablePages = 0;
        tableBytes = 0;
    }

    // ---- lookup -------------------------------------------------------------------

    /** The physical address {@code iova} maps to, or 0 where nothing is mapped (software walk). */
    public long iovaToPhys(long iova) {
        if (iova < 0 || (iova >>> format.inputBits()) != 0) {
            return 0;
        }
        long table = root;
        for (int level = format.startLevel(); ; level++) {
            long cur = memory.read64(entry(table, level, iova));
            if ((cur & ARM_LPAE_PTE_VALID) == 0) {
                return 0;
            }
            if (Descriptor.isLeaf(cur, level)) {
                int shift = format.levelShift(level);
                return Descriptor.outputAddress(cur, shift, format.lpa()) | (iova & ((1L << shift) - 1));
            }
            if (!Descriptor.isTable(cur, level)) {
                return 0;
            }
            table = nextTable(cur);
        }
    }

    // ---- descent ------------------------------------------------------------------

    /** Address of the entry for {@code iova} in {@code table} at {@code level} (the start table may be concatenated). */
    private long entry(long table, int level, long iova) {
        long entries = level == format.startLevel() ? format.startEntries() : format.granule().entriesPerTable();
        return table + (((iova >>> format.levelShift(level)) & (entries - 1)) << 3);
    }

    /** The next-level table a table descriptor points to. */
    private long nextTable(long desc) {
        return Descriptor.outputAddress(desc, format.granule().shift(), format.lpa());
    }

    // ---- per-table valid-entry counts -------------------------------------------------

    private int slot(long table) {
        return (int) ((table - frames.base()) >>> PhysicalMemory.PAGE_SHIFT);
    }

    private int validCount(long table) {
        int s = slot(table);
        return s < validEntries.length ? validEntries[s] : 0;
    }

    private void adjustValid(long table, int delta) {
        int s = slot(table);
        if (s >= validEntries.length) {
            validEntries = Arrays.copyOf(validEntries, Math.max(s + 1, validEntries.length * 2));
        }
        validEntries[s] += delta;
    }

    private void setValid(long table, int value) {
        int s = slot(table);
        if (s < validEntries.length) {
            validEntries[s] = value;
        }
    }
}

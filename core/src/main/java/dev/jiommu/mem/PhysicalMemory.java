package dev.jiommu.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Sparse, little-endian physical memory of up to 2^52 bytes.
 *
 * <p>Storage is a radix of 4 KiB pages: a page exists from its first write,
 * untouched memory reads as zeros, and host memory grows with touched pages
 * only (plus one 2 MiB page directory per touched GiB), so a 1 TiB RAM region
 * costs nothing until used.
 *
 * <p>Only RAM regions hold data. An access that is not wholly inside one RAM
 * region raises {@link MemoryFault}; nothing is written by a faulting access.
 * Multi-byte accesses may be unaligned and may cross pages, except
 * {@link #compareAndSet64}, which must be naturally aligned (as an AArch64
 * atomic must).
 *
 * <p>Threading: the simulation core is single-threaded (DESIGN.md); reads and
 * writes are plain accesses. {@link #compareAndSet64} is a real atomic
 * read-compare-write, as hardware access/dirty-flag updates require.
 *
 * <p>Reads, writes and compare-and-set on existing pages allocate nothing.
 */
public final class PhysicalMemory {

    /** Widest physical address the model supports (FEAT_LPA). */
    public static final int MAX_PA_BITS = 52;
    /** First address beyond the physical address space. */
    public static final long PA_LIMIT = 1L << MAX_PA_BITS;
    /** Storage page: the unit in which host memory is spent. */
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SIZE - 1;

    private static final int GIB_SHIFT = 30;
    private static final int PAGES_PER_GIB_SHIFT = GIB_SHIFT - PAGE_SHIFT;
    private static final int PAGES_PER_GIB_MASK = (1 << PAGES_PER_GIB_SHIFT) - 1;
    /** GiB index has MAX_PA_BITS - 30 = 22 bits: 11 for the root, 11 for the leaf array. */
    private static final int ROOT_SHIFT = 11;
    private static final int ROOT_MASK = (1 << ROOT_SHIFT) - 1;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** The pages of one touched GiB. */
    private record Gib(long index, byte[][] pages) {}

    private static final Gib NO_GIB = new Gib(-1, null);

    private final MemoryRegion[] regions;
    private final Gib[][] root = new Gib[1 << ROOT_SHIFT][];
    /** Last RAM region hit; one reference, so the check is consistent. */
    private MemoryRegion ramHit;
    /** Last GiB hit. */
    private Gib gibHit = NO_GIB;
    private long pagesTouched;

    /**
     * @param regions the address map; RAM regions hold data. Regions must not
     *                overlap, and at least one must be RAM.
     */
    public PhysicalMemory(List<MemoryRegion> regions) {
        List<MemoryRegion> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparingLong(MemoryRegion::base));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i - 1).overlaps(sorted.get(i))) {
                throw new IllegalArgumentException("regions overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
            }
        }
        this.regions = sorted.toArray(MemoryRegion[]::new);
        this.ramHit = sorted.stream().filter(r -> r.kind() == MemoryRegion.Kind.RAM).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the address map has no RAM region"));
    }

    /** A memory with one RAM region {@code [base, base + size)}. */
    public static PhysicalMemory ram(long base, long size) {
        return new PhysicalMemory(List.of(MemoryRegion.ram("ram", base, size)));
    }

    public List<MemoryRegion> regions() {
        return List.of(regions);
    }

    /** The region containing {@code pa}, or null. */
    public MemoryRegion regionAt(long pa) {
        for (MemoryRegion r : regions) {
            if (r.contains(pa, 1)) {
                return r;
            }
        }
        return null;
    }

    /** True when {@code [pa, pa + len)} lies wholly inside one RAM region. */
    public boolean isRam(long pa, long len) {
        MemoryRegion r = ramHit;
        if (r.contains(pa, len)) {
            return true;
        }
        for (MemoryRegion c : regions) {
            if (c.kind() == MemoryRegion.Kind.RAM && c.contains(pa, len)) {
                ramHit = c;
                return true;
            }
        }
        return false;
    }

    private void check(long pa, long len, String op) {
        if (!isRam(pa, len)) {
            throw fault(pa, len, op);
        }
    }

    private MemoryFault fault(long pa, long len, String op) {
        MemoryRegion r = regionAt(pa);
        if (r != null && r.kind() == MemoryRegion.Kind.MMIO) {
            return new MemoryFault(MemoryFault.Kind.MMIO, op, pa, len, r);
        }
        return new MemoryFault(MemoryFault.Kind.OUTSIDE_RAM, op, pa, len, null);
    }

    // ---- page radix -------------------------------------------------------------

    /** The storage page holding {@code pa}, or null when it was never written. */
    private byte[] pageOrNull(long pa) {
        long gi = pa >>> GIB_SHIFT;
        Gib g = gibHit;
        if (g.index != gi) {
            Gib[] leaf = root[(int) (gi >>> ROOT_SHIFT)];
            if (leaf == null || (g = leaf[(int) gi & ROOT_MASK]) == null) {
                return null;
            }
            gibHit = g;
        }
        return g.pages[(int) (pa >>> PAGE_SHIFT) & PAGES_PER_GIB_MASK];
    }

    /** The storage page holding {@code pa}, created zero-filled if needed. */
    private byte[] page(long pa) {
        byte[] p = pageOrNull(pa);
        return p != null ? p : createPage(pa);
    }

    private byte[] createPage(long pa) {
        long gi = pa >>> GIB_SHIFT;
        Gib[] leaf = root[(int) (gi >>> ROOT_SHIFT)];
        if (leaf == null) {
            leaf = root[(int) (gi >>> ROOT_SHIFT)] = new Gib[1 << ROOT_SHIFT];
        }
        Gib g = leaf[(int) gi & ROOT_MASK];
        if (g == null) {
            g = leaf[(int) gi & ROOT_MASK] = new Gib(gi, new byte[1 << PAGES_PER_GIB_SHIFT][]);
        }
        gibHit = g;
        int idx = (int) (pa >>> PAGE_SHIFT) & PAGES_PER_GIB_MASK;
        byte[] p = g.pages[idx];
        if (p == null) {
            p = g.pages[idx] = new byte[PAGE_SIZE];
            pagesTouched++;
        }
        return p;
    }

    /** Number of 4 KiB storage pages that exist (were written and not discarded). */
    public long pagesTouched() {
        return pagesTouched;
    }

    /** Host bytes spent on page contents: {@link #pagesTouched()} × 4 KiB. */
    public long bytesTouched() {
        return pagesTouched * PAGE_SIZE;
    }

    // ---- scalar accesses ----------------------------------------------------------

    public byte read8(long pa) {
        check(pa, 1, "read");
        byte[] p = pageOrNull(pa);
        return p == null ? 0 : p[(int) pa & PAGE_MASK];
    }

    public short read16(long pa) {
        check(pa, 2, "read");
        int off = (int) pa & PAGE_MASK;
        if (off <= PAGE_SIZE - 2) {
            byte[] p = pageOrNull(pa);
            return p == null ? 0 : (short) SHORT.get(p, off);
        }
        return (short) readSplit(pa, 2);
    }

    public int read32(long pa) {
        check(pa, 4, "read");
        int off = (int) pa & PAGE_MASK;
        if (off <= PAGE_SIZE - 4) {
            byte[] p = pageOrNull(pa);
            return p == null ? 0 : (int) INT.get(p, off);
        }
        return (int) readSplit(pa, 4);
    }

    public long read64(long pa) {
        check(pa, 8, "read");
        int off = (int) pa & PAGE_MASK;
        if (off <= PAGE_SIZE - 8) {
            byte[] p = pageOrNull(pa);
            return p == null ? 0 : (long) LONG.get(p, off);
        }
        return readSplit(pa, 8);
    }

    /** A little-endian value that crosses a page boundary, byte by byte. */
    private long readSplit(long pa, int len) {
        long v = 0;
        for (int i = len - 1; i >= 0; i--) {
            byte[] p = pageOrNull(pa + i);
            v = (v << 8) | (p == null ? 0 : p[(int) (pa + i) & PAGE_MASK] & 0xFF);
        }
        return v;
    }

    public void write8(long pa, byte value) {
        check(pa, 1, "write");
        page(pa)[(int) pa & PAGE_MASK] = value;
    }

    public void write16(long pa, short value) {
        check(pa, 2, "write");
        int off = (int) pa & PAGE_MASK;
        if (off <= PAGE_SIZE - 2) {
            SHORT.set(page(pa), off, value);
        } else {
            writeSplit(pa, value, 2);
        }
    }

    public void write32(long pa, int value) {
        check(pa, 4, "write");
        int off = (int) pa & PAGE_MASK;
        if (off <= PAGE_SIZE - 4) {
            INT.set(page(pa), off, value);
        } else {
            writeSplit(pa, value, 4);
        }
    }

    public void write64(long pa, long value) {
        check(pa, 8, "write");
        int off = (int) pa & PAGE_MASK;
        if (off <= PAGE_SIZE - 8) {
            LONG.set(page(pa), off, value);
        } else {
            writeSplit(pa, value, 8);
        }
    }

    private void writeSplit(long pa, long v, int len) {
        for (int i = 0; i < len; i++, v >>>= 8) {
            page(pa + i)[(int) (pa + i) & PAGE_MASK] = (byte) v;
        }
    }

    /**
     * Atomically replaces the 64-bit value at {@code pa} with {@code update} if it
     * equals {@code expected}.
     *
     * @return true when the value was replaced
     * @throws MemoryFault outside RAM, or when {@code pa} is not 8-byte aligned
     */
    public boolean compareAndSet64(long pa, long expected, long update) {
        if ((pa & 7) != 0) {
            throw new MemoryFault(MemoryFault.Kind.UNALIGNED_ATOMIC, "compare-and-set", pa, 8, null);
        }
        check(pa, 8, "compare-and-set");
        byte[] p = pageOrNull(pa);
        if (p == null) {
            if (expected != 0) {
                return false;
            }
            p = page(pa);
        }
        return LONG.compareAndSet(p, (int) pa & PAGE_MASK, expected, update);
    }

    // ---- bulk accesses --------------------------------------------------------------

    /** Copies {@code len} bytes at {@code pa} into {@code dst[off..]}. */
    public void readBytes(long pa, byte[] dst, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        check(pa, len, "read");
        while (len > 0) {
            int in = (int) pa & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - in);
            byte[] p = pageOrNull(pa);
            if (p == null) {
                java.util.Arrays.fill(dst, off, off + n, (byte) 0);
            } else {
                System.arraycopy(p, in, dst, off, n);
            }
            pa += n;
            off += n;
            len -= n;
        }
    }

    /** Copies {@code src[off..off+len)} to memory at {@code pa}. */
    public void writeBytes(long pa, byte[] src, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        check(pa, len, "write");
        while (len > 0) {
            int in = (int) pa & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - in);
            System.arraycopy(src, off, page(pa), in, n);
            pa += n;
            off += n;
            len -= n;
        }
    }

    /** Sets {@code len} bytes at {@code pa} to {@code value}. */
    public void fill(long pa, long len, byte value) {
        check(pa, len, "write");
        while (len > 0) {
            int in = (int) pa & PAGE_MASK;
            int n = (int) Math.min(len, PAGE_SIZE - in);
            byte[] p = value == 0 ? pageOrNull(pa) : page(pa);
            if (p != null) {
                java.util.Arrays.fill(p, in, in + n, value);
            }
            pa += n;
            len -= n;
        }
    }

    /**
     * Copies {@code len} bytes from {@code src} to {@code dst}; overlapping ranges
     * copy as if through a temporary buffer (memmove).
     */
    public void copy(long src, long dst, long len) {
        check(src, len, "read");
        check(dst, len, "write");
        if (len == 0 || src == dst) {
            return;
        }
        boolean backwards = dst > src && dst - src < len;
        long done = 0;
        while (done < len) {
            long remaining = len - done;
            long s = backwards ? src + remaining : src + done;
            long d = backwards ? dst + remaining : dst + done;
            int n;
            if (backwards) {
                int sIn = (int) ((s - 1) & PAGE_MASK) + 1;
                int dIn = (int) ((d - 1) & PAGE_MASK) + 1;
                n = (int) Math.min(remaining, Math.min(sIn, dIn));
                s -= n;
                d -= n;
            } else {
                n = (int) Math.min(remaining, Math.min(PAGE_SIZE - (s & PAGE_MASK), PAGE_SIZE - (d & PAGE_MASK)));
            }
            byte[] sp = pageOrNull(s);
            if (sp == null) {
                byte[] dp = pageOrNull(d);
                if (dp != null) {
                    java.util.Arrays.fill(dp, (int) d & PAGE_MASK, ((int) d & PAGE_MASK) + n, (byte) 0);
                }
            } else {
                System.arraycopy(sp, (int) s & PAGE_MASK, page(d), (int) d & PAGE_MASK, n);
            }
            done += n;
        }
    }

    /**
     * Forgets the contents of every storage page wholly inside
     * {@code [pa, pa + len)}, zeroing the partial pages at either end: the range
     * reads as zeros afterwards and its host memory is released.
     */
    public void discard(long pa, long len) {
        check(pa, len, "discard");
        long end = pa + len;
        long firstWhole = (pa + PAGE_MASK) & ~(long) PAGE_MASK;
        long lastWhole = end & ~(long) PAGE_MASK;
        if (firstWhole >= lastWhole) {
            fill(pa, len, (byte) 0);
            return;
        }
        fill(pa, firstWhole - pa, (byte) 0);
        fill(lastWhole, end - lastWhole, (byte) 0);
        for (long a = firstWhole; a < lastWhole; a += PAGE_SIZE) {
            long gi = a >>> GIB_SHIFT;
            Gib[] leaf = root[(int) (gi >>> ROOT_SHIFT)];
            Gib g = leaf == null ? null : leaf[(int) gi & ROOT_MASK];
            if (g == null) {
                a = ((gi + 1) << GIB_SHIFT) - PAGE_SIZE; // skip an untouched GiB
                continue;
            }
            int idx = (int) (a >>> PAGE_SHIFT) & PAGES_PER_GIB_MASK;
            if (g.pages[idx] != null) {
                g.pages[idx] = null;
                pagesTouched--;
            }
        }
    }
}

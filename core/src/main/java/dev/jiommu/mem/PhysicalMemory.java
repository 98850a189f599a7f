package dev.jiommu.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Sparse, little-endian physical memory of up to 2^52 bytes.
 *
 * <p>Storage is a radix of 4 KiB pages ({@code long[512]} each, in host byte
 * order, which must be little-endian): a page exists from its first write,
 * untouched memory reads as zeros, and host memory grows with touched pages
 * only (plus one 2 MiB page directory per touched GiB), so a 1 TiB RAM region
 * costs nothing until used.
 *
 * <p>Only RAM regions hold data; they are 4 KiB aligned, so a storage page is
 * either wholly RAM or not at all. An access that is not wholly inside one RAM
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

    private static final int WORDS_PER_PAGE = PAGE_SIZE / 8;
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("jiommu's physical memory needs a little-endian host");
        }
    }

    /** The pages of one touched GiB. */
    private record Gib(long index, long[][] pages) {}

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

    /** The storage page holding {@code pa}, or null when it was never written (or {@code pa} is beyond 52 bits). */
    private long[] pageOrNull(long pa) {
        long gi = pa >>> GIB_SHIFT;
        Gib g = gibHit;
        if (g.index != gi) {
            if ((pa >>> MAX_PA_BITS) != 0) {
                return null;
            }
            Gib[] leaf = root[(int) (gi >>> ROOT_SHIFT)];
            if (leaf == null || (g = leaf[(int) gi & ROOT_MASK]) == null) {
                return null;
            }
            gibHit = g;
        }
        return g.pages[(int) (pa >>> PAGE_SHIFT) & PAGES_PER_GIB_MASK];
    }

    /** The storage page holding {@code pa} (which must be RAM), created zero-filled if needed. */
    private long[] page(long pa) {
        long[] p = pageOrNull(pa);
        return p != null ? p : createPage(pa);
    }

    private long[] createPage(long pa) {
        long gi = pa >>> GIB_SHIFT;
        Gib[] leaf = root[(int) (gi >>> ROOT_SHIFT)];
        if (leaf == null) {
            leaf = root[(int) (gi >>> ROOT_SHIFT)] = new Gib[1 << ROOT_SHIFT];
        }
        Gib g = leaf[(int) gi & ROOT_MASK];
        if (g == null) {
            g = leaf[(int) gi & ROOT_MASK] = new Gib(gi, new long[1 << PAGES_PER_GIB_SHIFT][]);
        }
        gibHit = g;
        int idx = (int) (pa >>> PAGE_SHIFT) & PAGES_PER_GIB_MASK;
        long[] p = g.pages[idx];
        if (p == null) {
            p = g.pages[idx] = new long[WORDS_PER_PAGE];
            pagesTouched++;
        }
        return p;
    }

    /** The aligned 64-bit word at {@code pa & ~7}, zero when its page does not exist. No region check. */
    private long word(long pa) {
        long[] p = pageOrNull(pa);
        return p == null ? 0 : p[((int) pa & PAGE_MASK) >>> 3];
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
    // Fast path: an existing page is RAM (RAM regions are page-aligned and pages
    // are only created inside them), so no region check is needed there.

    public byte read8(long pa) {
        return (byte) readSmall(pa, 1);
    }

    public short read16(long pa) {
        return (short) readSmall(pa, 2);
    }

    public int read32(long pa) {
        return (int) readSmall(pa, 4);
    }

    public long read64(long pa) {
        long[] p = pageOrNull(pa);
        if (p != null && (pa & 7) == 0) {
            return p[((int) pa & PAGE_MASK) >>> 3];
        }
        return readSmall(pa, 8);
    }

    /** A little-endian value of {@code len} ≤ 8 bytes, from one or two aligned words. */
    private long readSmall(long pa, int len) {
        check(pa, len, "read");
        int sh = ((int) pa & 7) << 3;
        long v = word(pa) >>> sh;
        if (((int) pa & 7) + len > 8) {
            v |= word(pa + 8) << (64 - sh);
        }
        return len == 8 ? v : v & ((1L << (len << 3)) - 1);
    }

    public void write8(long pa, byte value) {
        writeSmall(pa, value, 1);
    }

    public void write16(long pa, short value) {
        writeSmall(pa, value, 2);
    }

    public void write32(long pa, int value) {
        writeSmall(pa, value, 4);
    }

    public void write64(long pa, long value) {
        long[] p = pageOrNull(pa);
        if (p != null && (pa & 7) == 0) {
            p[((int) pa & PAGE_MASK) >>> 3] = value;
            return;
        }
        writeSmall(pa, value, 8);
    }

    /** Merges the low {@code len} bytes of {@code v} into one or two aligned words. */
    private void writeSmall(long pa, long v, int len) {
        check(pa, len, "write");
        long mask = len == 8 ? -1L : (1L << (len << 3)) - 1;
        v &= mask;
        int sh = ((int) pa & 7) << 3;
        mergeWord(pa, v << sh, mask << sh);
        if (((int) pa & 7) + len > 8) {
            mergeWord(pa + 8, v >>> (64 - sh), mask >>> (64 - sh));
        }
    }

    private void mergeWord(long pa, long bits, long mask) {
        long[] p = page(pa);
        int i = ((int) pa & PAGE_MASK) >>> 3;
        p[i] = (p[i] & ~mask) | bits;
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
        long[] p = pageOrNull(pa);
        if (p == null) {
            if (expected != 0) {
                return false;
            }
            p = page(pa);
        }
        return WORD.compareAndSet(p, ((int) pa & PAGE_MASK) >>> 3, expected, update);
    }

    // ---- bulk accesses --------------------------------------------------------------
    // Pages are long[] in the host's (little-endian) byte order, so byte-wise
    // copies between them and byte[] go through heap memory segments.

    private static MemorySegment seg(long[] page) {
        return MemorySegment.ofArray(page);
    }

    /** Copies {@code len} bytes at {@code pa} into {@code dst[off..]}. */
    public void readBytes(long pa, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        check(pa, len, "read");
        MemorySegment d = MemorySegment.ofArray(dst);
        while (len > 0) {
            int in = (int) pa & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - in);
            long[] p = pageOrNull(pa);
            if (p == null) {
                Arrays.fill(dst, off, off + n, (byte) 0);
            } else {
                MemorySegment.copy(seg(p), in, d, off, n);
            }
            pa += n;
            off += n;
            len -= n;
        }
    }

    /** Copies {@code src[off..off+len)} to memory at {@code pa}. */
    public void writeBytes(long pa, byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        check(pa, len, "write");
        MemorySegment s = MemorySegment.ofArray(src);
        while (len > 0) {
            int in = (int) pa & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - in);
            MemorySegment.copy(s, off, seg(page(pa)), in, n);
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
            long[] p = value == 0 ? pageOrNull(pa) : page(pa);
            if (p != null) {
                seg(p).asSlice(in, n).fill(value);
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
            long[] sp = pageOrNull(s);
            if (sp == null) {
                long[] dp = pageOrNull(d);
                if (dp != null) {
                    seg(dp).asSlice((int) d & PAGE_MASK, n).fill((byte) 0);
                }
            } else {
                MemorySegment.copy(seg(sp), (int) s & PAGE_MASK, seg(page(d)), (int) d & PAGE_MASK, n);
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

package dev.jiommu.mem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Sparse, little-endian physical memory of up to 2^52 bytes.
 *
 * <p>Each RAM region is backed by its own anonymous host mapping
 * ({@link HostMapping}): a page costs host memory from its first write,
 * untouched memory reads as zeros, and a 1 TiB RAM region costs nothing until
 * used. Only RAM regions hold data; they are 4 KiB aligned. An access that is
 * not wholly inside one RAM region raises {@link MemoryFault}, and nothing is
 * written by a faulting access. Multi-byte accesses may be unaligned, except
 * {@link #compareAndSet64}, which must be naturally aligned (as an AArch64
 * atomic must).
 *
 * <p>Threading: the simulation core is single-threaded (DESIGN.md); reads and
 * writes are plain accesses, and {@link #compareAndSet64} is a real atomic
 * read-compare-write, as hardware access/dirty-flag updates require.
 *
 * <p>Scalar reads, writes and compare-and-set allocate nothing. The 64-bit
 * reads and writes have a fast path for one RAM region, the highest one they
 * have reached so far (in a memory with one RAM region, that region): one
 * compare against its base, and the host segment's own bounds check for its
 * end. An access above that region's end, into a higher RAM region or into no
 * RAM, leaves the fast path through the segment's
 * {@link IndexOutOfBoundsException}, which costs microseconds; because the
 * fast region only ever moves up, that happens once per higher RAM region,
 * and otherwise only for accesses that fault anyway. Accesses below the fast
 * region take the region lookup every other access takes.
 */
public final class PhysicalMemory {

    /** Widest physical address the model supports (FEAT_LPA). */
    public static final int MAX_PA_BITS = 52;
    /** First address beyond the physical address space. */
    public static final long PA_LIMIT = 1L << MAX_PA_BITS;
    /** The unit of RAM alignment and of {@link #discard}. */
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final long PAGE_MASK = PAGE_SIZE - 1;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ATOMIC_LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    /**
     * A RAM region and its host backing {@code host} (offset 0 is
     * {@code base}). {@code window} is the same host memory addressed by
     * physical address: window offset {@code pa} is the byte at {@code pa}
     * for {@code pa} in {@code [base, base + size)}; the window ends where
     * the region ends, and below {@code base} it is not backed, so the fast
     * paths test {@code pa >= base} before they use it.
     */
    private record Ram(MemoryRegion region, long base, MemorySegment host, MemorySegment window) {
        Ram(MemoryRegion region, MemorySegment host) {
            this(region, region.base(), host,
                    MemorySegment.ofAddress(host.address() - region.base()).reinterpret(region.base() + region.size()));
        }
    }

    private final MemoryRegion[] regions;
    private final Ram[] rams;
    /** Last RAM region hit by a lookup. */
    private Ram hit;
    /** The RAM region of the 64-bit fast paths: the highest one they have reached. */
    private Ram fast;

    /**
     * @param regions the address map; RAM regions hold data. Regions must not
     *                overlap, and at least one must be RAM.
     * @throws IllegalArgumentException for overlapping regions or a map without RAM
     * @throws IllegalStateException    when the host cannot reserve address space for a RAM region
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
        this.rams = sorted.stream().filter(r -> r.kind() == MemoryRegion.Kind.RAM)
                .map(r -> new Ram(r, HostMapping.reserve(r.name(), r.size(), this)))
                .toArray(Ram[]::new);
        if (rams.length == 0) {
            throw new IllegalArgumentException("the address map has no RAM region");
        }
        this.hit = rams[0];
        this.fast = rams[0];
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
        return ramFor(pa, len) != null;
    }

    /** The RAM region wholly containing {@code [pa, pa + len)}, or null; remembers it as the hit. */
    private Ram ramFor(long pa, long len) {
        Ram r = hit;
        if (r.region.contains(pa, len)) {
            return r;
        }
        for (Ram c : rams) {
            if (c.region.contains(pa, len)) {
                hit = c;
                return c;
            }
        }
        return null;
    }

    private Ram check(long pa, long len, String op) {
        Ram r = ramFor(pa, len);
        if (r == null) {
            MemoryRegion m = regionAt(pa);
            throw m != null && m.kind() == MemoryRegion.Kind.MMIO
                    ? new MemoryFault(MemoryFault.Kind.MMIO, op, pa, len, m)
                    : new MemoryFault(MemoryFault.Kind.OUTSIDE_RAM, op, pa, len, null);
        }
        return r;
    }

    /**
     * Host bytes spent on RAM contents: pages written and not discarded, as the
     * host kernel accounts them (Linux /proc/self/smaps); -1 if unknown.
     */
    public long bytesTouched() {
        long sum = 0;
        for (Ram r : rams) {
            long b = HostMapping.anonymousBytes(r.host.address());
            if (b < 0) {
                return -1;
            }
            sum += b;
        }
        return sum;
    }

    /** {@link #bytesTouched()} in 4 KiB pages; -1 if unknown. */
    public long pagesTouched() {
        long b = bytesTouched();
        return b < 0 ? -1 : b / PAGE_SIZE;
    }

    // ---- scalar accesses ----------------------------------------------------------

    public byte read8(long pa) {
        Ram r = check(pa, 1, "read");
        return r.host.get(ValueLayout.JAVA_BYTE, pa - r.base);
    }

    public short read16(long pa) {
        Ram r = check(pa, 2, "read");
        return r.host.get(SHORT, pa - r.base);
    }

    public int read32(long pa) {
        Ram r = check(pa, 4, "read");
        return r.host.get(INT, pa - r.base);
    }

    public long read64(long pa) {
        Ram f = fast;
        if (pa >= f.base) {
            try {
                return f.window.get(LONG, pa);
            } catch (IndexOutOfBoundsException aboveFastRegion) {
                // Past the fast region's end: a higher RAM region or a fault, decided below.
            }
        }
        Ram r = checkAndRaiseFast(pa, "read");
        return r.host.get(LONG, pa - r.base);
    }

    public void write8(long pa, byte value) {
        Ram r = check(pa, 1, "write");
        r.host.set(ValueLayout.JAVA_BYTE, pa - r.base, value);
    }

    public void write16(long pa, short value) {
        Ram r = check(pa, 2, "write");
        r.host.set(SHORT, pa - r.base, value);
    }

    public void write32(long pa, int value) {
        Ram r = check(pa, 4, "write");
        r.host.set(INT, pa - r.base, value);
    }

    public void write64(long pa, long value) {
        Ram f = fast;
        if (pa >= f.base) {
            try {
                f.window.set(LONG, pa, value);
                return;
            } catch (IndexOutOfBoundsException aboveFastRegion) {
                // Past the fast region's end, nothing written: a higher RAM region or a fault, decided below.
            }
        }
        Ram r = checkAndRaiseFast(pa, "write");
        r.host.set(LONG, pa - r.base, value);
    }

    /** The RAM region of a 64-bit access off the fast path; it becomes the fast region if higher. */
    private Ram checkAndRaiseFast(long pa, String op) {
        Ram r = check(pa, 8, op);
        if (r.base > fast.base) {
            fast = r;
        }
        return r;
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
        Ram r = check(pa, 8, "compare-and-set");
        return ATOMIC_LONG.compareAndSet(r.host, pa - r.base, expected, update);
    }

    // ---- bulk accesses --------------------------------------------------------------

    /** Copies {@code len} bytes at {@code pa} into {@code dst[off..]}. */
    public void readBytes(long pa, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        Ram r = check(pa, len, "read");
        MemorySegment.copy(r.host, ValueLayout.JAVA_BYTE, pa - r.base, dst, off, len);
    }

    /** Copies {@code src[off..off+len)} to memory at {@code pa}. */
    public void writeBytes(long pa, byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        Ram r = check(pa, len, "write");
        MemorySegment.copy(src, off, r.host, ValueLayout.JAVA_BYTE, pa - r.base, len);
    }

    /**
     * Sets {@code len} bytes at {@code pa} to {@code value}. Ranges of whole
     * 8-byte words up to {@link #WORD_FILL_LIMIT} bytes (a frame being
     * zeroed) are stored a word at a time, which for a 4 KiB page is about a
     * quarter faster than the bulk fill ({@code Unsafe.setMemory}) on JDK 25.
     */
    public void fill(long pa, long len, byte value) {
        Ram r = check(pa, len, "write");
        if ((len & 7) == 0 && len <= WORD_FILL_LIMIT) {
            long word = (value & 0xffL) * 0x0101_0101_0101_0101L;
            for (long at = pa, end = pa + len; at < end; at += 8) {
                r.window.set(LONG, at, word);
            }
            return;
        }
        r.host.asSlice(pa - r.base, len).fill(value);
    }

    /** The largest {@link #fill} done with word stores. */
    private static final long WORD_FILL_LIMIT = 64 << 10;

    /**
     * Copies {@code len} bytes from {@code src} to {@code dst}; overlapping ranges
     * copy as if through a temporary buffer (memmove). Each range must lie in
     * one RAM region; they may lie in different ones.
     */
    public void copy(long src, long dst, long len) {
        Ram s = check(src, len, "read");
        Ram d = check(dst, len, "write");
        MemorySegment.copy(s.host, src - s.base, d.host, dst - d.base, len);
    }

    /**
     * Forgets the contents of {@code [pa, pa + len)}: the range reads as zeros
     * afterwards, and the host memory of the whole pages inside it is released.
     */
    public void discard(long pa, long len) {
        Ram r = check(pa, len, "discard");
        long off = pa - r.base;
        long end = off + len;
        long firstWhole = (off + PAGE_MASK) & ~PAGE_MASK;
        long lastWhole = end & ~PAGE_MASK;
        if (firstWhole >= lastWhole) {
            r.host.asSlice(off, len).fill((byte) 0);
            return;
        }
        r.host.asSlice(off, firstWhole - off).fill((byte) 0);
        r.host.asSlice(lastWhole, end - lastWhole).fill((byte) 0);
        HostMapping.dontNeed(r.host, firstWhole, lastWhole - firstWhole);
    }
}

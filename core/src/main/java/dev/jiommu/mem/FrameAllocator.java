package dev.jiommu.mem;

/**
 * Hands out naturally aligned, zeroed, power-of-two frames from one RAM range
 * of a {@link PhysicalMemory}: the pages that hold translation tables, queues
 * and other structures software places in memory.
 *
 * <p>Invariants: every frame returned lies inside the range, is aligned to its
 * size and reads as zeros; a frame is never handed out twice before it is
 * freed; {@link #bytesInUse()} is the sum of the sizes of frames handed out and
 * not freed, and {@link #peakBytesInUse()} its maximum so far.
 *
 * <p>Freed frames go to a free list per size and are reused first. Their host
 * memory is released at once ({@link PhysicalMemory#discard}), except for
 * 4 KiB frames while no more than {@link #RESIDENT_FREE_BYTES} of them are
 * free: those keep their host pages, as a kernel's free lists stay in RAM,
 * and are zeroed with stores when freed and again when handed out (a freed
 * frame may be written after its free). Recycling a page this way costs two
 * 4 KiB clears instead of two host {@code madvise} calls and, at the page's
 * next use, a host page fault: the demand-paging and table-page churn of a
 * running system. Resident free frames are reused before released ones.
 */
public final class FrameAllocator {

    /** Returned by {@link #allocate} when the range is exhausted. */
    public static final long NO_FRAME = -1;

    private static final int MIN_ORDER = PhysicalMemory.PAGE_SHIFT;
    private static final int MAX_ORDER = 30;
    /** Bytes of free 4 KiB frames that keep their host memory (see the class comment). */
    public static final long RESIDENT_FREE_BYTES = 64L << 20;
    private static final int RESIDENT_FREE_FRAMES = (int) (RESIDENT_FREE_BYTES >>> MIN_ORDER);

    private final PhysicalMemory memory;
    private final long base;
    private final long end;
    private long bump;
    private final long[][] free = new long[MAX_ORDER + 1][];
    private final int[] freeCount = new int[MAX_ORDER + 1];
    /** Free 4 KiB frames whose host pages were kept, most recently freed last. */
    private long[] resident = new long[64];
    private int residentCount;
    private long bytesInUse;
    private long peakBytesInUse;
    private long framesInUse;
    private long allocations;

    /**
     * @param memory where the frames live
     * @param base   first address of the range (4 KiB aligned)
     * @param size   bytes in the range; the range must be RAM
     */
    public FrameAllocator(PhysicalMemory memory, long base, long size) {
        if ((base & (PhysicalMemory.PAGE_SIZE - 1)) != 0 || size <= 0) {
            throw new IllegalArgumentException(String.format("frame range [0x%x, +0x%x) must be 4 KiB aligned and non-empty", base, size));
        }
        if (!memory.isRam(base, size)) {
            throw new IllegalArgumentException(String.format("frame range [0x%x, +0x%x) is not RAM", base, size));
        }
        this.memory = memory;
        this.base = base;
        this.end = base + size;
        this.bump = base;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    /**
     * Allocates a zeroed frame of {@code size} bytes aligned to {@code size}.
     *
     * @param size a power of two from 4 KiB to 1 GiB
     * @return the frame's physical address, or {@link #NO_FRAME} when the range is exhausted
     */
    public long allocate(long size) {
        int order = order(size);
        long pa;
        if (order == MIN_ORDER && residentCount > 0) {
            pa = resident[--residentCount];
            // Its host page was kept: stale contents, cleared with stores.
            memory.fill(pa, size, (byte) 0);
            return handOut(pa, size);
        }
        if (freeCount[order] > 0) {
            pa = free[order][--freeCount[order]];
        } else {
            long aligned = (bump + size - 1) & -size;
            if (aligned < bump || aligned > end - size) {
                return NO_FRAME;
            }
            // Keep the alignment gap usable: hand its pieces to the free lists.
            releaseGap(bump, aligned);
            bump = aligned + size;
            pa = aligned;
        }
        // Zero on every hand-out: alignment-gap frames were never discarded, and a
        // freed frame may have been written after its free.
        memory.discard(pa, size);
        return handOut(pa, size);
    }

    private long handOut(long pa, long size) {
        bytesInUse += size;
        framesInUse++;
        allocations++;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        return pa;
    }

    private void releaseGap(long from, long to) {
        while (from < to) {
            long piece = Long.lowestOneBit(from);
            while (from + piece > to) {
                piece >>>= 1;
            }
            push(order(piece), from);
            from += piece;
        }
    }

    /**
     * Returns a frame to the allocator and zeroes it: it reads as zeros from
     * now on (until someone writes to it, which {@link #allocate} undoes).
     *
     * @throws IllegalArgumentException when {@code pa} is not a frame of {@code size} inside the range
     */
    public void free(long pa, long size) {
        int order = order(size);
        if (pa < base || pa > end - size || (pa & (size - 1)) != 0) {
            throw new IllegalArgumentException(String.format("0x%x is not a %d-byte frame of this allocator", pa, size));
        }
        if (order == MIN_ORDER && residentCount < RESIDENT_FREE_FRAMES) {
            memory.fill(pa, size, (byte) 0);
            if (residentCount == resident.length) {
                resident = java.util.Arrays.copyOf(resident, resident.length * 2);
            }
            resident[residentCount++] = pa;
        } else {
            memory.discard(pa, size);
            push(order, pa);
        }
        bytesInUse -= size;
        framesInUse--;
    }

    private void push(int order, long pa) {
        long[] list = free[order];
        if (list == null) {
            list = free[order] = new long[16];
        } else if (freeCount[order] == list.length) {
            list = free[order] = java.util.Arrays.copyOf(list, list.length * 2);
        }
        list[freeCount[order]++] = pa;
    }

    private static int order(long size) {
        if (Long.bitCount(size) != 1 || size < (1L << MIN_ORDER) || size > (1L << MAX_ORDER)) {
            throw new IllegalArgumentException("frame size " + size + " is not a power of two from 4 KiB to 1 GiB");
        }
        return Long.numberOfTrailingZeros(size);
    }

    /** Bytes in frames handed out and not yet freed. */
    public long bytesInUse() {
        return bytesInUse;
    }

    /** The largest {@link #bytesInUse()} ever reached. */
    public long peakBytesInUse() {
        return peakBytesInUse;
    }

    /** Frames handed out and not yet freed. */
    public long framesInUse() {
        return framesInUse;
    }

    /** Frames handed out since creation. */
    public long allocations() {
        return allocations;
    }

    public long base() {
        return base;
    }

    public long size() {
        return end - base;
    }
}

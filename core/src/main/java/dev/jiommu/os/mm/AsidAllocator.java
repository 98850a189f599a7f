package dev.jiommu.os.mm;

import dev.jiommu.Errno;

import java.util.BitSet;

/**
 * arm64's ASID allocator ({@code arch/arm64/mm/context.c}): ASIDs are handed
 * out from a bitmap within a generation; when the bitmap is full the
 * generation rolls over, every TLB must be flushed, and address spaces get a
 * new ASID the next time they run.
 *
 * <p>A context's id is {@code generation | asid}, the generation counting in
 * units of {@code 2^bits}, so an id is current exactly when its bits above the
 * ASID equal the allocator's generation. Semantics kept from Linux:
 * <ul>
 *   <li>ASID 0 is reserved (Linux gives it to init_mm and the reserved TTBR0)
 *       and never handed out.</li>
 *   <li>A rollover ({@code flush_context}) clears the bitmap, then marks the
 *       pinned ASIDs and, per CPU, the ASID running there (or, for a CPU that
 *       has not switched since the last rollover, the one reserved for it):
 *       those keep their value into the new generation. Every CPU gets a
 *       pending local TLB flush, and the {@link RolloverListener} is told.</li>
 *   <li>A context from an old generation that needs an ASID
 *       ({@code new_context}) keeps its old value if it was reserved or is
 *       pinned, or if that value is still free in the new generation;
 *       otherwise it gets the next free one, searching on from the last
 *       allocation.</li>
 *   <li>Pinning ({@code arm64_mm_context_get}) is refcounted; a pinned ASID
 *       is marked in a pinned bitmap that survives every rollover, so its
 *       value never changes and no other context gets it. At most
 *       {@code 2^bits - cpus - 2} ASIDs are pinned at once, which leaves a free
 *       ASID after any rollover even when every CPU holds a reserved one.
 *       Beyond that, {@link #pin} fails with {@code -ENOSPC} (Linux returns
 *       0, which the SMMUv3 SVA code reports as {@code -ESRCH}).</li>
 *   <li>Nothing is freed when an address space dies (arm64 has no
 *       {@code destroy_context} work): its ASID becomes free at the next
 *       rollover, whose TLB flush guarantees no stale entry tagged with it
 *       survives. A pinned ASID stays out of use until its last unpin.</li>
 * </ul>
 *
 * <p>Not modelled: KPTI's ASID pairs (every value is usable) and the
 * concurrency the Linux code guards against with its lock and atomics.
 */
public final class AsidAllocator {

    /** Told about every rollover: the hook where the TLBs of every CPU are flushed. */
    @FunctionalInterface
    public interface RolloverListener {
        /** @param generation the new generation, counting from 1 */
        void rollover(long generation);
    }

    /**
     * The ASID state of one address space (arm64's {@code mm->context.id}
     * and {@code mm->context.pinned}). Only the allocator changes it.
     */
    public static final class Context {
        private final AsidAllocator owner;
        private long id;
        private int pinCount;

        private Context(AsidAllocator owner) {
            this.owner = owner;
        }

        /** The ASID this context last received; stale when {@link #isCurrent()} is false and not pinned. */
        public int asid() {
            return (int) (id & owner.asidMask);
        }

        /** The generation the ASID was given in, counting from 1. */
        public long generation() {
            return id >>> owner.bits;
        }

        /** True when the ASID belongs to the allocator's current generation. */
        public boolean isCurrent() {
            return owner.generationMatches(id);
        }

        public int pinCount() {
            return pinCount;
        }

        @Override
        public String toString() {
            return String.format("asid %d gen %d%s", asid(), generation(), pinCount > 0 ? " pinned x" + pinCount : "");
        }
    }

    private final int bits;
    private final int numAsids;
    private final long asidMask;
    private final int cpus;
    private final int maxPinned;
    private final RolloverListener listener;

    private long generation;
    private final BitSet map;
    private final BitSet pinnedMap;
    private final long[] active;
    private final long[] reserved;
    private final boolean[] flushPending;
    private int curIdx = 1;
    private int pinned;
    private long rollovers;
    private long localFlushes;

    /**
     * @param bits     ASID width: 8 or 16 on hardware (ID_AA64MMFR0_EL1.ASIDBits);
     *                 any width from 2 is accepted, so tests can force rollovers
     * @param cpus     CPUs that run address spaces (each holds one reserved ASID over a rollover)
     * @param listener told about each rollover
     * @throws IllegalArgumentException when {@code bits} is outside 2..16 or
     *         there are not more ASIDs (ASID 0 aside) than CPUs, which Linux warns about
     */
    public AsidAllocator(int bits, int cpus, RolloverListener listener) {
        if (bits < 2 || bits > 16) {
            throw new IllegalArgumentException("ASID width " + bits + " is outside 2..16 bits");
        }
        if (cpus < 1 || (1 << bits) - 1 <= cpus) {
            throw new IllegalArgumentException(cpus + " CPUs need more than " + ((1 << bits) - 1) + " ASIDs");
        }
        this.bits = bits;
        this.numAsids = 1 << bits;
        this.asidMask = numAsids - 1;
        this.cpus = cpus;
        this.maxPinned = Math.max(0, numAsids - cpus - 2);
        this.listener = listener == null ? g -> { } : listener;
        this.generation = numAsids;
        this.map = new BitSet(numAsids);
        this.pinnedMap = new BitSet(numAsids);
        this.active = new long[cpus];
        this.reserved = new long[cpus];
        this.flushPending = new boolean[cpus];
        map.set(0);
    }

    /** A context with an ASID of the current generation, not running on any CPU. */
    public Context newContext() {
        Context c = new Context(this);
        c.id = allocate(c);
        return c;
    }

    /**
     * Runs the context on {@code cpu} ({@code check_and_switch_context}):
     * gives it an ASID of the current generation if its own is stale, which
     * may roll the generation over, and does the CPU's pending TLB flush.
     *
     * @return the ASID the CPU now runs with
     * @throws IndexOutOfBoundsException for a CPU number outside {@code 0..cpus-1}
     */
    public int switchTo(Context c, int cpu) {
        long id = c.id;
        if (active[cpu] != 0 && generationMatches(id)) {
            active[cpu] = id;
            return c.asid();
        }
        if (!generationMatches(id)) {
            id = allocate(c);
            c.id = id;
        }
        if (flushPending[cpu]) {
            flushPending[cpu] = false;
            localFlushes++;
        }
        active[cpu] = id;
        return c.asid();
    }

    /**
     * Pins the context's ASID ({@code arm64_mm_context_get}); refcounted. A
     * stale ASID is first renewed, which may roll the generation over.
     *
     * @return the pinned ASID (greater than 0), or {@code -ENOSPC} when
     *         {@link #maxPinned()} ASIDs are pinned already
     */
    public int pin(Context c) {
        if (c.pinCount > 0) {
            c.pinCount++;
            return c.asid();
        }
        if (pinned >= maxPinned) {
            return -Errno.ENOSPC;
        }
        if (!generationMatches(c.id)) {
            c.id = allocate(c);
        }
        pinned++;
        pinnedMap.set(c.asid());
        c.pinCount = 1;
        return c.asid();
    }

    /**
     * Drops one pin ({@code arm64_mm_context_put}); the last one lets the ASID
     * be recycled by a later rollover.
     *
     * @throws IllegalStateException when the context is not pinned (a refcount underflow: a kernel bug)
     */
    public void unpin(Context c) {
        if (c.pinCount == 0) {
            throw new IllegalStateException("unpin of a context that is not pinned (" + c + ")");
        }
        if (--c.pinCount == 0) {
            pinnedMap.clear(c.asid());
            pinned--;
        }
    }

    /** Linux's {@code new_context}: an id of the current generation for {@code c}. */
    private long allocate(Context c) {
        long id = c.id;
        if (id != 0) {
            long renewed = generation | (id & asidMask);
            if (updateReserved(id, renewed) || c.pinCount > 0) {
                return renewed;
            }
            int old = (int) (id & asidMask);
            if (!map.get(old)) {
                map.set(old);
                return renewed;
            }
        }
        int idx = map.nextClearBit(curIdx);
        if (idx >= numAsids) {
            rollOver();
            idx = map.nextClearBit(1);
            if (idx >= numAsids) {
                throw new IllegalStateException("no ASID free after a rollover: the pinning limit failed");
            }
        }
        map.set(idx);
        curIdx = idx;
        return generation | idx;
    }

    /** Moves a per-CPU reserved copy of {@code id} to the new generation; true when there was one. */
    private boolean updateReserved(long id, long renewed) {
        boolean hit = false;
        for (int cpu = 0; cpu < cpus; cpu++) {
            if (reserved[cpu] == id) {
                reserved[cpu] = renewed;
                hit = true;
            }
        }
        return hit;
    }

    /** Linux's generation bump plus {@code flush_context}. */
    private void rollOver() {
        generation += numAsids;
        rollovers++;
        map.clear();
        map.or(pinnedMap);
        map.set(0);
        for (int cpu = 0; cpu < cpus; cpu++) {
            long id = active[cpu];
            active[cpu] = 0;
            if (id == 0) {
                id = reserved[cpu];
            }
            map.set((int) (id & asidMask));
            reserved[cpu] = id;
            flushPending[cpu] = true;
        }
        listener.rollover(generation >>> bits);
    }

    private boolean generationMatches(long id) {
        return ((id ^ generation) >>> bits) == 0;
    }

    /** True when {@code asid} is taken in the current generation (by a context, a CPU's reservation, or a pin). */
    public boolean isAllocated(int asid) {
        return asid >= 0 && asid < numAsids && map.get(asid);
    }

    public boolean isPinned(int asid) {
        return asid >= 0 && asid < numAsids && pinnedMap.get(asid);
    }

    public int bits() {
        return bits;
    }

    public int cpus() {
        return cpus;
    }

    /** The current generation, counting from 1. */
    public long generation() {
        return generation >>> bits;
    }

    /** Generation rollovers so far. */
    public long rollovers() {
        return rollovers;
    }

    /** Local TLB flushes CPUs did on switching in after a rollover. */
    public long localFlushes() {
        return localFlushes;
    }

    /** ASIDs pinned now. */
    public int pinnedCount() {
        return pinned;
    }

    /** The most ASIDs that can be pinned at once: {@code 2^bits - cpus - 2}. */
    public int maxPinned() {
        return maxPinned;
    }
}

package dev.jiommu.hw.cache;

import java.util.SplittableRandom;

/**
 * Entry bookkeeping of a fixed-size cache: which entries are free, which are
 * in use, and which one to evict when full, under the configured
 * {@link Replacement}.
 *
 * <p>Each used entry carries a stamp from a counter: LRU stamps an entry when
 * it is filled and on every hit, FIFO only when it is filled; the victim is
 * the used entry with the smallest stamp (exact LRU and FIFO; a hit costs one
 * store, an eviction a scan of the entries). RANDOM picks among the entries
 * with a seeded generator, so runs repeat. Allocates nothing after
 * construction.
 */
public final class Victims {

    private final boolean lru;
    private final boolean random;
    private final long[] stamp;
    private final boolean[] used;
    private final int[] free;
    private int freeCount;
    private int count;
    private long clock;
    private final SplittableRandom rng = new SplittableRandom(0x5EED);

    public Victims(int entries, Replacement policy) {
        this.lru = policy == Replacement.LRU;
        this.random = policy == Replacement.RANDOM;
        stamp = new long[entries];
        used = new boolean[entries];
        free = new int[entries];
        reset();
    }

    public int capacity() {
        return used.length;
    }

    public int count() {
        return count;
    }

    public boolean isUsed(int e) {
        return used[e];
    }

    /** True when every entry is in use: {@link #victim()} must be evicted before {@link #take()}. */
    public boolean full() {
        return freeCount == 0;
    }

    /** The entry to evict next. Only when {@link #full()}. */
    public int victim() {
        if (random) {
            return rng.nextInt(used.length);
        }
        int v = 0;
        long best = Long.MAX_VALUE;
        for (int e = 0; e < stamp.length; e++) {
            if (stamp[e] < best) {
                best = stamp[e];
                v = e;
            }
        }
        return v;
    }

    /** Takes a free entry and marks it used, most recent. */
    public int take() {
        int e = free[--freeCount];
        used[e] = true;
        count++;
        stamp[e] = ++clock;
        return e;
    }

    /** Marks a hit on {@code e}. */
    public void touch(int e) {
        if (lru) {
            stamp[e] = ++clock;
        }
    }

    /** Returns {@code e} to the free entries. */
    public void release(int e) {
        if (!used[e]) {
            return;
        }
        used[e] = false;
        count--;
        free[freeCount++] = e;
    }

    public void reset() {
        for (int i = 0; i < used.length; i++) {
            used[i] = false;
            free[i] = used.length - 1 - i;
        }
        freeCount = used.length;
        count = 0;
    }
}

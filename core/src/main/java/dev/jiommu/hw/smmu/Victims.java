package dev.jiommu.hw.smmu;

import java.util.SplittableRandom;

/**
 * Entry bookkeeping of a fixed-size cache: which entries are free, which are
 * in use, and which one to evict when full, under the configured
 * {@link SmmuConfig.Replacement}. LRU and FIFO keep the used entries on a
 * doubly linked list (most recent at the head); LRU moves an entry to the head
 * on every hit, FIFO only on fill. RANDOM picks among used entries with a
 * seeded generator, so runs repeat. Allocates nothing after construction.
 */
final class Victims {

    private final SmmuConfig.Replacement policy;
    private final int[] next;
    private final int[] prev;
    private final boolean[] used;
    private final int[] free;
    private int freeCount;
    private int head = -1;
    private int tail = -1;
    private int count;
    private final SplittableRandom random = new SplittableRandom(0x5EED);

    Victims(int entries, SmmuConfig.Replacement policy) {
        this.policy = policy;
        next = new int[entries];
        prev = new int[entries];
        used = new boolean[entries];
        free = new int[entries];
        reset();
    }

    int capacity() {
        return used.length;
    }

    int count() {
        return count;
    }

    boolean isUsed(int e) {
        return used[e];
    }

    /** True when every entry is in use: {@link #victim()} must be evicted before {@link #take()}. */
    boolean full() {
        return freeCount == 0;
    }

    /** The entry to evict next. Only when {@link #full()}. */
    int victim() {
        if (policy == SmmuConfig.Replacement.RANDOM) {
            return random.nextInt(used.length);
        }
        return tail;
    }

    /** Takes a free entry and marks it used, most recent. */
    int take() {
        int e = free[--freeCount];
        used[e] = true;
        count++;
        linkHead(e);
        return e;
    }

    /** Marks a hit on {@code e}. */
    void touch(int e) {
        if (policy == SmmuConfig.Replacement.LRU && head != e) {
            unlink(e);
            linkHead(e);
        }
    }

    /** Returns {@code e} to the free entries. */
    void release(int e) {
        if (!used[e]) {
            return;
        }
        unlink(e);
        used[e] = false;
        count--;
        free[freeCount++] = e;
    }

    void reset() {
        for (int i = 0; i < used.length; i++) {
            used[i] = false;
            free[i] = used.length - 1 - i;
        }
        freeCount = used.length;
        count = 0;
        head = tail = -1;
    }

    private void linkHead(int e) {
        prev[e] = -1;
        next[e] = head;
        if (head >= 0) {
            prev[head] = e;
        }
        head = e;
        if (tail < 0) {
            tail = e;
        }
    }

    private void unlink(int e) {
        int p = prev[e];
        int n = next[e];
        if (p >= 0) {
            next[p] = n;
        } else {
            head = n;
        }
        if (n >= 0) {
            prev[n] = p;
        } else {
            tail = p;
        }
    }
}

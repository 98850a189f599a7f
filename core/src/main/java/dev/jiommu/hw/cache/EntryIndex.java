package dev.jiommu.hw.cache;

import java.util.Arrays;

/**
 * A hash index from a two-word key to an entry number, for the model's
 * fully associative caches. Linear probing over a power-of-two slot array at
 * most half full; removal shifts later entries of the run back, so no
 * tombstones accumulate. Keys live in the owner's entry array — entry
 * {@code e}'s two key words at {@code [e * stride]} and {@code [e * stride + 1]}
 * — and the index stores entry numbers only. Allocates nothing after
 * construction.
 */
public final class EntryIndex {

    private static final int EMPTY = -1;

    private final int[] slots;
    private final int mask;
    private final long[] keys;
    private final int stride;

    /**
     * @param keys   the owner's entry array, holding each entry's key words first
     * @param stride longs per entry in {@code keys}, at least 2
     */
    public EntryIndex(long[] keys, int stride) {
        int entries = keys.length / stride;
        int capacity = Integer.highestOneBit(Math.max(2, entries) * 2 - 1) << 1;
        this.slots = new int[capacity];
        this.mask = capacity - 1;
        this.keys = keys;
        this.stride = stride;
        Arrays.fill(slots, EMPTY);
    }

    /**
     * The home slot of {@code (k1, k2)} before masking. Keys that differ only
     * in the low four bits of {@code k2} (sixteen consecutive pages of one
     * address space, in a {@link RangeCache}) get consecutive homes, so a
     * device walking a buffer finds them in one cache line of slots; groups
     * of sixteen are spread by a multiplicative mix.
     */
    public static int hash(long k1, long k2) {
        long h = (k1 * 0x9E3779B97F4A7C15L) ^ ((k2 >>> GROUP_BITS) * 0xC2B2AE3D27D4EB4FL);
        return (int) (h ^ (h >>> 29)) << GROUP_BITS | (int) (k2 & (GROUP - 1));
    }

    private static final int GROUP_BITS = 4;
    private static final int GROUP = 1 << GROUP_BITS;

    /** The entry holding {@code (k1, k2)}, or -1. */
    public int find(long k1, long k2) {
        int i = hash(k1, k2) & mask;
        for (;;) {
            int e = slots[i];
            if (e == EMPTY) {
                return -1;
            }
            int k = e * stride;
            if (keys[k] == k1 && keys[k + 1] == k2) {
                return e;
            }
            i = (i + 1) & mask;
        }
    }

    /** Indexes entry {@code e}, whose key words are already stored; the key must not be present. */
    public void insert(int e) {
        int i = home(e);
        while (slots[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        slots[i] = e;
    }

    /** Removes entry {@code e} (its key words still stored) from the index. */
    public void remove(int e) {
        int i = home(e);
        while (slots[i] != e) {
            if (slots[i] == EMPTY) {
                return;
            }
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: move later members of the run into the hole when their home allows it.
        int hole = i;
        int j = i;
        for (;;) {
            j = (j + 1) & mask;
            int f = slots[j];
            if (f == EMPTY) {
                break;
            }
            int home = home(f);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                slots[hole] = f;
                hole = j;
            }
        }
        slots[hole] = EMPTY;
    }

    private int home(int e) {
        return hash(keys[e * stride], keys[e * stride + 1]) & mask;
    }

    public void clear() {
        Arrays.fill(slots, EMPTY);
    }
}

package dev.jiommu.hw.cache;

import java.util.Arrays;

/**
 * A fully associative cache of translations of naturally aligned
 * {@code 2^shift}-byte ranges, each under a tag (the SMMU's regime, VMID and
 * ASID; a function's PASID): the structure of the SMMU's TLB and of a PCIe
 * function's ATC.
 *
 * <p>Invariants: an entry is keyed by (tag, range number, size), so ranges of
 * different sizes never collide; lookups try each size the cache holds,
 * smallest first; a fill replaces the entry with the same key and evicts by
 * the {@link Replacement} policy when full; an entry may carry a mark (the
 * TLB's global entries) that is counted; a lookup and a hit allocate nothing.
 */
public final class RangeCache {

    /** Tag value that names no entry: "no alternative tag" for {@link #lookup}. */
    public static final long NO_TAG = -1L;

    /** Longs per entry: tag, key, output base, value | shift << 32 | mark << 40. */
    private static final int STRIDE = 4;
    private static final int KEY_SHIFT_AT = 56;
    private static final long RANGE_MASK = (1L << KEY_SHIFT_AT) - 1;
    private static final long MARK = 1L << 40;

    private final Victims victims;
    private final EntryIndex index;
    private final long[] entry;
    /** Bit n set: some entry maps 2^n bytes. */
    private long shiftsPresent;
    private final int[] shiftCount = new int[64];
    /** The entries an indexed invalidation found, ascending. */
    private final int[] scratch;
    /** The tags of {@link #invalidate(long, long, long, long)}. */
    private final long[] pair = new long[2];
    private int marked;

    public long hits;
    public long misses;
    public long fills;
    public long evictions;
    public long invalidated;

    /** @param entries capacity, at least 1 */
    public RangeCache(int entries, Replacement replacement) {
        if (entries < 1) {
            throw new IllegalArgumentException("a cache holds at least one entry: " + entries);
        }
        victims = new Victims(entries, replacement);
        entry = new long[STRIDE * entries];
        scratch = new int[entries];
        index = new EntryIndex(entry, STRIDE);
    }

    private static long key(long address, int shift) {
        return address >>> shift | (long) shift << KEY_SHIFT_AT;
    }

    /**
     * The entry translating {@code address} under {@code tag}, or under
     * {@code altTag} (unless {@link #NO_TAG}, and only while marked entries
     * exist), or -1. A hit counts and refreshes the entry.
     */
    public int lookup(long tag, long altTag, long address) {
        long sizes = shiftsPresent;
        while (sizes != 0) {
            int s = Long.numberOfTrailingZeros(sizes);
            long k = key(address, s);
            int e = index.find(tag, k);
            if (e < 0 && altTag != NO_TAG && marked > 0) {
                e = index.find(altTag, k);
            }
            if (e >= 0) {
                hits++;
                victims.touch(e);
                return e;
            }
            sizes &= sizes - 1;
        }
        misses++;
        return -1;
    }

    /**
     * The entry translating {@code address} under {@code tag}, or -1, as
     * {@link #lookup} finds it but without counting or refreshing anything;
     * {@link #hit} then counts the hit and refreshes the entry.
     */
    public int probe(long tag, long address) {
        long sizes = shiftsPresent;
        while (sizes != 0) {
            int e = index.find(tag, key(address, Long.numberOfTrailingZeros(sizes)));
            if (e >= 0) {
                return e;
            }
            sizes &= sizes - 1;
        }
        return -1;
    }

    /** Counts a hit on entry {@code e} found by {@link #probe} and refreshes it, as {@link #lookup} does. */
    public void hit(int e) {
        hits++;
        victims.touch(e);
    }

    /**
     * Caches the {@code 2^shift}-byte range holding {@code address} under
     * {@code tag}, translating to {@code output}'s range, with {@code value}
     * (permissions) and, when {@code mark}, counted as marked.
     *
     * @return the entry
     */
    public int fill(long tag, long address, int shift, long output, int value, boolean mark) {
        long k = key(address, shift);
        int old = index.find(tag, k);
        if (old >= 0) {
            remove(old);
        }
        if (victims.full()) {
            remove(victims.victim());
            evictions++;
        }
        int e = victims.take();
        int at = e * STRIDE;
        entry[at] = tag;
        entry[at + 1] = k;
        entry[at + 2] = output & -(1L << shift);
        entry[at + 3] = (value & 0xffff_ffffL) | ((long) shift << 32) | (mark ? MARK : 0);
        index.insert(e);
        if (shiftCount[shift]++ == 0) {
            shiftsPresent |= 1L << shift;
        }
        if (mark) {
            marked++;
        }
        fills++;
        return e;
    }

    private void remove(int e) {
        index.remove(e);
        victims.release(e);
        int s = shift(e);
        if (--shiftCount[s] == 0) {
            shiftsPresent &= ~(1L << s);
        }
        if ((entry[e * STRIDE + 3] & MARK) != 0) {
            marked--;
        }
    }

    /** The output address of {@code address} through entry {@code e}. */
    public long translate(int e, long address) {
        return entry[e * STRIDE + 2] | (address & ((1L << shift(e)) - 1));
    }

    public int value(int e) {
        return (int) entry[e * STRIDE + 3];
    }

    public int shift(int e) {
        return (int) (entry[e * STRIDE + 3] >>> 32) & 0xff;
    }

    /** Which entries an invalidation removes. */
    @FunctionalInterface
    public interface Match {
        /**
         * @param tag   the entry's tag
         * @param first first input address the entry translates
         * @param size  bytes it translates
         */
        boolean test(long tag, long first, long size);
    }

    /** Removes every entry {@code m} matches; returns how many. */
    public int invalidate(Match m) {
        if (victims.count() == 0) {
            return 0;
        }
        int removed = 0;
        for (int e = 0; e < victims.capacity(); e++) {
            int at = e * STRIDE;
            if (victims.isUsed(e) && m.test(entry[at], (entry[at + 1] & RANGE_MASK) << shift(e), 1L << shift(e))) {
                remove(e);
                removed++;
            }
        }
        invalidated += removed;
        return removed;
    }

    /**
     * Removes the entries under {@code tag}, or under {@code altTag} unless
     * that is {@link #NO_TAG}, whose range overlaps {@code [first, last]}; as
     * {@link #invalidate(long[], int, long, long)}.
     */
    public int invalidate(long tag, long altTag, long first, long last) {
        pair[0] = tag;
        pair[1] = altTag;
        return invalidate(pair, altTag == NO_TAG || altTag == tag ? 1 : 2, first, last);
    }

    /**
     * Removes the entries under one of {@code tags[0..count)} (distinct tags)
     * whose range overlaps {@code [first, last]} (unsigned, inclusive):
     * exactly what {@link #invalidate(Match)} removes with that test, leaving
     * the cache in the same state (entries are released in ascending order,
     * as the scan releases them). When that takes fewer index probes than
     * there are entries — one per size the cache holds, range number inside
     * the bounds and tag — the entries are found through the index;
     * otherwise every entry is tested.
     *
     * @return how many entries were removed
     */
    public int invalidate(long[] tags, int count, long first, long last) {
        if (victims.count() == 0 || count == 0) {
            return 0;
        }
        long probes = 0;
        long sizes = shiftsPresent;
        if (Long.compareUnsigned(first, last) > 0) {
            probes = Long.MAX_VALUE;
        }
        while (sizes != 0 && probes <= victims.capacity()) {
            int sh = Long.numberOfTrailingZeros(sizes);
            probes += ((last >>> sh) - (first >>> sh) + 1) * count;
            if (probes < 0) {
                probes = Long.MAX_VALUE;
            }
            sizes &= sizes - 1;
        }
        if (probes > victims.capacity()) {
            long[] t = Arrays.copyOf(tags, count);
            return invalidate((tag, start, bytes) -> contains(t, tag)
                    && Long.compareUnsigned(start, last) <= 0 && Long.compareUnsigned(start + bytes - 1, first) >= 0);
        }
        int found = 0;
        sizes = shiftsPresent;
        while (sizes != 0) {
            int sh = Long.numberOfTrailingZeros(sizes);
            for (long r = first >>> sh; Long.compareUnsigned(r, last >>> sh) <= 0; r++) {
                long k = r | (long) sh << KEY_SHIFT_AT;
                for (int i = 0; i < count; i++) {
                    int e = index.find(tags[i], k);
                    if (e >= 0) {
                        found = addSorted(found, e);
                    }
                }
            }
            sizes &= sizes - 1;
        }
        for (int i = 0; i < found; i++) {
            remove(scratch[i]);
        }
        invalidated += found;
        return found;
    }

    private static boolean contains(long[] tags, long tag) {
        for (long t : tags) {
            if (t == tag) {
                return true;
            }
        }
        return false;
    }

    /** Inserts {@code e} into {@code scratch[0..n)}, kept ascending; returns the new count. */
    private int addSorted(int n, int e) {
        int i = n;
        while (i > 0 && scratch[i - 1] > e) {
            scratch[i] = scratch[i - 1];
            i--;
        }
        scratch[i] = e;
        return n + 1;
    }

    /** Drops every entry. */
    public void clear() {
        invalidated += victims.count();
        index.clear();
        victims.reset();
        shiftsPresent = 0;
        Arrays.fill(shiftCount, 0);
        marked = 0;
    }

    public int size() {
        return victims.count();
    }

    public int capacity() {
        return victims.capacity();
    }
}

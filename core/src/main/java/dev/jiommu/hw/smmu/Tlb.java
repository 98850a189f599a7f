package dev.jiommu.hw.smmu;

import dev.jiommu.hw.cache.EntryIndex;
import dev.jiommu.hw.cache.Replacement;
import dev.jiommu.hw.cache.Victims;

/**
 * The SMMU's translation cache (SMMUv3 §16.2): leaf translations tagged by
 * translation regime, VMID and ASID, each of the size of the mapping it came
 * from. An entry stays until an invalidation command removes it or a fill
 * evicts it, so a stale translation survives a change in memory exactly as on
 * hardware.
 *
 * <p>Regimes: {@link #NH} — non-secure EL1 stage 1, and nested stage 1+2
 * combined, tagged (VMID, ASID); {@link #EL2} — the EL2 stage-1 regime, tagged
 * by ASID; {@link #S2} — stage-2-only translations and the stage-2
 * translations of nested table and CD fetches, tagged by VMID with the IPA as
 * input. Global stage-1 entries (nG = 0) carry {@link #GLOBAL} instead of an
 * ASID and match every ASID.
 *
 * <p>Lookups try each mapping size the cache holds, smallest first. A lookup
 * and a hit allocate nothing.
 */
final class Tlb {

    static final int NH = 0;
    static final int EL2 = 1;
    static final int S2 = 2;
    /** The ASID tag of a global entry. */
    static final int GLOBAL = 0x1_0000;

    /** Longs per entry in {@link #entry}: tag, page number, output base, permissions | shift << 32. */
    private static final int STRIDE = 4;

    private final Victims victims;
    private final EntryIndex index;
    private final long[] entry;
    /** Bit n set: some entry maps 2^n bytes. */
    private long shiftsPresent;
    private final int[] shiftCount = new int[64];
    private int globals;

    long hits;
    long misses;
    long fills;
    long evictions;
    long invalidated;

    Tlb(int entries, Replacement replacement) {
        int n = Math.max(1, entries);
        victims = new Victims(n, replacement);
        entry = new long[STRIDE * n];
        index = new EntryIndex(entry, STRIDE);
    }

    static long tag(int regime, int vmid, int asid) {
        return ((long) regime << 40) | ((long) (vmid & 0xffff) << 20) | (asid & 0x1ffff);
    }

    static int regimeOf(long tag) {
        return (int) (tag >>> 40);
    }

    static int vmidOf(long tag) {
        return (int) (tag >>> 20) & 0xffff;
    }

    static int asidOf(long tag) {
        return (int) tag & 0x1ffff;
    }

    /**
     * The entry translating {@code address} under {@code tag} (or the global
     * tag of its regime and VMID), or -1. A hit counts and refreshes the entry.
     */
    int lookup(long tag, long address) {
        long sizes = shiftsPresent;
        while (sizes != 0) {
            int s = Long.numberOfTrailingZeros(sizes);
            int e = index.find(tag, address >>> s);
            if (e < 0 && globals > 0) {
                e = index.find((tag & ~0x1ffffL) | GLOBAL, address >>> s);
            }
            if (e >= 0 && shift(e) == s) {
                hits++;
                victims.touch(e);
                return e;
            }
            sizes &= sizes - 1;
        }
        misses++;
        return -1;
    }

    /** Output address of {@code address} through entry {@code e}. */
    long translate(int e, long address) {
        return entry[e * STRIDE + 2] | (address & ((1L << shift(e)) - 1));
    }

    int permissions(int e) {
        return (int) entry[e * STRIDE + 3];
    }

    int shift(int e) {
        return (int) (entry[e * STRIDE + 3] >>> 32);
    }

    /**
     * Caches the translation of the {@code 2^blockShift}-byte region holding
     * {@code address} to {@code outputAddress}'s region, evicting if full.
     * Replaces an entry with the same tag and region.
     */
    void fill(long tag, boolean global, long address, long outputAddress, int blockShift, int permissions) {
        long t = global ? (tag & ~0x1ffffL) | GLOBAL : tag;
        long p = address >>> blockShift;
        int old = index.find(t, p);
        if (old >= 0) {
            remove(old);
        }
        if (victims.full()) {
            remove(victims.victim());
            evictions++;
        }
        int e = victims.take();
        int k = e * STRIDE;
        entry[k] = t;
        entry[k + 1] = p;
        entry[k + 2] = outputAddress & -(1L << blockShift);
        entry[k + 3] = (permissions & 0xffff_ffffL) | ((long) blockShift << 32);
        index.insert(e);
        if (shiftCount[blockShift]++ == 0) {
            shiftsPresent |= 1L << blockShift;
        }
        if (global) {
            globals++;
        }
        fills++;
    }

    private void remove(int e) {
        index.remove(e);
        victims.release(e);
        int s = shift(e);
        if (--shiftCount[s] == 0) {
            shiftsPresent &= ~(1L << s);
        }
        if (asidOf(entry[e * STRIDE]) == GLOBAL) {
            globals--;
        }
    }

    /** Which entries an invalidation removes. */
    @FunctionalInterface
    interface Match {
        /**
         * @param tag   the entry's tag
         * @param first first input address the entry translates
         * @param size  bytes it translates
         */
        boolean test(long tag, long first, long size);
    }

    /** Removes every entry {@code m} matches; returns how many. */
    int invalidate(Match m) {
        int removed = 0;
        for (int e = 0; e < victims.capacity(); e++) {
            int k = e * STRIDE;
            if (victims.isUsed(e) && m.test(entry[k], entry[k + 1] << shift(e), 1L << shift(e))) {
                remove(e);
                removed++;
            }
        }
        invalidated += removed;
        return removed;
    }

    void invalidateAll() {
        invalidated += victims.count();
        index.clear();
        victims.reset();
        shiftsPresent = 0;
        java.util.Arrays.fill(shiftCount, 0);
        globals = 0;
    }

    int size() {
        return victims.count();
    }

    int capacity() {
        return victims.capacity();
    }
}

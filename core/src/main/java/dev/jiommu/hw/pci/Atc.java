package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.AtsCompletion;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.cache.EntryIndex;
import dev.jiommu.hw.cache.Replacement;
import dev.jiommu.hw.cache.Victims;

/**
 * A function's Address Translation Cache (PCIe Base 6.0 §10.2.2): the
 * successful ATS Translation Completions it has received, each for the range
 * and PASID it was requested for. An entry stays until an ATS Invalidate
 * Request removes it or a fill evicts it, so a function whose ATC software
 * forgets to invalidate keeps using the stale translation.
 *
 * <p>Invalidation (§10.3): a request with a PASID removes that PASID's entries
 * overlapping the range; one without a PASID, or with Global Invalidate,
 * removes every PASID's (the Linux SMMUv3 driver relies on the former when it
 * sends CMD_ATC_INV with SSV = 0).
 *
 * <p>Invariants: completions with R = W = 0 or U = 1, or for a range below
 * 4 KiB, are never cached; an entry is keyed by its PASID, its range size and
 * its range number, so entries of different sizes never collide and a fill
 * replaces only an entry for the same PASID and range; a lookup and a hit
 * allocate nothing; lookups try each range size the cache holds, smallest
 * first.
 */
public final class Atc {

    /** Permission bits of an entry. */
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int EXECUTE = 4;
    public static final int PRIVILEGED = 8;

    /** Longs per entry: PASID tag, range key ({@link #key}), translated base, permissions | size shift << 32. */
    private static final int STRIDE = 4;
    /** Range numbers of ranges of at least 4 KiB have at most 52 bits; the size shift sits above them. */
    private static final int KEY_SHIFT_AT = 56;
    private static final long RANGE_MASK = (1L << KEY_SHIFT_AT) - 1;

    private final Victims victims;
    private final EntryIndex index;
    private final long[] entry;
    private long shiftsPresent;
    private final int[] shiftCount = new int[64];

    private long hits;
    private long misses;
    private long fills;
    private long evictions;
    private long invalidated;

    /** @param entries capacity, at least 1 */
    public Atc(int entries, Replacement replacement) {
        if (entries < 1) {
            throw new IllegalArgumentException("an ATC holds at least one entry: " + entries);
        }
        victims = new Victims(entries, replacement);
        entry = new long[STRIDE * entries];
        index = new EntryIndex(entry, STRIDE);
    }

    private static long tag(int pasid) {
        return pasid == DmaTarget.NO_SUBSTREAM ? 0 : 1L + pasid;
    }

    /** The second key word of the {@code 2^shift}-byte range holding {@code address}. */
    private static long key(long address, int shift) {
        return address >>> shift | (long) shift << KEY_SHIFT_AT;
    }

    /** The entry translating {@code address} for {@code pasid}, or -1. A hit counts and refreshes the entry. */
    public int lookup(int pasid, long address) {
        long t = tag(pasid);
        long sizes = shiftsPresent;
        while (sizes != 0) {
            int s = Long.numberOfTrailingZeros(sizes);
            int e = index.find(t, key(address, s));
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

    /** The translated address of {@code address} through entry {@code e}. */
    public long translate(int e, long address) {
        return entry[e * STRIDE + 2] | (address & ((1L << shift(e)) - 1));
    }

    /** {@link #READ}, {@link #WRITE}, {@link #EXECUTE}, {@link #PRIVILEGED} bits of entry {@code e}. */
    public int permissions(int e) {
        return (int) entry[e * STRIDE + 3];
    }

    /** log2 of the bytes entry {@code e} translates. */
    public int shift(int e) {
        return (int) (entry[e * STRIDE + 3] >>> 32);
    }

    /**
     * Caches a successful completion for the range holding {@code address},
     * replacing an entry for the same PASID and range and evicting if full.
     *
     * @return false when the completion is not cacheable (not Success, R = W = 0, U = 1, or a size
     *         outside 4 KiB .. 2^63 bytes)
     */
    public boolean fill(int pasid, long address, AtsCompletion c) {
        if (c.status != AtsCompletion.SUCCESS || (!c.read && !c.write) || c.untranslatedOnly
                || c.sizeShift < 12 || c.sizeShift > 63) {
            return false;
        }
        long t = tag(pasid);
        int s = c.sizeShift;
        long range = key(address, s);
        int old = index.find(t, range);
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
        entry[k + 1] = range;
        entry[k + 2] = c.translatedAddress & -(1L << s);
        int perms = (c.read ? READ : 0) | (c.write ? WRITE : 0) | (c.execute ? EXECUTE : 0)
                | (c.privileged ? PRIVILEGED : 0);
        entry[k + 3] = perms | ((long) s << 32);
        index.insert(e);
        if (shiftCount[s]++ == 0) {
            shiftsPresent |= 1L << s;
        }
        fills++;
        return true;
    }

    private void remove(int e) {
        index.remove(e);
        victims.release(e);
        int s = shift(e);
        if (--shiftCount[s] == 0) {
            shiftsPresent &= ~(1L << s);
        }
    }

    /**
     * An ATS Invalidate Request for {@code 2^(12 + size)} bytes at
     * {@code address} (the CMD_ATC_INV encoding; size 52 and above is
     * everything).
     *
     * @return the number of entries removed
     */
    public int invalidate(int pasid, long address, int size, boolean global) {
        boolean allPasids = pasid == DmaTarget.NO_SUBSTREAM || global;
        long t = tag(pasid);
        long first;
        long last;
        if (size >= 52) {
            first = 0;
            last = -1L;
        } else {
            long bytes = 1L << (12 + size);
            first = address & -bytes;
            last = first + bytes - 1;
        }
        int removed = 0;
        for (int e = 0; e < victims.capacity(); e++) {
            if (!victims.isUsed(e)) {
                continue;
            }
            int k = e * STRIDE;
            long start = (entry[k + 1] & RANGE_MASK) << shift(e);
            long end = start + (1L << shift(e)) - 1;
            boolean overlaps = Long.compareUnsigned(start, last) <= 0 && Long.compareUnsigned(end, first) >= 0;
            if (overlaps && (allPasids || entry[k] == t)) {
                remove(e);
                removed++;
            }
        }
        invalidated += removed;
        return removed;
    }

    /** Drops every entry (ATS disabled, function reset). */
    public void clear() {
        invalidated += victims.count();
        index.clear();
        victims.reset();
        shiftsPresent = 0;
        java.util.Arrays.fill(shiftCount, 0);
    }

    public int size() {
        return victims.count();
    }

    public int capacity() {
        return victims.capacity();
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    public long fills() {
        return fills;
    }

    public long evictions() {
        return evictions;
    }

    public long invalidated() {
        return invalidated;
    }
}

package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.AtsCompletion;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.cache.RangeCache;
import dev.jiommu.hw.cache.Replacement;

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
 * 4 KiB, are never cached; entries live in a {@link RangeCache} keyed by
 * PASID, range size and range number, so entries of different sizes never
 * collide and a fill replaces only an entry for the same PASID and range; a
 * lookup and a hit allocate nothing.
 */
public final class Atc {

    /** Permission bits of an entry. */
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int EXECUTE = 4;
    public static final int PRIVILEGED = 8;

    private final RangeCache cache;

    /** @param entries capacity, at least 1 */
    public Atc(int entries, Replacement replacement) {
        if (entries < 1) {
            throw new IllegalArgumentException("an ATC holds at least one entry: " + entries);
        }
        cache = new RangeCache(entries, replacement);
    }

    private static long tag(int pasid) {
        return pasid == DmaTarget.NO_SUBSTREAM ? 0 : 1L + pasid;
    }

    /** The entry translating {@code address} for {@code pasid}, or -1. A hit counts and refreshes the entry. */
    public int lookup(int pasid, long address) {
        return cache.lookup(tag(pasid), RangeCache.NO_TAG, address);
    }

    /** As {@link #lookup}, but counting and refreshing nothing: {@link #hit} does that if the entry is used. */
    public int probe(int pasid, long address) {
        return cache.probe(tag(pasid), address);
    }

    /** Counts a hit on entry {@code e} found by {@link #probe} and refreshes it. */
    public void hit(int e) {
        cache.hit(e);
    }

    /** The translated address of {@code address} through entry {@code e}. */
    public long translate(int e, long address) {
        return cache.translate(e, address);
    }

    /** {@link #READ}, {@link #WRITE}, {@link #EXECUTE}, {@link #PRIVILEGED} bits of entry {@code e}. */
    public int permissions(int e) {
        return cache.value(e);
    }

    /** log2 of the bytes entry {@code e} translates. */
    public int shift(int e) {
        return cache.shift(e);
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
        int perms = (c.read ? READ : 0) | (c.write ? WRITE : 0) | (c.execute ? EXECUTE : 0)
                | (c.privileged ? PRIVILEGED : 0);
        cache.fill(tag(pasid), address, c.sizeShift, c.translatedAddress, perms, false);
        return true;
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
        if (!allPasids) {
            return cache.invalidate(t, RangeCache.NO_TAG, first, last);
        }
        return cache.invalidate((tag, start, bytes) ->
                Long.compareUnsigned(start, last) <= 0 && Long.compareUnsigned(start + bytes - 1, first) >= 0);
    }

    /** Drops every entry (ATS disabled, function reset). */
    public void clear() {
        cache.clear();
    }

    public int size() {
        return cache.size();
    }

    public int capacity() {
        return cache.capacity();
    }

    public long hits() {
        return cache.hits;
    }

    public long misses() {
        return cache.misses;
    }

    public long fills() {
        return cache.fills;
    }

    public long evictions() {
        return cache.evictions;
    }

    public long invalidated() {
        return cache.invalidated;
    }
}

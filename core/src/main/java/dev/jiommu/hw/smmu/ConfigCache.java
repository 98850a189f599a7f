package dev.jiommu.hw.smmu;

import dev.jiommu.hw.cache.EntryIndex;
import dev.jiommu.hw.cache.Replacement;
import dev.jiommu.hw.cache.Victims;

/**
 * The configuration cache (SMMUv3 §16.2): decoded STEs keyed by StreamID and
 * decoded CDs keyed by (StreamID, SubstreamID), one pool of entries under one
 * replacement policy. Only valid configurations are cached. An entry stays
 * until CFGI_* removes it or a fill evicts it.
 *
 * <p>A CD entry belongs to the STE through which it was located: invalidating
 * a StreamID's STE also drops that StreamID's CDs, so a changed CD table
 * pointer never serves CDs of the old table (QEMU's model behaves the same).
 */
final class ConfigCache {

    private static final long CD = 1L << 40;

    private final boolean enabled;
    private final Victims victims;
    private final EntryIndex index;
    /** Entry e's keys at [2e] (kind | StreamID) and [2e + 1] (SubstreamID). */
    private final long[] keys;
    private final Object[] value;

    /** Changes whenever an entry is added or removed, so callers may remember what a lookup returned. */
    private long generation;

    long steHits;
    long steMisses;
    long cdHits;
    long cdMisses;
    long evictions;

    ConfigCache(int entries, Replacement replacement) {
        enabled = entries > 0;
        int n = Math.max(1, entries);
        victims = new Victims(n, replacement);
        keys = new long[2 * n];
        value = new Object[n];
        index = new EntryIndex(keys, 2);
    }

    StreamConfig ste(int sid) {
        int e = enabled ? index.find(sid & 0xffff_ffffL, 0) : -1;
        if (e < 0) {
            steMisses++;
            return null;
        }
        steHits++;
        victims.touch(e);
        return (StreamConfig) value[e];
    }

    ContextConfig cd(int sid, int ssid) {
        int e = enabled ? index.find(CD | (sid & 0xffff_ffffL), ssid) : -1;
        if (e < 0) {
            cdMisses++;
            return null;
        }
        cdHits++;
        victims.touch(e);
        return (ContextConfig) value[e];
    }

    void putSte(int sid, StreamConfig ste) {
        put(sid & 0xffff_ffffL, 0, ste);
    }

    void putCd(int sid, int ssid, ContextConfig cd) {
        put(CD | (sid & 0xffff_ffffL), ssid, cd);
    }

    private void put(long k1, long k2, Object v) {
        if (!enabled) {
            return;
        }
        int old = index.find(k1, k2);
        if (old >= 0) {
            remove(old);
        }
        if (victims.full()) {
            remove(victims.victim());
            evictions++;
        }
        int e = victims.take();
        keys[2 * e] = k1;
        keys[2 * e + 1] = k2;
        value[e] = v;
        index.insert(e);
        generation++;
    }

    private void remove(int e) {
        generation++;
        index.remove(e);
        victims.release(e);
        value[e] = null;
    }

    /** CFGI_STE / CFGI_STE_RANGE: the STEs of {@code [first, first + count)} and their CDs. */
    int invalidateStreams(long first, long count) {
        int removed = 0;
        for (int e = 0; e < value.length; e++) {
            long sid = keys[2 * e] & 0xffff_ffffL;
            if (victims.isUsed(e) && sid - first >= 0 && sid - first < count) {
                remove(e);
                removed++;
            }
        }
        return removed;
    }

    /** CFGI_CD: one CD of one StreamID. */
    int invalidateCd(int sid, int ssid) {
        int e = index.find(CD | (sid & 0xffff_ffffL), ssid);
        if (e < 0) {
            return 0;
        }
        remove(e);
        return 1;
    }

    /** CFGI_CD_ALL: every CD of one StreamID. */
    int invalidateCds(int sid) {
        int removed = 0;
        long k = CD | (sid & 0xffff_ffffL);
        for (int e = 0; e < value.length; e++) {
            if (victims.isUsed(e) && keys[2 * e] == k) {
                remove(e);
                removed++;
            }
        }
        return removed;
    }

    /** CFGI_ALL. */
    void invalidateAll() {
        generation++;
        index.clear();
        victims.reset();
        java.util.Arrays.fill(value, null);
    }

    boolean enabled() {
        return enabled;
    }

    long generation() {
        return generation;
    }

    /**
     * Counts {@code n} repeated hits on the STE (and the CD, with
     * {@code withCd}) a caller remembered from lookups at the current
     * {@link #generation()}, with no other lookup in between. Such hits leave
     * the entries' LRU order as it is: they already are the most recently
     * used.
     */
    void countRepeatedHits(long n, boolean withCd) {
        steHits += n;
        if (withCd) {
            cdHits += n;
        }
    }

    int size() {
        return enabled ? victims.count() : 0;
    }
}

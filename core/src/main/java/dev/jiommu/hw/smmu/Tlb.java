package dev.jiommu.hw.smmu;

import dev.jiommu.hw.cache.RangeCache;
import dev.jiommu.hw.cache.Replacement;

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
 * ASID and match every ASID of the same ASID set. Stage-1 tags carry the CD's
 * ASET ({@link #ASET}, §3.17): broadcast invalidations by ASID or by VA and
 * ASID pass over private (ASET = 1) entries; commands ignore it. A lookup
 * matches the ASET too, so two CDs that give one ASID different ASETs (which
 * §3.17 makes equivalent for non-global lookups) do not share entries: the
 * model resolves that misconfiguration by walking, which the architecture's
 * "equivalent" ASIDs permit.
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
    /** The ASET tag bit of stage-1 entries: private ASID set. */
    static final int ASET = 0x2_0000;

    /** The entries; global ones are marked. */
    final RangeCache cache;

    Tlb(int entries, Replacement replacement) {
        cache = new RangeCache(Math.max(1, entries), replacement);
    }

    static long tag(int regime, int vmid, int asid) {
        return ((long) regime << 40) | ((long) (vmid & 0xffff) << 20) | (asid & 0x1ffff);
    }

    /** A stage-1 tag with the CD's ASET. */
    static long tag(int regime, int vmid, int asid, boolean aset) {
        return tag(regime, vmid, asid) | (aset ? ASET : 0);
    }

    /** Whether the entry is in the private ASID set (CD.ASET = 1). */
    static boolean privateAsid(long tag) {
        return (tag & ASET) != 0;
    }

    /**
     * The tags a command's TLBI by ASID and VA matches in {@code regime} and
     * {@code vmid}: the ASID's and the global ones, in both ASID sets
     * (commands ignore ASET). Together with the regime, VMID, ASID and ASET
     * fields these are every bit a tag has, so an entry matches the command's
     * ASID test exactly when its tag is one of them.
     *
     * @param out receives the four tags
     * @return 4
     */
    static int commandTags(int regime, int vmid, int asid, long[] out) {
        out[0] = tag(regime, vmid, asid, false);
        out[1] = tag(regime, vmid, asid, true);
        out[2] = tag(regime, vmid, GLOBAL, false);
        out[3] = tag(regime, vmid, GLOBAL, true);
        return 4;
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
        return cache.lookup(tag, (tag & ~0x1ffffL) | GLOBAL, address);
    }

    /** Output address of {@code address} through entry {@code e}. */
    long translate(int e, long address) {
        return cache.translate(e, address);
    }

    int permissions(int e) {
        return cache.value(e);
    }

    int shift(int e) {
        return cache.shift(e);
    }

    /**
     * Caches the translation of the {@code 2^blockShift}-byte region holding
     * {@code address} to {@code outputAddress}'s region, evicting if full.
     * Replaces an entry with the same tag and region.
     */
    void fill(long tag, boolean global, long address, long outputAddress, int blockShift, int permissions) {
        long t = global ? (tag & ~0x1ffffL) | GLOBAL : tag;
        cache.fill(t, address, blockShift, outputAddress, permissions, global);
    }

    /** Removes every entry {@code m} matches; returns how many. */
    int invalidate(RangeCache.Match m) {
        return cache.invalidate(m);
    }

    /**
     * Removes the entries under {@code tag} or {@code altTag} (or
     * {@link RangeCache#NO_TAG}) that overlap {@code [first, last]}; as
     * {@link RangeCache#invalidate(long, long, long, long)}: the tags are
     * exact, ASET included.
     */
    int invalidate(long tag, long altTag, long first, long last) {
        return cache.invalidate(tag, altTag, first, last);
    }

    /** Removes the entries under one of {@code tags[0..count)} that overlap {@code [first, last]}. */
    int invalidate(long[] tags, int count, long first, long last) {
        return cache.invalidate(tags, count, first, last);
    }

    void invalidateAll() {
        cache.clear();
    }

    int size() {
        return cache.size();
    }

    int capacity() {
        return cache.capacity();
    }
}

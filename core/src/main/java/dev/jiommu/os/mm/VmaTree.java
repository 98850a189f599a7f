package dev.jiommu.os.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The VMAs of one address space, ordered by start (the role of Linux's maple
 * tree of VMAs), with the splits, merges and free-range search that mmap,
 * munmap and mprotect need.
 *
 * <p>Invariants after every public operation: the {@link Vma} invariants
 * (no overlap; touching VMAs differ in protection).
 */
final class VmaTree {

    private final TreeMap<Long, Vma> byStart = new TreeMap<>();
    /**
     * The VMA {@link #find} found last, or null: a member of the tree until
     * the next change, which forgets it (Linux's per-thread {@code vmacache}
     * did the same for repeated faults in one area).
     */
    private Vma last;

    /** The VMA containing {@code va}, or null. */
    Vma find(long va) {
        Vma v = last;
        if (v != null && va >= v.start() && va < v.end()) {
            return v;
        }
        v = lookup(va);
        if (v != null) {
            last = v;
        }
        return v;
    }

    /** {@link #find} through the tree alone, for the changes, which forget {@link #last} when they end. */
    private Vma lookup(long va) {
        Map.Entry<Long, Vma> e = byStart.floorEntry(va);
        return e != null && va < e.getValue().end() ? e.getValue() : null;
    }

    /** True when some VMA overlaps {@code [start, end)}. */
    boolean intersects(long start, long end) {
        // The VMA starting last before 'end' reaches furthest of those starting before it.
        Map.Entry<Long, Vma> e = byStart.lowerEntry(end);
        return e != null && e.getValue().end() > start;
    }

    /**
     * The end of the run of contiguous VMAs that covers {@code [start, ...)},
     * capped at {@code end}; {@code start} itself when no VMA contains it.
     */
    long coveredUpTo(long start, long end) {
        long at = start;
        while (at < end) {
            Vma v = find(at);
            if (v == null) {
                break;
            }
            at = Math.min(v.end(), end);
        }
        return at;
    }

    /** Adds {@code v}, which must not overlap any VMA, merging it with equal neighbours. */
    void insert(Vma v) {
        if (intersects(v.start(), v.end())) {
            throw new IllegalStateException("VMA " + v + " overlaps an existing one");
        }
        byStart.put(v.start(), v);
        mergeAround(v.start(), v.end());
        last = null;
    }

    /** Removes {@code [start, end)} from every VMA, splitting those that straddle its ends; false when nothing overlapped. */
    boolean remove(long start, long end) {
        if (!intersects(start, end)) {
            return false;
        }
        splitAt(start);
        splitAt(end);
        byStart.subMap(start, true, end, false).clear();
        last = null;
        return true;
    }

    /** Gives {@code [start, end)}, which VMAs must cover without a hole, the protection {@code prot}. */
    void protect(long start, long end, int prot) {
        splitAt(start);
        splitAt(end);
        for (Map.Entry<Long, Vma> e : byStart.subMap(start, true, end, false).entrySet()) {
            Vma v = e.getValue();
            e.setValue(new Vma(v.start(), v.end(), prot));
        }
        mergeAround(start, end);
        last = null;
    }

    /** Splits the VMA that strictly contains {@code at} into two at {@code at}. */
    private void splitAt(long at) {
        Vma v = lookup(at);
        if (v != null && v.start() < at) {
            byStart.put(v.start(), new Vma(v.start(), at, v.prot()));
            byStart.put(at, new Vma(at, v.end(), v.prot()));
        }
    }

    /** Merges touching, equally protected VMAs from the one before {@code start} to the one starting at {@code end}. */
    private void mergeAround(long start, long end) {
        Map.Entry<Long, Vma> e = byStart.lowerEntry(start);
        if (e == null) {
            e = byStart.ceilingEntry(start);
        }
        while (e != null && e.getKey() <= end) {
            Vma cur = e.getValue();
            Map.Entry<Long, Vma> next = byStart.higherEntry(cur.start());
            if (next != null && next.getKey() == cur.end() && next.getValue().prot() == cur.prot()) {
                byStart.remove(next.getKey());
                byStart.put(cur.start(), new Vma(cur.start(), next.getValue().end(), cur.prot()));
                e = byStart.floorEntry(cur.start());
            } else {
                e = next;
            }
        }
    }

    /**
     * The highest {@code len}-byte free range inside {@code [low, high)}, as
     * Linux's top-down {@code unmapped_area_topdown} picks it; -1 when none.
     */
    long gapTopDown(long len, long low, long high) {
        long hi = high;
        for (Vma v : byStart.headMap(high, false).descendingMap().values()) {
            if (v.end() <= hi && hi - Math.max(v.end(), low) >= len) {
                return hi - len;
            }
            hi = Math.min(hi, v.start());
            if (hi - low < len) {
                return -1;
            }
        }
        return hi - low >= len ? hi - len : -1;
    }

    int count() {
        return byStart.size();
    }

    List<Vma> list() {
        return new ArrayList<>(byStart.values());
    }

    void clear() {
        last = null;
        byStart.clear();
    }
}

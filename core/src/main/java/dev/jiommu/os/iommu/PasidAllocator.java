package dev.jiommu.os.iommu;

import dev.jiommu.Errno;

import java.util.BitSet;

/**
 * The system-wide PASID space (Linux {@code iommu_global_pasid_ida}): one
 * PASID per address space, the same on every device.
 *
 * <p>PASIDs are handed out lowest-first from 1 ({@code IOMMU_FIRST_GLOBAL_PASID};
 * PASID 0 stands for "no PASID" on Arm, {@code IOMMU_NO_PASID}) below both the
 * requesting device's {@code max_pasids} and the allocator's own bound.
 * Invariant: a PASID is never handed out twice before it is freed.
 */
public final class PasidAllocator {

    /** The first PASID handed out. */
    public static final int FIRST_PASID = 1;

    private final int limit;
    private final BitSet used = new BitSet();

    /** @param bits the PASID space is {@code 1 .. (1 << bits) - 1}; 1..20 */
    public PasidAllocator(int bits) {
        if (bits < 1 || bits > DeviceFeatures.MAX_PASID_BITS) {
            throw new IllegalArgumentException("PASID space of " + bits + " bits is outside 1.." + DeviceFeatures.MAX_PASID_BITS);
        }
        this.limit = 1 << bits;
    }

    /**
     * The lowest free PASID below {@code maxPasids} ({@code ida_alloc_range(1, max_pasids - 1)}).
     *
     * @return the PASID, or {@code -ENOSPC} when none is free in range
     */
    public int allocate(int maxPasids) {
        int bound = Math.min(maxPasids, limit);
        int p = used.nextClearBit(FIRST_PASID);
        if (p >= bound) {
            return -Errno.ENOSPC;
        }
        used.set(p);
        return p;
    }

    /** Return {@code pasid}; freeing a PASID not in use is a caller bug. */
    public void free(int pasid) {
        if (pasid < FIRST_PASID || pasid >= limit || !used.get(pasid)) {
            throw new IllegalArgumentException("PASID " + pasid + " is not allocated");
        }
        used.clear(pasid);
    }

    public boolean inUse(int pasid) {
        return pasid >= FIRST_PASID && pasid < limit && used.get(pasid);
    }

    public int allocated() {
        return used.cardinality();
    }

    /** One past the highest PASID this allocator hands out. */
    public int limit() {
        return limit;
    }
}

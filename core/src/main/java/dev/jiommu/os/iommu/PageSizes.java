package dev.jiommu.os.iommu;

/**
 * How the core splits a map or unmap request into runs of one page size,
 * exactly as Linux's {@code iommu_pgsize} does.
 *
 * <p>For a request at {@code iova}/{@code paddr} of {@code size} bytes the run
 * uses the largest page size of the bitmap that is no larger than
 * {@code size} and to which both addresses are aligned. It covers all of
 * {@code size} in that page size, unless the next larger page size could take
 * over: when the two addresses share their offset within that next size and
 * the request reaches past the next boundary by at least one such page, the
 * run stops at that boundary. The result is the same sequence of pages a
 * page-by-page greedy choice gives, grouped into maximal runs.
 */
public final class PageSizes {

    private PageSizes() {}

    /** One run: {@code count} pages of {@code pgsize}. */
    public record Run(long pgsize, long count) {
        public long bytes() {
            return pgsize * count;
        }
    }

    /**
     * The first run of a request.
     *
     * @param bitmap page sizes, not 0
     * @param size   bytes left, at least the smallest page size; {@code iova},
     *               {@code paddr} and {@code size} aligned to the smallest page size
     * @throws IllegalArgumentException when no page size fits (the caller broke
     *         the alignment precondition: Linux's {@code BUG_ON})
     */
    public static Run split(long bitmap, long iova, long paddr, long size) {
        long addrMerge = iova | paddr;
        long sizes = bitmap & lowMask(63 - Long.numberOfLeadingZeros(size));
        if (addrMerge != 0) {
            sizes &= lowMask(Long.numberOfTrailingZeros(addrMerge));
        }
        if (sizes == 0 || size <= 0) {
            throw new IllegalArgumentException(String.format(
                    "no page size of 0x%x fits iova 0x%x paddr 0x%x size 0x%x", bitmap, iova, paddr, size));
        }
        int idx = 63 - Long.numberOfLeadingZeros(sizes);
        long pgsize = 1L << idx;
        long bigger = idx == 63 ? 0 : bitmap & ~lowMask(idx);
        if (bigger != 0) {
            long next = Long.lowestOneBit(bigger);
            if (((iova ^ paddr) & (next - 1)) == 0) {
                long offset = next - (addrMerge & (next - 1));
                if (Long.compareUnsigned(offset + next, size) <= 0) {
                    size = offset;
                }
            }
        }
        return new Run(pgsize, size >>> idx);
    }

    /** Bits 0..{@code high} set (Linux {@code GENMASK(high, 0)}). */
    private static long lowMask(int high) {
        return high >= 63 ? -1L : (1L << (high + 1)) - 1;
    }
}

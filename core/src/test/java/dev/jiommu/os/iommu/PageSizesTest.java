package dev.jiommu.os.iommu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Worked examples of Linux's iommu_pgsize run selection. */
class PageSizesTest {

    private static final long K4 = 1L << 12, M2 = 1L << 21, G1 = 1L << 30;
    private static final long BITMAP = K4 | M2 | G1;

    @Test
    void smallPagesUpToTheNextBoundaryWhenTheLargerPageFitsBeyondIt() {
        // 4 MiB from 0x1000: 4K pages up to 2M, then one 2M page, then one 4K page.
        assertEquals(new PageSizes.Run(K4, 511), PageSizes.split(BITMAP, 0x1000, 0x1000, 4 * M2 / 2));
        assertEquals(new PageSizes.Run(M2, 1), PageSizes.split(BITMAP, M2, M2, M2 + K4));
        assertEquals(new PageSizes.Run(K4, 1), PageSizes.split(BITMAP, 2 * M2, 2 * M2, K4));
    }

    @Test
    void allSmallPagesWhenTheLargerPageWouldNotFitPastTheBoundary() {
        // 2M + 4K from 0x1000: the 2M boundary is reached but no whole 2M page fits after it.
        assertEquals(new PageSizes.Run(K4, (M2 + K4) / K4), PageSizes.split(BITMAP, 0x1000, 0x1000, M2 + K4));
    }

    @Test
    void differentOffsetsWithinTheLargerPageNeverUseIt() {
        assertEquals(new PageSizes.Run(K4, 1024), PageSizes.split(BITMAP, 0x1000, 0x2000, 4L << 20));
    }

    @Test
    void largestAlignedSizeThatFits() {
        assertEquals(new PageSizes.Run(G1, 2), PageSizes.split(BITMAP, 0, G1, 2 * G1 + M2));
        assertEquals(new PageSizes.Run(M2, 3), PageSizes.split(BITMAP, 0, M2, 3 * M2 + K4));
        // Address 0 merges to no alignment constraint: only the size limits.
        assertEquals(new PageSizes.Run(M2, 1), PageSizes.split(BITMAP, 0, 0, M2 + K4));
    }

    @Test
    void noFittingSizeIsACallerBug() {
        assertThrows(IllegalArgumentException.class, () -> PageSizes.split(BITMAP, 0x800, 0, K4));
        assertThrows(IllegalArgumentException.class, () -> PageSizes.split(BITMAP, 0, 0, 0x800));
    }
}

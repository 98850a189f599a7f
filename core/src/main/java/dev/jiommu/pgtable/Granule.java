package dev.jiommu.pgtable;

/**
 * Translation granule (Arm ARM D8.2): the page size, which fixes the number of
 * address bits each level resolves ({@code shift - 3}) and the sizes of blocks.
 *
 * <pre>
 *   level:        0        1        2        3
 *   4K   shift   39       30       21       12     blocks at 1 (1G), 2 (2M)
 *   16K  shift   47       36       25       14     blocks at 2 (32M)
 *   64K  shift   --       42       29       16     blocks at 2 (512M); 1 (4T) with 52-bit OA
 * </pre>
 */
public enum Granule {
    G4K(12),
    G16K(14),
    G64K(16);

    private final int shift;

    Granule(int shift) {
        this.shift = shift;
    }

    /** log2 of the page size. */
    public int shift() {
        return shift;
    }

    /** Page (and table) size in bytes. */
    public long size() {
        return 1L << shift;
    }

    /** Address bits one table level resolves: shift - 3. */
    public int bitsPerLevel() {
        return shift - 3;
    }

    /** Entries in one table page. */
    public int entriesPerTable() {
        return 1 << bitsPerLevel();
    }

    /** Lowest address bit an entry at {@code level} resolves; the size of a block there is 2^that. */
    public int levelShift(int level) {
        return shift + (3 - level) * bitsPerLevel();
    }

    /** The smallest level this granule can start a walk at. */
    public int minLevel() {
        return this == G64K ? 1 : 0;
    }

    /**
     * Whether a block descriptor is legal at {@code level}.
     *
     * @param lpa whether 52-bit output addresses are in use (FEAT_LPA), which
     *            adds 4 TiB blocks at level 1 for the 64 KiB granule
     */
    public boolean blockAllowed(int level, boolean lpa) {
        return level >= 0 && level < 4 && ((blockLevels(lpa) >>> level) & 1) != 0;
    }

    /** The levels with block descriptors, a bit per level (bit n set: blocks at level n). */
    public int blockLevels(boolean lpa) {
        return switch (this) {
            case G4K -> 0b0110;
            case G16K -> 0b0100;
            case G64K -> lpa ? 0b0110 : 0b0100;
        };
    }

    /** The page sizes Linux's io-pgtable offers for this granule, as a bitmap of sizes. */
    public long pageSizeBitmap(boolean lpa) {
        return switch (this) {
            case G4K -> (1L << 12) | (1L << 21) | (1L << 30);
            case G16K -> (1L << 14) | (1L << 25);
            case G64K -> (1L << 16) | (1L << 29) | (lpa ? 1L << 42 : 0);
        };
    }

    /** The granule whose page size is {@code size}, or null. */
    public static Granule ofSize(long size) {
        for (Granule g : values()) {
            if (g.size() == size) {
                return g;
            }
        }
        return null;
    }
}

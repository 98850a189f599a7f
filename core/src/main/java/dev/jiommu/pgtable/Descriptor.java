package dev.jiommu.pgtable;

/**
 * VMSAv8-64 translation table descriptor bits (Arm ARM D8.3), named as Linux's
 * {@code drivers/iommu/io-pgtable-arm.c} names them.
 *
 * <pre>
 *  63      NSTable (table)            | 54 UXN/XN[1]  53 PXN/XN[0] (leaf; Linux sets both: XN)
 *  62:61   APTable (table)            | 51 DBM (leaf)
 *  60      UXNTable / XNTable (table) | 47:g output or next-table address (g = granule shift)
 *  59      PXNTable (table)           | 15:12 PA[51:48] with the 64K granule and 52-bit OA
 *  11      nG (stage 1 leaf)          | 10 AF
 *   9:8    SH                         | 7:6 AP[2:1] (stage 1) / S2AP (stage 2)
 *   5      NS (stage 1)               | 4:2 AttrIndx (stage 1); 5:2 MemAttr (stage 2)
 *   1:0    0b11 table (levels 0-2) or page (level 3); 0b01 block; bit 0 = 0 invalid
 * </pre>
 */
public final class Descriptor {

    public static final long ARM_LPAE_PTE_VALID = 1L;
    public static final long ARM_LPAE_PTE_TYPE_MASK = 0x3L;
    public static final long ARM_LPAE_PTE_TYPE_BLOCK = 1L;
    public static final long ARM_LPAE_PTE_TYPE_TABLE = 3L;
    public static final long ARM_LPAE_PTE_TYPE_PAGE = 3L;

    public static final long ARM_LPAE_PTE_NSTABLE = 1L << 63;
    /** APTable[1]: no writes below this table (stage 1). */
    public static final long APTABLE_RDONLY = 1L << 62;
    /** APTable[0]: no unprivileged access below this table (stage 1). */
    public static final long APTABLE_NO_EL0 = 1L << 61;
    public static final long UXNTABLE = 1L << 60;
    public static final long PXNTABLE = 1L << 59;

    /** Both execute-never bits, as Linux sets them: UXN (54) and PXN (53); stage 2 XN[1:0]. */
    public static final long ARM_LPAE_PTE_XN = 3L << 53;
    public static final long UXN = 1L << 54;
    public static final long PXN = 1L << 53;
    public static final long ARM_LPAE_PTE_DBM = 1L << 51;
    public static final long ARM_LPAE_PTE_SW_SYNC = 1L << 55;
    public static final long ARM_LPAE_PTE_nG = 1L << 11;
    public static final long ARM_LPAE_PTE_AF = 1L << 10;
    public static final long ARM_LPAE_PTE_SH_NS = 0L << 8;
    public static final long ARM_LPAE_PTE_SH_OS = 2L << 8;
    public static final long ARM_LPAE_PTE_SH_IS = 3L << 8;
    public static final int SH_SHIFT = 8;
    public static final long ARM_LPAE_PTE_NS = 1L << 5;

    // Stage 1 leaf
    public static final long ARM_LPAE_PTE_AP_UNPRIV = 1L << 6;
    public static final int ARM_LPAE_PTE_AP_RDONLY_BIT = 7;
    public static final long ARM_LPAE_PTE_AP_RDONLY = 1L << ARM_LPAE_PTE_AP_RDONLY_BIT;
    public static final int ARM_LPAE_PTE_ATTRINDX_SHIFT = 2;
    public static final long ATTRINDX_MASK = 7L << ARM_LPAE_PTE_ATTRINDX_SHIFT;
    public static final int ARM_LPAE_MAIR_ATTR_IDX_NC = 0;
    public static final int ARM_LPAE_MAIR_ATTR_IDX_CACHE = 1;
    public static final int ARM_LPAE_MAIR_ATTR_IDX_DEV = 2;

    // Stage 2 leaf
    public static final long ARM_LPAE_PTE_HAP_FAULT = 0L << 6;
    public static final long ARM_LPAE_PTE_HAP_READ = 1L << 6;
    public static final long ARM_LPAE_PTE_HAP_WRITE = 2L << 6;
    public static final long ARM_LPAE_PTE_MEMATTR_OIWB = 0xfL << 2;
    public static final long ARM_LPAE_PTE_MEMATTR_NC = 0x5L << 2;
    public static final long ARM_LPAE_PTE_MEMATTR_DEV = 0x1L << 2;
    public static final long MEMATTR_MASK = 0xfL << 2;

    /** Output address bits [47:12] (Linux ARM_LPAE_PTE_ADDR_MASK); the granule clears the low ones. */
    public static final long ADDR_MASK_48 = 0x0000_FFFF_FFFF_F000L;
    /** PA[51:48] sit in descriptor bits [15:12] with 64K and 52-bit OA (FEAT_LPA). */
    public static final long ADDR_HI_MASK_52 = 0xF000L;

    private Descriptor() {}

    /**
     * Output (or next-table) address held by a descriptor: bits [47:shift]
     * of {@code desc}, plus PA[51:48] from bits [15:12] with 64K granule and
     * 52-bit output ({@code lpa}). Bits below {@code shift} are zero.
     */
    public static long outputAddress(long desc, int shift, boolean lpa) {
        long oa = desc & ADDR_MASK_48 & -(1L << shift);
        if (lpa) {
            oa |= (desc & ADDR_HI_MASK_52) << 36;
        }
        return oa;
    }

    /** The address field for {@code pa} (inverse of {@link #outputAddress}). */
    public static long addressField(long pa, boolean lpa) {
        long f = pa & ADDR_MASK_48;
        if (lpa) {
            f |= (pa >>> 36) & ADDR_HI_MASK_52;
        }
        return f;
    }

    /** True when {@code desc} at {@code level} points to a next-level table. */
    public static boolean isTable(long desc, int level) {
        return level < 3 && (desc & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_TABLE;
    }

    /** True when {@code desc} at {@code level} is a leaf: a page at level 3, a block above. */
    public static boolean isLeaf(long desc, int level) {
        return level == 3 ? (desc & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_PAGE
                : (desc & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_BLOCK;
    }
}

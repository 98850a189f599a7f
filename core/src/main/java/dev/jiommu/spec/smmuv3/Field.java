package dev.jiommu.spec.smmuv3;

/**
 * Bit-field helpers over 64-bit words: Linux's {@code GENMASK_ULL},
 * {@code BIT_ULL}, {@code FIELD_GET} and {@code FIELD_PREP}, plus a field
 * replace.
 *
 * <p>A mask is a contiguous run of ones; its lowest set bit is the field's
 * shift. Every helper is a pure function of its arguments and allocates
 * nothing. Unlike Linux's compile-time checked {@code FIELD_PREP},
 * {@link #prep} masks the value, so bits that do not fit are dropped; callers
 * that must reject out-of-range values check with {@link #fits} first.
 */
public final class Field {

    private Field() {
    }

    /**
     * Bits {@code hi} down to {@code lo} set, as {@code GENMASK_ULL(hi, lo)}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= lo <= hi <= 63}
     */
    public static long genmask(int hi, int lo) {
        if (lo < 0 || hi > 63 || lo > hi) {
            throw new IllegalArgumentException("genmask(" + hi + ", " + lo + ")");
        }
        return (-1L >>> (63 - hi)) & (-1L << lo);
    }

    /**
     * Bit {@code n} set, as {@code BIT_ULL(n)}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= n <= 63}
     */
    public static long bit(int n) {
        if (n < 0 || n > 63) {
            throw new IllegalArgumentException("bit(" + n + ")");
        }
        return 1L << n;
    }

    /** Position of the lowest set bit of {@code mask}; 64 for a zero mask. */
    public static int shift(long mask) {
        return Long.numberOfTrailingZeros(mask);
    }

    /** Number of bits in the field (the mask is contiguous). */
    public static int width(long mask) {
        return Long.bitCount(mask);
    }

    /** The field of {@code word} selected by {@code mask}, shifted down: {@code FIELD_GET}. */
    public static long get(long mask, long word) {
        return (word & mask) >>> shift(mask);
    }

    /** {@code value} shifted into the field and masked: {@code FIELD_PREP}. */
    public static long prep(long mask, long value) {
        return (value << shift(mask)) & mask;
    }

    /** {@code word} with the field replaced by {@code value} (masked). */
    public static long set(long word, long mask, long value) {
        return (word & ~mask) | prep(mask, value);
    }

    /** True when the single bit or any bit of {@code mask} is set in {@code word}. */
    public static boolean isSet(long mask, long word) {
        return (word & mask) != 0;
    }

    /** True when {@code value} (taken as unsigned) fits the field without loss. */
    public static boolean fits(long mask, long value) {
        return get(mask, prep(mask, value)) == value;
    }
}

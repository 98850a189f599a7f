package dev.jiommu.qtest;

import java.math.BigInteger;

/**
 * Numbers as QEMU's qtest server reads them: C {@code strtoull}/{@code strtoll}
 * with base 0 ({@code 0x} hex, leading {@code 0} octal, else decimal, optional
 * sign and leading white space), and the whole word must be a number
 * ({@code qemu_strtou64}, {@code qemu_strtoi64} in {@code util/cutils.c}).
 * A negative value given for an unsigned number wraps modulo 2^64, as
 * {@code strtoull} does.
 */
final class Numbers {

    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private Numbers() {}

    /** @throws BadRequest when {@code s} is not a number or does not fit in 64 bits */
    static long parseU64(String what, String s) {
        BigInteger v = parse(what, s);
        if (v.abs().compareTo(U64_MAX) > 0) {
            throw new BadRequest(what + " '" + s + "' is out of range");
        }
        return v.longValue();
    }

    /** @throws BadRequest when {@code s} is not a number or does not fit in a signed 64-bit value */
    static long parseI64(String what, String s) {
        BigInteger v = parse(what, s);
        if (v.bitLength() > 63) {
            throw new BadRequest(what + " '" + s + "' is out of range");
        }
        return v.longValue();
    }

    private static BigInteger parse(String what, String s) {
        int i = 0;
        int n = s.length();
        while (i < n && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (n - i >= 3 && s.charAt(i) == '0' && (s.charAt(i + 1) | 0x20) == 'x'
                && Character.digit(s.charAt(i + 2), 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (i + 1 < n && s.charAt(i) == '0') {
            radix = 8;
        }
        if (i == n) {
            throw new BadRequest("invalid " + what + " '" + s + "'");
        }
        for (int j = i; j < n; j++) {
            char c = s.charAt(j);
            if (c > 0x7f || Character.digit(c, radix) < 0) {
                throw new BadRequest("invalid " + what + " '" + s + "'");
            }
        }
        BigInteger v = new BigInteger(s.substring(i), radix);
        return negative ? v.negate() : v;
    }
}

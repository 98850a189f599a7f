package dev.jiommu.hw.cache;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

/**
 * The indexed range invalidation removes exactly the entries the scanning
 * one removes with the same test, and leaves the cache in the same state:
 * two caches filled alike, one invalidated each way, stay alike through
 * random fills, lookups and invalidations (small ranges go through the index,
 * large ones and wrapped ones through the scan).
 */
class RangeCacheInvalidateTest {

    private static final int[] SHIFTS = {12, 16, 21, 30};

    @ParameterizedTest
    @EnumSource(Replacement.class)
    void indexedAndScanningInvalidationAgree(Replacement policy) {
        SplittableRandom r = new SplittableRandom(42);
        RangeCache indexed = new RangeCache(64, policy);
        RangeCache scanned = new RangeCache(64, policy);
        long removedTotal = 0;
        for (int step = 0; step < 20_000; step++) {
            int what = r.nextInt(10);
            if (what < 6) {
                long tag = r.nextInt(4);
                int shift = SHIFTS[r.nextInt(SHIFTS.length)];
                long address = (long) r.nextInt(1 << 12) << 12;
                long out = (long) r.nextInt(1 << 20) << 30;
                int value = r.nextInt(16);
                boolean mark = r.nextInt(8) == 0;
                assertEquals(scanned.fill(tag, address, shift, out, value, mark),
                        indexed.fill(tag, address, shift, out, value, mark), "the same entry is filled");
            } else if (what < 8) {
                long address = (long) r.nextInt(1 << 12) << 12 | r.nextInt(4096);
                long tag = r.nextInt(4);
                assertEquals(scanned.lookup(tag, RangeCache.NO_TAG, address), indexed.lookup(tag, RangeCache.NO_TAG, address));
            } else {
                long tag = r.nextInt(4);
                long alt = r.nextBoolean() ? RangeCache.NO_TAG : r.nextInt(4);
                long first = (long) r.nextInt(1 << 12) << 12 | r.nextInt(4096);
                long length = switch (r.nextInt(4)) {
                    case 0 -> 1;
                    case 1 -> 1L + r.nextInt(1 << 14);
                    case 2 -> 1L << SHIFTS[r.nextInt(SHIFTS.length)];
                    default -> r.nextBoolean() ? Long.MAX_VALUE : -first + 1 + r.nextInt(1 << 20); // large, and wrapping past 2^64
                };
                long last = first + length - 1;
                int n = indexed.invalidate(tag, alt, first, last);
                int m = scanned.invalidate((t, start, bytes) -> (t == tag || alt != RangeCache.NO_TAG && t == alt)
                        && Long.compareUnsigned(start, last) <= 0
                        && Long.compareUnsigned(start + bytes - 1, first) >= 0);
                assertEquals(m, n, "entries removed");
                removedTotal += n;
            }
            assertEquals(scanned.size(), indexed.size());
        }
        assertEquals(scanned.invalidated, indexed.invalidated);
        assertEquals(scanned.hits, indexed.hits);
        assertTrue(removedTotal > 1000, "the invalidations removed entries: " + removedTotal);
    }
}

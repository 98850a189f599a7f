package dev.jiommu.mem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Naturally aligned, zeroed frames with exact accounting. */
class FrameAllocatorTest {

    private static final long BASE = 0x4000_0000L;
    private static final long SIZE = 256L << 20;
    private static final long K4 = 4096;
    private static final long K64 = 65536;

    private static FrameAllocator allocator(long size) {
        return new FrameAllocator(PhysicalMemory.ram(BASE, SIZE), BASE, size);
    }

    private static void assertZero(PhysicalMemory m, long pa, long size) {
        byte[] b = new byte[(int) size];
        m.readBytes(pa, b, 0, b.length);
        assertArrayEquals(new byte[(int) size], b, () -> String.format("frame 0x%x reads zero", pa));
    }

    @Test
    void framesAreAlignedToTheirSizeAndInsideTheRange() {
        FrameAllocator a = allocator(SIZE);
        long[] sizes = {K4, 16384, K64, 2L << 20, K4, 8192, 1L << 20, K4, 32L << 20};
        for (long s : sizes) {
            long pa = a.allocate(s);
            assertNotEquals(FrameAllocator.NO_FRAME, pa);
            assertEquals(0, pa & (s - 1), () -> "alignment of a " + s + "-byte frame");
            assertTrue(pa >= BASE && pa + s <= BASE + SIZE, "inside the range");
        }
    }

    @Test
    void oneGibFrameIsAlignedToOneGib() {
        PhysicalMemory m = PhysicalMemory.ram(0x1000_0000L, 3L << 30);
        FrameAllocator a = new FrameAllocator(m, 0x1000_0000L, 3L << 30);
        assertEquals(0x1000_0000L, a.allocate(K4));
        long g = a.allocate(1L << 30);
        assertEquals(0x4000_0000L, g);
        assertEquals((1L << 30) + K4, a.bytesInUse());
    }

    @Test
    void freedFrameIsReusedAndReadsZero() {
        FrameAllocator a = allocator(SIZE);
        PhysicalMemory m = a.memory();
        long f = a.allocate(K64);
        assertZero(m, f, K64);
        m.fill(f, K64, (byte) 0xEE);
        m.write64(f + K64 - 8, -1L);
        a.free(f, K64);
        assertZero(m, f, K64);
        long again = a.allocate(K64);
        assertEquals(f, again, "the freed frame is reused first");
        assertZero(m, again, K64);
    }

    @Test
    void freeReleasesHostMemory() {
        FrameAllocator a = allocator(SIZE);
        PhysicalMemory m = a.memory();
        long f = a.allocate(K64);
        m.fill(f, K64, (byte) 1);
        assertEquals(16, m.pagesTouched());
        a.free(f, K64);
        assertEquals(0, m.pagesTouched());
    }

    @Test
    void freed4KibFramesKeepTheirHostPagesUpToTheLimitAndReadZeroWhenHandedOutAgain() {
        FrameAllocator a = allocator(SIZE);
        PhysicalMemory m = a.memory();
        int kept = (int) (FrameAllocator.RESIDENT_FREE_BYTES / K4);
        int n = kept + 8;
        long[] frames = new long[n];
        for (int i = 0; i < n; i++) {
            frames[i] = a.allocate(K4);
            m.write64(frames[i] + 8 * (i % 512), ~frames[i]);
        }
        assertEquals(n, m.pagesTouched());
        for (long f : frames) {
            a.free(f, K4);
        }
        assertEquals(kept, m.pagesTouched(), "past the limit, freed frames give their host pages back");
        assertEquals(0, m.read64(frames[0]), "a kept frame reads zero once freed");
        assertEquals(0, a.bytesInUse());
        // Kept frames come back first, most recently freed first; then the released ones.
        int[] order = new int[n];
        for (int i = 0; i < kept; i++) {
            order[i] = kept - 1 - i;
        }
        for (int i = 0; i < 8; i++) {
            order[kept + i] = n - 1 - i;
        }
        for (int i : order) {
            long pa = a.allocate(K4);
            assertEquals(frames[i], pa);
            assertEquals(0, m.read64(pa + 8 * (i % 512)), () -> String.format("frame 0x%x reads zero", pa));
        }
        assertZero(m, frames[0], K4);
        assertEquals((long) n * K4, a.bytesInUse());
        assertEquals(n, a.framesInUse());
    }

    @Test
    void framesReadZeroEvenWhenTheRangeHeldDataBefore() {
        PhysicalMemory m = PhysicalMemory.ram(BASE, SIZE);
        m.fill(BASE, 1L << 20, (byte) 0x5A); // stale data in the range before the allocator owns it
        FrameAllocator a = new FrameAllocator(m, BASE, SIZE);
        List<long[]> frames = new ArrayList<>();
        for (long s : new long[] {K4, K64, K4, 16384, K4, 8192, K64, K4, K4}) {
            long pa = a.allocate(s);
            frames.add(new long[] {pa, s});
            assertZero(m, pa, s);
        }
    }

    @Test
    void frameWrittenAfterFreeReadsZeroWhenAllocatedAgain() {
        FrameAllocator a = allocator(SIZE);
        PhysicalMemory m = a.memory();
        long f = a.allocate(K4);
        a.free(f, K4);
        m.write64(f + 16, 0xBADL); // a stale writer (say, DMA through a stale mapping)
        long again = a.allocate(K4);
        assertEquals(f, again);
        assertZero(m, again, K4);
    }

    @Test
    void framesInUseNeverOverlapUnderRandomAllocAndFree() {
        FrameAllocator a = allocator(SIZE);
        PhysicalMemory m = a.memory();
        SplittableRandom r = new SplittableRandom(1234);
        TreeMap<Long, Long> live = new TreeMap<>();
        long[] sizes = {K4, 8192, 16384, K64, 1L << 20};
        long expectBytes = 0;
        long peak = 0;
        long allocations = 0;
        for (int i = 0; i < 3000; i++) {
            if (live.isEmpty() || r.nextInt(3) != 0) {
                long s = sizes[r.nextInt(sizes.length)];
                long pa = a.allocate(s);
                assertNotEquals(FrameAllocator.NO_FRAME, pa);
                assertEquals(0, pa & (s - 1));
                var below = live.floorEntry(pa + s - 1);
                assertTrue(below == null || below.getKey() + below.getValue() <= pa,
                        () -> String.format("frame 0x%x+0x%x overlaps a frame in use", pa, s));
                assertEquals(0, m.read64(pa), "fresh frame reads zero");
                assertEquals(0, m.read64(pa + s - 8));
                m.write64(pa, pa);           // mark as ours
                m.write64(pa + s - 8, ~pa);
                live.put(pa, s);
                expectBytes += s;
                allocations++;
                peak = Math.max(peak, expectBytes);
            } else {
                Long key = live.ceilingKey(BASE + r.nextLong(SIZE));
                if (key == null) {
                    key = live.firstKey();
                }
                long s = live.remove(key);
                assertEquals(key, m.read64(key), "nobody else wrote into the frame");
                assertEquals(~key, m.read64(key + s - 8));
                a.free(key, s);
                expectBytes -= s;
            }
            assertEquals(expectBytes, a.bytesInUse());
            assertEquals(live.size(), a.framesInUse());
            assertEquals(peak, a.peakBytesInUse());
            assertEquals(allocations, a.allocations());
        }
    }

    @Test
    void accountingFollowsAllocationsAndFrees() {
        FrameAllocator a = allocator(SIZE);
        assertEquals(0, a.bytesInUse());
        assertEquals(0, a.framesInUse());
        assertEquals(0, a.peakBytesInUse());
        assertEquals(0, a.allocations());
        long f1 = a.allocate(K4);
        long f2 = a.allocate(K64);
        long f3 = a.allocate(K4);
        assertEquals(K4 + K64 + K4, a.bytesInUse());
        assertEquals(3, a.framesInUse());
        assertEquals(3, a.allocations());
        a.free(f2, K64);
        assertEquals(2 * K4, a.bytesInUse());
        assertEquals(2, a.framesInUse());
        assertEquals(K4 + K64 + K4, a.peakBytesInUse(), "peak keeps the maximum");
        a.free(f1, K4);
        a.free(f3, K4);
        assertEquals(0, a.bytesInUse());
        assertEquals(0, a.framesInUse());
        assertEquals(3, a.allocations(), "allocations counts since creation");
        a.allocate(K4);
        assertEquals(4, a.allocations());
        assertEquals(K4 + K64 + K4, a.peakBytesInUse());
        assertEquals(BASE, a.base());
        assertEquals(SIZE, a.size());
    }

    @Test
    void exhaustionReturnsNoFrameAndChangesNothing() {
        FrameAllocator a = allocator(K64);
        long[] got = new long[16];
        for (int i = 0; i < 16; i++) {
            got[i] = a.allocate(K4);
            assertNotEquals(FrameAllocator.NO_FRAME, got[i]);
        }
        assertEquals(FrameAllocator.NO_FRAME, a.allocate(K4));
        assertEquals(FrameAllocator.NO_FRAME, a.allocate(K64));
        assertEquals(K64, a.bytesInUse());
        assertEquals(16, a.framesInUse());
        assertEquals(16, a.allocations(), "a failed allocation is not counted");
        a.free(got[5], K4);
        assertEquals(got[5], a.allocate(K4));
        assertEquals(FrameAllocator.NO_FRAME, a.allocate(K4));
    }

    @Test
    void frameLargerThanTheRangeIsNoFrame() {
        FrameAllocator a = allocator(K64);
        assertEquals(FrameAllocator.NO_FRAME, a.allocate(2 * K64));
        assertEquals(0, a.bytesInUse());
        assertEquals(BASE, a.allocate(K64));
    }

    @ParameterizedTest(name = "size {0}")
    @ValueSource(longs = {0, 1, 2048, 3 * 4096, 4096 + 1, -4096, 1L << 31, Long.MIN_VALUE})
    void badSizesThrow(long size) {
        FrameAllocator a = allocator(SIZE);
        assertThrows(IllegalArgumentException.class, () -> a.allocate(size));
        long f = a.allocate(K4);
        assertThrows(IllegalArgumentException.class, () -> a.free(f, size));
        assertEquals(K4, a.bytesInUse());
        assertEquals(1, a.allocations());
    }

    @Test
    void foreignFreesThrowAndChangeNothing() {
        FrameAllocator a = allocator(1L << 20);
        long f = a.allocate(K64);
        assertThrows(IllegalArgumentException.class, () -> a.free(BASE - K4, K4), "below the range");
        assertThrows(IllegalArgumentException.class, () -> a.free(BASE + (1L << 20), K4), "at the end");
        assertThrows(IllegalArgumentException.class, () -> a.free(BASE + (1L << 20) - K4, K64), "crosses the end");
        assertThrows(IllegalArgumentException.class, () -> a.free(f + K4, K64), "misaligned");
        assertThrows(IllegalArgumentException.class, () -> a.free(f + 8, K4), "not page aligned");
        assertThrows(IllegalArgumentException.class, () -> a.free(0, K4));
        assertEquals(K64, a.bytesInUse());
        assertEquals(1, a.framesInUse());
    }

    @Test
    void constructorRefusesBadRanges() {
        PhysicalMemory m = PhysicalMemory.ram(BASE, SIZE);
        assertThrows(IllegalArgumentException.class, () -> new FrameAllocator(m, BASE + 8, K64));
        assertThrows(IllegalArgumentException.class, () -> new FrameAllocator(m, BASE, 0));
        assertThrows(IllegalArgumentException.class, () -> new FrameAllocator(m, BASE, -K4));
        assertThrows(IllegalArgumentException.class, () -> new FrameAllocator(m, BASE - K4, K64), "not RAM");
        assertThrows(IllegalArgumentException.class, () -> new FrameAllocator(m, BASE, SIZE + K4), "beyond RAM");
    }

    @Test
    void mixingFourAndSixtyFourKibFramesKeepsAlignmentAndUsesTheRange() {
        long range = 4L << 20;
        FrameAllocator a = allocator(range);
        TreeMap<Long, Long> live = new TreeMap<>();
        long used = 0;
        for (int i = 0; ; i++) {
            long s = (i % 3 == 1) ? K64 : K4;
            long pa = a.allocate(s);
            if (pa == FrameAllocator.NO_FRAME) {
                break;
            }
            assertEquals(0, pa & (s - 1), () -> String.format("0x%x aligned to 0x%x", pa, s));
            var below = live.floorEntry(pa + s - 1);
            assertTrue(below == null || below.getKey() + below.getValue() <= pa, "no overlap");
            live.put(pa, s);
            used += s;
        }
        assertEquals(used, a.bytesInUse());
        assertEquals(live.size(), a.framesInUse());
        live.forEach(a::free);
        assertEquals(0, a.bytesInUse());
        assertEquals(0, a.framesInUse());
    }
}

package dev.jiommu.mem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sparse little-endian physical memory: storage, layout, bulk operations, faults. */
class PhysicalMemoryTest {

    private static final long BASE = 0x8000_0000L;
    private static final long SIZE = 64L << 20;
    private static final int PAGE = PhysicalMemory.PAGE_SIZE;
    private static final long MMIO_BASE = 0x1000_0000L;
    private static final long MMIO_SIZE = 0x1_0000L;

    private static PhysicalMemory ram() {
        return PhysicalMemory.ram(BASE, SIZE);
    }

    /** RAM at BASE, an MMIO hole below it, nothing else. */
    private static PhysicalMemory ramAndMmio() {
        return new PhysicalMemory(List.of(MemoryRegion.ram("dram", BASE, SIZE),
                MemoryRegion.mmio("uart", MMIO_BASE, MMIO_SIZE)));
    }

    private static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (1 + r.nextInt(255)); // never zero, so zeroing is visible
        }
        return b;
    }

    private static byte[] read(PhysicalMemory m, long pa, int len) {
        byte[] b = new byte[len];
        m.readBytes(pa, b, 0, len);
        return b;
    }

    // ---- sparse storage -----------------------------------------------------------------

    @Test
    void untouchedMemoryReadsZeroAndCreatesNoPage() {
        PhysicalMemory m = ram();
        assertEquals(0, m.read8(BASE));
        assertEquals(0, m.read16(BASE + 0x123));
        assertEquals(0, m.read32(BASE + PAGE - 2)); // page-crossing read of untouched pages
        assertEquals(0, m.read64(BASE + SIZE - 8));
        assertEquals(0, m.read64(BASE + 5 * PAGE - 3));
        byte[] buf = new byte[3 * PAGE];
        java.util.Arrays.fill(buf, (byte) 0x5A);
        m.readBytes(BASE + 100, buf, 0, buf.length);
        assertArrayEquals(new byte[3 * PAGE], buf, "readBytes of untouched memory overwrites the buffer with zeros");
        assertEquals(0, m.pagesTouched(), "reads touch no page");
        assertEquals(0, m.bytesTouched());
        assertFalse(m.compareAndSet64(BASE + 64, 1, 2), "CAS expecting non-zero fails on untouched memory");
        assertEquals(0, m.read64(BASE + 64));
    }

    @Test
    void firstWriteCreatesThePageAndFurtherWritesToItDoNot() {
        PhysicalMemory m = ram();
        m.write8(BASE + 10, (byte) 7);
        assertEquals(1, m.pagesTouched());
        m.write64(BASE + 100, -1L);
        m.write32(BASE + PAGE - 4, 0x1234);
        assertEquals(1, m.pagesTouched(), "writes within one page create no further page");
        m.write16(BASE + 3 * PAGE, (short) 1);
        assertEquals(2, m.pagesTouched());
        assertEquals(2L * PAGE, m.bytesTouched());
        assertEquals(7, m.read8(BASE + 10));
        assertEquals(0, m.read8(BASE + 11), "bytes around a write stay zero");
        assertEquals(0, m.read8(BASE + 9));
    }

    @Test
    void valuesAreLittleEndianByteByByte() {
        PhysicalMemory m = ram();
        m.write16(BASE, (short) 0xBEEF);
        assertEquals((byte) 0xEF, m.read8(BASE));
        assertEquals((byte) 0xBE, m.read8(BASE + 1));
        assertEquals((short) 0xBEEF, m.read16(BASE));

        m.write32(BASE + 16, 0x11223344);
        assertArrayEquals(new byte[] {0x44, 0x33, 0x22, 0x11}, read(m, BASE + 16, 4));

        m.write64(BASE + 32, 0x0102030405060708L);
        assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, read(m, BASE + 32, 8));
        assertEquals(0x05060708, m.read32(BASE + 32), "low half of a 64-bit value sits first");
        assertEquals(0x01020304, m.read32(BASE + 36));
        assertEquals((short) 0x0708, m.read16(BASE + 32));

        byte[] bytes = {(byte) 0xF0, (byte) 0xDE, (byte) 0xBC, (byte) 0x9A, 0x78, 0x56, 0x34, 0x12};
        m.writeBytes(BASE + 64, bytes, 0, 8);
        assertEquals(0x123456789ABCDEF0L, m.read64(BASE + 64));
        assertEquals(0x9ABCDEF0, m.read32(BASE + 64));
        assertEquals((short) 0xDEF0, m.read16(BASE + 64));
    }

    @ParameterizedTest(name = "offset in page {0}")
    @ValueSource(ints = {1, 3, 5, PAGE - 7, PAGE - 6, PAGE - 5, PAGE - 4, PAGE - 3, PAGE - 2, PAGE - 1})
    void unalignedAndPageCrossingScalarAccessesRoundTrip(int offset) {
        PhysicalMemory m = ram();
        long pa = BASE + 2L * PAGE + offset;
        long v64 = 0xA1B2C3D4E5F60718L;
        m.write64(pa, v64);
        assertEquals(v64, m.read64(pa));
        for (int i = 0; i < 8; i++) {
            assertEquals((byte) (v64 >>> (8 * i)), m.read8(pa + i), "byte " + i);
        }
        assertEquals(0, m.read8(pa - 1));
        assertEquals(0, m.read8(pa + 8));
        assertEquals((int) v64, m.read32(pa));
        assertEquals((int) (v64 >>> 8), m.read32(pa + 1));
        assertEquals((short) (v64 >>> 48), m.read16(pa + 6));

        long pa2 = pa + 4 * PAGE;
        m.write32(pa2, 0xCAFEBABE);
        assertEquals(0xCAFEBABE, m.read32(pa2));
        assertArrayEquals(new byte[] {(byte) 0xBE, (byte) 0xBA, (byte) 0xFE, (byte) 0xCA}, read(m, pa2, 4));
        m.write16(pa2 + 8 * PAGE, (short) 0x8001);
        assertEquals((short) 0x8001, m.read16(pa2 + 8 * PAGE));
        assertEquals((byte) 0x01, m.read8(pa2 + 8 * PAGE));
        assertEquals((byte) 0x80, m.read8(pa2 + 8 * PAGE + 1));
    }

    @Test
    void pageCrossingWriteTouchesBothPages() {
        PhysicalMemory m = ram();
        m.write64(BASE + PAGE - 4, -1L);
        assertEquals(2, m.pagesTouched());
        assertEquals(0xFFFFFFFFL, m.read32(BASE + PAGE - 4) & 0xFFFFFFFFL);
        assertEquals(-1, m.read32(BASE + PAGE));
    }

    // ---- bulk -------------------------------------------------------------------------

    @Test
    void readBytesAndWriteBytesAcrossPagesWithOffsets() {
        PhysicalMemory m = ram();
        byte[] src = pattern(3 * PAGE + 123, 1);
        m.writeBytes(BASE + PAGE - 77, src, 5, src.length - 10);
        byte[] back = new byte[src.length];
        m.readBytes(BASE + PAGE - 77, back, 5, src.length - 10);
        for (int i = 5; i < src.length - 5; i++) {
            assertEquals(src[i], back[i], "byte " + i);
        }
        assertEquals(0, back[0]);
        assertEquals(0, m.read8(BASE + PAGE - 78));
        assertEquals(0, m.read8(BASE + PAGE - 77 + src.length - 10));
        assertEquals(5, m.pagesTouched(), "pages 0..4 hold the bytes");
    }

    @Test
    void wordSizedFillsSetExactlyTheirRangeToo() {
        PhysicalMemory m = ram();
        m.fill(BASE + 4, 2L * PAGE, (byte) 0xAB); // whole words, not word aligned
        assertEquals(0, m.read8(BASE + 3));
        assertEquals(0xABABABAB_ABABABABL, m.read64(BASE + 4));
        assertEquals(0xABABABAB_ABABABABL, m.read64(BASE + PAGE));
        assertEquals((byte) 0xAB, m.read8(BASE + 2L * PAGE + 3));
        assertEquals(0, m.read8(BASE + 2L * PAGE + 4));
        assertEquals(3, m.pagesTouched());
        m.fill(BASE + PAGE, PAGE, (byte) 0); // a frame being zeroed
        assertEquals((byte) 0xAB, m.read8(BASE + PAGE - 1));
        for (long a = BASE + PAGE; a < BASE + 2 * PAGE; a += 8) {
            assertEquals(0, m.read64(a));
        }
        assertEquals((byte) 0xAB, m.read8(BASE + 2L * PAGE));
        m.fill(BASE, (64 << 10) + 8, (byte) 0x5C); // past the word-store limit: the bulk fill
        assertEquals(0x5C5C5C5C_5C5C5C5CL, m.read64(BASE + (64 << 10)));
        assertEquals(0, m.read8(BASE + (64 << 10) + 8));
    }

    @Test
    void fillSetsExactlyTheRangeAcrossPages() {
        PhysicalMemory m = ram();
        m.fill(BASE + 100, 2L * PAGE + 50, (byte) 0xAB);
        assertEquals(0, m.read8(BASE + 99));
        assertEquals((byte) 0xAB, m.read8(BASE + 100));
        assertEquals((byte) 0xAB, m.read8(BASE + 2L * PAGE + 149));
        assertEquals(0, m.read8(BASE + 2L * PAGE + 150));
        assertEquals(3, m.pagesTouched());
        m.fill(BASE + 200, 10, (byte) 0);
        assertEquals(0, m.read64(BASE + 200));
        assertEquals((byte) 0xAB, m.read8(BASE + 199));
        assertEquals((byte) 0xAB, m.read8(BASE + 210));
    }

    @ParameterizedTest(name = "dst - src = {0}")
    @ValueSource(ints = {-PAGE - 13, -PAGE, -100, -1, 1, 100, PAGE, PAGE + 13, 5 * PAGE})
    void copyBehavesAsMemmoveInBothDirections(int delta) {
        PhysicalMemory m = ram();
        int span = 12 * PAGE;
        long area = BASE + 16 * PAGE;
        byte[] model = pattern(span, 7);
        m.writeBytes(area, model, 0, span);
        int srcOff = 3 * PAGE + 17;
        int len = 2 * PAGE + 999;
        int dstOff = srcOff + delta;
        m.copy(area + srcOff, area + dstOff, len);
        System.arraycopy(model, srcOff, model, dstOff, len); // arraycopy has memmove semantics
        assertArrayEquals(model, read(m, area, span));
    }

    @Test
    void copyFromUntouchedSourceZeroesTheDestination() {
        PhysicalMemory m = ram();
        long dst = BASE + 40 * PAGE + 300;
        m.writeBytes(dst - 10, pattern(3 * PAGE, 3), 0, 3 * PAGE);
        m.copy(BASE + 100 * PAGE + 5, dst, 2 * PAGE + 7);
        assertArrayEquals(new byte[2 * PAGE + 7], read(m, dst, 2 * PAGE + 7));
        assertEquals(pattern(3 * PAGE, 3)[9], m.read8(dst - 1), "byte before the destination kept");
        assertEquals(pattern(3 * PAGE, 3)[10 + 2 * PAGE + 7], m.read8(dst + 2 * PAGE + 7), "byte after kept");
    }

    @Test
    void copyFromPartlyTouchedSourceCopiesDataAndZeros() {
        PhysicalMemory m = ram();
        long src = BASE + 8 * PAGE - 50;
        m.write64(src + 40, 0x1122334455667788L); // only the first source page is touched
        long dst = BASE + 30 * PAGE + 1;
        m.fill(dst, 3 * PAGE, (byte) 0x77);
        m.copy(src, dst, 2 * PAGE);
        assertEquals(0x1122334455667788L, m.read64(dst + 40));
        assertEquals(0, m.read64(dst + 100), "bytes from the untouched source page are zero");
        assertEquals(0, m.read8(dst + 2 * PAGE - 1));
        assertEquals(0x77, m.read8(dst + 2 * PAGE));
    }

    // ---- compare-and-set ----------------------------------------------------------------

    @Test
    void compareAndSetReplacesOnlyOnMatch() {
        PhysicalMemory m = ram();
        long pa = BASE + 0x1008;
        m.write64(pa, 42);
        assertTrue(m.compareAndSet64(pa, 42, 43));
        assertEquals(43, m.read64(pa));
        assertFalse(m.compareAndSet64(pa, 42, 44));
        assertEquals(43, m.read64(pa), "failed CAS leaves the value");
        assertTrue(m.compareAndSet64(pa, 43, 43));
        assertEquals(43, m.read64(pa));
    }

    @Test
    void compareAndSetOnUntouchedMemoryExpectingZeroSucceeds() {
        PhysicalMemory m = ram();
        long pa = BASE + 7 * PAGE + 0x40;
        assertTrue(m.compareAndSet64(pa, 0, 0xDEADL));
        assertEquals(0xDEADL, m.read64(pa));
        assertEquals(1, m.pagesTouched());
    }

    @ParameterizedTest(name = "misalignment {0}")
    @ValueSource(ints = {1, 2, 4, 7})
    void compareAndSetMustBeNaturallyAligned(int mis) {
        PhysicalMemory m = ram();
        long pa = BASE + PAGE - 8 + mis;
        m.write64(pa, 5);
        MemoryFault f = assertThrows(MemoryFault.class, () -> m.compareAndSet64(pa, 5, 6));
        assertEquals(MemoryFault.Kind.UNALIGNED_ATOMIC, f.kind());
        assertEquals(pa, f.address());
        assertEquals(5, m.read64(pa), "faulting CAS writes nothing");
    }

    // ---- faults -----------------------------------------------------------------------

    @Test
    void accessesOutsideRamFaultWithOutsideRam() {
        PhysicalMemory m = ramAndMmio();
        for (long pa : new long[] {0, BASE - 8, BASE + SIZE, BASE + SIZE + PAGE, -8, PhysicalMemory.PA_LIMIT}) {
            MemoryFault f = assertThrows(MemoryFault.class, () -> m.read64(pa), Long.toHexString(pa));
            assertEquals(MemoryFault.Kind.OUTSIDE_RAM, f.kind());
            assertEquals(pa, f.address());
            assertEquals(8, f.length());
            assertThrows(MemoryFault.class, () -> m.write8(pa, (byte) 1));
            assertThrows(MemoryFault.class, () -> m.compareAndSet64(pa, 0, 1));
        }
        assertEquals(0, m.pagesTouched());
    }

    @Test
    void accessesIntoMmioFaultWithMmioAndWriteNothing() {
        PhysicalMemory m = ramAndMmio();
        long pa = MMIO_BASE + 0x10;
        assertEquals(MemoryFault.Kind.MMIO, assertThrows(MemoryFault.class, () -> m.read32(pa)).kind());
        assertEquals(MemoryFault.Kind.MMIO, assertThrows(MemoryFault.class, () -> m.write64(pa, 1)).kind());
        assertEquals(MemoryFault.Kind.MMIO, assertThrows(MemoryFault.class, () -> m.compareAndSet64(pa, 0, 1)).kind());
        assertEquals(MemoryFault.Kind.MMIO,
                assertThrows(MemoryFault.class, () -> m.writeBytes(pa, new byte[16], 0, 16)).kind());
        assertEquals(MemoryFault.Kind.MMIO, assertThrows(MemoryFault.class, () -> m.fill(pa, 16, (byte) 1)).kind());
        assertEquals(MemoryFault.Kind.MMIO, assertThrows(MemoryFault.class, () -> m.copy(BASE, pa, 16)).kind());
        assertEquals(MemoryFault.Kind.MMIO, assertThrows(MemoryFault.class, () -> m.copy(pa, BASE, 16)).kind());
        assertEquals(0, m.pagesTouched(), "no storage created for MMIO");
        assertFalse(m.isRam(pa, 1));
        assertEquals(MemoryRegion.Kind.MMIO, m.regionAt(pa).kind());
        assertNull(m.regionAt(0));
    }

    @Test
    void writeStraddlingTheEndOfRamWritesNothing() {
        PhysicalMemory m = ramAndMmio();
        long end = BASE + SIZE;
        m.write32(end - 4, 0x01020304);
        long touched = m.pagesTouched();
        MemoryFault f = assertThrows(MemoryFault.class, () -> m.write64(end - 4, -1L));
        assertEquals(MemoryFault.Kind.OUTSIDE_RAM, f.kind());
        assertThrows(MemoryFault.class, () -> m.writeBytes(end - 4, new byte[] {9, 9, 9, 9, 9, 9, 9, 9}, 0, 8));
        assertThrows(MemoryFault.class, () -> m.fill(end - 4, 8, (byte) 9));
        assertThrows(MemoryFault.class, () -> m.write16(end - 1, (short) -1));
        assertThrows(MemoryFault.class, () -> m.write32(end - 2, -1));
        assertThrows(MemoryFault.class, () -> m.copy(BASE, end - 4, 8));
        assertThrows(MemoryFault.class, () -> m.read64(end - 4));
        assertThrows(MemoryFault.class, () -> m.readBytes(end - 4, new byte[8], 0, 8));
        assertEquals(0x01020304, m.read32(end - 4), "in-RAM bytes unchanged");
        // A straddling write into an untouched page creates no storage either.
        long beforeStart = BASE - 4;
        assertThrows(MemoryFault.class, () -> m.write64(beforeStart, -1L));
        assertEquals(0, m.read32(BASE));
        assertEquals(touched, m.pagesTouched());
    }

    /**
     * The 64-bit fast path serves the highest RAM region reached so far;
     * accesses alternating between a low and a high region, with a hole
     * between them, in either order, must each see their own region.
     */
    @Test
    void alternatingAccessesToTwoRamRegionsSeeTheirOwnBytes() {
        long high = BASE + 4 * SIZE;
        for (boolean highFirst : new boolean[] {false, true}) {
            PhysicalMemory m = new PhysicalMemory(List.of(MemoryRegion.ram("low", BASE, SIZE),
                    MemoryRegion.ram("high", high, SIZE)));
            if (highFirst) {
                m.write64(high, -1L);
            }
            for (int i = 0; i < 1000; i++) {
                long off = (i * 8L) % SIZE;
                m.write64(BASE + off, i);
                m.write64(high + off, ~(long) i);
                assertEquals(i, m.read64(BASE + off));
                assertEquals(~(long) i, m.read64(high + off));
                assertEquals(i, m.read64(BASE + off));
            }
            assertThrows(MemoryFault.class, () -> m.read64(BASE + SIZE), "the hole between the regions");
            assertThrows(MemoryFault.class, () -> m.write64(high + SIZE - 4, 1), "straddles the end of the high region");
            assertThrows(MemoryFault.class, () -> m.read64(high + SIZE));
            assertEquals(~999L, m.read64(high + (999 * 8L) % SIZE));
        }
    }

    @Test
    void accessSpanningTwoAdjacentRamRegionsFaults() {
        PhysicalMemory m = new PhysicalMemory(List.of(MemoryRegion.ram("a", BASE, SIZE),
                MemoryRegion.ram("b", BASE + SIZE, SIZE)));
        long seam = BASE + SIZE;
        m.write64(seam - 8, 1);
        m.write64(seam, 2);
        assertThrows(MemoryFault.class, () -> m.write64(seam - 4, -1L));
        assertEquals(1, m.read64(seam - 8));
        assertEquals(2, m.read64(seam));
    }

    // ---- huge and high memory ------------------------------------------------------------

    @Test
    void oneTebibyteRegionTouchesOnlyWrittenPages() {
        long tib = 1L << 40;
        PhysicalMemory m = PhysicalMemory.ram(0, tib);
        m.write64(0, 0x1111);
        m.write64(512L << 30, 0x2222);
        m.write64(tib - 8, 0x3333);
        assertEquals(3, m.pagesTouched());
        assertEquals(0x1111, m.read64(0));
        assertEquals(0x2222, m.read64(512L << 30));
        assertEquals(0x3333, m.read64(tib - 8));
        assertEquals(0, m.read64((512L << 30) + 8));
        assertEquals(0, m.read64(tib - 16));
        assertEquals(0, m.read64(300L << 30));
        m.discard(0, tib);
        assertEquals(0, m.pagesTouched());
        assertEquals(0, m.read64(512L << 30));
        assertEquals(0, m.read64(tib - 8));
    }

    @Test
    void addressesNearTwoToTheFiftyTwoWork() {
        long top = PhysicalMemory.PA_LIMIT;
        PhysicalMemory m = PhysicalMemory.ram(top - (1L << 30), 1L << 30);
        m.write64(top - 8, 0x0123456789ABCDEFL);
        m.write64(top - PAGE - 4, -2L); // crosses into the last page
        assertEquals(0x0123456789ABCDEFL, m.read64(top - 8));
        assertEquals(-2L, m.read64(top - PAGE - 4));
        assertEquals((byte) 0x01, m.read8(top - 1));
        assertTrue(m.compareAndSet64(top - 16, 0, 7));
        assertEquals(7, m.read64(top - 16));
        assertEquals(2, m.pagesTouched());
        assertThrows(MemoryFault.class, () -> m.read64(top - 4));
        assertThrows(MemoryFault.class, () -> m.read8(top));
        m.discard(top - 2 * PAGE, 2 * PAGE);
        assertEquals(0, m.pagesTouched());
        assertEquals(0, m.read64(top - 8));
    }

    // ---- discard ----------------------------------------------------------------------

    @Test
    void discardReleasesWholePagesAndZeroesPartialEndsOnlyInRange() {
        PhysicalMemory m = ram();
        long area = BASE + 10 * PAGE;
        byte[] data = pattern(6 * PAGE, 11);
        m.writeBytes(area, data, 0, data.length);
        assertEquals(6, m.pagesTouched());
        long from = area + PAGE + 100;          // partial page 1
        long len = 3L * PAGE;                   // ends inside page 4 at offset 100
        m.discard(from, len);
        assertEquals(4, m.pagesTouched(), "pages 2 and 3 are released; 1 and 4 are partial");
        byte[] after = read(m, area, data.length);
        for (int i = 0; i < data.length; i++) {
            boolean inRange = i >= PAGE + 100 && i < PAGE + 100 + len;
            assertEquals(inRange ? 0 : data[i], after[i], "byte " + i);
        }
        m.discard(area, 6L * PAGE);
        assertEquals(0, m.pagesTouched());
        assertArrayEquals(new byte[6 * PAGE], read(m, area, 6 * PAGE));
    }

    @Test
    void discardWithinOnePageZeroesOnlyTheRange() {
        PhysicalMemory m = ram();
        m.fill(BASE, PAGE, (byte) 0x11);
        m.discard(BASE + 8, 8);
        assertEquals(1, m.pagesTouched());
        assertEquals(0x1111111111111111L, m.read64(BASE));
        assertEquals(0, m.read64(BASE + 8));
        assertEquals(0x1111111111111111L, m.read64(BASE + 16));
    }

    // ---- construction -------------------------------------------------------------------

    @Test
    void constructorRefusesOverlappingRegions() {
        assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(List.of(
                MemoryRegion.ram("a", BASE, SIZE), MemoryRegion.mmio("b", BASE + SIZE - PAGE, PAGE * 2))));
        assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(List.of(
                MemoryRegion.ram("a", BASE, SIZE), MemoryRegion.ram("b", BASE + 5 * PAGE, PAGE))));
        assertEquals(2, new PhysicalMemory(List.of(MemoryRegion.ram("a", BASE, SIZE),
                MemoryRegion.mmio("b", BASE + SIZE, PAGE))).regions().size(), "adjacent regions are fine");
    }

    @Test
    void constructorRefusesAMapWithoutRam() {
        assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new PhysicalMemory(List.of(MemoryRegion.mmio("m", MMIO_BASE, MMIO_SIZE))));
    }

    @Test
    void regionsBeyondFiftyTwoBitsOrEmptyAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MemoryRegion.ram("x", PhysicalMemory.PA_LIMIT - PAGE, 2 * PAGE));
        assertThrows(IllegalArgumentException.class, () -> MemoryRegion.ram("x", -PAGE, PAGE));
        assertThrows(IllegalArgumentException.class, () -> MemoryRegion.ram("x", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> MemoryRegion.ram(" ", 0, PAGE));
    }

    @Test
    void regionsAreKeptSortedAndLookedUp() {
        MemoryRegion hi = MemoryRegion.ram("hi", BASE, SIZE);
        MemoryRegion lo = MemoryRegion.mmio("lo", MMIO_BASE, MMIO_SIZE);
        PhysicalMemory m = new PhysicalMemory(List.of(hi, lo));
        assertEquals(List.of(lo, hi), m.regions());
        assertSame(hi, m.regionAt(BASE + SIZE - 1));
        assertNull(m.regionAt(BASE + SIZE));
        assertTrue(m.isRam(BASE, SIZE));
        assertFalse(m.isRam(BASE, SIZE + 1));
    }
}

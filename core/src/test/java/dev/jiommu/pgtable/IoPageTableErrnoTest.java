package dev.jiommu.pgtable;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Bad input to {@link IoPageTable} is refused with the documented negative
 * errno (or 0 bytes for unmap), never an exception, and leaves the tables as
 * they were.
 */
class IoPageTableErrnoTest {

    private static final long RAM = 0x8000_0000L;
    private static final long SZ_4K = 1L << 12;
    private static final long SZ_2M = 1L << 21;
    private static final long SZ_1G = 1L << 30;
    private static final long BITMAP_4K = SZ_4K | SZ_2M | SZ_1G;
    private static final int RW = Prot.READ | Prot.WRITE;
    private static final int EINVAL = -Errno.EINVAL;
    private static final int ERANGE = -Errno.ERANGE;
    private static final int EEXIST = -Errno.EEXIST;
    private static final int ENOMEM = -Errno.ENOMEM;

    private FrameAllocator frames;
    private IoPageTable ops;
    private long startBytes;

    /** Stage 1, 4K granule, IAS 48, OAS 40. */
    @BeforeEach
    void setUp() {
        PhysicalMemory mem = PhysicalMemory.ram(RAM, SZ_1G);
        frames = new FrameAllocator(mem, RAM, SZ_1G);
        ops = IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 40, 0, frames);
        startBytes = frames.bytesInUse();
    }

    private void assertNothingMapped() {
        assertEquals(1, ops.tablePages(), "only the start table");
        assertEquals(startBytes, frames.bytesInUse(), "no table page leaked");
    }

    // ---- map: arguments ---------------------------------------------------------------

    @Test
    void unalignedIovaIsEinval() {
        assertEquals(EINVAL, ops.map(0x800, 0x1000, SZ_4K, RW));
        assertEquals(EINVAL, ops.map(SZ_4K, 0, SZ_2M, RW), "4K-aligned iova for a 2M block");
        assertEquals(EINVAL, ops.mapPages(0x10, 0x1000, SZ_4K, 4, RW));
        assertNothingMapped();
    }

    @Test
    void unalignedPaddrIsEinval() {
        assertEquals(EINVAL, ops.map(0x1000, 0x1001, SZ_4K, RW));
        assertEquals(EINVAL, ops.map(0, SZ_4K, SZ_2M, RW));
        assertEquals(EINVAL, ops.mapPages(0x1000, 0x1800, SZ_4K, 2, RW));
        assertNothingMapped();
    }

    @ParameterizedTest(name = "size {0}")
    @ValueSource(longs = {0, 1, 2048, 8192, 3 * 4096, 16384, 1L << 31, -4096, Long.MIN_VALUE, -1})
    void sizeNotInTheBitmapIsEinval(long size) {
        assertEquals(EINVAL, ops.map(0, 0, size, RW));
        assertEquals(EINVAL, ops.mapPages(0, 0, size, 1, RW));
        assertEquals(EINVAL, ops.mapPages(0, 0, size, 4, RW));
        assertNothingMapped();
    }

    @Test
    void iovaBeyondIasIsErange() {
        assertEquals(ERANGE, ops.map(1L << 48, 0, SZ_4K, RW));
        assertEquals(ERANGE, ops.map(1L << 50, 0, SZ_1G, RW));
        assertEquals(ERANGE, ops.mapPages(1L << 48, 0, SZ_4K, 1, RW));
        assertNothingMapped();
    }

    @Test
    void rangeCrossingTheTopOfIasIsErange() {
        long top = 1L << 48;
        assertEquals(ERANGE, ops.mapPages(top - SZ_4K, 0, SZ_4K, 2, RW));
        assertEquals(ERANGE, ops.mapPages(top - SZ_2M, 0, SZ_2M, 2, RW));
        assertEquals(0, ops.iovaToPhys(top - SZ_4K), "nothing of the range was mapped");
        assertNothingMapped();
        assertEquals(0, ops.mapPages(top - SZ_4K, 0, SZ_4K, 1, RW), "the last page itself is mappable");
    }

    @Test
    void paddrBeyondOasIsErange() {
        assertEquals(ERANGE, ops.map(0, 1L << 40, SZ_4K, RW));
        assertEquals(ERANGE, ops.map(0, 1L << 47, SZ_1G, RW));
        assertEquals(ERANGE, ops.mapPages(0, (1L << 40) - SZ_4K, SZ_4K, 2, RW), "physical range crosses OAS");
        assertNothingMapped();
    }

    @Test
    void negativeIovaOrPaddrIsErange() {
        assertEquals(ERANGE, ops.map(-SZ_4K, 0, SZ_4K, RW));
        assertEquals(ERANGE, ops.map(Long.MIN_VALUE, 0, SZ_1G, RW));
        assertEquals(ERANGE, ops.map(0, -SZ_4K, SZ_4K, RW));
        assertEquals(ERANGE, ops.mapPages(-SZ_2M, 0, SZ_4K, 4, RW));
        assertNothingMapped();
    }

    // ---- map: overlaps ----------------------------------------------------------------

    @Test
    void doubleMapOfTheSamePageIsEexistAndKeepsTheFirst() {
        assertEquals(0, ops.map(0x1000, 0x5000, SZ_4K, RW));
        long bytes = frames.bytesInUse();
        assertEquals(EEXIST, ops.map(0x1000, 0x9000, SZ_4K, RW));
        assertEquals(EEXIST, ops.map(0x1000, 0x5000, SZ_4K, Prot.READ), "even an identical mapping");
        assertEquals(0x5123, ops.iovaToPhys(0x1123));
        assertEquals(bytes, frames.bytesInUse());
    }

    @Test
    void pageInsideAnExistingBlockIsEexist() {
        assertEquals(0, ops.map(SZ_2M, 0x40_0000, SZ_2M, RW));
        assertEquals(0, ops.map(SZ_1G, SZ_1G, SZ_1G, RW));
        long bytes = frames.bytesInUse();
        assertEquals(EEXIST, ops.map(SZ_2M + 0x5000, 0x9000, SZ_4K, RW));
        assertEquals(EEXIST, ops.map(SZ_1G + SZ_2M, 0, SZ_2M, RW), "2M block inside a 1G block");
        assertEquals(EEXIST, ops.map(SZ_1G + 0x3000, 0, SZ_4K, RW), "page inside a 1G block");
        assertEquals(0x40_5000, ops.iovaToPhys(SZ_2M + 0x5000));
        assertEquals(SZ_1G + SZ_2M, ops.iovaToPhys(SZ_1G + SZ_2M));
        assertEquals(bytes, frames.bytesInUse(), "no table was created under a block");
    }

    @Test
    void blockOverAnExistingPageIsEexist() {
        assertEquals(0, ops.map(SZ_2M + 0x7000, 0x7000, SZ_4K, RW));
        long bytes = frames.bytesInUse();
        assertEquals(EEXIST, ops.map(SZ_2M, 0x40_0000, SZ_2M, RW), "the 2M entry is a table");
        assertEquals(EEXIST, ops.map(0, 0, SZ_1G, RW), "the 1G entry is a table");
        assertEquals(0x7000, ops.iovaToPhys(SZ_2M + 0x7000));
        assertEquals(0, ops.iovaToPhys(SZ_2M));
        assertEquals(bytes, frames.bytesInUse());
    }

    @Test
    void mapPagesWithBadCountIsRefused() {
        assertEquals(EINVAL, ops.mapPages(0, 0, SZ_4K, 0, RW));
        assertEquals(EINVAL, ops.mapPages(0, 0, SZ_4K, -1, RW));
        assertEquals(EINVAL, ops.mapPages(0, 0, SZ_4K, Long.MIN_VALUE, RW));
        assertEquals(ERANGE, ops.mapPages(0, 0, SZ_4K, Long.MAX_VALUE / SZ_4K + 1, RW), "size overflows");
        assertEquals(ERANGE, ops.mapPages(0, 0, SZ_4K, Long.MAX_VALUE, RW));
        assertEquals(ERANGE, ops.mapPages(0, 0, SZ_1G, (1L << 18) + 1, RW), "2^48 + 1G bytes exceed IAS");
        assertNothingMapped();
    }

    @Test
    void mapPagesPartlyOverlappingMapsNothing() {
        assertEquals(0, ops.map(SZ_2M + 10 * SZ_4K, 0x7000, SZ_4K, RW));
        long bytes = frames.bytesInUse();
        // 16 pages from SZ_2M overlap the page at index 10.
        assertEquals(EEXIST, ops.mapPages(SZ_2M, 0x100_0000, SZ_4K, 16, RW));
        for (int i = 0; i < 16; i++) {
            assertEquals(i == 10 ? 0x7000 : 0, ops.iovaToPhys(SZ_2M + i * SZ_4K), "page " + i);
        }
        assertEquals(bytes, frames.bytesInUse());
        // A range whose blocks come first and whose tail overlaps: the blocks are rolled back.
        assertEquals(EEXIST, ops.mapPages(0, 0, SZ_4K, 512 + 11, RW));
        assertEquals(0, ops.iovaToPhys(0), "the leading 2M block was unmapped again");
        assertEquals(0, ops.iovaToPhys(SZ_2M));
        assertEquals(bytes, frames.bytesInUse());
    }

    @Test
    void protWithoutReadOrWriteMapsNothingAndReturnsZero() {
        assertEquals(0, ops.map(0x1000, 0x1000, SZ_4K, 0));
        assertEquals(0, ops.map(0x2000, 0x2000, SZ_4K, Prot.NOEXEC | Prot.CACHE | Prot.PRIV | Prot.MMIO));
        assertEquals(0, ops.mapPages(SZ_2M, 0, SZ_4K, 600, Prot.NOEXEC));
        assertEquals(0, ops.iovaToPhys(0x1000));
        assertEquals(0, ops.iovaToPhys(0x2000));
        assertEquals(0, ops.iovaToPhys(SZ_2M));
        assertNothingMapped();
        assertEquals(0, ops.map(0x1000, 0x1000, SZ_4K, Prot.WRITE), "the range is still free");
        assertEquals(EINVAL, ops.map(0x1800, 0, SZ_4K, 0), "argument errors come first");
    }

    // ---- unmap ----------------------------------------------------------------------------

    @Test
    void unmapOfNothingReturnsZero() {
        assertEquals(0, ops.unmap(0, SZ_4K));
        assertEquals(0, ops.unmap(SZ_1G, SZ_1G));
        assertEquals(0, ops.map(SZ_2M, 0x5000, SZ_4K, RW));
        assertEquals(0, ops.unmap(SZ_2M + SZ_4K, SZ_4K), "a hole next to a mapping");
        assertEquals(0, ops.unmap(0, SZ_2M + SZ_4K), "starts at a hole");
        assertEquals(0x5000, ops.iovaToPhys(SZ_2M));
        assertEquals(SZ_4K, ops.unmap(SZ_2M, SZ_4K));
        assertNothingMapped();
    }

    @Test
    void unmapOfMisalignedOrEmptyRangeReturnsZero() {
        assertEquals(0, ops.map(0, 0x10_0000, SZ_4K, RW));
        assertEquals(0, ops.unmap(0x800, SZ_4K));
        assertEquals(0, ops.unmap(0, 0x800));
        assertEquals(0, ops.unmap(0, SZ_4K + 1));
        assertEquals(0, ops.unmap(0, 0));
        assertEquals(0, ops.unmap(0, -SZ_4K));
        assertEquals(0, ops.unmap(-SZ_4K, SZ_4K));
        assertEquals(0, ops.unmap(1L << 48, SZ_4K));
        assertEquals(0, ops.unmap((1L << 48) - SZ_4K, 2 * SZ_4K), "crosses the top of IAS");
        assertEquals(0, ops.unmap(0, Long.MIN_VALUE));
        assertEquals(0x10_0000, ops.iovaToPhys(0), "still mapped");
    }

    @Test
    void unmapOfPartOfABlockReturnsZeroAndKeepsTheBlock() {
        assertEquals(0, ops.map(SZ_2M, 0x60_0000, SZ_2M, RW));
        assertEquals(0, ops.map(SZ_1G, 3 * SZ_1G, SZ_1G, RW));
        assertEquals(0, ops.unmap(SZ_2M, SZ_4K));
        assertEquals(0, ops.unmap(SZ_2M + SZ_4K, SZ_4K));
        assertEquals(0, ops.unmap(SZ_1G, SZ_2M));
        assertEquals(0, ops.unmap(SZ_1G + SZ_2M, SZ_4K));
        assertEquals(0x60_0000 + 0x1234, ops.iovaToPhys(SZ_2M + 0x1234));
        assertEquals(3 * SZ_1G + SZ_2M, ops.iovaToPhys(SZ_1G + SZ_2M));
        assertEquals(SZ_2M, ops.unmap(SZ_2M, SZ_2M));
        assertEquals(SZ_1G, ops.unmap(SZ_1G, SZ_1G));
        assertNothingMapped();
    }

    // ---- allocation failure ---------------------------------------------------------------

    @Test
    void exhaustedAllocatorIsEnomemWithoutLeakingTables() {
        PhysicalMemory mem = PhysicalMemory.ram(RAM, SZ_1G);
        FrameAllocator tiny = new FrameAllocator(mem, RAM, 3 * SZ_4K); // start table + 2
        IoPageTable t = IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 40, 0, tiny);
        assertEquals(SZ_4K, tiny.bytesInUse());
        // A 4K page needs L1, L2 and L3 tables below the L0 start table.
        assertEquals(ENOMEM, t.map(0x1000, 0x1000, SZ_4K, RW));
        assertEquals(SZ_4K, tiny.bytesInUse(), "the L1 and L2 tables made on the way were freed");
        assertEquals(1, t.tablePages());
        assertEquals(0, t.iovaToPhys(0x1000));
        assertEquals(ENOMEM, t.mapPages(0, 0, SZ_4K, 3, RW));
        assertEquals(SZ_4K, tiny.bytesInUse());
        // A 2M block needs two tables only: that fits.
        assertEquals(0, t.map(SZ_2M, SZ_2M, SZ_2M, RW));
        assertEquals(3 * SZ_4K, tiny.bytesInUse());
        // A page beside it needs an L3 table: none left.
        assertEquals(ENOMEM, t.map(0, 0, SZ_4K, RW));
        assertEquals(3 * SZ_4K, tiny.bytesInUse(), "tables in use by the block stay");
        assertEquals(SZ_2M, t.iovaToPhys(SZ_2M));
        assertEquals(SZ_2M, t.unmap(SZ_2M, SZ_2M));
        assertEquals(SZ_4K, tiny.bytesInUse());
    }

    @Test
    void enomemInTheMiddleOfMapPagesRollsEverythingBack() {
        PhysicalMemory mem = PhysicalMemory.ram(RAM, SZ_1G);
        FrameAllocator tiny = new FrameAllocator(mem, RAM, 4 * SZ_4K); // start table + one path
        IoPageTable t = IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 40, 0, tiny);
        // 4K pages from 2M - 8K: two pages in one L3 table, then a 2M block, then a page needing a new L3.
        long iova = SZ_2M - 2 * SZ_4K;
        assertEquals(ENOMEM, t.mapPages(iova, iova, SZ_4K, 2 + 512 + 1, RW));
        for (long a : new long[] {iova, iova + SZ_4K, SZ_2M, 2 * SZ_2M}) {
            assertEquals(0, t.iovaToPhys(a), () -> Long.toHexString(a));
        }
        assertEquals(SZ_4K, tiny.bytesInUse());
        assertEquals(1, t.tablePages());
        assertEquals(0, t.mapPages(iova, iova, SZ_4K, 2 + 512, RW), "the part that fits maps");
        assertEquals(SZ_2M + 0x10, t.iovaToPhys(SZ_2M + 0x10));
    }

    @Test
    void noFrameForTheStartTableIsIllegalState() {
        PhysicalMemory mem = PhysicalMemory.ram(RAM, SZ_1G);
        FrameAllocator tiny = new FrameAllocator(mem, RAM, SZ_4K);
        tiny.allocate(SZ_4K);
        assertThrows(IllegalStateException.class, () -> IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 40, 0, tiny));
    }

    // ---- create ---------------------------------------------------------------------------

    @Test
    void createRefusesABitmapWithoutAGranule() {
        for (long bad : new long[] {0, 0x800, 0x400 | 0x800, SZ_2M, SZ_2M | SZ_1G, 8192, 1L << 63}) {
            assertThrows(IllegalArgumentException.class,
                    () -> IoPageTable.create(Stage.STAGE1, bad, 48, 48, 0, frames), () -> Long.toHexString(bad));
        }
    }

    @Test
    void createRefusesUnknownQuirksAndStage2Quirks() {
        assertThrows(IllegalArgumentException.class,
                () -> IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 48, 1 << 3, frames));
        assertThrows(IllegalArgumentException.class,
                () -> IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 48, 1 << 31, frames));
        assertThrows(IllegalArgumentException.class,
                () -> IoPageTable.create(Stage.STAGE2, BITMAP_4K, 40, 48, IoPageTable.QUIRK_ARM_NS, frames));
        assertEquals(startBytes, frames.bytesInUse(), "a refused create allocates nothing");
    }

    @Test
    void createRefusesFramesBeyondOas() {
        long hi = 1L << 40;
        PhysicalMemory mem = PhysicalMemory.ram(hi, SZ_1G);
        FrameAllocator high = new FrameAllocator(mem, hi, SZ_1G);
        assertThrows(IllegalArgumentException.class, () -> IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 40, 0, high));
        assertThrows(IllegalArgumentException.class, () -> IoPageTable.create(Stage.STAGE2, BITMAP_4K, 40, 36, 0, high));
        assertEquals(0, high.bytesInUse());
        IoPageTable ok = IoPageTable.create(Stage.STAGE1, BITMAP_4K, 48, 42, 0, high);
        assertEquals(hi, ok.root());
    }

    @Test
    void createRestrictsTheBitmapToTheSmallestGranule() {
        IoPageTable t = IoPageTable.create(Stage.STAGE1, BITMAP_4K | (1L << 14) | (1L << 16) | (1L << 25), 48, 48, 0, frames);
        assertEquals(BITMAP_4K, t.pageSizeBitmap());
        assertEquals(EINVAL, t.map(0, 0, 1L << 14, RW), "16K is not a 4K-granule size");
    }
}

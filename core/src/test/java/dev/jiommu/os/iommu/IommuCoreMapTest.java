package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jiommu.os.iommu.CoreFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** iommu_map / iommu_unmap: splitting into page sizes, errno, rollback. */
class IommuCoreMapTest {

    private static final long K4 = 1L << 12, M2 = 1L << 21, G1 = 1L << 30;
    private static final int RW = Prot.READ | Prot.WRITE;

    private final CoreFixture f = new CoreFixture();
    private final Domain d = f.unmanaged();
    private final PageTableDriver.Paging ops = f.paging(d);

    @Test
    void mapSplitsIntoTheDriversPageSizesAsIommuPgsize() {
        assertErrno(0, f.core.map(d, 0x1000, 0x4000_1000L, 4 * M2 / 2, RW));
        List<long[]> calls = ops.mapCalls;
        assertEquals(3, calls.size());
        assertArrayEquals(new long[] {0x1000, 0x4000_1000L, K4, 511}, calls.get(0));
        assertArrayEquals(new long[] {M2, 0x4000_0000L + M2, M2, 1}, calls.get(1));
        assertArrayEquals(new long[] {2 * M2, 0x4000_0000L + 2 * M2, K4, 1}, calls.get(2));
        assertEquals(0x4000_1000L, f.core.iovaToPhys(d, 0x1000));
        assertEquals(0x4000_0000L + M2 + 0x345, f.core.iovaToPhys(d, M2 + 0x345));
        assertEquals(0, f.core.iovaToPhys(d, 2 * M2 + K4));
    }

    @Test
    void oneGigabyteBlockWhenBothAddressesAllow() {
        assertErrno(0, f.core.map(d, G1, 2 * G1, G1, RW));
        assertEquals(1, ops.mapCalls.size());
        assertArrayEquals(new long[] {G1, 2 * G1, G1, 1}, ops.mapCalls.getFirst());
        assertEquals(G1, f.core.unmap(d, G1, G1));
    }

    @Test
    void misalignmentIsEinval() {
        assertErrno(-Errno.EINVAL, f.core.map(d, 0x800, 0, K4, RW));
        assertErrno(-Errno.EINVAL, f.core.map(d, 0, 0x800, K4, RW));
        assertErrno(-Errno.EINVAL, f.core.map(d, 0, 0, 0x800, RW));
        assertErrno(-Errno.EINVAL, f.core.map(d, 0, 0, -K4, RW));
        assertTrue(ops.mapCalls.isEmpty(), "nothing reached the driver");
    }

    @Test
    void zeroSizeAndNoAccessMapNothing() {
        assertErrno(0, f.core.map(d, 0, 0, 0, RW));
        assertErrno(0, f.core.map(d, 0, 0, K4, Prot.CACHE));
        assertTrue(ops.mapCalls.isEmpty());
        assertEquals(0, f.core.iovaToPhys(d, 0));
    }

    @Test
    void domainsThatAreNotPagingRefuseMapAndUnmap() {
        for (DomainType t : new DomainType[] {DomainType.IDENTITY, DomainType.BLOCKED}) {
            Domain x = f.core.domainAlloc(t).value();
            assertErrno(-Errno.EINVAL, f.core.map(x, 0, 0, K4, RW));
            assertEquals(0, f.core.unmap(x, 0, K4));
        }
        assertEquals(0x1234_5000L, f.core.iovaToPhys(f.core.domainAlloc(DomainType.IDENTITY).value(), 0x1234_5000L));
        assertEquals(0, f.core.iovaToPhys(f.core.domainAlloc(DomainType.BLOCKED).value(), 0x1234_5000L));
    }

    @Test
    void overlapIsEexistAndWhatTheCallMappedIsRolledBack() {
        assertErrno(0, f.core.map(d, 0x10_0000, 0x10_0000, K4, RW));
        // [0xF0000, 0x110000) runs into the page at 0x100000 after 16 pages.
        assertErrno(-Errno.EEXIST, f.core.map(d, 0xF_0000, 0x50_0000, 0x2_0000, RW));
        for (long a = 0xF_0000; a < 0x11_0000; a += K4) {
            long expect = a == 0x10_0000 ? 0x10_0000 : 0;
            assertEquals(expect, f.core.iovaToPhys(d, a), "iova 0x" + Long.toHexString(a));
        }
        assertEquals(K4, f.core.unmap(d, 0x10_0000, K4));
    }

    @Test
    void failureInALaterRunRollsBackEarlierRuns() {
        ops.failAfterPages = 512; // the 511 4K pages and the 2M page go in; the tail 4K page fails
        assertErrno(-Errno.ENOMEM, f.core.map(d, 0x1000, 0x1000, 4 * M2 / 2, RW));
        assertEquals(3, ops.mapCalls.size());
        for (long a = 0; a < 3 * M2; a += K4) {
            assertEquals(0, f.core.iovaToPhys(d, a));
        }
        assertEquals(1, ops.table.tablePages(), "table pages freed with the rollback");
    }

    @Test
    void unmapReturnsBytesAndStopsAtAHole() {
        assertErrno(0, f.core.map(d, 0, 0, 8 * K4, RW));
        assertEquals(4 * K4, f.core.unmap(d, 0, 4 * K4));
        assertEquals(0, f.core.unmap(d, 0, 4 * K4), "nothing mapped");
        assertErrno(0, f.core.map(d, 16 * K4, 16 * K4, 4 * K4, RW));
        // 4..8 mapped, 8..16 a hole, 16..20 mapped: stops at the hole.
        assertEquals(4 * K4, f.core.unmap(d, 4 * K4, 16 * K4));
        assertEquals(4 * K4, f.core.unmap(d, 16 * K4, 4 * K4));
    }

    @Test
    void unmapMisalignedIsZero() {
        assertErrno(0, f.core.map(d, 0, 0, 2 * K4, RW));
        assertEquals(0, f.core.unmap(d, 0x800, K4));
        assertEquals(0, f.core.unmap(d, 0, 0x800));
        assertEquals(0, f.core.unmap(d, 0, 0));
        assertEquals(2 * K4, f.core.unmap(d, 0, 2 * K4));
    }

    @Test
    void unmapDoesNotSplitABlock() {
        assertErrno(0, f.core.map(d, 0, 0, M2, RW));
        assertEquals(0, f.core.unmap(d, 0, K4), "a 2M block is not split for a 4K unmap");
        assertEquals(M2, f.core.unmap(d, 0, M2));
    }

    @Test
    void unmapInRunsAlignedToTheIova() {
        assertErrno(0, f.core.map(d, 0, 0, 2 * M2, RW));
        ops.unmapCalls.clear();
        assertEquals(2 * M2, f.core.unmap(d, 0, 2 * M2));
        assertEquals(1, ops.unmapCalls.size());
        assertArrayEquals(new long[] {0, M2, 2}, ops.unmapCalls.getFirst());
    }

    @Test
    void freedDomainRefusesEverything() {
        assertErrno(0, f.core.domainFree(d));
        assertErrno(-Errno.EINVAL, f.core.map(d, 0, 0, K4, RW));
        assertEquals(0, f.core.unmap(d, 0, K4));
        assertEquals(0, f.core.iovaToPhys(d, 0));
        assertErrno(-Errno.EINVAL, f.core.domainFree(d));
    }
}

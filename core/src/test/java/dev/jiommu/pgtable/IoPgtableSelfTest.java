package dev.jiommu.pgtable;

import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The io-pgtable self-test sequence of the Linux kernel (arm_lpae_run_tests in
 * io-pgtable-arm-selftests), over every page-size set × IAS ≤ OAS × stage.
 */
class IoPgtableSelfTest {

    private static final long SZ_1G = 1L << 30;
    private static final long[] PGSIZES = {
            (1L << 12) | (1L << 21) | (1L << 30),
            (1L << 14) | (1L << 25),
            (1L << 16) | (1L << 29)};
    private static final int[] ADDRESS_SIZES = {32, 36, 40, 42, 44, 48};

    static Stream<Arguments> configs() {
        List<Arguments> out = new ArrayList<>();
        for (long pg : PGSIZES) {
            for (int i = 0; i < ADDRESS_SIZES.length; i++) {
                for (int j = i; j < ADDRESS_SIZES.length; j++) {
                    for (Stage s : Stage.values()) {
                        out.add(Arguments.of(Long.toHexString(pg), ADDRESS_SIZES[i], ADDRESS_SIZES[j], s));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "pgsizes=0x{0} ias={1} oas={2} {3}")
    @MethodSource("configs")
    void linuxSelfTestSequence(String pgsizesHex, int ias, int oas, Stage stage) {
        long pgsizes = Long.parseUnsignedLong(pgsizesHex, 16);
        PhysicalMemory mem = PhysicalMemory.ram(0x8000_0000L, 1L << 30);
        FrameAllocator frames = new FrameAllocator(mem, 0x8000_0000L, 1L << 30);
        IoPageTable ops = IoPageTable.create(stage, pgsizes, ias, oas, 0, frames);
        long bitmap = ops.pageSizeBitmap();
        assertEquals(pgsizes, bitmap, "bitmap restricted to the granule");

        // Empty page tables shouldn't provide any translations.
        assertEquals(0, ops.iovaToPhys(42));
        assertEquals(0, ops.iovaToPhys(SZ_1G + 42));
        assertEquals(0, ops.iovaToPhys(2 * SZ_1G + 42));

        // Distinct mappings of different granule sizes.
        long iova = 0;
        for (long size : sizes(bitmap)) {
            int rw = Prot.READ | Prot.WRITE | Prot.NOEXEC | Prot.CACHE;
            assertEquals(0, ops.mapPages(iova, iova, size, 1, rw), "map " + size);
            // Overlapping mappings
            assertNotEquals(0, ops.mapPages(iova, iova + size, size, 1, Prot.READ | Prot.NOEXEC), "overlap " + size);
            assertEquals(iova + 42, ops.iovaToPhys(iova + 42));
            iova += SZ_1G;
        }

        // Full unmap
        iova = 0;
        for (long size : sizes(bitmap)) {
            assertEquals(size, ops.unmap(iova, size), "unmap " + size);
            assertEquals(0, ops.iovaToPhys(iova + 42));
            // Remap full block
            assertEquals(0, ops.mapPages(iova, iova, size, 1, Prot.WRITE));
            assertEquals(iova + 42, ops.iovaToPhys(iova + 42));
            iova += SZ_1G;
        }

        // Map/unmap the last largest supported page of the IAS.
        long size = Long.highestOneBit(bitmap);
        iova = (1L << ops.format().inputBits()) - size;
        assertEquals(0, ops.mapPages(iova, iova, size, 1, Prot.READ | Prot.WRITE | Prot.NOEXEC | Prot.CACHE));
        assertEquals(iova + 42, ops.iovaToPhys(iova + 42));
        assertEquals(size, ops.unmap(iova, size));
        ops.free();
        assertEquals(0, frames.bytesInUse(), "every table page returned");
    }

    private static List<Long> sizes(long bitmap) {
        List<Long> l = new ArrayList<>();
        for (long b = bitmap; b != 0; b &= b - 1) {
            l.add(Long.lowestOneBit(b));
        }
        return l;
    }
}

package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The exact structures and register writes of QEMU's libqos qos-smmuv3 for
 * the stage-1, stage-2 and nested cases (see ../shared/qtest-interface.md §5),
 * driven straight at the model: the DMA of iommu-testdev must land at PA
 * 0x4ecba567.
 */
class QtestLayoutTest {

    private static final long IOVA = 0x80_8060_4567L;
    private static final int SID = 8;

    private final PhysicalMemory mem = PhysicalMemory.ram(0x4000_0000L, 0x2000_0000L);
    private final Smmu smmu = new Smmu(SmmuConfig.qemuVirt(), new SystemBus(mem));

    private void writel(long pa, long v) {
        mem.write32(pa, (int) v);
    }

    private void writeq(long pa, long v) {
        mem.write64(pa, v);
    }

    private void build(int config) {
        long ste = 0x4e17_9000L + SID * 0x40L;
        writel(ste, config == 5 ? 0x4e178fcbL : config == 6 ? 0x4e178fcdL : 0x4e178fcfL);
        writel(ste + 20, 0x000d0094L);
        writel(ste + 24, 0x4e4d0000L);
        if (config != 6) {
            writel(0x4e17_8fc0L, 0xc0000010L);
            writel(0x4e17_8fc4L, 0x1e206204L);
            writel(0x4e17_8fc8L, 0x4e4d0001L);
            writel(0x4e17_8fd0L, 0x00000001L);
        }
        writeq(0x4e4d0000L, 0x800000004e4d1003L);
        writeq(0x4e4d0008L, 0x800000004e4d1003L);
        writeq(0x4e4d1008L, 0x800000004e4d2003L);
        writeq(0x4e4d1010L, 0x800000004e4d2003L);
        writeq(0x4e4d2018L, 0x800000004e4d3003L);
        writeq(0x4e4d2390L, 0x800000004e4d3003L);
        writeq(0x4e4d23b0L, 0x800000004e4d3003L);
        writeq(0x4e4d3020L, config == 6 ? 0x040000004ecba7e3L : 0x040000004ecba763L);
        writeq(0x4e4d35d0L, 0x040000004ecba7e3L);
        writeq(0x4e4d3680L, 0x040000004e4d0763L);
        writeq(0x4e4d3688L, 0x040000004e4d1763L);
        writeq(0x4e4d3690L, 0x040000004e4d2763L);
        writeq(0x4e4d3698L, 0x040000004e4d3763L);
        if (config == 7) {
            writeq(0x4e4d2380L, 0x800000004e4d3003L);
            writeq(0x4e4d3bc0L, 0x040000004e178763L);
        }
        smmu.write(0x44, 4, 0x80000000L);
        smmu.write(0x20, 4, 0);
        smmu.write(0x28, 4, 0xd75);
        smmu.write(0x90, 8, 0x4e16b00aL);
        smmu.write(0x9c, 4, 0);
        smmu.write(0x98, 4, 0);
        smmu.write(0xa0, 8, 0x4e17000aL);
        smmu.write(0xa8, 4, 0);
        smmu.write(0xac, 4, 0);
        smmu.write(0x88, 4, 5);
        smmu.write(0x80, 8, 0x4e179000L);
        smmu.write(0x20, 4, 0xd);
    }

    @ParameterizedTest(name = "STE.Config {0}")
    @ValueSource(ints = {5, 6, 7})
    void testdevDmaLandsOnTheExpectedPage(int config) {
        build(config);
        byte[] pattern = {0x78, 0x56, 0x34, 0x12};
        assertEquals(DmaTarget.OK, smmu.write(SID, DmaTarget.NO_SUBSTREAM, IOVA, 0, pattern, 0, 4),
                () -> "events: " + smmu.stats().eventsRecorded);
        byte[] back = new byte[4];
        mem.readBytes(0x4ecba567L, back, 0, 4);
        assertArrayEquals(pattern, back);
        assertEquals(0, smmu.stats().eventsRecorded);
    }

    @Test
    void crAckFollowsCr0() {
        build(5);
        assertEquals(0xd, smmu.read(0x24, 4));
    }
}

package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/qemu-system-aarch64} driven exactly as libqtest and libqos drive
 * it, up to the DMA: the {@code -machine none} probe, and the whole
 * {@code iommu-smmuv3-test} sequence on a {@code virt} machine without an
 * IOMMU, where the SMMU writes hit nothing and the DMA to the IOVA fails.
 * {@link QemuQtestContractTest} runs the same with the SMMU.
 */
@Timeout(120)
class LibqtestFlowTest {

    @Test
    void theMachineNoneProbeListsVirtAndExitsZeroOnSigterm() throws Exception {
        try (LibqtestPeer qts = LibqtestPeer.start("-machine none")) {
            String machines = qts.qmp("{\"execute\": \"query-machines\"}");
            Map<?, ?> reply = (Map<?, ?>) Json.parse(machines);
            boolean virt = ((List<?>) reply.get("return")).stream()
                    .map(m -> (Map<?, ?>) m)
                    .anyMatch(m -> "virt".equals(m.get("name")) || "virt".equals(m.get("alias")));
            assertTrue(virt, machines);
            assertEquals(0, qts.terminate(), qts.stderrText());
            assertEquals("", qts.stdoutText());
        }
    }

    @Test
    void theLibqosSequenceWithoutAnIommuRunsUpToTheDma() throws Exception {
        String machine = LibqtestPeer.TEST_CASE_MACHINE.replace(",iommu=smmuv3", "");
        try (LibqtestPeer qts = LibqtestPeer.start(machine)) {
            QosSmmuv3 qos = new QosSmmuv3(qts);
            int devfn = qos.pciSetup();
            qos.tables(QosSmmuv3.Mode.NESTED, devfn);
            qos.smmuRegisters();
            assertEquals(0xdead_0002L, qos.dma(), "no IOMMU: the IOVA is not RAM");
            assertEquals("OK 0x00000000", qos.target());
            assertEquals(0, qts.terminate(), qts.stderrText());
            assertEquals("", qts.stdoutText());
        }
    }

    @Test
    void thePageTableImageIsTheOneLibqosLeaves() {
        for (QosSmmuv3.Mode mode : QosSmmuv3.Mode.values()) {
            Map<Long, Long> image = new HashMap<>();
            List<long[]> writes = QosSmmuv3.pageTableWrites(mode);
            writes.forEach(w -> image.put(w[0], w[1]));
            assertEquals(mode == QosSmmuv3.Mode.NESTED ? 28 : 24, writes.size(), mode.name());
            assertEquals(0x8000_0000_4e4d_1003L, image.get(0x4e4d_0000L));
            assertEquals(0x8000_0000_4e4d_1003L, image.get(0x4e4d_0008L));
            assertEquals(0x8000_0000_4e4d_2003L, image.get(0x4e4d_1008L));
            assertEquals(0x8000_0000_4e4d_2003L, image.get(0x4e4d_1010L));
            assertEquals(0x8000_0000_4e4d_3003L, image.get(0x4e4d_2018L));
            assertEquals(0x8000_0000_4e4d_3003L, image.get(0x4e4d_2390L));
            assertEquals(0x8000_0000_4e4d_3003L, image.get(0x4e4d_23b0L));
            assertEquals(mode == QosSmmuv3.Mode.S2_ONLY ? 0x0400_0000_4ecb_a7e3L : 0x0400_0000_4ecb_a763L,
                    image.get(0x4e4d_3020L));
            assertEquals(0x0400_0000_4ecb_a7e3L, image.get(0x4e4d_35d0L));
            assertEquals(0x0400_0000_4e4d_0763L, image.get(0x4e4d_3680L));
            assertEquals(0x0400_0000_4e4d_1763L, image.get(0x4e4d_3688L));
            assertEquals(0x0400_0000_4e4d_2763L, image.get(0x4e4d_3690L));
            assertEquals(0x0400_0000_4e4d_3763L, image.get(0x4e4d_3698L));
            if (mode == QosSmmuv3.Mode.NESTED) {
                assertEquals(0x8000_0000_4e4d_3003L, image.get(0x4e4d_2380L));
                assertEquals(0x0400_0000_4e17_8763L, image.get(0x4e4d_3bc0L));
            }
            assertEquals(mode == QosSmmuv3.Mode.NESTED ? 15 : 13, image.size(), mode.name());
        }
    }
}

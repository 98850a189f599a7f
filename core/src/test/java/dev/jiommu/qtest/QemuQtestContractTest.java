package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * QEMU's {@code tests/qtest/iommu-smmuv3-test} against
 * {@code bin/qemu-system-aarch64}, played line by line as libqtest and libqos
 * play it: the {@code -machine none} probe, then one instance per test case
 * ({@code ns-s1-only}, {@code ns-s2-only}, {@code ns-nested}) with PCI setup,
 * STE, CD, page tables, SMMU registers and the DMA, whose bytes must land at
 * the expected GPA; each instance ends by SIGTERM with exit status 0 within
 * 30 s and nothing on stdout.
 */
@Timeout(180)
class QemuQtestContractTest {

    @Test
    void probe() throws Exception {
        try (LibqtestPeer qts = LibqtestPeer.start("-machine none")) {
            Map<?, ?> reply = (Map<?, ?>) Json.parse(qts.qmp("{\"execute\": \"query-machines\"}"));
            assertTrue(((List<?>) reply.get("return")).stream().map(m -> (Map<?, ?>) m)
                    .anyMatch(m -> "virt".equals(m.get("name")) || "virt".equals(m.get("alias"))));
            assertEquals(0, qts.terminate(), qts.stderrText());
            assertEquals("", qts.stdoutText());
        }
    }

    @ParameterizedTest(name = "/aarch64/iommu-testdev/translation/{0}")
    @EnumSource(QosSmmuv3.Mode.class)
    void translation(QosSmmuv3.Mode mode) throws Exception {
        try (LibqtestPeer qts = LibqtestPeer.start(LibqtestPeer.TEST_CASE_MACHINE)) {
            QosSmmuv3 qos = new QosSmmuv3(qts);
            int sid = qos.pciSetup();
            qos.tables(mode, sid);
            qos.smmuRegisters();
            assertEquals(0, qos.dma(), "RESULT");
            assertEquals("OK 0x78563412", qos.target());
            assertEquals(0, qts.terminate(), qts.stderrText());
            assertEquals("", qts.stdoutText());
        }
    }
}

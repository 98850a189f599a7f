package dev.jiommu.sim.scenarios;

import dev.jiommu.sim.bench.CopyBench;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DMA scenario completes with every copy right and reports the ATC, the
 * IOTLB, translation and page requests and the interrupts; the system
 * scenario includes it; the copy benchmark's workload completes.
 */
class DmaScenarioTest {

    private static String run(dev.jiommu.sim.Scenario s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = s.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        return out;
    }

    private static long column(String line, int index) {
        return Long.parseLong(line.trim().split("\\s{2,}")[index].replace("%", "").split("\\.")[0]);
    }

    @Test
    void enginesCopyThroughAtsPageInThroughPriAndInterruptThroughTheIts() {
        String out = run(new DmaScenario());
        assertTrue(out.trim().endsWith("dma: ok"), out);
        String first = out.lines().filter(l -> l.trim().startsWith("00:01.0")).findFirst().orElseThrow();
        String second = out.lines().filter(l -> l.trim().startsWith("00:02.0")).findFirst().orElseThrow();
        assertEquals(8, column(first, 1), "engine 0 descriptors\n" + out);
        assertTrue(column(first, 4) > column(first, 5), "engine 0: ATC hits outnumber misses\n" + out);
        assertEquals(0, column(first, 7), "engine 0 needed no page request\n" + out);
        assertEquals(64, column(second, 7), "engine 1 asked for its 64 pages\n" + out);
        assertTrue(column(second, 8) > 1 && column(second, 8) < 64, "grouped\n" + out);
        assertEquals(8, column(first, 10), "engine 0 LPIs\n" + out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("IOTLB hit rate")), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().matches("PRI interrupts \\(MSI -> ITS LPI\\)\\s+[1-9]\\d*")), out);
    }

    @Test
    void theSystemScenarioRunsTheDmaPart() {
        String out = run(new SystemScenario());
        assertTrue(out.contains("=== dma:"), out);
        assertTrue(out.trim().endsWith("system: ok"), out);
    }

    @Test
    void theCopyBenchmarkCompletesAndChecksTheBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = CopyBench.run(1, 0, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        Matcher m = Pattern.compile("copy bytes=67108864 gbps=[0-9.]+ check=90 ").matcher(out);
        assertTrue(m.find(), out);
    }
}

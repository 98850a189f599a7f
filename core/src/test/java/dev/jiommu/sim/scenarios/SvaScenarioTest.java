package dev.jiommu.sim.scenarios;

import dev.jiommu.sim.Scenario;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SVA scenario passes and reports, for PRI and for stalls side by side,
 * the faults, groups, responses, IOTLB/ATC hits and invalidations; the
 * default system scenario runs it.
 */
class SvaScenarioTest {

    private static String run(Scenario s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = s.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        return out;
    }

    /** The cells of the report row that starts with {@code label}. */
    private static String[] row(String out, String label) {
        String line = out.lines().filter(l -> l.trim().startsWith(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + label + "\n" + out));
        return line.trim().substring(label.length()).trim().split("\\s{2,}");
    }

    @Test
    void reportsFaultsGroupsResponsesHitsAndInvalidationsForPriAndStall() {
        String out = run(new SvaScenario());
        assertTrue(out.trim().endsWith("sva: ok"), out);
        String faults = String.valueOf(SvaScenario.DEVICE_FAULTS);
        assertEquals(faults, row(out, "pages faulted in for devices")[0], out);
        assertEquals(faults, row(out, "pages faulted in for devices")[1], out);
        assertEquals("0", row(out, "PRI page requests")[1], "no PRI with stalls\n" + out);
        assertEquals("0", row(out, "stalled transactions")[0], "no stalls with PRI\n" + out);
        assertEquals("1", row(out, "responses: invalid")[0], out);
        assertEquals("1", row(out, "responses: invalid")[1], out);
        assertTrue(Long.parseLong(row(out, "CMD_ATC_INV")[0]) > 0, out);
        assertTrue(Long.parseLong(row(out, "broadcast TLBIs from the CPU (BTM)")[0]) > 0, out);
        assertTrue(Long.parseLong(row(out, "broadcast TLBIs from the CPU (BTM)")[1]) > 0, out);
        assertEquals("0", row(out, "CMD_TLBI_NH_VA")[0], "the SMMU's TLB takes the CPU's broadcasts\n" + out);
        assertTrue(row(out, "IOTLB hits / misses")[0].matches("\\d+ / \\d+"), out);
        assertTrue(row(out, "ATC hits / misses")[0].matches("[1-9]\\d* / \\d+"), out);
        assertEquals("yes", row(out, "copy after munmap faulted")[0], out);
        assertEquals("yes", row(out, "copy after munmap faulted")[1], out);
    }

    @Test
    void theSystemScenarioRunsTheSvaPart() {
        String out = run(new SystemScenario());
        assertTrue(out.contains("=== sva:"), out);
        assertTrue(out.trim().endsWith("system: ok"), out);
    }
}

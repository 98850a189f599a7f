package dev.jiommu.sim.scenarios;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SMMU scenario runs clean and reports each stream, the stale-TLB steps, the events and the counters. */
class SmmuScenarioTest {

    private static String run(dev.jiommu.sim.Scenario s, int expectedStatus) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = s.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, out);
        return out;
    }

    @Test
    void everyStreamConfigDmasAndTheStaleTranslationLastsUntilTheRightTlbi() {
        String out = run(new SmmuScenario(), 0);
        assertTrue(out.contains("result: ok"), out);
        assertFalse(out.contains("MISMATCH"), out);
        for (String config : new String[] {"stage 1 ", "stage 2 ", "nested "}) {
            assertTrue(out.lines().anyMatch(l -> l.contains(config) && l.trim().endsWith("OK            ok")), config + "\n" + out);
        }
        assertTrue(out.lines().anyMatch(l -> l.contains("after TLBI_NH_VA, ASID 2") && l.contains("old page")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("after TLBI_NH_VA, ASID 1") && l.contains("new page")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("STALLED → OK")), out);
        assertEquals(2, out.lines().filter(l -> l.trim().startsWith("F_TRANSLATION")).count(), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("C_BAD_STREAMID")), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("TLB hit rate")), out);
    }

    @Test
    void systemScenarioRunsEveryPartAndSaysSo() {
        String out = run(new SystemScenario(), 0);
        assertTrue(out.contains("=== pgtable:"), out);
        assertTrue(out.contains("=== smmu:"), out);
        assertTrue(out.contains("=== dma:"), out);
        assertTrue(out.trim().endsWith("system: ok"), out);
    }
}

package dev.jiommu.sim.scenarios;

import dev.jiommu.pgtable.FaultKind;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default scenario runs clean and reports what the issue asks of it. */
class PageTableScenarioTest {

    @Test
    void defaultScenarioPassesItsChecksAndReportsWalksFaultsAndTableMemory() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = new PageTableScenario().run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(0, status, out);
        assertTrue(out.contains("result: ok"), out);
        assertFalse(out.contains("MISMATCH"), out);
        // Mixed page sizes: the heap gets 2M blocks, shm a 1G block, data 4K pages.
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("heap") && l.trim().endsWith("5         48          0")), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("shm") && l.trim().endsWith("0          0          1")), out);
        // Faults by kind: every kind has a row; each probe kind occurred.
        for (FaultKind k : FaultKind.values()) {
            assertTrue(out.lines().anyMatch(l -> l.trim().startsWith(k.name() + " ")), "row for " + k + "\n" + out);
        }
        assertTrue(out.lines().anyMatch(l -> l.trim().matches("table pages after unmapping all\\s+1\\s+1")), out);
    }
}

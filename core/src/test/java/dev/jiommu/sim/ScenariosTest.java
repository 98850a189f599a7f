package dev.jiommu.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import org.junit.jupiter.api.Test;

/** The registry's contract; no scenario is run here. */
class ScenariosTest {

    @Test
    void systemIsTheFirstAndDefaultScenario() {
        assertEquals("system", Scenarios.builtIn().getFirst().name());
        assertEquals("system", Scenarios.defaultName());
    }

    @Test
    void namesAreUniqueLowerCaseWithoutSpacesAndSummariesAreOneLine() {
        var names = new HashSet<String>();
        for (Scenario s : Scenarios.builtIn()) {
            assertTrue(s.name().matches("[a-z0-9][a-z0-9-]*"), s.name());
            assertTrue(names.add(s.name()), "duplicate scenario name " + s.name());
            assertFalse(s.summary().isBlank(), s.name());
            assertEquals(1, s.summary().lines().count(), s.name());
        }
    }

    @Test
    void byNameFindsEveryBuiltInAndNothingElse() {
        for (Scenario s : Scenarios.builtIn()) {
            assertEquals(s.name(), Scenarios.byName(s.name()).orElseThrow().name());
        }
        assertTrue(Scenarios.byName("no-such-scenario").isEmpty());
        assertTrue(Scenarios.byName("PGTABLE").isEmpty());
    }

    @Test
    void builtInReturnsFreshInstances() {
        assertNotSame(Scenarios.builtIn().getFirst(), Scenarios.builtIn().getFirst());
    }
}

package dev.jiommu.sim.bench;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault benchmark's rig: every round faults exactly its pages through the
 * mode's path, and its check notices a round whose pages did not fault.
 */
class FaultBenchTest {

    @ParameterizedTest
    @EnumSource(FaultBench.Mode.class)
    void everyRoundFaultsEachPageOnceThroughItsPath(FaultBench.Mode mode) {
        FaultBench b = new FaultBench(mode, 48);
        for (int i = 0; i < 3; i++) {
            b.prepare();
            b.round();
        }
        assertNull(b.check());
        FaultBench.Counts c = b.measured();
        assertEquals(3 * 48, c.mmFaults());
        assertEquals(mode == FaultBench.Mode.STALL ? 0 : 3 * 48, c.priRequests());
        assertEquals(mode == FaultBench.Mode.STALL ? 3 * 48 : 0, c.stallFaults());
        if (mode == FaultBench.Mode.PRI) {
            assertEquals(3 * 48 / 16, c.groups(), "contiguous pages go in groups of 16");
        } else {
            assertEquals(3 * 48, c.groups(), "a group per page");
        }
        assertEquals(3, c.completed());
    }

    @ParameterizedTest
    @EnumSource(FaultBench.Mode.class)
    void aRoundOverPagesAlreadyPresentFailsTheCheck(FaultBench.Mode mode) {
        FaultBench b = new FaultBench(mode, 16);
        b.prepare();
        b.round();
        b.round(); // the same buffer again: nothing faults
        String bad = b.check();
        assertNotNull(bad);
        assertTrue(bad.contains("mm page faults 16, expected 32"), bad);
    }
}

package dev.jiommu.sim.bench;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The map/unmap benchmark's rig: each operation issues exactly the strict invalidation, and the check notices otherwise. */
class DmaMapBenchTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void eachMapUnmapIssuesTlbiAndSyncAndWithAtsAtcInvAndASecondSync(boolean ats) {
        DmaMapBench b = new DmaMapBench(ats);
        for (int i = 0; i < 5; i++) {
            b.mapUnmap();
        }
        assertNull(b.check());
        assertArrayEquals(new long[] {5, ats ? 5 : 0, ats ? 10 : 5, 0}, b.commands());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSecondSyncOrAStrayCommandFailsTheCheck(boolean ats) {
        DmaMapBench b = new DmaMapBench(ats);
        b.mapUnmap();
        assertEquals(0, b.system().smmu().sync());
        String bad = b.check();
        assertNotNull(bad);
        assertTrue(bad.contains("CMD_SYNC " + (ats ? 3 : 2)), bad);
    }
}

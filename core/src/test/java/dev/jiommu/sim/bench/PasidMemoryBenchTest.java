package dev.jiommu.sim.bench;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Memory per bound PASID: exact for simulated memory, bounded for the Java heap. */
class PasidMemoryBenchTest {

    @Test
    void eachPasidCostsOneCdOfA64KibLeafOf1024AndUnderTwoKibOfHeap() {
        PasidMemoryBench.Result r = PasidMemoryBench.measure(2048);
        assertEquals(2048, r.pasids());
        assertEquals(2, r.cdLeaves(), "PASIDs 2..2049 reach leaves 1 and 2; leaf 0 came with the first bind");
        assertEquals(2 * 65536, r.driverBytes());
        assertEquals(64.0, r.driverBytesPerPasid());
        assertTrue(r.heapBytesPerPasid() > 100 && r.heapBytesPerPasid() < 2048,
                () -> "heap per bond " + r.heapBytesPerPasid());
    }
}

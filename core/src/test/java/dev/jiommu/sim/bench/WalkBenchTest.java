package dev.jiommu.sim.bench;

import dev.jiommu.pgtable.WalkResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The walk workload is cref's: same page choice, same offsets, same checksum, however it is chunked. */
class WalkBenchTest {

    /** cref's loop, with the walk replaced by its known answer (VA i → PA i, linearly). */
    private static long crefChecksum(long pages, long walks) {
        long state = 0x9E3779B97F4A7C15L;
        long acc = 0;
        for (long k = 0; k < walks; k++) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            long i = Long.remainderUnsigned(state * 0x2545F4914F6CDD1DL, pages);
            acc ^= WalkBench.PA_BASE + i * 4096 + (k & 0xFF8);
        }
        return acc;
    }

    @Test
    void aPassWalksCrefsPagesAndGivesItsChecksum() {
        WalkBench.Setup s = WalkBench.setup(3000);
        long walks = 20_000;
        long acc = WalkBench.pass(s, s.table().format(), s.table().root(), walks, new WalkResult());
        assertEquals(crefChecksum(3000, walks), acc);
        assertEquals(walks, s.walker().walks());
    }

    @Test
    void chunkingChangesNothing() {
        WalkBench.Setup s = WalkBench.setup(3000);
        long walks = 3 * 4096 + 123;
        long whole = WalkBench.pass(s, s.table().format(), s.table().root(), walks, new WalkResult());
        long chunked = WalkBench.pass(s, s.table().format(), s.table().root(), walks, new WalkResult(), 4096);
        assertEquals(crefChecksum(3000, walks), chunked);
        assertEquals(whole, chunked);
        assertThrows(IllegalArgumentException.class,
                () -> WalkBench.pass(s, s.table().format(), s.table().root(), walks, new WalkResult(), 4000));
    }
}

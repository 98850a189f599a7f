package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** arm64 ASID allocation: generations, rollover, reserved and pinned ASIDs, with a 4-bit width. */
class AsidAllocatorTest {

    private final List<Long> rollovers = new ArrayList<>();

    private AsidAllocator allocator(int bits, int cpus) {
        return new AsidAllocator(bits, cpus, rollovers::add);
    }

    private static List<AsidAllocator.Context> fill(AsidAllocator a, int n) {
        List<AsidAllocator.Context> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(a.newContext());
        }
        return l;
    }

    @Test
    void aGenerationHandsOutEveryAsidButZeroThenRollsOver() {
        AsidAllocator a = allocator(4, 1);
        List<AsidAllocator.Context> first = fill(a, 15);
        for (int i = 0; i < 15; i++) {
            assertEquals(i + 1, first.get(i).asid());
            assertEquals(1, first.get(i).generation());
        }
        assertTrue(rollovers.isEmpty());
        AsidAllocator.Context next = a.newContext();
        assertEquals(List.of(2L), rollovers, "one rollover, to generation 2");
        assertEquals(1, a.rollovers());
        assertEquals(2, next.generation());
        assertEquals(1, next.asid(), "ASID 0 stays reserved; the search restarts at 1");
        assertFalse(first.get(0).isCurrent());
    }

    @Test
    void aStaleContextKeepsItsValueIfFreeAndOtherwiseGetsANewOne() {
        AsidAllocator a = allocator(4, 1);
        List<AsidAllocator.Context> c = fill(a, 15);
        AsidAllocator.Context taker = a.newContext();
        assertEquals(1, taker.asid());
        assertEquals(9, a.switchTo(c.get(8), 0), "ASID 9 is free in the new generation: kept");
        int renewed = a.switchTo(c.get(0), 0);
        assertNotEquals(1, renewed, "ASID 1 belongs to another context now");
        assertTrue(c.get(0).isCurrent());
    }

    @Test
    void theAsidRunningOnACpuSurvivesARolloverAndTheCpuFlushesOnce() {
        AsidAllocator a = allocator(4, 2);
        List<AsidAllocator.Context> c = fill(a, 14);
        assertEquals(5, a.switchTo(c.get(4), 1));
        fill(a, 3);
        assertEquals(1, a.rollovers());
        assertTrue(a.isAllocated(5), "the active ASID must be reserved in the new generation");
        for (int i = 0; i < 20; i++) {
            assertNotEquals(5, a.newContext().asid(), "reserved ASID handed out");
            if (a.rollovers() > 1) {
                break;
            }
        }
        a = allocator(4, 2);
        c = fill(a, 15);
        a.switchTo(c.get(6), 0);
        fill(a, 1);
        assertEquals(7, a.switchTo(c.get(6), 0));
        assertTrue(c.get(6).isCurrent());
        assertEquals(1, a.localFlushes(), "CPU 0 flushes once on its first switch after the rollover");
        a.switchTo(c.get(6), 0);
        assertEquals(1, a.localFlushes());
    }

    @Test
    void pinnedAsidsSurviveRolloversAndAreNeverHandedOut() {
        AsidAllocator a = allocator(4, 1);
        List<AsidAllocator.Context> c = fill(a, 4);
        assertEquals(3, a.pin(c.get(2)));
        assertEquals(3, a.pin(c.get(2)), "pinning is refcounted");
        assertEquals(2, c.get(2).pinCount());
        for (int i = 0; i < 100; i++) {
            AsidAllocator.Context x = a.newContext();
            assertNotEquals(3, x.asid(), "pinned ASID handed out in generation " + x.generation());
            a.switchTo(x, 0);
        }
        assertTrue(a.rollovers() >= 5, "the test must cross several rollovers");
        assertEquals(3, c.get(2).asid());
        assertEquals(3, a.switchTo(c.get(2), 0), "a pinned context keeps its ASID when it runs again");
        a.unpin(c.get(2));
        assertTrue(a.isPinned(3));
        a.unpin(c.get(2));
        assertFalse(a.isPinned(3));
        assertThrows(IllegalStateException.class, () -> a.unpin(c.get(2)));
    }

    @Test
    void pinningStopsAtTheLimitWithEnospcAndAllocationStillWorks() {
        AsidAllocator a = allocator(4, 1);
        assertEquals(13, a.maxPinned(), "2^4 - 1 CPU - ASID 0 - one always-free slot");
        List<AsidAllocator.Context> pinned = fill(a, 13);
        Set<Integer> pinnedAsids = new HashSet<>();
        for (AsidAllocator.Context p : pinned) {
            int asid = a.pin(p);
            assertTrue(asid > 0, Errno.name(asid));
            pinnedAsids.add(asid);
        }
        AsidAllocator.Context extra = a.newContext();
        assertEquals(Errno.name(-Errno.ENOSPC), Errno.name(a.pin(extra)));
        assertEquals(13, a.pin(pinned.get(12)), "a pinned context may still take another reference");
        for (int i = 0; i < 50; i++) {
            AsidAllocator.Context x = a.newContext();
            assertFalse(pinnedAsids.contains(x.asid()), "ASID " + x.asid() + " is pinned");
            a.switchTo(x, 0);
        }
        assertTrue(a.rollovers() > 10);
        a.unpin(pinned.get(0));
        assertTrue(a.pin(extra) > 0, "a freed pin slot must be usable");
    }

    @Test
    void widthAndCpuCountAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new AsidAllocator(1, 1, null));
        assertThrows(IllegalArgumentException.class, () -> new AsidAllocator(17, 1, null));
        assertThrows(IllegalArgumentException.class, () -> new AsidAllocator(2, 3, null));
        assertEquals(65536 - 4 - 2, new AsidAllocator(16, 4, null).maxPinned());
    }

    @Test
    void theManagerCountsRolloversAndTellsItsListeners() {
        MmRig rig = new MmRig(16, 4);
        List<Long> seen = new ArrayList<>();
        rig.mm.addRolloverListener(seen::add);
        Mm shared = rig.mm.createMm("sva");
        int asid = shared.pinAsid();
        List<Mm> others = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Mm m = rig.mm.createMm("p" + i);
            assertNotEquals(asid, m.asid());
            others.add(m);
        }
        for (Mm m : others) {
            assertTrue(m.runOn(0) > 0);
            assertNotEquals(asid, m.asid());
        }
        assertEquals(rig.mm.asidRollovers(), seen.size());
        assertTrue(seen.size() >= 2);
        assertEquals(asid, shared.asid());
        assertEquals(asid, shared.runOn(0));
        assertEquals(Errno.name(-Errno.EINVAL), Errno.name(shared.runOn(1)));
    }

    /**
     * Seeded random new/run/pin/unpin over 3-bit ASIDs and 2 CPUs. After
     * every step: contexts of the current generation hold distinct ASIDs, and
     * a pinned context's ASID never changes.
     */
    @Test
    void randomisedInvariants() {
        long seed = MmRandomTest.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        AsidAllocator a = allocator(3, 2);
        List<AsidAllocator.Context> all = new ArrayList<>();
        Map<AsidAllocator.Context, Integer> pinnedAt = new HashMap<>();
        for (int step = 0; step < 5000; step++) {
            String where = "seed=" + seed + " step=" + step;
            int op = rnd.nextInt(10);
            if (all.isEmpty() || op < 3) {
                all.add(a.newContext());
            } else {
                AsidAllocator.Context c = all.get(rnd.nextInt(all.size()));
                if (op < 7) {
                    a.switchTo(c, rnd.nextInt(2));
                } else if (op < 9) {
                    int r = a.pin(c);
                    if (r > 0) {
                        pinnedAt.putIfAbsent(c, r);
                    } else {
                        assertEquals(-Errno.ENOSPC, r, where);
                        assertEquals(a.maxPinned(), a.pinnedCount(), where);
                    }
                } else if (c.pinCount() > 0) {
                    a.unpin(c);
                    if (c.pinCount() == 0) {
                        pinnedAt.remove(c);
                    }
                }
            }
            Map<Integer, AsidAllocator.Context> owner = new HashMap<>();
            for (AsidAllocator.Context c : all) {
                if (c.isCurrent() || c.pinCount() > 0) {
                    AsidAllocator.Context o = owner.put(c.asid(), c);
                    assertTrue(o == null, where + ": ASID " + c.asid() + " held by " + o + " and " + c);
                    assertTrue(c.asid() != 0, where);
                }
            }
            for (Map.Entry<AsidAllocator.Context, Integer> e : pinnedAt.entrySet()) {
                assertEquals(e.getValue(), e.getKey().asid(), where + ": pinned ASID changed");
            }
        }
        assertTrue(a.rollovers() > 10, "seed=" + seed + ": too few rollovers to mean anything");
    }
}

package dev.jiommu.hw.cache;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link EntryIndex} against a plain map: seeded random inserts, removals and
 * lookups of keys that come in runs of consecutive pages (which share a
 * cache line of home slots and so form long probe runs) mixed with scattered
 * keys, at every fill level up to the full entry array. After every step
 * each live key is found at its entry and removed keys are not found.
 * Reproduce a failure with {@code -Djiommu.seed=<seed>}.
 */
class EntryIndexRandomTest {

    private static final long SEED = Long.getLong("jiommu.seed", System.nanoTime());
    private static final int STRIDE = 2;

    @Test
    void agreesWithAMapUnderRunsOfConsecutiveKeys() {
        System.out.printf("EntryIndexRandomTest seed=0x%x%n", SEED);
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int entries : new int[] {1, 3, 16, 100, 1000}) {
            long[] keys = new long[entries * STRIDE];
            EntryIndex index = new EntryIndex(keys, STRIDE);
            Map<List<Long>, Integer> live = new HashMap<>();
            List<Integer> free = new ArrayList<>();
            for (int e = 0; e < entries; e++) {
                free.add(e);
            }
            long[] tags = {1, 2, 0x1_0000_0001L};
            for (int step = 0; step < 20 * entries + 200; step++) {
                String where = String.format("seed=0x%x entries=%d step=%d", SEED, entries, step);
                if (!free.isEmpty() && rnd.nextInt(3) != 0) {
                    // A run of consecutive pages, or one scattered key.
                    long tag = tags[rnd.nextInt(tags.length)];
                    long first = rnd.nextBoolean() ? rnd.nextLong(64) : rnd.nextLong();
                    int run = rnd.nextBoolean() ? 1 + rnd.nextInt(40) : 1;
                    for (int i = 0; i < run && !free.isEmpty(); i++) {
                        List<Long> key = List.of(tag, first + i);
                        if (live.containsKey(key)) {
                            continue;
                        }
                        int e = free.remove(free.size() - 1);
                        keys[e * STRIDE] = tag;
                        keys[e * STRIDE + 1] = first + i;
                        index.insert(e);
                        live.put(key, e);
                    }
                } else if (!live.isEmpty()) {
                    List<List<Long>> all = new ArrayList<>(live.keySet());
                    List<Long> key = all.get(rnd.nextInt(all.size()));
                    int e = live.remove(key);
                    index.remove(e);
                    free.add(e);
                    assertEquals(-1, index.find(key.get(0), key.get(1)), where + " removed " + key);
                }
                for (Map.Entry<List<Long>, Integer> m : live.entrySet()) {
                    assertEquals(m.getValue(), index.find(m.getKey().get(0), m.getKey().get(1)), where + " " + m.getKey());
                }
                assertEquals(-1, index.find(tags[0], rnd.nextLong() | 1L << 62), where + " absent key");
            }
        }
    }
}

package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random map / unmap sequences through {@link IommuCore} against a
 * reference written from the documented semantics, independently of
 * {@link PageSizes}: pages chosen one at a time (the largest page size that
 * fits what is left and to which both addresses are aligned), grouped into
 * maximal runs of one size, which must be exactly the driver calls the core
 * makes; all-or-nothing map with -EEXIST on overlap; unmap that removes exact
 * leaves or whole tables of smaller leaves and stops at holes and larger
 * blocks. Reproduce with {@code -Djiommu.seed=<seed>} (printed at start and in
 * every message); {@code -Djiommu.randomOps=<n>} lengthens the run.
 */
class MapRandomTest {

    private static final long DEFAULT_SEED = 0x10_33_0_5EEDL;
    private static final int OPS = Integer.getInteger("jiommu.randomOps", 3000);
    private static final int RW = Prot.READ | Prot.WRITE;

    private static long seed;

    @BeforeAll
    static void printSeed() {
        String s = System.getProperty("jiommu.seed");
        seed = s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
        System.out.println("MapRandomTest seed=" + seed + " ops=" + OPS);
    }

    /** Leaves by iova: {pa, size}. */
    private final TreeMap<Long, long[]> leaves = new TreeMap<>();
    private long bitmap;
    private long window;

    @ParameterizedTest(name = "granule {0}")
    @ValueSource(ints = {12, 14, 16})
    void randomMapUnmapAgainstTheReference(int granuleShift) {
        bitmap = switch (granuleShift) {
            case 12 -> (1L << 12) | (1L << 21) | (1L << 30);
            case 14 -> (1L << 14) | (1L << 25);
            default -> (1L << 16) | (1L << 29);
        };
        window = Long.highestOneBit(bitmap) * 8;
        IommuCore core = new IommuCore();
        FrameAllocator frames = new FrameAllocator(PhysicalMemory.ram(0x4000_0000L, 256L << 20), 0x4000_0000L, 256L << 20);
        PageTableDriver driver = new PageTableDriver(core, "smmu", bitmap, frames);
        assertEquals(0, core.registerDriver(driver));
        Domain d = core.domainAlloc(DomainType.UNMANAGED).value();
        PageTableDriver.Paging ops = (PageTableDriver.Paging) d.ops();
        SplittableRandom r = new SplittableRandom(seed ^ granuleShift);

        for (int op = 0; op < OPS; op++) {
            String ctx = "seed=" + seed + " granule=" + granuleShift + " op=" + op;
            if (r.nextInt(100) < 55) {
                long[] a = pickMap(r);
                ops.mapCalls.clear();
                int got = core.map(d, a[0], a[1], a[2], RW);
                int want = expectMap(a[0], a[1], a[2]);
                String what = ctx + String.format(" map iova=0x%x pa=0x%x size=0x%x", a[0], a[1], a[2]);
                assertEquals(Errno.name(want), Errno.name(got), what);
                checkRuns(a[0], a[1], a[2], want, ops.mapCalls, what);
            } else {
                long[] a = pickUnmap(r);
                long got = core.unmap(d, a[0], a[1]);
                long want = expectUnmap(a[0], a[1]);
                assertEquals(want, got, ctx + String.format(" unmap iova=0x%x size=0x%x", a[0], a[1]));
            }
            if (op % 100 == 99) {
                checkTranslations(core, d, r, ctx);
            }
        }
        checkTranslations(core, d, r, "seed=" + seed + " final");
        assertEquals(expectUnmap(0, window), core.unmap(d, 0, window), "seed=" + seed + " unmap the window");
        while (!leaves.isEmpty()) {
            long k = leaves.firstKey();
            long len = leaves.get(k)[1];
            assertEquals(expectUnmap(k, len), core.unmap(d, k, len), String.format("seed=%d drain 0x%x", seed, k));
        }
        assertEquals(1, ops.table.tablePages(), "seed=" + seed + ": every table but the start table freed");
    }

    private long min() {
        return Long.lowestOneBit(bitmap);
    }

    private long anySize(SplittableRandom r) {
        long[] sizes = new long[Long.bitCount(bitmap)];
        long b = bitmap;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Long.lowestOneBit(b);
            b &= b - 1;
        }
        return sizes[r.nextInt(sizes.length)];
    }

    private long[] pickMap(SplittableRandom r) {
        long min = min();
        long s = anySize(r);
        long iova = (r.nextLong(window) & -s) + (r.nextBoolean() ? 0 : min * r.nextInt(4));
        long size = switch (r.nextInt(4)) {
            case 0 -> min * (1 + r.nextInt(16));
            case 1 -> s * (1 + r.nextInt(2)) + min * r.nextInt(3);
            case 2 -> Math.max(min, s - min * r.nextInt(3));
            default -> min;
        };
        long pa = r.nextInt(3) == 0 ? (r.nextLong(1L << 36) & -min)
                : ((r.nextLong(1L << 36) & -Long.highestOneBit(bitmap)) | (iova & (Long.highestOneBit(bitmap) - 1)));
        if (r.nextInt(25) == 0) {
            switch (r.nextInt(3)) {
                case 0 -> iova += min / 2;
                case 1 -> pa += min / 4;
                default -> size += min / 2;
            }
        }
        if (iova + size > window) {
            iova = Math.max(0, window - size) & -min;
        }
        return new long[] {iova, pa, size};
    }

    private long[] pickUnmap(SplittableRandom r) {
        if (!leaves.isEmpty() && r.nextInt(3) > 0) {
            // Start at a leaf, often exactly over it, sometimes past it.
            long[] keys = leaves.keySet().stream().mapToLong(Long::longValue).toArray();
            long k = keys[r.nextInt(keys.length)];
            long size = r.nextBoolean() ? leaves.get(k)[1] : anySize(r) * (1 + r.nextInt(3));
            return new long[] {k, size};
        }
        long s = anySize(r);
        long iova = r.nextLong(window) & -s;
        long size = r.nextInt(20) == 0 ? min() / 2 : s * (1 + r.nextInt(2));
        return new long[] {iova, size};
    }

    // ---- the reference --------------------------------------------------------------

    /** The page size chosen page by page. */
    private long greedy(long iova, long pa, long left) {
        for (long s = Long.highestOneBit(bitmap); s != 0; s >>>= 1) {
            if ((bitmap & s) != 0 && s <= left && (iova & (s - 1)) == 0 && (pa & (s - 1)) == 0) {
                return s;
            }
        }
        throw new AssertionError("no page fits");
    }

    /** Greedy pages grouped into maximal runs of one size: {iova, pa, pgsize, count}. */
    private List<long[]> runs(long iova, long pa, long size) {
        List<long[]> out = new ArrayList<>();
        long done = 0;
        while (done < size) {
            long s = greedy(iova + done, pa + done, size - done);
            long[] last = out.isEmpty() ? null : out.getLast();
            if (last != null && last[2] == s) {
                last[3]++;
            } else {
                out.add(new long[] {iova + done, pa + done, s, 1});
            }
            done += s;
        }
        return out;
    }

    private boolean overlaps(long start, long len) {
        Map.Entry<Long, long[]> e = leaves.floorEntry(start + len - 1);
        return e != null && e.getKey() + e.getValue()[1] > start;
    }

    private int expectMap(long iova, long pa, long size) {
        long min = min();
        if (((iova | pa | size) & (min - 1)) != 0) {
            return -Errno.EINVAL;
        }
        List<long[]> pages = new ArrayList<>();
        long done = 0;
        while (done < size) {
            long s = greedy(iova + done, pa + done, size - done);
            if (overlaps(iova + done, s)) {
                return -Errno.EEXIST;
            }
            pages.add(new long[] {iova + done, pa + done, s});
            done += s;
        }
        for (long[] p : pages) {
            leaves.put(p[0], new long[] {p[1], p[2]});
        }
        return 0;
    }

    private void checkRuns(long iova, long pa, long size, int result, List<long[]> calls, String what) {
        if (result == -Errno.EINVAL) {
            assertTrue(calls.isEmpty(), what + ": misaligned requests reach no driver");
            return;
        }
        List<long[]> want = runs(iova, pa, size);
        if (result == 0) {
            assertEquals(want.size(), calls.size(), what + ": run count");
        } else {
            assertTrue(calls.size() <= want.size(), what + ": at most the runs up to the failure");
        }
        for (int i = 0; i < calls.size(); i++) {
            assertEquals(List.of(want.get(i)[0], want.get(i)[1], want.get(i)[2], want.get(i)[3]),
                    List.of(calls.get(i)[0], calls.get(i)[1], calls.get(i)[2], calls.get(i)[3]), what + ": run " + i);
        }
    }

    private long expectUnmap(long iova, long size) {
        long min = min();
        if (size <= 0 || ((iova | size) & (min - 1)) != 0) {
            return 0;
        }
        long done = 0;
        while (done < size) {
            long a = iova + done;
            long s = greedy(a, a, size - done);
            Map.Entry<Long, long[]> cover = leaves.floorEntry(a);
            if (cover != null && cover.getKey() + cover.getValue()[1] > a && cover.getValue()[1] > s) {
                break; // a larger block: not split
            }
            long[] exact = leaves.get(a);
            if (exact != null && exact[1] == s) {
                leaves.remove(a);
            } else if (overlaps(a, s)) {
                leaves.subMap(a, a + s).clear(); // a table of smaller leaves goes whole
            } else {
                break; // a hole
            }
            done += s;
        }
        return done;
    }

    private void checkTranslations(IommuCore core, Domain d, SplittableRandom r, String ctx) {
        for (Map.Entry<Long, long[]> e : leaves.entrySet()) {
            long off = r.nextLong(e.getValue()[1]);
            assertEquals(e.getValue()[0] + off, core.iovaToPhys(d, e.getKey() + off),
                    ctx + String.format(" leaf 0x%x+0x%x", e.getKey(), off));
        }
        for (int i = 0; i < 64; i++) {
            long a = r.nextLong(window);
            if (!overlaps(a, 1)) {
                assertEquals(0, core.iovaToPhys(d, a), ctx + String.format(" hole 0x%x", a));
            }
        }
    }
}

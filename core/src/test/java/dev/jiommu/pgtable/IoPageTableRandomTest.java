package dev.jiommu.pgtable;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random map / mapPages / unmap sequences against a plain reference
 * model of io-pgtable semantics (a sorted map of leaves). Reproduce a failure
 * with {@code -Djiommu.seed=<seed>}; the seed is printed at start and is in
 * every assertion message. {@code -Djiommu.randomOps=<n>} lengthens the run.
 */
class IoPageTableRandomTest {

    private static final long DEFAULT_SEED = 0x10_5EEDL;
    /** Operations per configuration: {@code -Djiommu.randomOps=N} for long runs (default 4000). */
    private static final int OPS = Integer.getInteger("jiommu.randomOps", 4000);
    private static final int CHECK_EVERY = 250;
    private static final int OAS = 48;

    private static long seed;

    @BeforeAll
    static void printSeed() {
        String s = System.getProperty("jiommu.seed");
        seed = s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
        System.out.println("seed=" + seed + " ops=" + OPS);
    }

    static Stream<Arguments> configs() {
        List<Arguments> l = new ArrayList<>();
        long[] bitmaps = {(1L << 12) | (1L << 21) | (1L << 30), (1L << 14) | (1L << 25), (1L << 16) | (1L << 29)};
        String[] names = {"4K|2M|1G", "16K|32M", "64K|512M"};
        for (int i = 0; i < bitmaps.length; i++) {
            for (Stage s : Stage.values()) {
                l.add(Arguments.of(names[i], bitmaps[i], s));
            }
        }
        return l.stream();
    }

    /** The reference model: leaves by iova, each {pa, size}. */
    private static final class Model {
        final TreeMap<Long, long[]> leaves = new TreeMap<>();
        final long bitmap;
        long stopsAtLargerBlock;
        long blocksCreated;

        Model(long bitmap) {
            this.bitmap = bitmap;
        }

        boolean anyMapped(long iova, long len) {
            Map.Entry<Long, long[]> e = leaves.floorEntry(iova + len - 1);
            return e != null && e.getKey() + e.getValue()[1] > iova;
        }

        /** The documented chunking: largest bitmap size within {@code remaining} to which the addresses are aligned. */
        long chunk(long iova, long paddr, long remaining) {
            long sizes = bitmap;
            long align = Long.lowestOneBit(iova | paddr);
            if (align != 0) {
                sizes &= (align << 1) - 1;
            }
            sizes &= (Long.highestOneBit(remaining) << 1) - 1;
            return Long.highestOneBit(sizes);
        }

        int map(long iova, long pa, long size, int prot) {
            if ((prot & (Prot.READ | Prot.WRITE)) == 0) {
                return 0;
            }
            if (anyMapped(iova, size)) {
                return -Errno.EEXIST;
            }
            leaves.put(iova, new long[] {pa, size});
            blocksCreated += size > Long.lowestOneBit(bitmap) ? 1 : 0;
            return 0;
        }

        int mapPages(long iova, long pa, long pgsize, long count, int prot) {
            if ((prot & (Prot.READ | Prot.WRITE)) == 0) {
                return 0;
            }
            long total = pgsize * count;
            if (anyMapped(iova, total)) {
                return -Errno.EEXIST; // all or nothing
            }
            for (long done = 0; done < total; ) {
                long c = chunk(iova + done, pa + done, total - done);
                leaves.put(iova + done, new long[] {pa + done, c});
                blocksCreated += c > Long.lowestOneBit(bitmap) ? 1 : 0;
                done += c;
            }
            return 0;
        }

        long unmap(long iova, long size) {
            long done = 0;
            while (done < size) {
                long a = iova + done;
                long c = chunk(a, 0, size - done);
                if (!anyMapped(a, c)) {
                    break; // nothing mapped in the chunk's span
                }
                Map.Entry<Long, long[]> cover = leaves.floorEntry(a);
                if (cover != null && cover.getKey() + cover.getValue()[1] > a && cover.getValue()[1] > c) {
                    stopsAtLargerBlock++;
                    break; // a larger block covers the chunk start: no split
                }
                leaves.subMap(a, true, a + c, false).clear();
                done += c;
            }
            return done;
        }

        long phys(long iova) {
            Map.Entry<Long, long[]> e = leaves.floorEntry(iova);
            if (e == null || e.getKey() + e.getValue()[1] <= iova) {
                return 0;
            }
            return e.getValue()[0] + (iova - e.getKey());
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("configs")
    void randomOperationsMatchTheReferenceModel(String name, long bitmap, Stage stage) {
        int cfgIndex = (Long.numberOfTrailingZeros(bitmap) - 12) * 2 + stage.ordinal();
        SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (cfgIndex + 1)));
        int ias = stage == Stage.STAGE1 ? 48 : 40;
        PhysicalMemory mem = PhysicalMemory.ram(0x1_0000_0000L, 1L << 30);
        FrameAllocator frames = new FrameAllocator(mem, 0x1_0000_0000L, 1L << 30);
        IoPageTable ops = IoPageTable.create(stage, bitmap, ias, OAS, 0, frames);
        long startBytes = frames.bytesInUse();
        TableFormat f = ops.format();

        long[] sizes = new long[Long.bitCount(bitmap)];
        for (int i = 0, b = 0; i < 64; i++) {
            if ((bitmap & (1L << i)) != 0) {
                sizes[b++] = 1L << i;
            }
        }
        long small = sizes[0];
        long top = sizes[sizes.length - 1];
        // The window straddles 2^39 (a level-0 index boundary for 4K stage 1,
        // the concatenated-page boundary for 4K stage 2 IAS 40).
        long base = (1L << 39) - 2 * top;
        Model model = new Model(bitmap);
        List<long[]> mappedRanges = new ArrayList<>();
        String ctx = "seed=" + seed + " cfg=" + name + " " + stage;
        // Outcome counts: the sequence must really exercise collisions, blocks and partial unmaps.
        int mapOk = 0, mapExist = 0, unmapFull = 0, unmapPartial = 0, unmapNone = 0;

        for (int op = 0; op < OPS; op++) {
            int kind = r.nextInt(100);
            if (model.leaves.size() > 2500 && kind < 50) {
                kind += 50; // keep the leaf count bounded: prefer unmaps
            }
            String desc;
            long got;
            long want;
            if (kind < 25) {
                long size = pickSize(r, sizes);
                long iova = address(r, base, sizes, size);
                long pa = physical(r, iova, size, top, small);
                int prot = protection(r);
                desc = String.format("map(0x%x, 0x%x, 0x%x, %d)", iova, pa, size, prot);
                want = model.map(iova, pa, size, prot);
                got = ops.map(iova, pa, size, prot);
            } else if (kind < 50) {
                long pgsize = sizes.length == 3 && r.nextInt(4) == 0 ? sizes[1] : small;
                long pages = sizes[1] / sizes[0];
                long iova = address(r, base, sizes, pgsize);
                long count = 1 + r.nextLong(16);
                int shape = r.nextInt(5);
                if (pgsize != small) {
                    count = 1 + r.nextLong(2 * (top / pgsize) + 3);
                } else if (shape == 0) {
                    // Start a few pages before a block boundary: pages, then block(s), then pages.
                    long before = r.nextLong(8);
                    long boundary = r.nextBoolean()
                            ? address(r, base, sizes, sizes[1]) + sizes[1]
                            : base + 3 * top + r.nextLong(top / sizes[1] + 1) * sizes[1]; // the quieter slot
                    iova = boundary - before * small;
                    count = before + pages * (1 + r.nextLong(2)) + r.nextLong(16);
                }
                long pa = physical(r, iova, pgsize, top, small);
                if (pgsize == small && ((pa ^ iova) & (top - 1)) != 0) {
                    // The physical side forbids (some) blocks: cap the leaves one call may create,
                    // but let block-sized runs through now and then (rarer the more pages a block
                    // holds), so that paddr alignment matters.
                    count = Math.min(count, shape == 0 && r.nextLong(pages) < 256 ? pages + 16 : 64);
                }
                int prot = protection(r);
                desc = String.format("mapPages(0x%x, 0x%x, 0x%x, %d, %d)", iova, pa, pgsize, count, prot);
                want = model.mapPages(iova, pa, pgsize, count, prot);
                got = ops.mapPages(iova, pa, pgsize, count, prot);
                if (got == 0 && (prot & (Prot.READ | Prot.WRITE)) != 0) {
                    mappedRanges.add(new long[] {iova, pgsize * count});
                }
            } else if (kind < 70 && !model.leaves.isEmpty()) {
                long iova;
                long len;
                if (r.nextBoolean() && !mappedRanges.isEmpty()) {
                    long[] m = mappedRanges.remove(r.nextInt(mappedRanges.size()));
                    iova = m[0];
                    len = m[1];
                } else {
                    Long k = model.leaves.ceilingKey(base + r.nextLong(4 * top));
                    iova = k != null ? k : model.leaves.firstKey();
                    len = model.leaves.get(iova)[1];
                }
                desc = String.format("unmap(0x%x, 0x%x) exact", iova, len);
                want = model.unmap(iova, len);
                got = ops.unmap(iova, len);
            } else {
                long iova = address(r, base, sizes, small);
                long len = switch (r.nextInt(10)) {
                    case 0 -> top;
                    case 1 -> 4 * top;
                    case 2, 3 -> sizes[1] * (1 + r.nextLong(3));
                    default -> small * (1 + r.nextLong(64));
                };
                if (r.nextInt(4) == 0) {
                    iova &= -sizes[1];
                }
                desc = String.format("unmap(0x%x, 0x%x)", iova, len);
                want = model.unmap(iova, len);
                got = ops.unmap(iova, len);
            }
            final int n = op;
            final String d = desc;
            Supplier<String> msg = () -> ctx + " op#" + n + " " + d;
            assertEquals(want, got, msg);
            if (d.startsWith("map")) {
                if (got == 0) {
                    mapOk++;
                } else {
                    mapExist++;
                }
            } else {
                long len = Long.decode(d.substring(d.indexOf(", ") + 2, d.indexOf(')')));
                if (got == len) {
                    unmapFull++;
                } else if (got == 0) {
                    unmapNone++;
                } else {
                    unmapPartial++;
                }
            }
            assertEquals(ops.tableBytes(), frames.bytesInUse(), msg);
            if (op % CHECK_EVERY == CHECK_EVERY - 1) {
                checkAgainstModel(ops, model, r, base, sizes, f, startBytes, frames, () -> msg.get() + " (periodic check)");
            }
        }
        checkAgainstModel(ops, model, r, base, sizes, f, startBytes, frames, () -> ctx + " final check");
        System.out.printf("%s: %d maps ok, %d -EEXIST; unmaps %d full, %d partial, %d none; blocks created %d; %d unmaps stopped at a larger block%n",
                ctx, mapOk, mapExist, unmapFull, unmapPartial, unmapNone, model.blocksCreated, model.stopsAtLargerBlock);
        assertTrue(mapOk > OPS / 10 && mapExist > OPS / 50, ctx + " maps both succeed and collide");
        assertTrue(unmapFull > OPS / 50 && unmapPartial > 0 && unmapNone > OPS / 50, ctx + " unmaps of every outcome");
        assertTrue(model.blocksCreated > OPS / 100, ctx + " blocks are mapped");
        assertTrue(model.stopsAtLargerBlock > 0, ctx + " some unmap met a block larger than its chunk");

        for (Map.Entry<Long, long[]> e : new ArrayList<>(model.leaves.entrySet())) {
            long iova = e.getKey();
            long size = e.getValue()[1];
            assertEquals(size, ops.unmap(iova, size), () -> String.format("%s teardown unmap(0x%x, 0x%x)", ctx, iova, size));
        }
        assertEquals(1, ops.tablePages(), () -> ctx + " only the start table is left");
        assertEquals(startBytes, frames.bytesInUse(), () -> ctx + " every table but the start table freed");
        for (int i = 0; i < 100; i++) {
            long a = address(r, base, sizes, small);
            assertEquals(0, ops.iovaToPhys(a), () -> ctx + " nothing mapped after teardown");
        }
        ops.free();
        assertEquals(0, frames.bytesInUse(), () -> ctx + " free() returns the start table");
    }

    private static void checkAgainstModel(IoPageTable ops, Model model, SplittableRandom r, long base, long[] sizes,
                                          TableFormat f, long startBytes, FrameAllocator frames, Supplier<String> msg) {
        for (Map.Entry<Long, long[]> e : model.leaves.entrySet()) {
            long iova = e.getKey();
            long pa = e.getValue()[0];
            long size = e.getValue()[1];
            assertEquals(pa, ops.iovaToPhys(iova), () -> msg.get() + String.format(": first byte of 0x%x", iova));
            assertEquals(pa + size - 1, ops.iovaToPhys(iova + size - 1),
                    () -> msg.get() + String.format(": last byte of 0x%x+0x%x", iova, size));
        }
        for (int i = 0; i < 300; i++) {
            long a = address(r, base, sizes, sizes[0]) + r.nextLong(sizes[0]);
            assertEquals(model.phys(a), ops.iovaToPhys(a), () -> msg.get() + String.format(": iovaToPhys(0x%x)", a));
        }
        // Empty tables are freed: the table pages are exactly those on the leaves' paths.
        Set<Long> tables = new HashSet<>();
        for (Map.Entry<Long, long[]> e : model.leaves.entrySet()) {
            int leafLevel = levelOf(f, e.getValue()[1]);
            for (int l = f.startLevel() + 1; l <= leafLevel; l++) {
                tables.add(((long) l << 56) | (e.getKey() >>> f.levelShift(l - 1)));
            }
        }
        long expectPages = 1 + tables.size();
        assertEquals(expectPages, ops.tablePages(), () -> msg.get() + ": table pages");
        assertEquals(startBytes + (expectPages - 1) * f.granule().size(), frames.bytesInUse(),
                () -> msg.get() + ": allocator bytes in use");
    }

    private static int levelOf(TableFormat f, long size) {
        for (int l = 0; l < 4; l++) {
            if (f.levelShift(l) == Long.numberOfTrailingZeros(size)) {
                return l;
            }
        }
        throw new AssertionError("no level for size " + size);
    }

    private static long pickSize(SplittableRandom r, long[] sizes) {
        int p = r.nextInt(10);
        if (sizes.length == 3) {
            return p < 6 ? sizes[0] : p < 9 ? sizes[1] : sizes[2];
        }
        return p < 7 ? sizes[0] : sizes[1];
    }

    /** A clustered address in the window, aligned to {@code align}, so that mappings collide. */
    private static long address(SplittableRandom r, long base, long[] sizes, long align) {
        long top = sizes[sizes.length - 1];
        // Small mappings cluster in the first three top-size slots; the fourth is mostly left to blocks.
        long a = base + (align < top && r.nextInt(5) != 0 ? r.nextLong(3) : r.nextLong(4)) * top;
        long within; // offset of the small-page cluster inside the top-level block
        if (sizes.length == 3) {
            long mid = sizes[1];
            a += (r.nextInt(3) == 0 ? top / mid - 1 - r.nextLong(3) : r.nextLong(4)) * mid;
            within = mid;
        } else {
            within = top;
        }
        long pages = within / sizes[0];
        long idx = r.nextInt(4) == 0 ? pages - 1 - r.nextLong(48) : r.nextLong(48);
        a += idx * sizes[0];
        return a & -align;
    }

    /** Mostly congruent with {@code iova} modulo the top size (so blocks are possible), sometimes only page aligned. */
    private static long physical(SplittableRandom r, long iova, long size, long top, long small) {
        int p = r.nextInt(10);
        if (p < 6) {
            return (iova & (top - 1)) + (1 + r.nextLong(64)) * top;
        }
        if (p < 8 && size <= top >>> 1) {
            // Congruent modulo half the top size only: top-size blocks are impossible, smaller ones are not.
            long half = top >>> 1;
            return ((iova & (top - 1)) ^ half) + (1 + r.nextLong(64)) * top;
        }
        return ((1 + r.nextLong(1L << 20)) * small) & -size;
    }

    /** Random Prot flags, occasionally without READ and WRITE (which maps nothing). */
    private static int protection(SplittableRandom r) {
        int p = r.nextInt(Prot.ALL + 1);
        if (r.nextInt(16) != 0) {
            p |= r.nextBoolean() ? Prot.READ : Prot.WRITE;
        } else {
            p &= ~(Prot.READ | Prot.WRITE);
        }
        return p;
    }
}

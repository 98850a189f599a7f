package dev.jiommu.sim.bench;

import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.WalkResult;
import dev.jiommu.pgtable.Walker;

import java.io.PrintStream;

/**
 * The {@code walk} workload of {@code shared/bench/cref.c}, run on the real
 * {@link Walker} over the real {@link PhysicalMemory}: stage-1 tables, 4 KiB
 * granule, 48-bit input; N pages mapped VA 0x10_0000_0000 + i×4K → PA
 * 0x1_0000_0000 + i×4K with table pages taken in order from PA 0x4000_0000;
 * M full walks (no TLB) of page index xorshift64* mod N at offset
 * {@code k & 0xFF8}. The checksum (XOR of output addresses) equals cref's.
 */
public final class WalkBench {

    public static final long VA_BASE = 0x10_0000_0000L;
    public static final long PA_BASE = 0x1_0000_0000L;
    static final long TABLE_BASE = 0x4000_0000L;

    private WalkBench() {}

    /** The mapped tables and a walker over them. */
    public record Setup(PhysicalMemory memory, IoPageTable table, Walker walker, long pages) {}

    /** Builds cref's tables: one 4 KiB page per map call, so no blocks. */
    public static Setup setup(long pages) {
        long tableBytes = (pages / 512 + 64) * 4096;
        PhysicalMemory mem = PhysicalMemory.ram(TABLE_BASE, tableBytes);
        FrameAllocator frames = new FrameAllocator(mem, TABLE_BASE, tableBytes);
        IoPageTable table = IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
        for (long i = 0; i < pages; i++) {
            int err = table.map(VA_BASE + i * 4096, PA_BASE + i * 4096, 4096, Prot.READ | Prot.WRITE);
            if (err != 0) {
                throw new IllegalStateException("map of page " + i + " failed: " + err);
            }
        }
        return new Setup(mem, table, new Walker(mem), pages);
    }

    /**
     * One pass of {@code walks} random full walks; returns the XOR of the
     * output addresses. The walks run in chunks of at most 2^30 with an
     * {@code int} counter, which leaves the JIT one more register than a
     * {@code long} loop; a chunk is a multiple of 4 KiB walks, so
     * {@code k & 0xFF8} is the same in the chunk as over the pass.
     */
    public static long pass(Setup s, TableFormat format, long root, long walks, WalkResult r) {
        return pass(s, format, root, walks, r, CHUNK);
    }

    /** {@link #pass} in chunks of {@code chunkWalks}, a multiple of 4096. */
    static long pass(Setup s, TableFormat format, long root, long walks, WalkResult r, int chunkWalks) {
        if (chunkWalks <= 0 || chunkWalks % 4096 != 0) {
            throw new IllegalArgumentException("chunk of " + chunkWalks + " walks is not a positive multiple of 4096");
        }
        long state = 0x9E3779B97F4A7C15L;
        long acc = 0;
        for (long done = 0; done < walks; ) {
            int chunk = (int) Math.min(walks - done, chunkWalks);
            long[] result = chunk(s, format, root, chunk, state, r);
            state = result[0];
            acc ^= result[1];
            done += chunk;
        }
        return acc;
    }

    private static final int CHUNK = 1 << 30;

    /** {@code walks} walks from xorshift state {@code state}; returns the state after them and the XOR of outputs. */
    private static long[] chunk(Setup s, TableFormat format, long root, int walks, long state, WalkResult r) {
        Walker walker = s.walker();
        long n = s.pages();
        long acc = 0;
        for (int k = 0; k < walks; k++) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            long i = Long.remainderUnsigned(state * 0x2545F4914F6CDD1DL, n);
            acc ^= walker.walk(format, root, VA_BASE + i * 4096 + (k & 0xFF8), Access.READ, 0, r)
                    ? r.outputAddress() : -1L;
        }
        return new long[] {state, acc};
    }

    /**
     * Maps {@code pages}, runs {@code warmupRounds} unmeasured passes, then one
     * measured pass, and prints {@code walk n= m= ns_per_walk= checksum=}.
     *
     * @return 0, or 1 when any walk faulted (the checksum would not match cref's)
     */
    public static int run(long pages, long walks, int warmupRounds, PrintStream out) {
        Setup s = setup(pages);
        TableFormat format = s.table().format();
        long root = s.table().root();
        WalkResult r = new WalkResult();
        for (int w = 0; w < warmupRounds; w++) {
            pass(s, format, root, walks, r);
        }
        long t0 = System.nanoTime();
        long acc = pass(s, format, root, walks, r);
        long t1 = System.nanoTime();
        out.printf("walk n=%d m=%d ns_per_walk=%.2f checksum=%x%n", pages, walks, (t1 - t0) / (double) walks, acc);
        return totalFaults(s.walker()) == 0 ? 0 : 1;
    }

    private static long totalFaults(Walker w) {
        long f = 0;
        for (var k : dev.jiommu.pgtable.FaultKind.values()) {
            f += w.faults(k);
        }
        return f;
    }
}

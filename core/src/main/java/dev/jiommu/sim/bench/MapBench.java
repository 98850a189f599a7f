package dev.jiommu.sim.bench;

import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;

import java.io.PrintStream;

/**
 * Scale of {@link IoPageTable}: maps {@code size} bytes of IOVA with one
 * {@code map} call per page, once in 4 KiB pages and once in 2 MiB blocks
 * (stage 1, 4K granule, 48-bit), then unmaps it with one call; reports time
 * and table memory for each. One untimed round first warms the JIT.
 */
public final class MapBench {
    static final long IOVA = 0x80_0000_0000L;
    static final long PA = 0x1_0000_0000L;
    static final long TABLE_BASE = 0x4000_0000L;

    private MapBench() {}

    /** One round: the figures of mapping {@code size} in pages of {@code pageSize}. */
    public record Result(long pageSize, long maps, long mapNanos, long unmapNanos, long tablePages, long tableBytes,
                         long unmapped, long tablePagesAfter) {}

    public static Result round(long size, long pageSize) {
        long tableRange = size / pageSize * 8 * 2 + (64L << 20);
        PhysicalMemory mem = PhysicalMemory.ram(TABLE_BASE, tableRange & -4096L);
        FrameAllocator frames = new FrameAllocator(mem, TABLE_BASE, tableRange & -4096L);
        IoPageTable t = IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
        long maps = size / pageSize;
        long t0 = System.nanoTime();
        for (long i = 0; i < maps; i++) {
            int err = t.map(IOVA + i * pageSize, PA + i * pageSize, pageSize, Prot.READ | Prot.WRITE);
            if (err != 0) {
                throw new IllegalStateException("map " + i + " failed: " + err);
            }
        }
        long t1 = System.nanoTime();
        long pages = t.tablePages(), bytes = t.tableBytes();
        long unmapped = t.unmap(IOVA, size);
        long t2 = System.nanoTime();
        return new Result(pageSize, maps, t1 - t0, t2 - t1, pages, bytes, unmapped, t.tablePages());
    }

    /**
     * Maps and unmaps {@code size} bytes in 4 KiB pages and in 2 MiB blocks and
     * prints one line for each.
     *
     * @return 0, or 1 when the unmap did not return the whole size or left tables behind
     */
    public static int run(long size, PrintStream out) {
        int status = 0;
        for (long pageSize : new long[] {4096, 2L << 20}) {
            round(Math.min(size, 64L << 20), pageSize); // warm-up
            Result r = round(size, pageSize);
            out.printf("map size=%d page=%d maps=%d map_ms=%.1f ns_per_map=%.0f unmap_ms=%.1f table_pages=%d table_bytes=%d%n",
                    size, pageSize, r.maps, r.mapNanos / 1e6, r.mapNanos / (double) r.maps, r.unmapNanos / 1e6,
                    r.tablePages, r.tableBytes);
            if (r.unmapped != size || r.tablePagesAfter != 1) {
                out.printf("map: unmap returned %d of %d bytes and left %d table pages%n", r.unmapped, size, r.tablePagesAfter);
                status = 1;
            }
        }
        return status;
    }
}

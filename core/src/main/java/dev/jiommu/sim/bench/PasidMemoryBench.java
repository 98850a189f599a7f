package dev.jiommu.sim.bench;

import dev.jiommu.os.iommu.SvaHandle;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.sim.scenarios.SvaSystem;

import java.io.PrintStream;

/**
 * Memory per bound PASID: {@code n} processes bound for SVA to one
 * jiommu-dma engine (ATS, PRI, 20-bit PASIDs) through the whole stack
 * ({@link SvaSystem}), each with a PASID of its own.
 *
 * <ul>
 *   <li>Simulated memory: the frames the SMMU driver allocated for the binds
 *       ({@code SvaSystem.driverFrames()}): with 20-bit PASIDs the master's
 *       CD table has two levels, so a 64 KiB leaf of 1024 CDs (64 bytes each)
 *       is allocated for the first PASID of each 1024 (the L1 table exists
 *       from probe and is not counted).</li>
 *   <li>Java heap: the live heap after a full GC, before and after the
 *       binds, divided by {@code n}: what the model keeps per bond (the
 *       process's adapter and SVA state, its PASID, SVA domain, driver
 *       domain and bond records, map entries, the MMU notifier). The
 *       processes exist before the first measurement; their own state is not
 *       counted. A GC-based figure: it moves by a few bytes per bond from run
 *       to run.</li>
 * </ul>
 *
 * <p>One process is bound first, unmeasured, so that the device's one-time
 * work (joining the IOPF queue, its STE becoming a CD-table STE) is not
 * counted.
 */
public final class PasidMemoryBench {

    private PasidMemoryBench() {
    }

    /**
     * What {@code pasids} binds cost.
     *
     * @param pasids          binds measured, each a new PASID
     * @param driverBytes     driver frames allocated by them
     * @param cdLeaves        CD-table leaves allocated by them
     * @param heapBytes       live Java heap they added
     */
    public record Result(int pasids, long driverBytes, int cdLeaves, long heapBytes) {

        public double driverBytesPerPasid() {
            return (double) driverBytes / pasids;
        }

        public double heapBytesPerPasid() {
            return (double) heapBytes / pasids;
        }
    }

    /** Binds {@code n} fresh processes (after one unmeasured bind) and measures. */
    public static Result measure(int n) {
        if (n < 1 || n > 4000) {
            throw new IllegalArgumentException("n must be 1..4000: " + n);
        }
        SvaSystem sys = SvaSystem.withPri(1);
        Mm[] procs = new Mm[n + 1];
        for (int i = 0; i <= n; i++) {
            procs[i] = sys.mm().createMm("p" + i);
        }
        SvaHandle[] handles = new SvaHandle[n + 1];
        handles[0] = bind(sys, procs[0]);
        int leavesBefore = sys.driver().cdLeaves(sys.device(0));
        long framesBefore = sys.driverFrames().bytesInUse();
        long heapBefore = liveHeap();
        for (int i = 1; i <= n; i++) {
            handles[i] = bind(sys, procs[i]);
        }
        long heapAfter = liveHeap();
        long frames = sys.driverFrames().bytesInUse() - framesBefore;
        int leaves = sys.driver().cdLeaves(sys.device(0)) - leavesBefore;
        java.lang.ref.Reference.reachabilityFence(handles);
        java.lang.ref.Reference.reachabilityFence(procs);
        return new Result(n, frames, leaves, heapAfter - heapBefore);
    }

    private static SvaHandle bind(SvaSystem sys, Mm mm) {
        dev.jiommu.os.iommu.Result<SvaHandle> r = sys.core().bind(sys.device(0), MmAddressSpace.of(mm));
        if (!r.isOk()) {
            throw new IllegalStateException("bind of " + mm.name() + " failed: " + r);
        }
        return r.value();
    }

    /** Used heap after a full GC, the smallest of three tries. */
    static long liveHeap() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    /** Prints one line: {@code pasid-memory pasids= driver_bytes= ...}; returns 0. */
    public static int run(int n, PrintStream out) {
        measure(Math.min(n, 256)); // warm-up: classes loaded, code compiled
        Result r = measure(n);
        out.printf("pasid-memory pasids=%d driver_bytes=%d cd_leaves=%d driver_bytes_per_pasid=%.1f "
                        + "heap_bytes=%d heap_bytes_per_pasid=%.0f%n", r.pasids(), r.driverBytes(), r.cdLeaves(),
                r.driverBytesPerPasid(), r.heapBytes(), r.heapBytesPerPasid());
        return 0;
    }
}

package dev.jiommu.jmh;

import dev.jiommu.sim.bench.DmaMapBench;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Map + unmap of one 4 KiB page in a DMA domain with strict invalidation
 * ({@link DmaMapBench}): one operation is {@code IommuCore.map} then
 * {@code IommuCore.unmap}, whose invalidation (CMD_TLBI_NH_VA + CMD_SYNC, and
 * with {@code ats=true} CMD_ATC_INV + CMD_SYNC) goes through the SMMU model's
 * command queue before unmap returns. Each iteration's teardown checks the
 * SMMU's command counters against the operations run and fails the run when
 * they differ.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {LauncherOptions.NATIVE_ACCESS, LauncherOptions.FREQ_INLINE_SIZE,
        LauncherOptions.INLINE_SMALL_CODE})
public class DmaMapBenchmark {

    @Param({"true", "false"})
    public boolean ats;

    private DmaMapBench bench;

    @Setup(Level.Trial)
    public void build() {
        bench = new DmaMapBench(ats);
    }

    @TearDown(Level.Iteration)
    public void verify() {
        String bad = bench.check();
        if (bad != null) {
            throw new IllegalStateException("ats=" + ats + ": " + bad);
        }
    }

    @Benchmark
    public void mapUnmap4k() {
        bench.mapUnmap();
    }
}

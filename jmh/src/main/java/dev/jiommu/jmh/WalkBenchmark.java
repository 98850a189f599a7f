package dev.jiommu.jmh;

import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.WalkResult;
import dev.jiommu.pgtable.Walker;
import dev.jiommu.sim.bench.WalkBench;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One full stage-1 walk (4K granule, 4 levels, no TLB) of a random page among
 * {@code pages} mapped as in cref's walk workload.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {LauncherOptions.NATIVE_ACCESS, LauncherOptions.FREQ_INLINE_SIZE,
        LauncherOptions.INLINE_SMALL_CODE})
public class WalkBenchmark {

    @Param({"4096", "1048576"})
    long pages;

    private Walker walker;
    private TableFormat format;
    private long root;
    private final WalkResult result = new WalkResult();
    private long state = 0x9E3779B97F4A7C15L;
    private long k;

    @Setup
    public void setup() {
        WalkBench.Setup s = WalkBench.setup(pages);
        walker = s.walker();
        format = s.table().format();
        root = s.table().root();
    }

    @Benchmark
    public long walk() {
        long x = state;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state = x;
        long i = Long.remainderUnsigned(x * 0x2545F4914F6CDD1DL, pages);
        walker.walk(format, root, 0x10_0000_0000L + i * 4096 + (k++ & 0xFF8), Access.READ, 0, result);
        return result.outputAddress();
    }
}

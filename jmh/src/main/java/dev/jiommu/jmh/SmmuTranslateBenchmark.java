package dev.jiommu.jmh;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.Translation;
import dev.jiommu.pgtable.Access;
import dev.jiommu.sim.bench.IotlbBench;
import dev.jiommu.sim.bench.WalkBench;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One translation through the SMMU's translate path (StreamID → STE → CD →
 * TLB): {@code tlbHit} among 64 hot pages with a TLB (cref's iotlb
 * workload), {@code tlbOffWalk} a full stage-1 walk of a random page among
 * 1 Mi with no TLB (cref's walk workload).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {LauncherOptions.NATIVE_ACCESS, LauncherOptions.FREQ_INLINE_SIZE,
        LauncherOptions.INLINE_SMALL_CODE})
public class SmmuTranslateBenchmark {

    private static final long WALK_PAGES = 1L << 20;

    private Smmu hot;
    private Smmu walking;
    private final Translation out = new Translation();
    private long state = 0x9E3779B97F4A7C15L;
    private long k;

    @Setup
    public void setup() {
        hot = IotlbBench.setup(true, 64).smmu();
        walking = IotlbBench.setup(false, WALK_PAGES).smmu();
    }

    private long next() {
        long x = state;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state = x;
        return x * 0x2545F4914F6CDD1DL;
    }

    @Benchmark
    public long tlbHit() {
        long va = ((0x100_0000L + (next() & 63)) << 12) | (k++ & 0xFF8);
        hot.translate(0, DmaTarget.NO_SUBSTREAM, va, Access.READ, out);
        return out.outputAddress();
    }

    @Benchmark
    public long tlbOffWalk() {
        long i = Long.remainderUnsigned(next(), WALK_PAGES);
        walking.translate(0, DmaTarget.NO_SUBSTREAM, WalkBench.VA_BASE + i * 4096 + (k++ & 0xFF8), Access.READ, out);
        return out.outputAddress();
    }
}

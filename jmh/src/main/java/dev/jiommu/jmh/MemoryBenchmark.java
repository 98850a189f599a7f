package dev.jiommu.jmh;

import dev.jiommu.mem.PhysicalMemory;
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
 * 64-bit reads and writes of {@link PhysicalMemory}: one hot address, and
 * random aligned addresses over 8 MiB of touched RAM (the size of cref's walk
 * tables).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {LauncherOptions.NATIVE_ACCESS, LauncherOptions.FREQ_INLINE_SIZE,
        LauncherOptions.INLINE_SMALL_CODE})
public class MemoryBenchmark {
    private static final long BASE = 0x4000_0000L;
    private static final long SPAN = 8L << 20;

    private PhysicalMemory memory;
    private long state = 0x9E3779B97F4A7C15L;

    @Setup
    public void setup() {
        memory = PhysicalMemory.ram(BASE, 1L << 30);
        for (long a = 0; a < SPAN; a += 8) {
            memory.write64(BASE + a, a * 0x9E3779B97F4A7C15L);
        }
    }

    private long nextAddress() {
        long x = state;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state = x;
        return BASE + ((x * 0x2545F4914F6CDD1DL) & (SPAN - 8));
    }

    @Benchmark
    public long read64Hot() {
        return memory.read64(BASE + 0x1238);
    }

    @Benchmark
    public long read64Random() {
        return memory.read64(nextAddress());
    }

    @Benchmark
    public void write64Random() {
        long a = nextAddress();
        memory.write64(a, a);
    }
}

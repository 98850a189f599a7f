package dev.jiommu.jmh;

import dev.jiommu.sim.bench.FaultBench;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * I/O page-fault round trips per second through the whole SVA stack
 * ({@link FaultBench}): one operation is one page that faults and is resolved
 * (device request → SMMU PRI or event queue → driver interrupt thread → IOPF
 * queue → {@code Mm.handleFault} → CMD_PRI_RESP / CMD_RESUME → device retry).
 *
 * <p>Each invocation has the engine TOUCH a buffer of {@value #PAGES} fresh
 * pages; the buffer is unmapped and mapped anew before every invocation,
 * outside the timing, so every measured page really faults. Each iteration's
 * teardown checks from the stack's counters ({@link FaultBench#check()}) that
 * exactly {@value #PAGES} pages faulted per invocation, one PRI request or
 * stall each, and fails the run otherwise.
 *
 * <ul>
 *   <li>{@code pri}: contiguous pages; the engine groups up to 16 page
 *       requests in one page request group, so one CMD_PRI_RESP and one retry
 *       serve up to 16 faults.</li>
 *   <li>{@code priSingle}: every other page was touched by the CPU, so each
 *       fault is a group of one with its own response and retry.</li>
 *   <li>{@code stall}: the SMMU's stall model, one stall, event and
 *       CMD_RESUME per page.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {LauncherOptions.NATIVE_ACCESS, LauncherOptions.FREQ_INLINE_SIZE,
        LauncherOptions.INLINE_SMALL_CODE})
public class SvaFaultBenchmark {

    /** Pages faulted per invocation. */
    public static final int PAGES = 256;

    /** One stack per fault path; see {@link FaultBench.Mode}. */
    @State(Scope.Thread)
    public static class Rig {
        @Param({"PRI", "PRI_SINGLE", "STALL"})
        public FaultBench.Mode mode;

        FaultBench bench;

        @Setup(Level.Trial)
        public void build() {
            bench = new FaultBench(mode, PAGES);
        }

        @Setup(Level.Invocation)
        public void freshBuffer() {
            bench.prepare();
        }

        @TearDown(Level.Iteration)
        public void verify() {
            String bad = bench.check();
            if (bad != null) {
                throw new IllegalStateException(mode + ": " + bad);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void faultedPage(Rig rig) {
        rig.bench.round();
    }
}

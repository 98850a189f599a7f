package dev.jiommu.jmh;

import dev.jiommu.os.iommu.Result;
import dev.jiommu.os.iommu.SvaHandle;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.sim.scenarios.SvaSystem;
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
 * Bind and unbind of a process for SVA on an ATS + PRI engine through the
 * whole stack ({@link SvaSystem}): {@code IommuCore.bind} (SVA domain, ASID
 * pinned, CD written with the hitless writer, CFGI_CD + CMD_SYNC) and
 * {@code IommuCore.unbind} (CD cleared, ATC_INV, TLBI by ASID, each with a
 * CMD_SYNC). With {@code -prof gc}, {@code gc.alloc.rate.norm} is what one
 * cycle allocates; what a bond keeps is {@code jiommu bench pasid-memory}.
 * The process keeps its PASID between cycles, as Linux's mm does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {LauncherOptions.NATIVE_ACCESS, LauncherOptions.FREQ_INLINE_SIZE,
        LauncherOptions.INLINE_SMALL_CODE})
public class SvaBindBenchmark {

    private SvaSystem sys;
    private MmAddressSpace process;

    @Setup
    public void setup() {
        sys = SvaSystem.withPri(1);
        Mm mm = sys.mm().createMm("bench");
        process = MmAddressSpace.of(mm);
    }

    @Benchmark
    public int bindUnbind() {
        Result<SvaHandle> r = sys.core().bind(sys.device(0), process);
        int pasid = r.value().pasid();
        if (sys.core().unbind(r.value()) != 0) {
            throw new IllegalStateException("unbind failed");
        }
        return pasid;
    }
}

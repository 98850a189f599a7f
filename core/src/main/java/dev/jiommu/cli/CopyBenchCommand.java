package dev.jiommu.cli;

import dev.jiommu.sim.bench.CopyBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code jiommu bench copy}: DMA engine copy throughput through ATS and the SMMU, via {@link CopyBench}. */
@Command(
        name = "copy",
        description = {
            "Copy a 64 MiB buffer to another R times with the DMA engine: cref's copy workload."
                    + " Both buffers are mapped page by page (4 KiB) under one PASID; the engine uses ATS,"
                    + " its ATC holds every page, and after the warm-up every 4 KiB chunk is two ATC hits"
                    + " and two Translated requests through the SMMU.",
            "Prints one line: copy bytes=... gbps=... check=90 atc_hits=... atc_misses=... translation_requests=...",
        },
        sortOptions = false,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:every copy completed with status SUCCESS",
            " 1:some descriptor did not complete SUCCESS",
            " 2:usage error, such as a value out of range",
            "70:internal error",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu bench copy                 compare with: cref copy",
            "  jiommu bench copy --rounds 4 --warmup 0",
        })
final class CopyBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "16",
            description = "Timed copies of 64 MiB, at least 1. Default: ${DEFAULT-VALUE} (as cref copy).")
    long rounds;

    @Option(names = "--warmup", paramLabel = "K", defaultValue = "10",
            description = "Untimed copies first, 0 or more. Default: ${DEFAULT-VALUE} (cref copy: 2; the JIT"
                    + " needs about 8 to finish compiling the copy path).")
    int warmup;

    @Override
    public Integer call() {
        if (rounds < 1) {
            throw new ParameterException(spec.commandLine(), "--rounds must be at least 1, got " + rounds);
        }
        if (warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--warmup must be 0 or more, got " + warmup);
        }
        return CopyBench.run(rounds, warmup, Main.root(spec).out);
    }
}

package dev.jiommu.cli;

import dev.jiommu.sim.bench.IotlbBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jiommu bench iotlb}: SMMU translate-path speed, via {@link IotlbBench}. */
@Command(
        name = "iotlb",
        description = {
            "Time M translations through the SMMU (stream table, configuration cache, CD, TLB)"
                    + " after K warm-up rounds: cref's iotlb workload, 64 hot pages, TLB hits.",
            "With --no-tlb the SMMU has no TLB and runs cref's walk workload instead:"
                    + " N pages mapped, every lookup a full four-level stage-1 walk.",
            "Prints one line: iotlb m=M ns_per_lookup=... checksum=... (iotlb-walk with --no-tlb).",
        },
        sortOptions = false,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:the benchmark ran and every lookup translated",
            " 1:some lookup did not translate (the checksum would not match cref's)",
            " 2:usage error, such as a value out of range",
            "70:internal error",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu bench iotlb",
            "  jiommu bench iotlb --lookups 16M --warmup 1",
            "  jiommu bench iotlb --no-tlb              compare with: cref walk",
            "",
            "Counts take a binary suffix: 64K = 65536, 4M = 4194304, 1G = 1073741824.",
        })
final class IotlbBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--lookups", paramLabel = "M", converter = CountConverter.class,
            description = "Lookups timed, at least 1. Default: 67108864 (64M, as cref iotlb), "
                    + "or 16777216 (16M, as cref walk) with --no-tlb.")
    Long lookups;

    @Option(names = "--no-tlb", description = "Give the SMMU no TLB: every lookup walks.")
    boolean noTlb;

    @Option(names = "--pages", paramLabel = "N", defaultValue = "1048576", converter = CountConverter.class,
            description = "Pages mapped with --no-tlb, 1 to 67108864 (64M). Default: ${DEFAULT-VALUE}.")
    long pages;

    @Option(names = "--warmup", paramLabel = "K", defaultValue = "3",
            description = "Untimed warm-up rounds, 0 or more. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Override
    public Integer call() {
        long m = lookups != null ? lookups : noTlb ? 1L << 24 : 1L << 26;
        if (m < 1) {
            throw new ParameterException(spec.commandLine(), "--lookups must be at least 1, got " + m);
        }
        if (pages < 1 || pages > WalkBenchCommand.MAX_PAGES) {
            throw new ParameterException(spec.commandLine(),
                    "--pages must be between 1 and " + WalkBenchCommand.MAX_PAGES + ", got " + pages);
        }
        if (warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--warmup must be 0 or more, got " + warmup);
        }
        return IotlbBench.run(!noTlb, pages, m, warmup, Main.root(spec).out);
    }
}

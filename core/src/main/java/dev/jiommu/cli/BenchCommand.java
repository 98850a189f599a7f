package dev.jiommu.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code jiommu bench WORKLOAD}: host-speed measurements of the model. Each
 * workload is a subcommand; add new ones to {@code subcommands}.
 */
@Command(
        name = "bench",
        synopsisSubcommandLabel = "WORKLOAD",
        description = {
            "Measure how fast the model runs on this host (host time, not modelled cost).",
            "Each workload prints one result line. For steadier figures use the JMH"
                    + " benchmarks (see docs/PERFORMANCE.md).",
        },
        subcommands = {WalkBenchCommand.class, IotlbBenchCommand.class, CopyBenchCommand.class, MapBenchCommand.class,
            PasidMemoryBenchCommand.class},
        commandListHeading = "%nWorkloads:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu bench walk                    default sizes",
            "  jiommu bench walk --pages 1K --walks 1M",
            "  jiommu bench iotlb --no-tlb",
            "  jiommu bench map --size 4G",
            "  jiommu bench pasid-memory --pasids 1K",
        })
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    /** {@code jiommu bench} without a workload: usage on stderr, usage-error status. */
    @Override
    public Integer call() {
        return Main.printUsageAsError(spec);
    }
}

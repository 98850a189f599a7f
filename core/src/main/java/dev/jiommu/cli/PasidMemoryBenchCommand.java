package dev.jiommu.cli;

import dev.jiommu.sim.bench.PasidMemoryBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jiommu bench pasid-memory}: simulated and Java-heap memory per bound PASID, via {@link PasidMemoryBench}. */
@Command(
        name = "pasid-memory",
        description = {
            "Print the memory a PASID bound for SVA costs: driver frames and Java heap.",
            "Binds N processes to one DMA engine through the whole stack and compares the"
                    + " SMMU driver's frames (CD-table leaves) and the live heap after a full GC.",
            "Prints one line: pasid-memory pasids= driver_bytes= cd_leaves= driver_bytes_per_pasid= heap_bytes= heap_bytes_per_pasid=",
        },
        sortOptions = false,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:the measurement ran",
            " 2:usage error, such as a value out of range",
            "70:internal error",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu bench pasid-memory",
            "  jiommu bench pasid-memory --pasids 1K",
        })
final class PasidMemoryBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--pasids", paramLabel = "N", defaultValue = "3072", converter = CountConverter.class,
            description = "Processes to bind, 1 to 4000. Default: ${DEFAULT-VALUE}.")
    long pasids;

    @Override
    public Integer call() {
        if (pasids < 1 || pasids > 4000) {
            throw new ParameterException(spec.commandLine(), "--pasids must be between 1 and 4000, got " + pasids);
        }
        return PasidMemoryBench.run((int) pasids, Main.root(spec).out);
    }
}

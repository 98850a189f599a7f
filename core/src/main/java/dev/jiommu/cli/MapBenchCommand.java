package dev.jiommu.cli;

import dev.jiommu.sim.bench.MapBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jiommu bench map}: io-pgtable map/unmap scale, via {@link MapBench}. */
@Command(
        name = "map",
        description = {
            "Map SIZE bytes with one map call per page, in 4 KiB pages and then in 2 MiB"
                    + " blocks, unmap each with one call, and print time and table memory.",
            "Prints two lines: map size= page= maps= map_ms= ns_per_map= unmap_ms= table_pages= table_bytes=",
        },
        sortOptions = false,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:the benchmark ran",
            " 1:an unmap returned less than SIZE or left table pages behind",
            " 2:usage error, such as a value out of range",
            "70:internal error",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu bench map",
            "  jiommu bench map --size 16G",
            "",
            "Sizes take a binary suffix: 64K = 65536, 4M = 4194304, 1G = 1073741824.",
        })
final class MapBenchCommand implements Callable<Integer> {

    /** Largest --size: 256 GiB (64 Mi pages of 4 KiB). */
    static final long MAX_SIZE = 256L << 30;

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1073741824", converter = CountConverter.class,
            description = "Bytes to map, a multiple of 2 MiB up to 256G. Default: ${DEFAULT-VALUE}.")
    long size;

    @Override
    public Integer call() {
        if (size < (2L << 20) || size > MAX_SIZE || size % (2L << 20) != 0) {
            throw new ParameterException(spec.commandLine(),
                    "--size must be a multiple of 2 MiB between 2M and 256G, got " + size);
        }
        return MapBench.run(size, Main.root(spec).out);
    }
}

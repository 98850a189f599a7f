package dev.jiommu.cli;

import dev.jiommu.sim.bench.WalkBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jiommu bench walk}: page-table walk speed, via {@link WalkBench}. */
@Command(
        name = "walk",
        description = {
            "Map N pages, then time M page-table walks over them after K warm-up rounds.",
            "Prints one line: walk n=N m=M ns_per_walk=... checksum=...",
        },
        sortOptions = false,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:the benchmark ran",
            " 2:usage error, such as a value out of range",
            "70:internal error",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu bench walk",
            "  jiommu bench walk --pages 64K --walks 4M --warmup 1",
            "",
            "Counts take a binary suffix: 64K = 65536, 4M = 4194304, 1G = 1073741824.",
        })
final class WalkBenchCommand implements Callable<Integer> {

    /** Largest --pages value: 2^26 pages (256 GiB of 4 KiB pages). */
    static final long MAX_PAGES = 1L << 26;

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--pages", paramLabel = "N", defaultValue = "1048576", converter = CountConverter.class,
            description = "Pages to map, 1 to 67108864 (64M). Default: ${DEFAULT-VALUE}.")
    long pages;

    @Option(names = "--walks", paramLabel = "M", defaultValue = "16777216", converter = CountConverter.class,
            description = "Walks timed, at least 1. Default: ${DEFAULT-VALUE}.")
    long walks;

    @Option(names = "--warmup", paramLabel = "K", defaultValue = "3",
            description = "Untimed warm-up rounds, 0 or more. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Override
    public Integer call() {
        if (pages < 1 || pages > MAX_PAGES) {
            throw new ParameterException(spec.commandLine(),
                    "--pages must be between 1 and " + MAX_PAGES + ", got " + pages);
        }
        if (walks < 1) {
            throw new ParameterException(spec.commandLine(), "--walks must be at least 1, got " + walks);
        }
        if (warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--warmup must be 0 or more, got " + warmup);
        }
        return WalkBench.run(pages, walks, warmup, Main.root(spec).out);
    }
}

package dev.jiommu.cli;

import picocli.CommandLine.Option;

/** The {@code -h/--help} option, mixed into every subcommand. */
final class HelpOption {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}

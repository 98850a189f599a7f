/**
 * The {@code jiommu} command line: {@link dev.jiommu.cli.Main} and its subcommands.
 *
 * <p>This is the only package that uses picocli and the only one that may end the
 * process ({@code System.exit}); both rules are kept by {@code ArchitectureTest}.
 */
package dev.jiommu.cli;

package dev.jiommu.cli;

import dev.jiommu.hw.platform.Iommu;
import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code jiommu} command: entry point of the launcher and of the shaded jar.
 *
 * <p>Exit status: {@link #EXIT_OK}, {@link #EXIT_FAILED} (a scenario check
 * failed), {@link #EXIT_USAGE} (bad command line, reported on one line of
 * stderr), {@link #EXIT_INTERNAL} (an exception escaped a command, reported on
 * one line; with {@code JIOMMU_DEBUG=1} followed by the stack trace).
 *
 * <p>Tests drive {@link #execute(PrintStream, PrintStream, String...)}, which
 * never ends the process.
 */
@Command(
        name = "jiommu",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        subcommands = {RunCommand.class, BenchCommand.class},
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "An executable model of the Arm SMMUv3 / PCIe / Linux IOMMU"
                    + " shared-virtual-addressing stack.",
            "Run a built-in scenario end to end, measure how fast the model runs, or stand in",
            "for qemu-system-aarch64 under QEMU's qtest programs.",
        },
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:success",
            " 1:a scenario check failed",
            " 2:usage error (unknown command, option or value)",
            "70:internal error (JIOMMU_DEBUG=1 adds the stack trace)",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu run                     run the default scenario",
            "  jiommu run --list              list the built-in scenarios",
            "  jiommu bench walk --pages 64K  time page-table walks over 65536 pages",
            "  jiommu qtest -machine virt     serve the qtest protocol on stdin/stdout",
            "  jiommu bench walk --help       help on one command",
            "",
            "Every command and option is described in docs/cli.md.",
        })
public final class Main implements Callable<Integer> {

    /** Success. */
    public static final int EXIT_OK = 0;
    /** A scenario check failed (or, from the launcher, no JDK 25 was found). */
    public static final int EXIT_FAILED = 1;
    /** Usage error: unknown command or option, bad or missing value. */
    public static final int EXIT_USAGE = 2;
    /** Internal error: an exception escaped a command (sysexits EX_SOFTWARE). */
    public static final int EXIT_INTERNAL = 70;

    /**
     * The IOMMU models {@code jiommu qtest -machine virt,iommu=NAME} can build, by QEMU's
     * {@code iommu=} value ({@code smmuv3}).
     */
    static final Map<String, IommuFactory> IOMMU_MODELS = Map.of("smmuv3",
            IommuFactory.smmuv3(SmmuConfig.qemuVirt()));

    /** Environment variable that, set to {@code 1}, prints stack traces of internal errors. */
    static final String DEBUG_ENV = "JIOMMU_DEBUG";

    /** Where commands print their results and reports (diagnostics go to picocli's err writer). */
    final PrintStream out;

    @Spec
    CommandSpec spec;

    private Main(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Runs one command line to completion, printing to {@code out} and {@code err},
     * and returns its exit status; never exits the process.
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        return execute(out, err, "1".equals(System.getenv(DEBUG_ENV)), args);
    }

    static int execute(PrintStream out, PrintStream err, boolean debug, String... args) {
        PrintWriter outWriter = writer(out);
        PrintWriter errWriter = writer(err);
        try {
            return commandLine(out, outWriter, errWriter, debug).execute(args);
        } catch (RuntimeException | Error e) {
            // Thrown outside a command's call() (or an Error, which picocli does not route
            // to the execution exception handler): same report as any internal error.
            return internalError(e, errWriter, debug);
        } finally {
            outWriter.flush();
            errWriter.flush();
            out.flush();
            err.flush();
        }
    }

    /** The root command line with its handlers; help goes to {@code outWriter}, diagnostics to {@code errWriter}. */
    private static CommandLine commandLine(PrintStream out, PrintWriter outWriter, PrintWriter errWriter,
            boolean debug) {
        CommandLine cl = new CommandLine(new Main(out));
        cl.addSubcommand(new QtestCommand(IOMMU_MODELS));
        boolean console = out == System.out && System.console() != null && System.console().isTerminal();
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(
                console ? CommandLine.Help.Ansi.AUTO : CommandLine.Help.Ansi.OFF));
        cl.setOut(outWriter);
        cl.setErr(errWriter);
        cl.setParameterExceptionHandler((ex, args) -> usageError(ex));
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> internalError(ex, cmd.getErr(), debug));
        return cl;
    }

    /** The root {@link Main} of the command that {@code spec} describes. */
    static Main root(CommandSpec spec) {
        return (Main) spec.root().userObject();
    }

    /** {@code jiommu} without a command: usage on stderr, usage-error status. */
    @Override
    public Integer call() {
        return printUsageAsError(spec);
    }

    /** For commands that need a subcommand and got none. */
    static int printUsageAsError(CommandSpec spec) {
        PrintWriter w = spec.commandLine().getErr();
        spec.commandLine().usage(w);
        w.flush();
        return EXIT_USAGE;
    }

    /** Reports a bad command line on one line of stderr and returns {@link #EXIT_USAGE}. */
    static int usageError(ParameterException ex) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        PrintWriter w = cmd.getErr();
        w.println(name + ": " + oneLine(describe(ex)) + " (see '" + name + " --help')");
        w.flush();
        return EXIT_USAGE;
    }

    private static String describe(ParameterException ex) {
        if (!(ex instanceof UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
            return decapitalize(ex.getMessage());
        }
        CommandSpec spec = ex.getCommandLine().getCommandSpec();
        String first = u.getUnmatched().getFirst();
        String msg = decapitalize(ex.getMessage());
        if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty() && !first.startsWith("-")) {
            msg = "unknown command '" + first + "'; commands: "
                    + String.join(", ", spec.subcommands().keySet());
        }
        List<String> suggestions = u.getSuggestions();
        return suggestions.isEmpty() ? msg : msg + "; did you mean " + String.join(" or ", suggestions) + "?";
    }

    /**
     * Reports an exception that escaped a command: one line on {@code err}, then
     * the stack trace when {@code debug}. Returns {@link #EXIT_INTERNAL}.
     */
    static int internalError(Throwable t, PrintWriter err, boolean debug) {
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = t.getClass().getName();
        }
        err.println("jiommu: internal error: " + oneLine(msg));
        if (debug) {
            t.printStackTrace(err);
        }
        err.flush();
        return EXIT_INTERNAL;
    }

    /** "Unknown option: ..." → "unknown option: ...", matching this CLI's own messages. */
    private static String decapitalize(String s) {
        if (s == null) {
            return "invalid command line";
        }
        boolean word = s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1));
        return word ? Character.toLowerCase(s.charAt(0)) + s.substring(1) : s;
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, stream.charset()), true);
    }
}

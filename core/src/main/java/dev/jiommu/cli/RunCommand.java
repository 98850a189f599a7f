package dev.jiommu.cli;

import dev.jiommu.sim.Scenario;
import dev.jiommu.sim.Scenarios;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jiommu run [SCENARIO]} and {@code jiommu run --list}. */
@Command(
        name = "run",
        description = {
            "Run a built-in scenario end to end and print its report.",
            "Each scenario checks what it models; the exit status says whether every check held.",
        },
        defaultValueProvider = RunCommand.DefaultScenario.class,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:every check of the scenario held (or --list)",
            " 1:a check failed (the report says which)",
            " 2:usage error, such as an unknown scenario",
            "70:internal error",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jiommu run --list       names and summaries; the default is marked",
            "  jiommu run              run the default scenario",
            "  jiommu run pgtable      run the scenario named pgtable",
        })
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--list", description = "List the built-in scenarios, one per line (name, summary), and exit.")
    boolean list;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO",
            description = "Name of the scenario to run (see --list). Default: ${DEFAULT-VALUE}.")
    String name;

    @Override
    public Integer call() {
        PrintStream out = Main.root(spec).out;
        if (list) {
            if (spec.commandLine().getParseResult().hasMatchedPositional(0)) {
                throw new ParameterException(spec.commandLine(), "--list takes no scenario name");
            }
            printList(out, Scenarios.builtIn(), Scenarios.defaultName());
            return Main.EXIT_OK;
        }
        Scenario scenario = Scenarios.byName(name).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "unknown scenario '" + name + "'; known scenarios: " + String.join(", ", names())));
        return scenario.run(out);
    }

    static void printList(PrintStream out, List<Scenario> scenarios, String defaultName) {
        int width = scenarios.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        for (Scenario s : scenarios) {
            String mark = s.name().equals(defaultName) ? "  (default)" : "";
            out.println(String.format("%-" + width + "s  %s%s", s.name(), s.summary(), mark));
        }
    }

    private static List<String> names() {
        return Scenarios.builtIn().stream().map(Scenario::name).toList();
    }

    /** Supplies the registry's default scenario name to picocli (and to the help text). */
    static final class DefaultScenario implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            return arg.isPositional() ? Scenarios.defaultName() : null;
        }
    }
}

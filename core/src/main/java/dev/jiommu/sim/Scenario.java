package dev.jiommu.sim;

import java.io.PrintStream;

/**
 * A built-in flow that {@code jiommu run NAME} executes end to end and reports on.
 *
 * <p>Invariant: a scenario is deterministic; two runs print the same modelled
 * figures (host timings excepted).
 */
public interface Scenario {

    /** The name {@code jiommu run} takes, lower-case, no spaces. */
    String name();

    /** One line for {@code jiommu run --list}. */
    String summary();

    /**
     * Runs the flow and prints its report to {@code out}.
     *
     * @return 0 when every check the scenario makes holds, non-zero otherwise
     */
    int run(PrintStream out);
}

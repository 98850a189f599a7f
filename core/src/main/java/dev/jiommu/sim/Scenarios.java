package dev.jiommu.sim;

import dev.jiommu.sim.scenarios.DmaScenario;
import dev.jiommu.sim.scenarios.PageTableScenario;
import dev.jiommu.sim.scenarios.SmmuScenario;
import dev.jiommu.sim.scenarios.SvaScenario;
import dev.jiommu.sim.scenarios.SystemScenario;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The registry of built-in scenarios that {@code jiommu run} offers. */
public final class Scenarios {

    private Scenarios() {
    }

    /**
     * The built-in scenarios, the default first, as fresh instances (so that every
     * run starts from a new object). Names are unique.
     */
    public static List<Scenario> builtIn() {
        return List.of(
                new SystemScenario(),
                new PageTableScenario(),
                new SmmuScenario(),
                new DmaScenario(),
                new SvaScenario());
    }

    /** The name of the scenario {@code jiommu run} runs when given none: the first built-in one. */
    public static String defaultName() {
        return builtIn().getFirst().name();
    }

    /** A fresh instance of the built-in scenario called {@code name}, if there is one (exact match). */
    public static Optional<Scenario> byName(String name) {
        Objects.requireNonNull(name, "name");
        return builtIn().stream().filter(s -> s.name().equals(name)).findFirst();
    }
}

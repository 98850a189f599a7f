package dev.jiommu.sim.scenarios;

import dev.jiommu.sim.Scenario;

import java.io.PrintStream;
import java.util.List;

/**
 * The default flow: every part of the system built so far, one after
 * another — the page tables and walker ({@link PageTableScenario}), then the
 * SMMUv3 ({@link SmmuScenario}), then PCIe devices with ATS, PRI and MSIs
 * ({@link DmaScenario}), then SVA through the OS layer ({@link SvaScenario}). Each later part of the stack adds its flow
 * here.
 *
 * <p>Exit status: 0 when every part's checks hold, 1 otherwise.
 */
public final class SystemScenario implements Scenario {

    @Override
    public String name() {
        return "system";
    }

    @Override
    public String summary() {
        return "the whole flow so far: page tables and walks, the SMMUv3, DMA engines with ATS and PRI,"
                + " SVA through the OS layer";
    }

    @Override
    public int run(PrintStream out) {
        int status = 0;
        for (Scenario part : List.of(new PageTableScenario(), new SmmuScenario(), new DmaScenario(),
                new SvaScenario())) {
            out.println("=== " + part.name() + ": " + part.summary());
            out.println();
            status |= part.run(out) == 0 ? 0 : 1;
            out.println();
        }
        out.println(status == 0 ? "system: ok" : "system: FAILED");
        return status;
    }
}

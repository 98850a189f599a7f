package dev.jiommu.hw.bus;

/**
 * A wired, edge-triggered interrupt output (SMMUv3 §7.2: the SMMU's wired
 * interrupts are edge-triggered or pulse). Each call is one edge.
 */
@FunctionalInterface
public interface InterruptLine {

    /** A line connected to nothing. */
    InterruptLine NONE = () -> { };

    void pulse();
}

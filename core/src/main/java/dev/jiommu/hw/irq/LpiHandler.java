package dev.jiommu.hw.irq;

/**
 * Software's handler for an LPI: what the CPU runs when it acknowledges the
 * interrupt. LPIs have no active state (IHI 0069, "LPIs"): acknowledging one
 * clears its pending bit, so the same LPI raised while its handler runs is
 * pending again and is delivered again afterwards.
 */
@FunctionalInterface
public interface LpiHandler {

    void lpi(int intid);
}

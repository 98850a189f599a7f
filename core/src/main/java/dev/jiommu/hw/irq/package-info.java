/**
 * The interrupt controller as MSIs see it: a GICv3 ITS doorbell
 * ({@link dev.jiommu.hw.irq.Its}) that translates a bus master's
 * (DeviceID, EventID) write to an LPI and delivers it to software's
 * {@link dev.jiommu.hw.irq.LpiHandler}, with its register layout as constants
 * ({@link dev.jiommu.hw.irq.GitsRegs}). The DeviceID reaches the ITS as the
 * interconnect's sideband to a write,
 * {@link dev.jiommu.hw.bus.SystemBus#write(long, int, long, int)}.
 */
package dev.jiommu.hw.irq;

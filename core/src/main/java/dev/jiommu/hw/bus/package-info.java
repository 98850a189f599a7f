/**
 * The system interconnect seen by hardware models: memory-mapped devices
 * ({@link dev.jiommu.hw.bus.MmioDevice}), the physical address map that routes
 * CPU and SMMU accesses to RAM or devices ({@link dev.jiommu.hw.bus.SystemBus}),
 * the port through which bus-master devices issue DMA
 * ({@link DmaTarget}), and wired interrupt lines.
 */
package dev.jiommu.hw.bus;

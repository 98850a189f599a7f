/**
 * The SMMUv3 driver: a Java rendering of Linux's
 * {@code drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c} device core.
 *
 * <p>The driver touches the SMMU only through its register block on a
 * {@link dev.jiommu.hw.bus.SystemBus} and through structures it places in
 * {@link dev.jiommu.mem.PhysicalMemory} (stream table, context descriptor
 * tables, queues); it never sees the model's classes, so the same driver runs
 * against any SMMUv3 behind those two interfaces. Interrupts arrive as LPIs
 * from the ITS ({@link dev.jiommu.os.smmuv3.IrqSetup}).
 *
 * <p>Entry points: {@link dev.jiommu.os.smmuv3.ArmSmmuV3#probe} (hardware
 * probe, table and queue allocation, device reset), stream table and CD table
 * slots ({@link dev.jiommu.os.smmuv3.ArmSmmuV3#steAddress},
 * {@link dev.jiommu.os.smmuv3.CdTable#cdAddress}), memory-backed entry stores
 * for the hitless writer ({@link dev.jiommu.os.smmuv3.ArmSmmuV3#steStore},
 * {@link dev.jiommu.os.smmuv3.ArmSmmuV3#cdStore}), and invalidation helpers
 * that end with CMD_SYNC.
 *
 * <p>Errors from the hardware side (a register that never acknowledges, an
 * illegal command, a queue overflow, a global error) become negative errno
 * values, counters in {@link dev.jiommu.os.smmuv3.DriverStats} and entries in
 * the driver's {@link dev.jiommu.os.smmuv3.DriverLog}; no exception escapes
 * for anything the hardware does.
 */
package dev.jiommu.os.smmuv3;

/**
 * Machine assembly: the memory map, the PCI host, the IOMMU and the devices
 * of a QEMU-style machine ({@link dev.jiommu.hw.platform.VirtMachine},
 * {@link dev.jiommu.hw.platform.NoneMachine}). The IOMMU model is supplied by
 * the caller ({@link dev.jiommu.hw.platform.IommuFactory}), so this package
 * depends on no particular one.
 */
package dev.jiommu.hw.platform;

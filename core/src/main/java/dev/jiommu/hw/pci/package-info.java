/**
 * PCI: functions with their configuration space ({@link dev.jiommu.hw.pci.PciFunction},
 * {@link dev.jiommu.hw.pci.ConfigSpace}), buses, the host bridge with its ECAM and
 * BAR-decoding memory windows ({@link dev.jiommu.hw.pci.PciHost}), and endpoint
 * models such as QEMU's {@code iommu-testdev} ({@link dev.jiommu.hw.pci.IommuTestDevice}).
 *
 * <p>Functions issue DMA through a {@link dev.jiommu.hw.bus.DmaTarget} with their
 * requester ID as StreamID; CPU accesses reach them only through configuration
 * requests and their BARs.
 */
package dev.jiommu.hw.pci;

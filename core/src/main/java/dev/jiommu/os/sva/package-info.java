/**
 * Glue between the process model ({@code dev.jiommu.os.mm}) and the IOMMU
 * core's SVA ({@code dev.jiommu.os.iommu}): {@link dev.jiommu.os.sva.MmAddressSpace}.
 * Neither of those packages depends on the other; this one depends on both.
 */
package dev.jiommu.os.sva;

package dev.jiommu.os.iommu;

import dev.jiommu.pgtable.Prot;

import java.util.Objects;

/**
 * An IOVA range with a fixed purpose for a device (Linux
 * {@code struct iommu_resv_region}): the IOVA allocator keeps out of it, and
 * DIRECT ranges are identity-mapped in the device's default domain.
 *
 * @param start  first IOVA
 * @param length bytes, positive
 * @param prot   {@link Prot} flags for DIRECT and MSI mappings
 * @param type   the purpose
 */
public record ReservedRegion(long start, long length, int prot, Type type) {

    /** IOVA of the software MSI window ({@code MSI_IOVA_BASE} in arm-smmu-v3). */
    public static final long MSI_IOVA_BASE = 0x800_0000L;
    /** Length of the software MSI window ({@code MSI_IOVA_LENGTH}). */
    public static final long MSI_IOVA_LENGTH = 0x10_0000L;

    /** Linux {@code enum iommu_resv_type}. */
    public enum Type {
        /** Must stay identity-mapped: firmware set the device up to DMA there (RMRR/RMR). */
        DIRECT,
        /** As DIRECT, but may be dropped when the device is assigned to a user domain. */
        DIRECT_RELAXABLE,
        /** Never mapped: the address is not usable for DMA (a host bridge window). */
        RESERVED,
        /** Hardware MSI doorbell range, translated by nothing. */
        MSI,
        /** Software-managed MSI window: the IOVA at which the doorbell is mapped. */
        SW_MSI
    }

    public ReservedRegion {
        Objects.requireNonNull(type, "type");
        if (length <= 0 || start + length - 1 < start) {
            throw new IllegalArgumentException(String.format("reserved region [0x%x, +0x%x) is empty or wraps", start, length));
        }
    }

    /**
     * The software MSI window every device of this model gets, as
     * {@code arm_smmu_get_resv_regions} adds it: {@code [0x8000000, +0x100000)},
     * writable, not executable, device memory.
     */
    public static ReservedRegion softwareMsi() {
        return new ReservedRegion(MSI_IOVA_BASE, MSI_IOVA_LENGTH, Prot.WRITE | Prot.NOEXEC | Prot.MMIO, Type.SW_MSI);
    }

    /** Last IOVA of the region (inclusive). */
    public long end() {
        return start + length - 1;
    }
}

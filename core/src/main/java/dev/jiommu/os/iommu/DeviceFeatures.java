package dev.jiommu.os.iommu;

/**
 * What the driver's probe enabled for one device, from what the device offers
 * and the IOMMU supports (Linux: {@code dev->iommu->max_pasids} and the
 * SMMUv3 master's {@code ats_enabled}, PRI and {@code stall_enabled}).
 *
 * @param pasidBits PASID width enabled, 0..20 (0: no PASID support); the
 *                  device may use PASIDs {@code 1 .. (1 << pasidBits) - 1}
 * @param ats       Address Translation Services enabled
 * @param pri       Page Request Interface enabled (recoverable faults by PRI)
 * @param stall     stalled transactions enabled (recoverable faults by stall)
 */
public record DeviceFeatures(int pasidBits, boolean ats, boolean pri, boolean stall) {

    /** The PCIe PASID field is 20 bits. */
    public static final int MAX_PASID_BITS = 20;

    /** A device the probe enabled nothing for. */
    public static final DeviceFeatures NONE = new DeviceFeatures(0, false, false, false);

    public DeviceFeatures {
        if (pasidBits < 0 || pasidBits > MAX_PASID_BITS) {
            throw new IllegalArgumentException("PASID width " + pasidBits + " is outside 0.." + MAX_PASID_BITS);
        }
    }

    /** Linux's {@code max_pasids}: 0 without PASID support, else {@code 1 << pasidBits}. */
    public int maxPasids() {
        return pasidBits == 0 ? 0 : 1 << pasidBits;
    }

    /** Whether translation faults of this device can be recovered (PRI or stall). */
    public boolean iopf() {
        return pri || stall;
    }
}

package dev.jiommu.hw.bus;

/**
 * A device register block decoded at some base on the {@link SystemBus}.
 *
 * <p>Offsets are relative to the block's base. Sizes are 1, 2, 4 or 8 bytes
 * and accesses are little-endian. A device answers accesses it does not
 * support the way its architecture says (for most: read as zero, writes
 * ignored); it never throws.
 */
public interface MmioDevice {

    /**
     * The DeviceID of an access that carries none: a CPU access, or a write
     * from a requester whose path to the device adds no sideband. DeviceIDs
     * are otherwise non-negative.
     */
    int NO_DEVICE_ID = -1;

    /** @return the value, zero-extended from {@code size} bytes */
    long read(long offset, int size);

    void write(long offset, int size, long value);

    /**
     * A write that carries the requester's DeviceID on the interconnect, as
     * MSIs do: on Arm the interconnect presents it to the GIC ITS beside the
     * write, where no agent can forge it (GICv3 IHI 0069, GITS_TRANSLATER).
     * Devices that ignore the sideband treat it as a plain write, which is
     * what this default does.
     *
     * @param deviceId the requester's DeviceID, or {@link #NO_DEVICE_ID}
     */
    default void write(long offset, int size, long value, int deviceId) {
        write(offset, size, value);
    }
}

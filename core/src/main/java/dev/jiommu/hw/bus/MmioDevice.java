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

    /** @return the value, zero-extended from {@code size} bytes */
    long read(long offset, int size);

    void write(long offset, int size, long value);
}

package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.MmioDevice;

/**
 * One implemented Base Address Register of a function: a 32-bit memory BAR
 * (PCI 3.0 §6.2.5.1) of {@code size} bytes whose accesses reach {@code device}
 * at offsets relative to the BAR's address.
 *
 * <p>Invariants: {@code index} is 0..5; {@code size} is a power of two of at
 * least 16 bytes (the four low bits of a memory BAR are type bits) and at most
 * 2 GiB. 64-bit and I/O BARs are not modelled yet.
 */
public record Bar(int index, long size, boolean prefetchable, MmioDevice device) {

    public Bar {
        if (index < 0 || index >= PciRegs.PCI_NUM_BARS) {
            throw new IllegalArgumentException("BAR index " + index);
        }
        if (size < 16 || size > 1L << 31 || Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("BAR size 0x" + Long.toHexString(size) + " is not a power of two in [16, 2G]");
        }
    }

    /** Offset of this BAR's register in the type-0 header. */
    public int register() {
        return PciRegs.PCI_BASE_ADDRESS_0 + 4 * index;
    }

    /** The type bits (3:0) the register reads with. */
    public int typeBits() {
        return prefetchable ? PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH : 0;
    }
}

package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.MmioDevice;

/**
 * Enhanced Configuration Access Mechanism (PCIe Base 6.0 §7.2.2): offset
 * {@code bus << 20 | devfn << 12 | register} addresses one configuration
 * register.
 *
 * <p>As QEMU's {@code pcie_mmcfg_data_read/write} ({@code hw/pci/pcie_host.c})
 * answers: a request to an absent function, or at or beyond a conventional
 * function's 256 bytes, reads all ones and its write is dropped (the
 * Unsupported Request completion the root port turns into all ones). 1, 2 and
 * 4-byte accesses are served as given, also unaligned within the function's
 * space; an 8-byte access is split into two 4-byte ones, low address first,
 * because QEMU's region accepts at most 4 bytes.
 */
final class Ecam implements MmioDevice {

    private final PciHost host;

    Ecam(PciHost host) {
        this.host = host;
    }

    @Override
    public long read(long offset, int size) {
        if (size == 8) {
            return read(offset, 4) | read(offset + 4, 4) << 32;
        }
        PciFunction f = function(offset);
        if (f == null) {
            return allOnes(size);
        }
        return f.configRead(register(offset), size);
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 8) {
            write(offset, 4, value);
            write(offset + 4, 4, value >>> 32);
            return;
        }
        PciFunction f = function(offset);
        int reg = register(offset);
        if (f != null && reg < f.configSize()) {
            f.configWrite(reg, size, value);
        }
    }

    private PciFunction function(long offset) {
        return host.function((int) (offset >>> 20) & 0xff, (int) (offset >>> 12) & 0xff);
    }

    private static int register(long offset) {
        return (int) offset & 0xfff;
    }

    static long allOnes(int size) {
        return size >= 8 ? -1L : (1L << (8 * size)) - 1;
    }
}

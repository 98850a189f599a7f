package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.MmioDevice;

/**
 * Configuration requests to one function through the host's ECAM, and the
 * capability searches Linux does ({@code pci_find_capability},
 * {@code pci_find_ext_capability}): by ID along the next pointers, never by a
 * Java-side offset.
 */
final class ConfigWalker {

    /** Bound on list length, as Linux's {@code PCI_FIND_CAP_TTL} and its extended-list equivalent. */
    private static final int TTL = 480;

    private final MmioDevice ecam;
    private final long base;

    ConfigWalker(PciHost host, int bus, int devfn) {
        this.ecam = host.ecam();
        this.base = (long) bus << 20 | (long) devfn << 12;
    }

    long read(int reg, int width) {
        return ecam.read(base + reg, width);
    }

    int read8(int reg) {
        return (int) read(reg, 1);
    }

    int read16(int reg) {
        return (int) read(reg, 2);
    }

    long read32(int reg) {
        return read(reg, 4);
    }

    void write(int reg, int width, long value) {
        ecam.write(base + reg, width, value);
    }

    void write16(int reg, int value) {
        write(reg, 2, value);
    }

    void write32(int reg, long value) {
        write(reg, 4, value);
    }

    /** Offset of the first standard capability with {@code id}, or 0. */
    int findCapability(int id) {
        if ((read16(PciRegs.PCI_STATUS) & PciRegs.PCI_STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int pos = read8(PciRegs.PCI_CAPABILITY_LIST);
        for (int ttl = 48; ttl > 0 && pos >= PciRegs.PCI_STD_HEADER_SIZEOF; ttl--) {
            pos &= ~3;
            int header = read16(pos);
            if ((header & 0xff) == 0xff) {
                return 0;
            }
            if ((header & 0xff) == id) {
                return pos;
            }
            pos = header >>> 8;
        }
        return 0;
    }

    /** Offset of the first extended capability with {@code id}, or 0. */
    int findExtCapability(int id) {
        int pos = PciRegs.PCI_CFG_SPACE_EXT_START;
        long header = read32(pos);
        if (header == 0 || header == 0xffff_ffffL) {
            return 0;
        }
        for (int ttl = TTL; ttl > 0; ttl--) {
            if (PciRegs.PCI_EXT_CAP_ID(header) == id) {
                return pos;
            }
            pos = PciRegs.PCI_EXT_CAP_NEXT(header);
            if (pos < PciRegs.PCI_CFG_SPACE_EXT_START) {
                return 0;
            }
            header = read32(pos);
        }
        return 0;
    }
}

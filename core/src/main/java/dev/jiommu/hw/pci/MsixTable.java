package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_ENTRY_CTRL_MASKBIT;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_ENTRY_DATA;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_ENTRY_LOWER_ADDR;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_ENTRY_SIZE;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_ENTRY_UPPER_ADDR;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_ENTRY_VECTOR_CTRL;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The MSI-X Table and Pending Bit Array of one function (PCIe Base 6.0
 * §6.1.4, §7.7.2.5 to §7.7.2.9): the memory-space structures that
 * {@link MsixCapability} points at, with the access rules software must keep.
 *
 * <pre>
 *  Table: entry v at 16 * v
 *  31                                  0
 * +-------------------------------------+
 * | Message Address [31:2]  ([1:0] = 0) | +0
 * | Message Upper Address               | +4
 * | Message Data                        | +8
 * | Vector Control: [0] Mask Bit        | +c
 * +-------------------------------------+
 *  PBA: QWORD q at 8 * q; bit i is the Pending bit of vector 64 * q + i
 * </pre>
 *
 * <p>Access rules: software must use aligned DWORD or aligned QWORD accesses
 * (§7.7.2); anything else is undefined in the spec, and here reads 0 and
 * writes nothing (the choice QEMU's memory core makes for its MSI-X regions).
 * A QWORD is two DWORDs, the lower address first. Message Address bits [1:0]
 * read 0 whatever is written (the spec permits them read-only), Vector
 * Control bits other than Mask are reserved and read 0, and the PBA is
 * read-only (writes are undefined; here ignored).
 *
 * <p>Reset state (§7.7.2.5 to §7.7.2.9): addresses and data 0, every vector
 * masked, no bit pending. Clearing a vector's Mask Bit calls the unmask hook
 * with the vector number after the entry is updated.
 */
final class MsixTable {

    private final int vectors;
    private final long[] address;
    private final int[] data;
    private final boolean[] masked;
    private final long[] pending;
    private final IntConsumer unmasked;

    MsixTable(int vectors, IntConsumer unmasked) {
        this.vectors = vectors;
        this.address = new long[vectors];
        this.data = new int[vectors];
        this.masked = new boolean[vectors];
        this.pending = new long[pbaBytes(vectors) / 8];
        this.unmasked = unmasked;
        Arrays.fill(masked, true);
    }

    /** Bytes the table of {@code vectors} entries occupies. */
    static long tableBytes(int vectors) {
        return (long) vectors * PCI_MSIX_ENTRY_SIZE;
    }

    /** Bytes the PBA of {@code vectors} bits occupies: whole QWORDs. */
    static int pbaBytes(int vectors) {
        return (vectors + 63) / 64 * 8;
    }

    int vectors() {
        return vectors;
    }

    long address(int v) {
        return address[v];
    }

    int data(int v) {
        return data[v];
    }

    boolean masked(int v) {
        return masked[v];
    }

    boolean pending(int v) {
        return (pending[v >>> 6] & 1L << (v & 63)) != 0;
    }

    void setPending(int v, boolean on) {
        if (on) {
            pending[v >>> 6] |= 1L << (v & 63);
        } else {
            pending[v >>> 6] &= ~(1L << (v & 63));
        }
    }

    // ---- memory-space accesses, offsets from the start of each structure -----------

    long readTable(long offset, int size) {
        if (!legal(offset, size, tableBytes(vectors))) {
            return 0;
        }
        if (size == 8) {
            return readDword(offset) | readDword(offset + 4) << 32;
        }
        return readDword(offset);
    }

    void writeTable(long offset, int size, long value) {
        if (!legal(offset, size, tableBytes(vectors))) {
            return;
        }
        writeDword(offset, (int) value);
        if (size == 8) {
            writeDword(offset + 4, (int) (value >>> 32));
        }
    }

    long readPba(long offset, int size) {
        if (!legal(offset, size, pbaBytes(vectors))) {
            return 0;
        }
        long qword = pending[(int) (offset >>> 3)];
        return size == 8 ? qword : (qword >>> (8 * (offset & 4))) & 0xffff_ffffL;
    }

    private static boolean legal(long offset, int size, long limit) {
        return (size == 4 || size == 8) && (offset & (size - 1)) == 0 && offset >= 0 && offset <= limit - size;
    }

    private long readDword(long offset) {
        int v = (int) (offset / PCI_MSIX_ENTRY_SIZE);
        return switch ((int) (offset % PCI_MSIX_ENTRY_SIZE)) {
            case PCI_MSIX_ENTRY_LOWER_ADDR -> address[v] & 0xffff_fffcL;
            case PCI_MSIX_ENTRY_UPPER_ADDR -> address[v] >>> 32;
            case PCI_MSIX_ENTRY_DATA -> data[v] & 0xffff_ffffL;
            default -> masked[v] ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0;
        };
    }

    private void writeDword(long offset, int value) {
        int v = (int) (offset / PCI_MSIX_ENTRY_SIZE);
        long u = value & 0xffff_ffffL;
        switch ((int) (offset % PCI_MSIX_ENTRY_SIZE)) {
            case PCI_MSIX_ENTRY_LOWER_ADDR -> address[v] = address[v] & 0xffff_ffff_0000_0000L | u & 0xffff_fffcL;
            case PCI_MSIX_ENTRY_UPPER_ADDR -> address[v] = address[v] & 0xffff_ffffL | u << 32;
            case PCI_MSIX_ENTRY_DATA -> data[v] = value;
            case PCI_MSIX_ENTRY_VECTOR_CTRL -> {
                boolean wasMasked = masked[v];
                masked[v] = (value & PCI_MSIX_ENTRY_CTRL_MASKBIT) != 0;
                if (wasMasked && !masked[v]) {
                    unmasked.accept(v);
                }
            }
            default -> { }
        }
    }
}

package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_CAPABILITY_LIST;
import static dev.jiommu.hw.pci.PciRegs.PCI_CAP_LIST_NEXT;
import static dev.jiommu.hw.pci.PciRegs.PCI_CFG_SPACE_EXP_SIZE;
import static dev.jiommu.hw.pci.PciRegs.PCI_CFG_SPACE_EXT_START;
import static dev.jiommu.hw.pci.PciRegs.PCI_CFG_SPACE_SIZE;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS_CAP_LIST;
import static dev.jiommu.hw.pci.PciRegs.PCI_STD_HEADER_SIZEOF;

/**
 * The configuration space of one PCI function: its bytes and, per bit, the
 * register attribute software sees (PCIe Base 6.0 §7.4: RO, RW, RW1C).
 *
 * <p>Invariants: {@link #size()} is 256 (conventional PCI) or 4096 (PCI
 * Express). Every bit is read-only unless the function made it writable
 * ({@link #setWritable}) or write-1-to-clear ({@link #setWriteOneToClear}).
 * Software writes ({@link #write}) change only such bits; the function's own
 * initialisation uses the {@code set*} methods, which ignore the attributes.
 * Bytes at or beyond {@code size()} read as all ones and ignore writes, as a
 * configuration read past a function's space does on QEMU's ECAM.
 *
 * <p>Capabilities are allocated in order: the standard list (PCI 3.0 §6.7)
 * from 0x40 and linked from {@code PCI_CAPABILITY_LIST}, the extended list
 * (PCIe Base 6.0 §7.6) from 0x100; each new capability goes to the end of its
 * list, so software walks them in the order the function added them.
 */
public final class ConfigSpace {

    private final int size;
    private final byte[] bytes;
    private final byte[] wmask;
    private final byte[] w1cmask;

    /** Next free offset for a standard capability; last one added (0: none). */
    private int nextCap = PCI_STD_HEADER_SIZEOF;
    private int lastCap;
    /** Next free offset for an extended capability; last one added (0: none). */
    private int nextExtCap = PCI_CFG_SPACE_EXT_START;
    private int lastExtCap;

    /** @param express true for a 4 KiB PCI Express space, false for 256-byte conventional PCI */
    public ConfigSpace(boolean express) {
        this.size = express ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
        this.bytes = new byte[size];
        this.wmask = new byte[size];
        this.w1cmask = new byte[size];
    }

    public int size() {
        return size;
    }

    public boolean express() {
        return size == PCI_CFG_SPACE_EXP_SIZE;
    }

    // ---- software side: what a configuration request sees -------------------------

    /**
     * A configuration read of {@code width} (1, 2, 4) bytes at {@code offset},
     * little-endian; bytes outside the space read as 0xff.
     */
    public long read(int offset, int width) {
        if (offset >= 0 && offset <= size - width) {
            switch (width) {
                case 1 -> {
                    return bytes[offset] & 0xff;
                }
                case 2 -> {
                    return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8;
                }
                case 4 -> {
                    return (bytes[offset] & 0xffL) | (bytes[offset + 1] & 0xffL) << 8
                            | (bytes[offset + 2] & 0xffL) << 16 | (bytes[offset + 3] & 0xffL) << 24;
                }
                default -> {
                }
            }
        }
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            int o = offset + i;
            v = (v << 8) | (o >= 0 && o < size ? bytes[o] & 0xff : 0xff);
        }
        return v;
    }

    /**
     * A configuration write of the low {@code width} bytes of {@code value}:
     * writable bits take the new value, write-1-to-clear bits written as 1
     * clear, all other bits keep theirs. Bytes outside the space are ignored.
     */
    public void write(int offset, int width, long value) {
        for (int i = 0; i < width; i++) {
            int o = offset + i;
            if (o < 0 || o >= size) {
                continue;
            }
            int b = (int) (value >>> (8 * i)) & 0xff;
            int w = wmask[o] & 0xff;
            int c = w1cmask[o] & 0xff;
            int old = bytes[o] & 0xff;
            bytes[o] = (byte) (((old & ~w) | (b & w)) & ~(b & c));
        }
    }

    /**
     * Whether an access of {@code width} bytes at {@code offset} touches any
     * byte of the {@code regWidth}-byte register at {@code reg}.
     */
    public static boolean overlaps(int offset, int width, int reg, int regWidth) {
        return width > 0 && offset < reg + regWidth && reg < offset + width;
    }

    // ---- function side: initialisation and the function's own state -----------------

    public int get8(int offset) {
        return bytes[offset] & 0xff;
    }

    public int get16(int offset) {
        return (int) read(offset, 2);
    }

    public long get32(int offset) {
        return read(offset, 4);
    }

    public void set8(int offset, int value) {
        bytes[offset] = (byte) value;
    }

    public void set16(int offset, int value) {
        setBytes(bytes, offset, 2, value);
    }

    public void set32(int offset, long value) {
        setBytes(bytes, offset, 4, value);
    }

    /** Makes the bits of {@code mask} in the {@code width}-byte register at {@code offset} read-write. */
    public void setWritable(int offset, int width, long mask) {
        setBytes(wmask, offset, width, mask);
    }

    /** Makes the bits of {@code mask} in the register at {@code offset} write-1-to-clear. */
    public void setWriteOneToClear(int offset, int width, long mask) {
        setBytes(w1cmask, offset, width, mask);
    }

    private static void setBytes(byte[] a, int offset, int width, long value) {
        for (int i = 0; i < width; i++) {
            a[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /**
     * Adds a standard capability of {@code length} bytes (header included) at
     * the next dword-aligned free offset, links it at the end of the list and
     * sets {@code PCI_STATUS_CAP_LIST}. The caller fills the body and sets its
     * register attributes.
     *
     * @return the capability's offset
     * @throws IllegalStateException when it does not fit below 0x100 (a
     *                               machine-assembly error, not a software one)
     */
    public int addCapability(int id, int length) {
        int at = nextCap;
        if (length < 2 || at + length > PCI_CFG_SPACE_SIZE) {
            throw new IllegalStateException(String.format("capability 0x%x of %d bytes does not fit at 0x%x", id, length, at));
        }
        set8(at, id);
        set8(at + PCI_CAP_LIST_NEXT, 0);
        set8(lastCap == 0 ? PCI_CAPABILITY_LIST : lastCap + PCI_CAP_LIST_NEXT, at);
        set16(PCI_STATUS, get16(PCI_STATUS) | PCI_STATUS_CAP_LIST);
        lastCap = at;
        nextCap = (at + length + 3) & ~3;
        return at;
    }

    /**
     * Adds an extended capability (PCIe only): header {@code id} [15:0],
     * {@code version} [19:16], next offset [31:20], linked at the end of the
     * list that starts at 0x100.
     *
     * @return the capability's offset
     * @throws IllegalStateException on a conventional space or when it does not fit
     */
    public int addExtendedCapability(int id, int version, int length) {
        int at = nextExtCap;
        if (!express() || length < 4 || at + length > size) {
            throw new IllegalStateException(String.format(
                    "extended capability 0x%x of %d bytes does not fit at 0x%x", id, length, at));
        }
        set32(at, (id & 0xffff) | (long) (version & 0xf) << 16);
        if (lastExtCap != 0) {
            set32(lastExtCap, get32(lastExtCap) & 0x000f_ffffL | (long) at << 20);
        }
        lastExtCap = at;
        nextExtCap = (at + length + 3) & ~3;
        return at;
    }
}

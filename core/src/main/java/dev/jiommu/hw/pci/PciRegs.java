package dev.jiommu.hw.pci;

/**
 * PCI configuration space layout as constants, named and valued as Linux's
 * {@code include/uapi/linux/pci_regs.h} names them (PCI Local Bus 3.0 §6.1,
 * PCIe Base 6.0 §7.5.1 for the type-0 header, §7.6 for extended capabilities),
 * plus the Red Hat vendor and device IDs QEMU uses
 * ({@code include/hw/pci/pci_ids.h}).
 *
 * <pre>
 *  type-0 header
 *  31            16 15             0
 * +----------------+----------------+
 * |   Device ID    |   Vendor ID    | 00
 * |     Status     |    Command     | 04
 * |       Class code       | Rev ID | 08   class: base 0b, sub 0a, prog-if 09
 * |  BIST  | HdrTyp | LatTmr | CLS  | 0c
 * |        Base Address 0..5        | 10..24
 * |        CardBus CIS pointer      | 28
 * |  Subsystem ID  | Subsys Vendor  | 2c
 * |      Expansion ROM address      | 30
 * |        reserved        | CapPtr | 34
 * |            reserved             | 38
 * | MaxLat | MinGnt | IntPin | IntLn | 3c
 * +----------------+----------------+
 * </pre>
 */
public final class PciRegs {

    /** Conventional PCI configuration space size (bytes). */
    public static final int PCI_CFG_SPACE_SIZE = 256;
    /** PCI Express configuration space size, extended space included (bytes). */
    public static final int PCI_CFG_SPACE_EXP_SIZE = 4096;
    /** Size of the standard header; capabilities start at or after it. */
    public static final int PCI_STD_HEADER_SIZEOF = 64;

    public static final int PCI_VENDOR_ID = 0x00;
    public static final int PCI_DEVICE_ID = 0x02;

    public static final int PCI_COMMAND = 0x04;
    public static final int PCI_COMMAND_IO = 0x1;
    public static final int PCI_COMMAND_MEMORY = 0x2;
    public static final int PCI_COMMAND_MASTER = 0x4;
    public static final int PCI_COMMAND_PARITY = 0x40;
    public static final int PCI_COMMAND_SERR = 0x100;
    public static final int PCI_COMMAND_INTX_DISABLE = 0x400;

    public static final int PCI_STATUS = 0x06;
    public static final int PCI_STATUS_CAP_LIST = 0x10;
    public static final int PCI_STATUS_PARITY = 0x100;
    public static final int PCI_STATUS_SIG_TARGET_ABORT = 0x800;
    public static final int PCI_STATUS_REC_TARGET_ABORT = 0x1000;
    public static final int PCI_STATUS_REC_MASTER_ABORT = 0x2000;
    public static final int PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
    public static final int PCI_STATUS_DETECTED_PARITY = 0x8000;

    public static final int PCI_REVISION_ID = 0x08;
    public static final int PCI_CLASS_PROG = 0x09;
    public static final int PCI_CLASS_DEVICE = 0x0a;
    public static final int PCI_CACHE_LINE_SIZE = 0x0c;
    public static final int PCI_LATENCY_TIMER = 0x0d;
    public static final int PCI_HEADER_TYPE = 0x0e;
    public static final int PCI_HEADER_TYPE_NORMAL = 0;
    public static final int PCI_HEADER_TYPE_MFD = 0x80;

    public static final int PCI_BASE_ADDRESS_0 = 0x10;
    /** Type-0 headers have six BAR registers. */
    public static final int PCI_NUM_BARS = 6;
    public static final int PCI_BASE_ADDRESS_SPACE_IO = 0x01;
    public static final int PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
    public static final int PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
    /** Address bits of a memory BAR (the low four bits are type bits). */
    public static final long PCI_BASE_ADDRESS_MEM_MASK = 0xffff_fff0L;

    public static final int PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int PCI_SUBSYSTEM_ID = 0x2e;
    public static final int PCI_ROM_ADDRESS = 0x30;
    public static final int PCI_CAPABILITY_LIST = 0x34;
    public static final int PCI_INTERRUPT_LINE = 0x3c;
    public static final int PCI_INTERRUPT_PIN = 0x3d;

    /** Offset of the ID byte in a capability header. */
    public static final int PCI_CAP_LIST_ID = 0;
    /** Offset of the next-pointer byte in a capability header. */
    public static final int PCI_CAP_LIST_NEXT = 1;
    /** First extended capability (PCIe Base 6.0 §7.6.2). */
    public static final int PCI_CFG_SPACE_EXT_START = 0x100;

    /** Class code (24 bits: base, sub-class, prog-if) of a host bridge. */
    public static final int PCI_CLASS_BRIDGE_HOST = 0x06_00_00;
    /**
     * QEMU's {@code PCI_CLASS_OTHERS} (0xff) as QEMU stores it: the 16-bit class
     * word at 0x0a is 0x00ff, so base class 0x00, sub-class 0xff.
     */
    public static final int PCI_CLASS_OTHERS = 0x00_ff_00;

    public static final int PCI_VENDOR_ID_REDHAT = 0x1b36;
    /** QEMU's generic test device ID, used by {@code iommu-testdev}. */
    public static final int PCI_DEVICE_ID_REDHAT_TEST = 0x0005;
    /** QEMU's GPEX host bridge (root function 00:00.0 of {@code virt}). */
    public static final int PCI_DEVICE_ID_REDHAT_PCIE_HOST = 0x0008;

    private PciRegs() {}
}

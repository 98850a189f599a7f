package dev.jiommu.hw.pci;

/**
 * PCI configuration space layout as constants, named and valued as Linux's
 * {@code include/uapi/linux/pci_regs.h} names them (PCI Local Bus 3.0 §6.1,
 * PCIe Base 6.0 §7.5.1 for the type-0 header, §7.6 for extended capabilities),
 * plus the Red Hat vendor and device IDs QEMU uses
 * ({@code include/hw/pci/pci_ids.h}).
 *
 * <p>Capability registers are offsets from the capability's own start, as in
 * Linux: the PCI Express capability (PCIe Base 6.0 §7.5.3), MSI-X (§7.7.2,
 * with its table entry layout, §6.1.4), ATS (§10.5.1), PRI (§10.5.2) and
 * PASID (§7.8.8). Linux's macros that take an argument
 * ({@code PCI_ATS_CAP_QDEP(x)}, {@code PCI_EXT_CAP_NEXT(header)}) are static
 * methods of the same name and meaning.
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

    /**
     * The extended capability header (PCIe Base 6.0 §7.6.3): ID in [15:0]. Linux's
     * {@code PCI_EXT_CAP_ID(header)}.
     */
    public static int PCI_EXT_CAP_ID(long header) {
        return (int) (header & 0xffff);
    }

    /** Capability version, header bits [19:16]. Linux's {@code PCI_EXT_CAP_VER(header)}. */
    public static int PCI_EXT_CAP_VER(long header) {
        return (int) (header >>> 16) & 0xf;
    }

    /**
     * Next capability offset, header bits [31:20] with the two reserved low bits
     * masked off. Linux's {@code PCI_EXT_CAP_NEXT(header)}.
     */
    public static int PCI_EXT_CAP_NEXT(long header) {
        return (int) (header >>> 20) & 0xffc;
    }

    // ---- capability IDs (PCI Code and ID Assignment Specification) ------------------

    /** PCI Express capability (PCIe Base 6.0 §7.5.3). */
    public static final int PCI_CAP_ID_EXP = 0x10;
    /** MSI-X capability (PCIe Base 6.0 §7.7.2). */
    public static final int PCI_CAP_ID_MSIX = 0x11;
    /** Address Translation Services (PCIe Base 6.0 §10.5.1). */
    public static final int PCI_EXT_CAP_ID_ATS = 0x0f;
    /** Page Request Interface (PCIe Base 6.0 §10.5.2). */
    public static final int PCI_EXT_CAP_ID_PRI = 0x13;
    /** Process Address Space ID (PCIe Base 6.0 §7.8.8). */
    public static final int PCI_EXT_CAP_ID_PASID = 0x1b;

    // ---- PCI Express capability (offsets from the capability) ------------------------

    /** PCI Express Capabilities register, 16 bits. */
    public static final int PCI_EXP_FLAGS = 0x02;
    public static final int PCI_EXP_FLAGS_VERS = 0x000f;
    public static final int PCI_EXP_FLAGS_TYPE = 0x00f0;
    /** Device/Port Type values (the field's value, before shifting into [7:4]). */
    public static final int PCI_EXP_TYPE_ENDPOINT = 0x0;
    public static final int PCI_EXP_TYPE_RC_END = 0x9;
    public static final int PCI_EXP_DEVCAP = 0x04;
    public static final int PCI_EXP_DEVCAP_PAYLOAD = 0x0000_0007;
    public static final int PCI_EXP_DEVCAP_RBER = 0x0000_8000;
    public static final int PCI_EXP_DEVCTL = 0x08;
    public static final int PCI_EXP_DEVCTL_CERE = 0x0001;
    public static final int PCI_EXP_DEVCTL_NFERE = 0x0002;
    public static final int PCI_EXP_DEVCTL_FERE = 0x0004;
    public static final int PCI_EXP_DEVCTL_URRE = 0x0008;
    public static final int PCI_EXP_DEVCTL_RELAX_EN = 0x0010;
    public static final int PCI_EXP_DEVCTL_NOSNOOP_EN = 0x0800;
    public static final int PCI_EXP_DEVCTL_READRQ = 0x7000;
    public static final int PCI_EXP_DEVCTL_READRQ_512B = 0x2000;
    public static final int PCI_EXP_DEVSTA = 0x0a;
    public static final int PCI_EXP_DEVSTA_CED = 0x0001;
    public static final int PCI_EXP_DEVSTA_NFED = 0x0002;
    public static final int PCI_EXP_DEVSTA_FED = 0x0004;
    public static final int PCI_EXP_DEVSTA_URD = 0x0008;
    public static final int PCI_EXP_LNKCAP = 0x0c;
    public static final int PCI_EXP_LNKCAP_SLS = 0x0000_000f;
    public static final int PCI_EXP_LNKCAP_SLS_2_5GB = 0x0000_0001;
    public static final int PCI_EXP_LNKCAP_MLW = 0x0000_03f0;
    public static final int PCI_EXP_LNKSTA = 0x12;
    public static final int PCI_EXP_LNKSTA_CLS = 0x000f;
    public static final int PCI_EXP_LNKSTA_CLS_2_5GB = 0x0001;
    public static final int PCI_EXP_LNKSTA_NLW = 0x03f0;
    public static final int PCI_EXP_LNKSTA_NLW_X1 = 0x0010;
    public static final int PCI_EXP_DEVCAP2 = 0x24;
    /** End-End TLP Prefix Supported: the function can carry a PASID prefix (non-Flit mode). */
    public static final int PCI_EXP_DEVCAP2_EE_PREFIX = 0x0020_0000;

    // ---- MSI-X capability (offsets from the capability) and its table entries -------

    /** Message Control, 16 bits. */
    public static final int PCI_MSIX_FLAGS = 2;
    /** Table Size, encoded as N - 1. */
    public static final int PCI_MSIX_FLAGS_QSIZE = 0x07ff;
    /** Function Mask. */
    public static final int PCI_MSIX_FLAGS_MASKALL = 0x4000;
    public static final int PCI_MSIX_FLAGS_ENABLE = 0x8000;
    /** Table Offset/Table BIR, 32 bits. */
    public static final int PCI_MSIX_TABLE = 4;
    public static final int PCI_MSIX_TABLE_BIR = 0x0000_0007;
    public static final long PCI_MSIX_TABLE_OFFSET = 0xffff_fff8L;
    /** PBA Offset/PBA BIR, 32 bits. */
    public static final int PCI_MSIX_PBA = 8;
    public static final int PCI_MSIX_PBA_BIR = 0x0000_0007;
    public static final long PCI_MSIX_PBA_OFFSET = 0xffff_fff8L;
    public static final int PCI_CAP_MSIX_SIZEOF = 12;
    /** Bytes per MSI-X table entry (in the BAR, not in configuration space). */
    public static final int PCI_MSIX_ENTRY_SIZE = 16;
    public static final int PCI_MSIX_ENTRY_LOWER_ADDR = 0x0;
    public static final int PCI_MSIX_ENTRY_UPPER_ADDR = 0x4;
    public static final int PCI_MSIX_ENTRY_DATA = 0x8;
    public static final int PCI_MSIX_ENTRY_VECTOR_CTRL = 0xc;
    public static final int PCI_MSIX_ENTRY_CTRL_MASKBIT = 0x0000_0001;

    // ---- ATS extended capability (offsets from the capability) ----------------------

    /** ATS Capability register, 16 bits. */
    public static final int PCI_ATS_CAP = 0x04;

    /** Invalidate Queue Depth field of the ATS Capability register (0 encodes 32). */
    public static int PCI_ATS_CAP_QDEP(int x) {
        return x & 0x1f;
    }

    /** The depth the encoding 0 of Invalidate Queue Depth stands for. */
    public static final int PCI_ATS_MAX_QDEP = 32;
    public static final int PCI_ATS_CAP_PAGE_ALIGNED = 0x0020;
    /** ATS Control register, 16 bits. */
    public static final int PCI_ATS_CTRL = 0x06;
    public static final int PCI_ATS_CTRL_ENABLE = 0x8000;

    /** Smallest Translation Unit field of the ATS Control register: the STU is 2^(12 + x) bytes. */
    public static int PCI_ATS_CTRL_STU(int x) {
        return x & 0x1f;
    }

    /** log2 of the STU encoded as 0 (4 KiB). */
    public static final int PCI_ATS_MIN_STU = 12;
    public static final int PCI_EXT_CAP_ATS_SIZEOF = 8;

    // ---- PRI extended capability (offsets from the capability) ----------------------

    /** Page Request Control register, 16 bits. */
    public static final int PCI_PRI_CTRL = 0x04;
    public static final int PCI_PRI_CTRL_ENABLE = 0x0001;
    public static final int PCI_PRI_CTRL_RESET = 0x0002;
    /** Page Request Status register, 16 bits. */
    public static final int PCI_PRI_STATUS = 0x06;
    /** Response Failure. */
    public static final int PCI_PRI_STATUS_RF = 0x0001;
    /** Unexpected Page Request Group Index. */
    public static final int PCI_PRI_STATUS_UPRGI = 0x0002;
    public static final int PCI_PRI_STATUS_STOPPED = 0x0100;
    /** PRG Response PASID Required. */
    public static final int PCI_PRI_STATUS_PASID = 0x8000;
    /** Outstanding Page Request Capacity, 32 bits. */
    public static final int PCI_PRI_MAX_REQ = 0x08;
    /** Outstanding Page Request Allocation, 32 bits. */
    public static final int PCI_PRI_ALLOC_REQ = 0x0c;
    public static final int PCI_EXT_CAP_PRI_SIZEOF = 16;

    // ---- PASID extended capability (offsets from the capability) --------------------

    /** PASID Capability register, 16 bits. */
    public static final int PCI_PASID_CAP = 0x04;
    public static final int PCI_PASID_CAP_EXEC = 0x0002;
    public static final int PCI_PASID_CAP_PRIV = 0x0004;
    /** Max PASID Width, bits [12:8]. */
    public static final int PCI_PASID_CAP_WIDTH = 0x1f00;
    /** PASID Control register, 16 bits. */
    public static final int PCI_PASID_CTRL = 0x06;
    public static final int PCI_PASID_CTRL_ENABLE = 0x0001;
    public static final int PCI_PASID_CTRL_EXEC = 0x0002;
    public static final int PCI_PASID_CTRL_PRIV = 0x0004;
    public static final int PCI_EXT_CAP_PASID_SIZEOF = 8;

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

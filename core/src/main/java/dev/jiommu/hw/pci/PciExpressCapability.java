package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_CAP_ID_EXP;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCAP;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCAP2;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCAP2_EE_PREFIX;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCAP_RBER;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_CERE;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_FERE;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_NFERE;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_NOSNOOP_EN;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_READRQ;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_READRQ_512B;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_RELAX_EN;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVCTL_URRE;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVSTA;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVSTA_CED;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVSTA_FED;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVSTA_NFED;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_DEVSTA_URD;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_FLAGS;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_FLAGS_TYPE;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_FLAGS_VERS;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKCAP;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKCAP_MLW;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKCAP_SLS;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKCAP_SLS_2_5GB;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKSTA;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKSTA_CLS;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKSTA_CLS_2_5GB;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKSTA_NLW;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_LNKSTA_NLW_X1;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_TYPE_ENDPOINT;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXP_TYPE_RC_END;

/**
 * The PCI Express Capability of an endpoint (PCIe Base 6.0 §7.5.3), version 2.
 * Every PCI Express function has one: it is how software tells a PCIe function
 * from a conventional one, and Linux reads the extended configuration space,
 * where ATS, PRI and PASID live, only for a function that has it
 * ({@code pci_cfg_space_size}).
 *
 * <pre>
 *  +00  ID 10h, next          +02  PCI Express Capabilities: [3:0] version 2, [7:4] type
 *  +04  Device Capabilities   (RO) Max_Payload_Size Supported 128 B, Role-Based Error Reporting
 *  +08  Device Control        (RW) error reporting enables, Relaxed Ordering, No Snoop,
 *                                  Max_Read_Request_Size; Max_Payload_Size hardwired to 128 B
 *  +0a  Device Status         (RW1C) CED, NFED, FED, URD
 *  +0c  Link Capabilities     (RO) endpoint only: 2.5 GT/s, x1
 *  +12  Link Status           (RO) endpoint only: 2.5 GT/s, x1
 *  +24  Device Capabilities 2 (RO) End-End TLP Prefix Supported, if asked
 *  everything else up to +3c reads 0 (optional features not implemented)
 * </pre>
 *
 * <p>Invariants: the type is an Endpoint (with a link, so with link registers
 * reporting the lowest speed and width) or a Root Complex Integrated Endpoint
 * (no link registers; what QEMU makes of a PCIe device on a root bus). Device
 * Control resets to the spec's defaults: Relaxed Ordering and No Snoop enabled,
 * 512-byte read requests, error reporting off. Nothing acts on a write.
 */
public final class PciExpressCapability {

    /** Capability Version (§7.5.3.2): 2, the layout with the "2" registers. */
    private static final int VERSION = 2;
    /** Size of the version-2 structure (§7.5.3): it ends with Slot Status 2 at +3a. */
    private static final int LENGTH = 0x3c;
    private static final int DEVCTL_WRITABLE = PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE
            | PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ;
    private static final int DEVCTL_RESET = PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN
            | PCI_EXP_DEVCTL_READRQ_512B;
    private static final int DEVSTA_W1C = PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED
            | PCI_EXP_DEVSTA_URD;

    private final ConfigSpace config;
    private final int offset;

    private PciExpressCapability(ConfigSpace config, int offset) {
        this.config = config;
        this.offset = offset;
    }

    /**
     * Adds the capability at the end of {@code function}'s standard list.
     *
     * @param type             {@link PciRegs#PCI_EXP_TYPE_ENDPOINT} or {@link PciRegs#PCI_EXP_TYPE_RC_END}
     * @param endEndTlpPrefix  End-End TLP Prefix Supported, which a function sending PASID
     *                         prefixes needs (Linux enables PASID only along a prefix-capable path)
     * @throws IllegalArgumentException on another type, or a conventional function
     * @throws IllegalStateException    when the standard capability area is full
     */
    public static PciExpressCapability add(PciFunction function, int type, boolean endEndTlpPrefix) {
        if (type != PCI_EXP_TYPE_ENDPOINT && type != PCI_EXP_TYPE_RC_END) {
            throw new IllegalArgumentException("PCI Express device/port type " + type + " is not an endpoint");
        }
        ConfigSpace config = function.config;
        if (!config.express()) {
            throw new IllegalArgumentException("a conventional PCI function has no PCI Express capability");
        }
        int at = config.addCapability(PCI_CAP_ID_EXP, LENGTH);
        config.set16(at + PCI_EXP_FLAGS, VERSION & PCI_EXP_FLAGS_VERS
                | type << Integer.numberOfTrailingZeros(PCI_EXP_FLAGS_TYPE) & PCI_EXP_FLAGS_TYPE);
        config.set32(at + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_RBER);
        config.set16(at + PCI_EXP_DEVCTL, DEVCTL_RESET);
        config.setWritable(at + PCI_EXP_DEVCTL, 2, DEVCTL_WRITABLE);
        config.setWriteOneToClear(at + PCI_EXP_DEVSTA, 2, DEVSTA_W1C);
        if (type == PCI_EXP_TYPE_ENDPOINT) {
            config.set32(at + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB & PCI_EXP_LNKCAP_SLS
                    | 1 << Integer.numberOfTrailingZeros(PCI_EXP_LNKCAP_MLW));
            config.set16(at + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB & PCI_EXP_LNKSTA_CLS
                    | PCI_EXP_LNKSTA_NLW_X1 & PCI_EXP_LNKSTA_NLW);
        }
        config.set32(at + PCI_EXP_DEVCAP2, endEndTlpPrefix ? PCI_EXP_DEVCAP2_EE_PREFIX : 0);
        return new PciExpressCapability(config, at);
    }

    /** Offset of the capability in configuration space. */
    public int offset() {
        return offset;
    }

    /** Device/Port Type. */
    public int type() {
        return (config.get16(offset + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE)
                >>> Integer.numberOfTrailingZeros(PCI_EXP_FLAGS_TYPE);
    }
}

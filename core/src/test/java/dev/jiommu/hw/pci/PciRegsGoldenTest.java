package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Golden values of {@link PciRegs}. Every expected value is a literal: the
 * {@code linux*} tests transcribe Linux's {@code include/uapi/linux/pci_regs.h};
 * {@code qemu*} tests transcribe QEMU's {@code include/hw/pci/pci_ids.h}; the
 * {@code model*} test pins the few values this model defines itself or
 * stores differently from those headers (each says how).
 * {@link PciRegsCoverageTest} checks that no constant escapes these tests.
 */
class PciRegsGoldenTest {

    @Test
    void linuxHeaderLayout() {
        assertEquals(256, PCI_CFG_SPACE_SIZE);
        assertEquals(4096, PCI_CFG_SPACE_EXP_SIZE);
        assertEquals(64, PCI_STD_HEADER_SIZEOF);
        assertEquals(0x00, PCI_VENDOR_ID);
        assertEquals(0x02, PCI_DEVICE_ID);
        assertEquals(0x04, PCI_COMMAND);
        assertEquals(0x1, PCI_COMMAND_IO);
        assertEquals(0x2, PCI_COMMAND_MEMORY);
        assertEquals(0x4, PCI_COMMAND_MASTER);
        assertEquals(0x40, PCI_COMMAND_PARITY);
        assertEquals(0x100, PCI_COMMAND_SERR);
        assertEquals(0x400, PCI_COMMAND_INTX_DISABLE);
        assertEquals(0x06, PCI_STATUS);
        assertEquals(0x10, PCI_STATUS_CAP_LIST);
        assertEquals(0x100, PCI_STATUS_PARITY);
        assertEquals(0x800, PCI_STATUS_SIG_TARGET_ABORT);
        assertEquals(0x1000, PCI_STATUS_REC_TARGET_ABORT);
        assertEquals(0x2000, PCI_STATUS_REC_MASTER_ABORT);
        assertEquals(0x4000, PCI_STATUS_SIG_SYSTEM_ERROR);
        assertEquals(0x8000, PCI_STATUS_DETECTED_PARITY);
        assertEquals(0x08, PCI_REVISION_ID);
        assertEquals(0x09, PCI_CLASS_PROG);
        assertEquals(0x0a, PCI_CLASS_DEVICE);
        assertEquals(0x0c, PCI_CACHE_LINE_SIZE);
        assertEquals(0x0d, PCI_LATENCY_TIMER);
        assertEquals(0x0e, PCI_HEADER_TYPE);
        assertEquals(0, PCI_HEADER_TYPE_NORMAL);
        assertEquals(0x80, PCI_HEADER_TYPE_MFD);
        assertEquals(0x10, PCI_BASE_ADDRESS_0);
        assertEquals(0x01, PCI_BASE_ADDRESS_SPACE_IO);
        assertEquals(0x04, PCI_BASE_ADDRESS_MEM_TYPE_64);
        assertEquals(0x08, PCI_BASE_ADDRESS_MEM_PREFETCH);
        assertEquals(0x2c, PCI_SUBSYSTEM_VENDOR_ID);
        assertEquals(0x2e, PCI_SUBSYSTEM_ID);
        assertEquals(0x30, PCI_ROM_ADDRESS);
        assertEquals(0x34, PCI_CAPABILITY_LIST);
        assertEquals(0x3c, PCI_INTERRUPT_LINE);
        assertEquals(0x3d, PCI_INTERRUPT_PIN);
        assertEquals(0, PCI_CAP_LIST_ID);
        assertEquals(1, PCI_CAP_LIST_NEXT);
    }

    @Test
    void linuxCapabilityIds() {
        assertEquals(0x10, PCI_CAP_ID_EXP);
        assertEquals(0x11, PCI_CAP_ID_MSIX);
        assertEquals(0x0f, PCI_EXT_CAP_ID_ATS);
        assertEquals(0x13, PCI_EXT_CAP_ID_PRI);
        assertEquals(0x1b, PCI_EXT_CAP_ID_PASID);
    }

    @Test
    void linuxExtendedCapabilityHeaderMacros() {
        long header = 0x1481_000fL;
        assertEquals(0x000f, PCI_EXT_CAP_ID(header));
        assertEquals(0x1, PCI_EXT_CAP_VER(header));
        assertEquals(0x148, PCI_EXT_CAP_NEXT(header));
        assertEquals(0xffc, PCI_EXT_CAP_NEXT(0xffff_ffffL), "(header >> 20) & 0xffc");
        assertEquals(0xffff, PCI_EXT_CAP_ID(0xffff_ffffL));
        assertEquals(0xf, PCI_EXT_CAP_VER(0xffff_ffffL));
    }

    @Test
    void linuxPciExpressCapability() {
        assertEquals(0x02, PCI_EXP_FLAGS);
        assertEquals(0x000f, PCI_EXP_FLAGS_VERS);
        assertEquals(0x00f0, PCI_EXP_FLAGS_TYPE);
        assertEquals(0x0, PCI_EXP_TYPE_ENDPOINT);
        assertEquals(0x9, PCI_EXP_TYPE_RC_END);
        assertEquals(0x04, PCI_EXP_DEVCAP);
        assertEquals(0x0000_0007, PCI_EXP_DEVCAP_PAYLOAD);
        assertEquals(0x0000_8000, PCI_EXP_DEVCAP_RBER);
        assertEquals(0x08, PCI_EXP_DEVCTL);
        assertEquals(0x0001, PCI_EXP_DEVCTL_CERE);
        assertEquals(0x0002, PCI_EXP_DEVCTL_NFERE);
        assertEquals(0x0004, PCI_EXP_DEVCTL_FERE);
        assertEquals(0x0008, PCI_EXP_DEVCTL_URRE);
        assertEquals(0x0010, PCI_EXP_DEVCTL_RELAX_EN);
        assertEquals(0x0800, PCI_EXP_DEVCTL_NOSNOOP_EN);
        assertEquals(0x7000, PCI_EXP_DEVCTL_READRQ);
        assertEquals(0x2000, PCI_EXP_DEVCTL_READRQ_512B);
        assertEquals(0x0a, PCI_EXP_DEVSTA);
        assertEquals(0x0001, PCI_EXP_DEVSTA_CED);
        assertEquals(0x0002, PCI_EXP_DEVSTA_NFED);
        assertEquals(0x0004, PCI_EXP_DEVSTA_FED);
        assertEquals(0x0008, PCI_EXP_DEVSTA_URD);
        assertEquals(0x0c, PCI_EXP_LNKCAP);
        assertEquals(0x0000_000f, PCI_EXP_LNKCAP_SLS);
        assertEquals(0x0000_0001, PCI_EXP_LNKCAP_SLS_2_5GB);
        assertEquals(0x0000_03f0, PCI_EXP_LNKCAP_MLW);
        assertEquals(0x12, PCI_EXP_LNKSTA);
        assertEquals(0x000f, PCI_EXP_LNKSTA_CLS);
        assertEquals(0x0001, PCI_EXP_LNKSTA_CLS_2_5GB);
        assertEquals(0x03f0, PCI_EXP_LNKSTA_NLW);
        assertEquals(0x0010, PCI_EXP_LNKSTA_NLW_X1);
        assertEquals(0x24, PCI_EXP_DEVCAP2);
        assertEquals(0x0020_0000, PCI_EXP_DEVCAP2_EE_PREFIX);
    }

    @Test
    void linuxMsix() {
        assertEquals(2, PCI_MSIX_FLAGS);
        assertEquals(0x07ff, PCI_MSIX_FLAGS_QSIZE);
        assertEquals(0x4000, PCI_MSIX_FLAGS_MASKALL);
        assertEquals(0x8000, PCI_MSIX_FLAGS_ENABLE);
        assertEquals(4, PCI_MSIX_TABLE);
        assertEquals(0x0000_0007, PCI_MSIX_TABLE_BIR);
        assertEquals(0xffff_fff8L, PCI_MSIX_TABLE_OFFSET);
        assertEquals(8, PCI_MSIX_PBA);
        assertEquals(0x0000_0007, PCI_MSIX_PBA_BIR);
        assertEquals(0xffff_fff8L, PCI_MSIX_PBA_OFFSET);
        assertEquals(12, PCI_CAP_MSIX_SIZEOF);
        assertEquals(16, PCI_MSIX_ENTRY_SIZE);
        assertEquals(0x0, PCI_MSIX_ENTRY_LOWER_ADDR);
        assertEquals(0x4, PCI_MSIX_ENTRY_UPPER_ADDR);
        assertEquals(0x8, PCI_MSIX_ENTRY_DATA);
        assertEquals(0xc, PCI_MSIX_ENTRY_VECTOR_CTRL);
        assertEquals(0x0000_0001, PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }

    @Test
    void linuxAts() {
        assertEquals(0x04, PCI_ATS_CAP);
        assertEquals(0x05, PCI_ATS_CAP_QDEP(0x25), "(x) & 0x1f");
        assertEquals(0x00, PCI_ATS_CAP_QDEP(32));
        assertEquals(32, PCI_ATS_MAX_QDEP);
        assertEquals(0x0020, PCI_ATS_CAP_PAGE_ALIGNED);
        assertEquals(0x06, PCI_ATS_CTRL);
        assertEquals(0x8000, PCI_ATS_CTRL_ENABLE);
        assertEquals(0x1f, PCI_ATS_CTRL_STU(0xff), "(x) & 0x1f");
        assertEquals(0x04, PCI_ATS_CTRL_STU(4));
        assertEquals(12, PCI_ATS_MIN_STU);
        assertEquals(8, PCI_EXT_CAP_ATS_SIZEOF);
    }

    @Test
    void linuxPri() {
        assertEquals(0x04, PCI_PRI_CTRL);
        assertEquals(0x0001, PCI_PRI_CTRL_ENABLE);
        assertEquals(0x0002, PCI_PRI_CTRL_RESET);
        assertEquals(0x06, PCI_PRI_STATUS);
        assertEquals(0x0001, PCI_PRI_STATUS_RF);
        assertEquals(0x0002, PCI_PRI_STATUS_UPRGI);
        assertEquals(0x0100, PCI_PRI_STATUS_STOPPED);
        assertEquals(0x8000, PCI_PRI_STATUS_PASID);
        assertEquals(0x08, PCI_PRI_MAX_REQ);
        assertEquals(0x0c, PCI_PRI_ALLOC_REQ);
        assertEquals(16, PCI_EXT_CAP_PRI_SIZEOF);
    }

    @Test
    void linuxPasid() {
        assertEquals(0x04, PCI_PASID_CAP);
        assertEquals(0x0002, PCI_PASID_CAP_EXEC);
        assertEquals(0x0004, PCI_PASID_CAP_PRIV);
        assertEquals(0x1f00, PCI_PASID_CAP_WIDTH);
        assertEquals(0x06, PCI_PASID_CTRL);
        assertEquals(0x0001, PCI_PASID_CTRL_ENABLE);
        assertEquals(0x0002, PCI_PASID_CTRL_EXEC);
        assertEquals(0x0004, PCI_PASID_CTRL_PRIV);
        assertEquals(8, PCI_EXT_CAP_PASID_SIZEOF);
    }

    @Test
    void qemuIds() {
        assertEquals(0x1b36, PCI_VENDOR_ID_REDHAT);
        assertEquals(0x0005, PCI_DEVICE_ID_REDHAT_TEST);
        assertEquals(0x0008, PCI_DEVICE_ID_REDHAT_PCIE_HOST);
    }

    @Test
    void modelValues() {
        assertEquals(6, PCI_NUM_BARS, "Linux's PCI_STD_NUM_BARS");
        assertEquals(0xffff_fff0L, PCI_BASE_ADDRESS_MEM_MASK, "Linux's ~0x0fUL, for 32-bit BARs");
        assertEquals(0x100, PCI_CFG_SPACE_EXT_START, "where Linux starts its extended walk (PCI_CFG_SPACE_SIZE)");
        assertEquals(0x06_00_00, PCI_CLASS_BRIDGE_HOST, "QEMU's 16-bit 0x0600 with prog-if 0");
        assertEquals(0x00_ff_00, PCI_CLASS_OTHERS, "QEMU's 0xff as QEMU stores it in the class word");
    }
}

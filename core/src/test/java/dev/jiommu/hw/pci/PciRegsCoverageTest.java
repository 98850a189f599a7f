package dev.jiommu.hw.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every {@code public static final} number of {@link PciRegs} is pinned by
 * {@link PciRegsGoldenTest}: the names below are the ones it asserts, and a
 * constant added without a golden value fails here.
 */
class PciRegsCoverageTest {

    private static final Set<String> PINNED = Set.of(
            "PCI_CFG_SPACE_SIZE", "PCI_CFG_SPACE_EXP_SIZE", "PCI_STD_HEADER_SIZEOF",
            "PCI_VENDOR_ID", "PCI_DEVICE_ID",
            "PCI_COMMAND", "PCI_COMMAND_IO", "PCI_COMMAND_MEMORY", "PCI_COMMAND_MASTER", "PCI_COMMAND_PARITY",
            "PCI_COMMAND_SERR", "PCI_COMMAND_INTX_DISABLE",
            "PCI_STATUS", "PCI_STATUS_CAP_LIST", "PCI_STATUS_PARITY", "PCI_STATUS_SIG_TARGET_ABORT",
            "PCI_STATUS_REC_TARGET_ABORT", "PCI_STATUS_REC_MASTER_ABORT", "PCI_STATUS_SIG_SYSTEM_ERROR",
            "PCI_STATUS_DETECTED_PARITY",
            "PCI_REVISION_ID", "PCI_CLASS_PROG", "PCI_CLASS_DEVICE", "PCI_CACHE_LINE_SIZE", "PCI_LATENCY_TIMER",
            "PCI_HEADER_TYPE", "PCI_HEADER_TYPE_NORMAL", "PCI_HEADER_TYPE_MFD",
            "PCI_BASE_ADDRESS_0", "PCI_NUM_BARS", "PCI_BASE_ADDRESS_SPACE_IO", "PCI_BASE_ADDRESS_MEM_TYPE_64",
            "PCI_BASE_ADDRESS_MEM_PREFETCH", "PCI_BASE_ADDRESS_MEM_MASK",
            "PCI_SUBSYSTEM_VENDOR_ID", "PCI_SUBSYSTEM_ID", "PCI_ROM_ADDRESS", "PCI_CAPABILITY_LIST",
            "PCI_INTERRUPT_LINE", "PCI_INTERRUPT_PIN", "PCI_CAP_LIST_ID", "PCI_CAP_LIST_NEXT",
            "PCI_CFG_SPACE_EXT_START",
            "PCI_CAP_ID_EXP", "PCI_CAP_ID_MSIX", "PCI_EXT_CAP_ID_ATS", "PCI_EXT_CAP_ID_PRI", "PCI_EXT_CAP_ID_PASID",
            "PCI_EXP_FLAGS", "PCI_EXP_FLAGS_VERS", "PCI_EXP_FLAGS_TYPE", "PCI_EXP_TYPE_ENDPOINT",
            "PCI_EXP_TYPE_RC_END", "PCI_EXP_DEVCAP", "PCI_EXP_DEVCAP_PAYLOAD", "PCI_EXP_DEVCAP_RBER",
            "PCI_EXP_DEVCTL", "PCI_EXP_DEVCTL_CERE", "PCI_EXP_DEVCTL_NFERE", "PCI_EXP_DEVCTL_FERE",
            "PCI_EXP_DEVCTL_URRE", "PCI_EXP_DEVCTL_RELAX_EN", "PCI_EXP_DEVCTL_NOSNOOP_EN", "PCI_EXP_DEVCTL_READRQ",
            "PCI_EXP_DEVCTL_READRQ_512B", "PCI_EXP_DEVSTA", "PCI_EXP_DEVSTA_CED", "PCI_EXP_DEVSTA_NFED",
            "PCI_EXP_DEVSTA_FED", "PCI_EXP_DEVSTA_URD", "PCI_EXP_LNKCAP", "PCI_EXP_LNKCAP_SLS",
            "PCI_EXP_LNKCAP_SLS_2_5GB", "PCI_EXP_LNKCAP_MLW", "PCI_EXP_LNKSTA", "PCI_EXP_LNKSTA_CLS",
            "PCI_EXP_LNKSTA_CLS_2_5GB", "PCI_EXP_LNKSTA_NLW", "PCI_EXP_LNKSTA_NLW_X1", "PCI_EXP_DEVCAP2",
            "PCI_EXP_DEVCAP2_EE_PREFIX",
            "PCI_MSIX_FLAGS", "PCI_MSIX_FLAGS_QSIZE", "PCI_MSIX_FLAGS_MASKALL", "PCI_MSIX_FLAGS_ENABLE",
            "PCI_MSIX_TABLE", "PCI_MSIX_TABLE_BIR", "PCI_MSIX_TABLE_OFFSET", "PCI_MSIX_PBA", "PCI_MSIX_PBA_BIR",
            "PCI_MSIX_PBA_OFFSET", "PCI_CAP_MSIX_SIZEOF", "PCI_MSIX_ENTRY_SIZE", "PCI_MSIX_ENTRY_LOWER_ADDR",
            "PCI_MSIX_ENTRY_UPPER_ADDR", "PCI_MSIX_ENTRY_DATA", "PCI_MSIX_ENTRY_VECTOR_CTRL",
            "PCI_MSIX_ENTRY_CTRL_MASKBIT",
            "PCI_ATS_CAP", "PCI_ATS_MAX_QDEP", "PCI_ATS_CAP_PAGE_ALIGNED", "PCI_ATS_CTRL", "PCI_ATS_CTRL_ENABLE",
            "PCI_ATS_MIN_STU", "PCI_EXT_CAP_ATS_SIZEOF",
            "PCI_PRI_CTRL", "PCI_PRI_CTRL_ENABLE", "PCI_PRI_CTRL_RESET", "PCI_PRI_STATUS", "PCI_PRI_STATUS_RF",
            "PCI_PRI_STATUS_UPRGI", "PCI_PRI_STATUS_STOPPED", "PCI_PRI_STATUS_PASID", "PCI_PRI_MAX_REQ",
            "PCI_PRI_ALLOC_REQ", "PCI_EXT_CAP_PRI_SIZEOF",
            "PCI_PASID_CAP", "PCI_PASID_CAP_EXEC", "PCI_PASID_CAP_PRIV", "PCI_PASID_CAP_WIDTH", "PCI_PASID_CTRL",
            "PCI_PASID_CTRL_ENABLE", "PCI_PASID_CTRL_EXEC", "PCI_PASID_CTRL_PRIV", "PCI_EXT_CAP_PASID_SIZEOF",
            "PCI_CLASS_BRIDGE_HOST", "PCI_CLASS_OTHERS",
            "PCI_VENDOR_ID_REDHAT", "PCI_DEVICE_ID_REDHAT_TEST", "PCI_DEVICE_ID_REDHAT_PCIE_HOST");

    @Test
    void everyConstantHasAGoldenValue() {
        Set<String> constants = new TreeSet<>();
        for (Field f : PciRegs.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType().isPrimitive()) {
                constants.add(f.getName());
            }
        }
        assertEquals(new TreeSet<>(PINNED), constants);
    }
}

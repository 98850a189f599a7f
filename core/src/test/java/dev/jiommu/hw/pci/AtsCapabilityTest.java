package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The ATS capability as software programs it (PCIe Base 6.0 §10.5.1) and as the ATC reads it. */
class AtsCapabilityTest extends SvaFixture {

    private final int ats = cfg.findExtCapability(PCI_EXT_CAP_ID_ATS);

    @Test
    void theCapabilityRegisterIsReadOnlyAndEncodesDepth32AsZero() {
        assertEquals(PCI_ATS_CAP_PAGE_ALIGNED, cfg.read16(ats + PCI_ATS_CAP));
        assertEquals(32, fn.ats.invalidateQueueDepth());
        assertTrue(fn.ats.pageAlignedRequest());
        cfg.write16(ats + PCI_ATS_CAP, 0xffff);
        assertEquals(PCI_ATS_CAP_PAGE_ALIGNED, cfg.read16(ats + PCI_ATS_CAP));
    }

    @Test
    void otherDepthsAreEncodedAsThemselves() {
        PciFunction f = new PciFunction(new PciFunction.Identity(0x1b36, 1, 0, 0), true) { };
        AtsCapability a = AtsCapability.add(f, 5, false);
        assertEquals(5, f.configRead(a.offset() + PCI_ATS_CAP, 2));
        assertEquals(5, a.invalidateQueueDepth());
        assertFalse(a.pageAlignedRequest());
        assertThrows(IllegalArgumentException.class, () -> AtsCapability.add(f, 0, false));
        assertThrows(IllegalArgumentException.class, () -> AtsCapability.add(f, 33, false));
    }

    @Test
    void controlResetsDisabledWithA4KiBTranslationUnit() {
        assertEquals(0, cfg.read16(ats + PCI_ATS_CTRL));
        assertFalse(fn.ats.enabled());
        assertEquals(12, fn.ats.stu());
    }

    @Test
    void softwareEnablesWithASmallestTranslationUnitAsLinuxDoes() {
        int stu = 16;
        cfg.write16(ats + PCI_ATS_CTRL, PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(stu - PCI_ATS_MIN_STU));
        assertTrue(fn.ats.enabled());
        assertEquals(16, fn.ats.stu());
        assertEquals(0x8004, cfg.read16(ats + PCI_ATS_CTRL));
        cfg.write16(ats + PCI_ATS_CTRL, 0);
        assertFalse(fn.ats.enabled());
        assertEquals(12, fn.ats.stu());
    }

    @Test
    void reservedControlBitsStayZero() {
        cfg.write16(ats + PCI_ATS_CTRL, 0xffff);
        assertEquals(0x801f, cfg.read16(ats + PCI_ATS_CTRL));
        assertEquals(12 + 31, fn.ats.stu());
        cfg.write(ats + PCI_ATS_CTRL + 1, 1, 0);
        assertFalse(fn.ats.enabled(), "a byte write reaches Enable alone");
        assertEquals(12 + 31, fn.ats.stu());
    }
}

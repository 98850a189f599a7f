package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The PASID capability (PCIe Base 6.0 §7.8.8): width, supported features, and what Enable allows. */
class PasidCapabilityTest extends SvaFixture {

    private final int pasid = cfg.findExtCapability(PCI_EXT_CAP_ID_PASID);

    @Test
    void theCapabilityRegisterReportsWidthAndFeaturesReadOnly() {
        int cap = cfg.read16(pasid + PCI_PASID_CAP);
        assertEquals(16, (cap & PCI_PASID_CAP_WIDTH) >> 8);
        assertEquals(PCI_PASID_CAP_EXEC, cap & (PCI_PASID_CAP_EXEC | PCI_PASID_CAP_PRIV));
        assertEquals(16, fn.pasid.maxWidth());
        assertTrue(fn.pasid.executeSupported());
        assertFalse(fn.pasid.privilegedSupported());
        cfg.write16(pasid + PCI_PASID_CAP, 0xffff);
        assertEquals(cap, cfg.read16(pasid + PCI_PASID_CAP));
    }

    @Test
    void aDisabledFunctionAllowsNoPasid() {
        assertEquals(0, cfg.read16(pasid + PCI_PASID_CTRL));
        assertFalse(fn.pasid.enabled());
        assertFalse(fn.pasid.allows(0));
        assertFalse(fn.pasid.allows(1));
    }

    @Test
    void anEnabledFunctionAllowsExactlyThePasidsItsWidthHolds() {
        cfg.write16(pasid + PCI_PASID_CTRL, PCI_PASID_CTRL_ENABLE);
        assertTrue(fn.pasid.enabled());
        assertTrue(fn.pasid.allows(0));
        assertTrue(fn.pasid.allows(0xffff));
        assertFalse(fn.pasid.allows(0x1_0000));
        assertFalse(fn.pasid.allows(0xf_ffff));
        assertFalse(fn.pasid.allows(-1));
    }

    @Test
    void onlySupportedFeaturesCanBeEnabled() {
        cfg.write16(pasid + PCI_PASID_CTRL, 0xffff);
        assertEquals(PCI_PASID_CTRL_ENABLE | PCI_PASID_CTRL_EXEC, cfg.read16(pasid + PCI_PASID_CTRL));
        assertTrue(fn.pasid.executeEnabled());
        assertFalse(fn.pasid.privilegedEnabled());
    }

    @Test
    void widthZeroMeansOnlyPasidZeroAndWidthsAboveTwentyAreRefused() {
        PciFunction f = new PciFunction(new PciFunction.Identity(0x1b36, 1, 0, 0), true) { };
        PasidCapability narrow = PasidCapability.add(f, 0, false, true);
        f.configWrite(narrow.offset() + PCI_PASID_CTRL, 2, PCI_PASID_CTRL_ENABLE | PCI_PASID_CTRL_PRIV);
        assertTrue(narrow.allows(0));
        assertFalse(narrow.allows(1));
        assertTrue(narrow.privilegedEnabled());
        PasidCapability wide = PasidCapability.add(f, 20, false, false);
        f.configWrite(wide.offset() + PCI_PASID_CTRL, 2, PCI_PASID_CTRL_ENABLE);
        assertTrue(wide.allows(0xf_ffff));
        assertThrows(IllegalArgumentException.class, () -> PasidCapability.add(f, 21, false, false));
    }
}

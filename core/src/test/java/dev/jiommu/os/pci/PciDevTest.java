package dev.jiommu.os.pci;

import dev.jiommu.Errno;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.PciFunction;
import dev.jiommu.hw.platform.VirtMachine;
import org.junit.jupiter.api.Test;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OS view of PCIe functions through the ECAM: capability discovery and the
 * ATS / PRI / PASID enables with Linux's checks, against the jiommu-dma engine
 * (ATS, PRI with 32 requests, 20-bit PASID with privileged mode) and the
 * iommu-testdev (none of them).
 */
class PciDevTest {

    private final VirtMachine machine = VirtMachine.builder().device("jiommu-dma").device("iommu-testdev").build();
    private final PciDev dma = pciDev(machine.devices().get(0));
    private final PciDev plain = pciDev(machine.devices().get(1));

    private PciDev pciDev(PciFunction f) {
        return new PciDev(machine.bus(), VirtMachine.PCIE_ECAM_BASE, f.requesterId());
    }

    private DmaEngine engine() {
        return (DmaEngine) machine.devices().get(0);
    }

    @Test
    void capabilitiesAreFoundInBothLists() {
        assertTrue(dma.present());
        assertNotEquals(0, dma.findCapability(PCI_CAP_ID_MSIX));
        assertNotEquals(0, dma.findCapability(PCI_CAP_ID_EXP));
        assertTrue(dma.atsSupported() && dma.priSupported() && dma.pasidSupported());
        assertFalse(plain.atsSupported() || plain.priSupported() || plain.pasidSupported());
        assertEquals(0, dma.findExtCapability(0x7f), "an absent extended capability");
        assertFalse(new PciDev(machine.bus(), VirtMachine.PCIE_ECAM_BASE, 0x1f << 3).present(), "empty slot");
    }

    @Test
    void atsEnableSetsTheStuAndRefusesAsLinuxDoes() {
        assertEquals(-Errno.ENODEV, plain.enableAts(12));
        assertEquals(-Errno.EINVAL, dma.enableAts(11));
        assertEquals(32, dma.atsQueueDepth());
        assertEquals(0, dma.enableAts(16));
        assertTrue(dma.atsEnabled());
        int ctrl = dma.readConfig(dma.findExtCapability(PCI_EXT_CAP_ID_ATS) + PCI_ATS_CTRL, 2);
        assertEquals(PCI_ATS_CTRL_ENABLE | 4, ctrl, "STU field = 16 - 12");
        assertEquals(-Errno.EBUSY, dma.enableAts(12));
        dma.disableAts();
        assertFalse(dma.atsEnabled());
        assertEquals(0, dma.enableAts(12));
    }

    @Test
    void priEnableAllocatesAtMostTheCapacity() {
        assertEquals(-Errno.EINVAL, plain.enablePri(8));
        assertEquals(0, dma.enablePri(1000));
        int at = dma.findExtCapability(PCI_EXT_CAP_ID_PRI);
        assertEquals(32, dma.readConfig(at + PCI_PRI_ALLOC_REQ, 4), "min(capacity 32, 1000)");
        assertEquals(-Errno.EBUSY, dma.enablePri(8), "already enabled");
        assertEquals(-Errno.EBUSY, dma.resetPri(), "reset while enabled");
        assertEquals(0, dma.priStatus() & PCI_PRI_STATUS_STOPPED, "STOPPED reads 0 while enabled");
        dma.disablePri();
        assertEquals(0, dma.resetPri());
        assertEquals(0, dma.enablePri(8));
        assertEquals(8, dma.readConfig(at + PCI_PRI_ALLOC_REQ, 4));
        assertTrue(dma.priPrgResponsePasidRequired(), "the engine asks for PASIDs in PRG responses");
    }

    @Test
    void pasidEnableChecksFeaturesAndReportsTheWidth() {
        assertEquals(-Errno.EINVAL, plain.enablePasid(0));
        assertEquals(-Errno.EINVAL, plain.maxPasids());
        assertEquals(1 << 20, dma.maxPasids());
        assertEquals(PCI_PASID_CAP_PRIV, dma.pasidFeatures());
        assertEquals(-Errno.EINVAL, dma.enablePasid(PCI_PASID_CAP_EXEC), "execute is not supported");
        assertFalse(dma.pasidEnabled());
        assertEquals(0, dma.enablePasid(PCI_PASID_CAP_PRIV));
        assertTrue(dma.pasidEnabled());
        assertEquals(-Errno.EINVAL, dma.enablePasid(0), "already enabled");
        dma.disablePasid();
        assertFalse(dma.pasidEnabled());
    }

    @Test
    void busMasterEnableReachesTheFunction() {
        dma.enableMemoryAndBusMaster();
        int command = dma.readConfig(PCI_COMMAND, 2);
        assertEquals(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, command & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
        assertEquals(engine().requesterId(), dma.requesterId());
        int rid = engine().requesterId();
        assertEquals(String.format("00:%02x.%d", rid >>> 3, rid & 7), dma.toString());
    }
}

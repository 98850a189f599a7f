package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The PRI capability (PCIe Base 6.0 §10.5.2): its registers as software sees
 * them, the page-request credits, Stopped, Reset and Response Failure.
 */
class PriCapabilityTest extends SvaFixture {

    private final int pri = cfg.findExtCapability(PCI_EXT_CAP_ID_PRI);

    private int status() {
        return cfg.read16(pri + PCI_PRI_STATUS);
    }

    /** Linux's {@code pci_enable_pri}: allocation first, then Enable. */
    private void enable(int allocation) {
        cfg.write32(pri + PCI_PRI_ALLOC_REQ, allocation);
        cfg.write16(pri + PCI_PRI_CTRL, PCI_PRI_CTRL_ENABLE);
    }

    private void disable() {
        cfg.write16(pri + PCI_PRI_CTRL, 0);
    }

    @Test
    void resetStateIsDisabledStoppedWithNoAllocation() {
        assertEquals(0, cfg.read16(pri + PCI_PRI_CTRL));
        assertEquals(PCI_PRI_STATUS_STOPPED | PCI_PRI_STATUS_PASID, status());
        assertEquals(SvaTestFunction.PRI_CAPACITY, cfg.read32(pri + PCI_PRI_MAX_REQ));
        assertEquals(0, cfg.read32(pri + PCI_PRI_ALLOC_REQ));
        assertTrue(fn.pri.pasidRequired());
        assertTrue(fn.pri.stopped());
        assertFalse(fn.pri.enabled());
    }

    @Test
    void readOnlyRegistersIgnoreWritesAndAllocationIsReadWrite() {
        cfg.write32(pri + PCI_PRI_MAX_REQ, 0x1234);
        assertEquals(SvaTestFunction.PRI_CAPACITY, cfg.read32(pri + PCI_PRI_MAX_REQ));
        cfg.write16(pri + PCI_PRI_STATUS, 0xffff);
        assertEquals(PCI_PRI_STATUS_STOPPED | PCI_PRI_STATUS_PASID, status(), "Stopped and PASID are read-only");
        cfg.write32(pri + PCI_PRI_ALLOC_REQ, 0xffff_ffffL);
        assertEquals(0xffff_ffffL, cfg.read32(pri + PCI_PRI_ALLOC_REQ));
        assertEquals(0xffff_ffffL, fn.pri.allocation());
        cfg.write16(pri + PCI_PRI_CTRL, 0xfffc);
        assertEquals(0, cfg.read16(pri + PCI_PRI_CTRL), "reserved control bits stay 0");
    }

    @Test
    void noRequestWhileDisabledWhateverTheAllocation() {
        cfg.write32(pri + PCI_PRI_ALLOC_REQ, 4);
        assertFalse(fn.pri.mayRequest());
        assertFalse(fn.pri.trySend());
        assertFalse(fn.pri.tryReserve(1));
        assertEquals(0, fn.pri.outstanding());
    }

    @Test
    void neverMoreOutstandingThanTheAllocation() {
        enable(3);
        assertTrue(fn.pri.mayRequest());
        assertTrue(fn.pri.tryReserve(2));
        assertFalse(fn.pri.tryReserve(2), "would make 4 outstanding");
        assertTrue(fn.pri.trySend());
        assertFalse(fn.pri.trySend());
        assertEquals(3, fn.pri.outstanding());
        assertTrue(fn.pri.responseReceived(2));
        assertEquals(1, fn.pri.outstanding());
        assertTrue(fn.pri.tryReserve(2));
        assertFalse(fn.pri.tryReserve(0));
        assertFalse(fn.pri.tryReserve(-1));
        assertEquals(3, fn.pri.outstanding());
    }

    @Test
    void anAllocationAboveCapacityIsLimitedByCapacity() {
        enable(1000);
        assertTrue(fn.pri.tryReserve(SvaTestFunction.PRI_CAPACITY));
        assertFalse(fn.pri.trySend());
    }

    @Test
    void enablingClearsStoppedAndDisablingStopsOnceNothingIsOutstanding() {
        enable(4);
        assertFalse(fn.pri.stopped());
        assertEquals(PCI_PRI_STATUS_PASID, status());
        assertTrue(fn.pri.tryReserve(2));
        disable();
        assertFalse(fn.pri.mayRequest());
        assertFalse(fn.pri.stopped(), "disabled with requests outstanding: not yet stopped");
        assertFalse(fn.pri.trySend());
        fn.pri.responseReceived(1);
        assertFalse(fn.pri.stopped());
        fn.pri.responseReceived(1);
        assertTrue(fn.pri.stopped());
        assertEquals(PCI_PRI_STATUS_STOPPED | PCI_PRI_STATUS_PASID, status());
    }

    @Test
    void statusFlagsAreWriteOneToClear() {
        enable(4);
        fn.pri.unexpectedPrgIndex();
        assertEquals(PCI_PRI_STATUS_UPRGI | PCI_PRI_STATUS_PASID, status());
        cfg.write16(pri + PCI_PRI_STATUS, 0);
        assertTrue(fn.pri.unexpectedPrgIndexSeen(), "writing 0 clears nothing");
        cfg.write16(pri + PCI_PRI_STATUS, PCI_PRI_STATUS_UPRGI);
        assertEquals(PCI_PRI_STATUS_PASID, status());
        fn.pri.responseFailure();
        assertEquals(PCI_PRI_STATUS_RF | PCI_PRI_STATUS_PASID, status());
        cfg.write16(pri + PCI_PRI_STATUS, PCI_PRI_STATUS_RF);
        assertEquals(PCI_PRI_STATUS_PASID, status());
    }

    @Test
    void resetClearsCreditsOnlyWhileDisabledAndReadsZero() {
        int[] resets = {0};
        fn.pri.onReset(() -> resets[0]++);
        enable(4);
        assertTrue(fn.pri.tryReserve(3));
        cfg.write16(pri + PCI_PRI_CTRL, PCI_PRI_CTRL_ENABLE | PCI_PRI_CTRL_RESET);
        assertEquals(3, fn.pri.outstanding(), "Reset while enabled does nothing");
        assertEquals(0, resets[0]);
        assertEquals(PCI_PRI_CTRL_ENABLE, cfg.read16(pri + PCI_PRI_CTRL));
        fn.pri.unexpectedPrgIndex();
        cfg.write16(pri + PCI_PRI_CTRL, PCI_PRI_CTRL_RESET);
        assertEquals(0, fn.pri.outstanding(), "Reset in the write that clears Enable acts");
        assertEquals(1, resets[0]);
        assertEquals(0, cfg.read16(pri + PCI_PRI_CTRL));
        assertTrue(fn.pri.stopped());
        assertTrue(fn.pri.unexpectedPrgIndexSeen(), "Reset does not touch the status flags");
        cfg.write16(pri + PCI_PRI_CTRL, PCI_PRI_CTRL_ENABLE);
        assertEquals(PCI_PRI_STATUS_PASID, status(), "enabling clears Stopped, RF and UPRGI");
    }

    @Test
    void aResponseFailureStopsRequestsUntilSoftwareReEnables() {
        enable(4);
        assertTrue(fn.pri.tryReserve(2));
        fn.pri.responseFailure();
        assertTrue(fn.pri.responseFailed());
        assertFalse(fn.pri.mayRequest());
        assertFalse(fn.pri.trySend());
        assertFalse(fn.pri.responseReceived(2), "responses after a failure are ignored");
        fn.pri.unexpectedPrgIndex();
        assertFalse(fn.pri.unexpectedPrgIndexSeen());
        cfg.write16(pri + PCI_PRI_STATUS, PCI_PRI_STATUS_RF);
        assertFalse(fn.pri.responseFailed());
        assertFalse(fn.pri.mayRequest(), "clearing RF alone does not re-enable the interface");
        disable();
        assertFalse(fn.pri.stopped(), "the ignored responses left credits outstanding");
        cfg.write16(pri + PCI_PRI_CTRL, PCI_PRI_CTRL_RESET);
        assertTrue(fn.pri.stopped());
        cfg.write16(pri + PCI_PRI_CTRL, PCI_PRI_CTRL_ENABLE);
        assertTrue(fn.pri.mayRequest());
        assertTrue(fn.pri.tryReserve(4));
    }

    @Test
    void responsesNeverDriveTheCountBelowZero() {
        enable(4);
        assertTrue(fn.pri.trySend());
        fn.pri.responseReceived(5);
        assertEquals(0, fn.pri.outstanding());
        assertFalse(fn.pri.responseReceived(0));
    }

    @Test
    void capacityMustBePositiveAndPasidRequiredIsFixed() {
        PciFunction f = new PciFunction(new PciFunction.Identity(0x1b36, 1, 0, 0), true) { };
        assertThrows(IllegalArgumentException.class, () -> PriCapability.add(f, 0, false));
        PriCapability p = PriCapability.add(f, 1, false);
        assertFalse(p.pasidRequired());
        assertEquals(PCI_PRI_STATUS_STOPPED, f.configRead(p.offset() + PCI_PRI_STATUS, 2));
    }
}

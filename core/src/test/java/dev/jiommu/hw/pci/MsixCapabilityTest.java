package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.MmioDevice;
import org.junit.jupiter.api.Test;

/**
 * MSI-X as a driver sees it (PCIe Base 6.0 §6.1.4, §7.7.2): the capability,
 * then messages sent, held pending while masked, and sent on unmask, through
 * the function's upstream with its requester ID.
 */
class MsixCapabilityTest extends SvaFixture {

    private static final long DOORBELL = 0x8_0904_0040L;

    private final int msix = cfg.findCapability(PCI_CAP_ID_MSIX);
    private final MmioDevice bar = mapBar0();

    private int control() {
        return cfg.read16(msix + PCI_MSIX_FLAGS);
    }

    private void setControl(int value) {
        cfg.write16(msix + PCI_MSIX_FLAGS, value);
    }

    /** Programs vector {@code v} the way Linux's {@code pci_write_msg_msix} does, leaving its mask as asked. */
    private void program(int v, long address, int data, boolean masked) {
        long entry = v * (long) PCI_MSIX_ENTRY_SIZE;
        bar.write(entry + PCI_MSIX_ENTRY_LOWER_ADDR, 4, address & 0xffff_ffffL);
        bar.write(entry + PCI_MSIX_ENTRY_UPPER_ADDR, 4, address >>> 32);
        bar.write(entry + PCI_MSIX_ENTRY_DATA, 4, data);
        bar.write(entry + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
    }

    private long pba(int qword) {
        return bar.read(SvaTestFunction.PBA_OFFSET + 8L * qword, 8);
    }

    private void assertMessage(int index, long address, int data) {
        RecordingDma.Write w = dma.writes.get(index);
        assertEquals(RID, w.streamId());
        assertEquals(DmaTarget.NO_SUBSTREAM, w.substreamId());
        assertEquals(0, w.attrs());
        assertEquals(address, w.address());
        assertEquals(4, w.bytes().length);
        assertEquals(data & 0xffff_ffffL, w.value());
    }

    @Test
    void theCapabilityNamesTableAndPbaAndOnlyEnableAndMaskAreWritable() {
        assertEquals(SvaTestFunction.VECTORS - 1, control() & PCI_MSIX_FLAGS_QSIZE);
        assertEquals(0, control() & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
        assertEquals(0, cfg.read32(msix + PCI_MSIX_TABLE) & PCI_MSIX_TABLE_BIR);
        assertEquals(0, cfg.read32(msix + PCI_MSIX_TABLE) & PCI_MSIX_TABLE_OFFSET);
        assertEquals(0, cfg.read32(msix + PCI_MSIX_PBA) & PCI_MSIX_PBA_BIR);
        assertEquals(SvaTestFunction.PBA_OFFSET, cfg.read32(msix + PCI_MSIX_PBA) & PCI_MSIX_PBA_OFFSET);
        setControl(0xffff);
        assertEquals(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | SvaTestFunction.VECTORS - 1, control());
        cfg.write32(msix + PCI_MSIX_TABLE, 0xffff_ffffL);
        cfg.write32(msix + PCI_MSIX_PBA, 0);
        assertEquals(0, cfg.read32(msix + PCI_MSIX_TABLE));
        assertEquals(SvaTestFunction.PBA_OFFSET, cfg.read32(msix + PCI_MSIX_PBA));
    }

    @Test
    void everyVectorResetsMaskedWithNothingPending() {
        for (int v = 0; v < SvaTestFunction.VECTORS; v++) {
            assertEquals(PCI_MSIX_ENTRY_CTRL_MASKBIT, bar.read(16L * v + PCI_MSIX_ENTRY_VECTOR_CTRL, 4));
            assertEquals(0, bar.read(16L * v, 8));
            assertEquals(0, bar.read(16L * v + PCI_MSIX_ENTRY_DATA, 4));
        }
        assertEquals(0, pba(0));
        assertEquals(0, pba(1));
    }

    @Test
    void anEnabledUnmaskedVectorSendsAtOnce() {
        program(3, DOORBELL, 0x1234, false);
        setControl(PCI_MSIX_FLAGS_ENABLE);
        assertEquals(DmaTarget.OK, fn.msix.signal(3));
        assertEquals(1, dma.writes.size());
        assertMessage(0, DOORBELL, 0x1234);
        assertEquals(0, pba(0));
        assertEquals(1, fn.msix.sent());
        assertEquals(0, fn.msix.pended());
    }

    @Test
    void aDisabledFunctionPendsAndSendsWhenEnabled() {
        program(5, DOORBELL, 0x55, false);
        assertEquals(MsixCapability.PENDED, fn.msix.signal(5));
        assertTrue(dma.writes.isEmpty());
        assertEquals(1L << 5, pba(0));
        setControl(PCI_MSIX_FLAGS_ENABLE);
        assertEquals(1, dma.writes.size());
        assertMessage(0, DOORBELL, 0x55);
        assertEquals(0, pba(0));
    }

    @Test
    void theFunctionMaskHoldsEveryVectorAndItsClearingSendsThePendingOnesInOrder() {
        program(2, DOORBELL, 2, false);
        program(66, DOORBELL + 4, 66, false);
        program(7, DOORBELL, 7, true);
        setControl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
        assertEquals(MsixCapability.PENDED, fn.msix.signal(66));
        assertEquals(MsixCapability.PENDED, fn.msix.signal(2));
        assertEquals(MsixCapability.PENDED, fn.msix.signal(7));
        assertTrue(dma.writes.isEmpty());
        assertEquals(1L << 2 | 1L << 7, pba(0));
        assertEquals(1L << 2, pba(1));
        assertEquals(1L << 2, bar.read(SvaTestFunction.PBA_OFFSET + 8, 4));
        assertEquals(0, bar.read(SvaTestFunction.PBA_OFFSET + 12, 4));
        setControl(PCI_MSIX_FLAGS_ENABLE);
        assertEquals(2, dma.writes.size());
        assertMessage(0, DOORBELL, 2);
        assertMessage(1, DOORBELL + 4, 66);
        assertEquals(1L << 7, pba(0), "vector 7 is still masked by its own Mask Bit");
        assertEquals(0, pba(1));
        assertEquals(3, fn.msix.pended());
        assertEquals(2, fn.msix.sent());
    }

    @Test
    void aMaskedVectorPendsAndClearingItsMaskBitSendsIt() {
        program(9, DOORBELL, 0xabcd_0009, true);
        setControl(PCI_MSIX_FLAGS_ENABLE);
        assertTrue(fn.msix.masked(9));
        assertEquals(MsixCapability.PENDED, fn.msix.signal(9));
        assertEquals(MsixCapability.PENDED, fn.msix.signal(9));
        assertTrue(fn.msix.pending(9));
        assertTrue(dma.writes.isEmpty());
        bar.write(16L * 9 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
        assertEquals(1, dma.writes.size(), "one pending bit, one message");
        assertMessage(0, DOORBELL, 0xabcd_0009);
        assertFalse(fn.msix.pending(9));
        bar.write(16L * 9 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
        assertEquals(1, dma.writes.size(), "nothing more was pending");
    }

    @Test
    void unmaskingAVectorUnderTheFunctionMaskSendsNothingYet() {
        program(1, DOORBELL, 1, true);
        setControl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
        fn.msix.signal(1);
        bar.write(16L + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
        assertTrue(dma.writes.isEmpty());
        assertTrue(fn.msix.pending(1));
        setControl(PCI_MSIX_FLAGS_ENABLE);
        assertEquals(1, dma.writes.size());
    }

    @Test
    void withoutBusMasteringNoMessageIsIssuedNorPended() {
        program(0, DOORBELL, 1, false);
        setControl(PCI_MSIX_FLAGS_ENABLE);
        cfg.write16(PCI_COMMAND, PCI_COMMAND_MEMORY);
        assertEquals(DmaTarget.BUS_ERROR, fn.msix.signal(0));
        assertTrue(dma.writes.isEmpty());
        assertFalse(fn.msix.pending(0));
        assertEquals(1, fn.msix.failed());
    }

    @Test
    void theUpstreamStatusIsReportedAndAFailedMessageIsNotRetried() {
        program(4, DOORBELL, 4, false);
        setControl(PCI_MSIX_FLAGS_ENABLE);
        dma.status = DmaTarget.ABORTED;
        assertEquals(DmaTarget.ABORTED, fn.msix.signal(4));
        assertFalse(fn.msix.pending(4));
        assertEquals(1, fn.msix.failed());
        assertEquals(0, fn.msix.sent());
        dma.status = DmaTarget.OK;
        setControl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
        setControl(PCI_MSIX_FLAGS_ENABLE);
        assertEquals(1, dma.writes.size());
    }

    @Test
    void anUnprogrammedAddressIsSentLikeAnyOther() {
        program(6, 0, 0x66, false);
        setControl(PCI_MSIX_FLAGS_ENABLE);
        assertEquals(DmaTarget.OK, fn.msix.signal(6));
        assertMessage(0, 0, 0x66);
    }

    @Test
    void vectorsOutsideTheTableAreADeviceModelError() {
        assertThrows(IndexOutOfBoundsException.class, () -> fn.msix.signal(SvaTestFunction.VECTORS));
        assertThrows(IndexOutOfBoundsException.class, () -> fn.msix.signal(-1));
    }

    @Test
    void placementIsCheckedWhenTheFunctionIsBuilt() {
        PciFunction f = new PciFunction(new PciFunction.Identity(0x1b36, 1, 0, 0), true) { };
        RecordingDma up = new RecordingDma();
        assertThrows(IllegalArgumentException.class, () -> MsixCapability.add(f, up, 0, 0, 0, 0, 0x800));
        assertThrows(IllegalArgumentException.class, () -> MsixCapability.add(f, up, 2049, 0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> MsixCapability.add(f, up, 4, 0, 4, 0, 0x800));
        assertThrows(IllegalArgumentException.class, () -> MsixCapability.add(f, up, 4, 6, 0, 0, 0x800));
        assertThrows(IllegalArgumentException.class, () -> MsixCapability.add(f, up, 4, 0, 0, 0, 0x38),
                "PBA inside the 64-byte table");
        MsixCapability split = MsixCapability.add(f, up, 2048, 2, 0, 4, 0);
        assertEquals(2047, f.configRead(split.offset() + PCI_MSIX_FLAGS, 2));
        assertEquals(2, f.configRead(split.offset() + PCI_MSIX_TABLE, 4));
        assertEquals(4, f.configRead(split.offset() + PCI_MSIX_PBA, 4));
        assertTrue(split.decodes(2, 0x7ff0));
        assertFalse(split.decodes(2, 0x8000));
        assertTrue(split.decodes(4, 0xff));
        assertFalse(split.decodes(4, 0x100));
        assertFalse(split.decodes(0, 0));
    }
}

package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.MmioDevice;
import org.junit.jupiter.api.Test;

/**
 * The MSI-X table and PBA in BAR0, decoded with the access rules of §7.7.2:
 * aligned DWORD and QWORD accesses work, anything else reads 0 and writes
 * nothing, and the PBA is read-only.
 */
class MsixTableTest extends SvaFixture {

    private final MmioDevice bar = mapBar0();
    private static final long E5 = 5L * PCI_MSIX_ENTRY_SIZE;

    @Test
    void dwordAccessesReachEachField() {
        bar.write(E5 + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0x0904_0040L);
        bar.write(E5 + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0x8L);
        bar.write(E5 + PCI_MSIX_ENTRY_DATA, 4, 0xdead_beefL);
        bar.write(E5 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
        assertEquals(0x0904_0040L, bar.read(E5 + PCI_MSIX_ENTRY_LOWER_ADDR, 4));
        assertEquals(0x8L, bar.read(E5 + PCI_MSIX_ENTRY_UPPER_ADDR, 4));
        assertEquals(0xdead_beefL, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 4));
        assertEquals(0, bar.read(E5 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4));
    }

    @Test
    void qwordAccessesAreTwoDwordsLowFirst() {
        bar.write(E5, 8, 0x0000_0008_0904_0040L);
        bar.write(E5 + PCI_MSIX_ENTRY_DATA, 8, 0x0000_0001_0000_0042L);
        assertEquals(0x0000_0008_0904_0040L, bar.read(E5, 8));
        assertEquals(0x0000_0001_0000_0042L, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 8));
        assertEquals(0x42, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 4));
        assertEquals(PCI_MSIX_ENTRY_CTRL_MASKBIT, bar.read(E5 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4));
    }

    @Test
    void addressBitsOneToZeroAndReservedControlBitsReadZero() {
        bar.write(E5, 4, 0xffff_ffffL);
        assertEquals(0xffff_fffcL, bar.read(E5, 4));
        bar.write(E5 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0xffff_ffffL);
        assertEquals(PCI_MSIX_ENTRY_CTRL_MASKBIT, bar.read(E5 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4));
    }

    @Test
    void partialAndMisalignedAccessesReadZeroAndWriteNothing() {
        bar.write(E5 + PCI_MSIX_ENTRY_DATA, 4, 0x1122_3344L);
        assertEquals(0, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 1));
        assertEquals(0, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 2));
        assertEquals(0, bar.read(E5 + PCI_MSIX_ENTRY_DATA + 1, 4));
        assertEquals(0, bar.read(E5 + PCI_MSIX_ENTRY_UPPER_ADDR, 8), "a QWORD at +4 is misaligned");
        bar.write(E5 + PCI_MSIX_ENTRY_DATA, 1, 0xff);
        bar.write(E5 + PCI_MSIX_ENTRY_DATA, 2, 0xffff);
        bar.write(E5 + PCI_MSIX_ENTRY_DATA + 2, 4, 0xffff_ffffL);
        bar.write(E5 + PCI_MSIX_ENTRY_UPPER_ADDR, 8, -1L);
        assertEquals(0x1122_3344L, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 4));
        assertEquals(0, bar.read(E5 + PCI_MSIX_ENTRY_UPPER_ADDR, 4));
        assertEquals(PCI_MSIX_ENTRY_CTRL_MASKBIT, bar.read(E5 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4));
    }

    @Test
    void thePbaIsReadOnlyAndReadsInDwordsOrQwords() {
        cfg.write16(fn.msix.offset() + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE);
        fn.msix.signal(33);
        fn.msix.signal(69);
        long pba = SvaTestFunction.PBA_OFFSET;
        assertEquals(1L << 33, bar.read(pba, 8));
        assertEquals(0, bar.read(pba, 4));
        assertEquals(2, bar.read(pba + 4, 4));
        assertEquals(1L << 5, bar.read(pba + 8, 8));
        assertEquals(0, bar.read(pba + 4, 8), "misaligned");
        assertEquals(0, bar.read(pba, 2));
        bar.write(pba, 8, 0);
        bar.write(pba + 8, 4, 0);
        assertEquals(1L << 33, bar.read(pba, 8));
        assertEquals(1L << 5, bar.read(pba + 8, 8));
    }

    @Test
    void bytesOutsideTableAndPbaReadZero() {
        long tableEnd = (long) SvaTestFunction.VECTORS * PCI_MSIX_ENTRY_SIZE;
        bar.write(tableEnd, 4, 0xffff_ffffL);
        assertEquals(0, bar.read(tableEnd, 4));
        assertEquals(0, bar.read(SvaTestFunction.PBA_OFFSET + 16, 8));
        assertEquals(0, bar.read(SvaTestFunction.BAR0_SIZE - 8, 8));
        assertEquals(0, bar.read(tableEnd - 4, 8), "a QWORD straddling the table's end");
    }

    @Test
    void theBarReachesTheTableOnlyWhileMemorySpaceIsEnabled() {
        bar.write(E5 + PCI_MSIX_ENTRY_DATA, 4, 0x77);
        cfg.write16(PCI_COMMAND, PCI_COMMAND_MASTER);
        assertEquals(0xffff_ffffL, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 4), "unsupported request: all ones");
        cfg.write16(PCI_COMMAND, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY);
        assertEquals(0x77, bar.read(E5 + PCI_MSIX_ENTRY_DATA, 4));
        assertTrue(fn.msix.decodes(0, E5));
    }
}

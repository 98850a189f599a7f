package dev.jiommu.hw.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Register attributes (RO, RW, RW1C), the space's size, and capability lists. */
class ConfigSpaceTest {

    @Test
    void bitsAreReadOnlyUnlessMadeWritable() {
        ConfigSpace c = new ConfigSpace(false);
        c.set32(0x40, 0x1234_5678L);
        c.write(0x40, 4, 0xffff_ffffL);
        assertEquals(0x1234_5678L, c.read(0x40, 4));
        c.setWritable(0x40, 2, 0x0ff0);
        c.write(0x40, 4, 0xffff_ffffL);
        assertEquals(0x1234_5ff8L, c.read(0x40, 4));
    }

    @Test
    void writeOneToClearClearsOnlyTheBitsWrittenAsOne() {
        ConfigSpace c = new ConfigSpace(false);
        c.set16(0x06, 0xf810);
        c.setWriteOneToClear(0x06, 2, 0xf800);
        c.write(0x06, 2, 0x2810);
        assertEquals(0xd010, c.read(0x06, 2));
    }

    @Test
    void accessesOfEachWidthAreLittleEndianAndMayBeUnaligned() {
        ConfigSpace c = new ConfigSpace(false);
        c.set32(0x10, 0x4433_2211L);
        assertEquals(0x22, c.read(0x11, 1));
        assertEquals(0x3322, c.read(0x11, 2));
        assertEquals(0x4433_2211L, c.read(0x10, 4));
    }

    @Test
    void bytesBeyondTheSpaceReadAllOnesAndIgnoreWrites() {
        ConfigSpace conventional = new ConfigSpace(false);
        assertEquals(256, conventional.size());
        assertEquals(0xffff_ffffL, conventional.read(0x100, 4));
        assertEquals(0xff00_0000L, conventional.read(0xfd, 4));
        conventional.write(0xfe, 4, 0);
        ConfigSpace express = new ConfigSpace(true);
        assertEquals(4096, express.size());
        assertEquals(0, express.read(0xffc, 4));
    }

    @Test
    void capabilitiesAreLinkedInTheOrderAdded() {
        ConfigSpace c = new ConfigSpace(false);
        int a = c.addCapability(0x05, 14);
        int b = c.addCapability(0x11, 12);
        assertEquals(0x40, a);
        assertEquals(0x50, b);
        assertEquals(a, c.get8(PciRegs.PCI_CAPABILITY_LIST));
        assertEquals(0x05, c.get8(a));
        assertEquals(b, c.get8(a + 1));
        assertEquals(0x11, c.get8(b));
        assertEquals(0, c.get8(b + 1));
        assertEquals(PciRegs.PCI_STATUS_CAP_LIST, c.get16(PciRegs.PCI_STATUS) & PciRegs.PCI_STATUS_CAP_LIST);
        assertThrows(IllegalStateException.class, () -> c.addCapability(0x10, 0xb0));
    }

    @Test
    void extendedCapabilitiesStartAt0x100AndChainThroughBits31to20() {
        ConfigSpace c = new ConfigSpace(true);
        int ats = c.addExtendedCapability(0x0f, 1, 8);
        int pri = c.addExtendedCapability(0x13, 1, 16);
        assertEquals(0x100, ats);
        assertEquals(0x108, pri);
        assertEquals(0x1081_000fL, c.get32(ats));
        assertEquals(0x0001_0013L, c.get32(pri));
        assertThrows(IllegalStateException.class, () -> new ConfigSpace(false).addExtendedCapability(0x0f, 1, 8));
    }
}

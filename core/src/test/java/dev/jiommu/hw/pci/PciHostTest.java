package dev.jiommu.hw.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jiommu.hw.bus.MmioDevice;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ECAM, BAR sizing and decoding, checked the way libqos enumerates and
 * enables a device (docs/qtest.md; QEMU's {@code tests/qtest/libqos/pci.c}).
 */
class PciHostTest {

    /** A function with one BAR whose device records accesses and reads back its offset. */
    static final class Probe extends PciFunction {
        final List<String> log = new ArrayList<>();

        Probe(long barSize) {
            super(new Identity(0x1b36, 0x0005, 0, PciRegs.PCI_CLASS_OTHERS), false);
            addBar(new Bar(0, barSize, false, new MmioDevice() {
                @Override
                public long read(long offset, int size) {
                    log.add("r" + size + "@" + Long.toHexString(offset));
                    return offset;
                }

                @Override
                public void write(long offset, int size, long value) {
                    log.add("w" + size + "@" + Long.toHexString(offset) + "=" + Long.toHexString(value));
                }
            }));
        }
    }

    private final PciHost host = new PciHost();
    private final MmioDevice ecam = host.ecam();

    private static long ecamOffset(int bus, int devfn, int reg) {
        return (long) bus << 20 | (long) devfn << 12 | reg;
    }

    @Test
    void theHostBridgeIsAt00_00_0AsQemusGpexRoot() {
        assertEquals(0x1b36, ecam.read(ecamOffset(0, 0, 0x00), 2));
        assertEquals(0x0008, ecam.read(ecamOffset(0, 0, 0x02), 2));
        assertEquals(0x0600, ecam.read(ecamOffset(0, 0, 0x0a), 2));
        assertEquals(0, ecam.read(ecamOffset(0, 0, 0x0e), 1));
        assertEquals(0, host.bridge().requesterId());
    }

    @Test
    void enumerationAsLibqosDoesItFindsTheDeviceAtTheFirstFreeSlot() {
        Probe p = new Probe(0x1000);
        host.rootBus().attach(PciBus.devfn(host.rootBus().firstFreeSlot(), 0), p);
        List<Integer> found = new ArrayList<>();
        for (int devfn = 0; devfn < 256; devfn++) {
            long vendor = ecam.read(ecamOffset(0, devfn, 0), 2);
            if (vendor == 0xffff) {
                continue;
            }
            if (ecam.read(ecamOffset(0, devfn, 0), 2) == 0x1b36 && ecam.read(ecamOffset(0, devfn, 2), 2) == 0x0005) {
                found.add(devfn);
            }
        }
        assertEquals(List.of(8), found);
        assertEquals(8, p.requesterId());
    }

    @Test
    void absentFunctionsAndOtherBusesReadAllOnesAndIgnoreWrites() {
        assertEquals(0xffff, ecam.read(ecamOffset(0, 9, 0), 2));
        assertEquals(0xffff_ffffL, ecam.read(ecamOffset(1, 0, 0), 4));
        assertEquals(0xff, ecam.read(ecamOffset(255, 255, 0xfff), 1));
        assertEquals(-1L, ecam.read(ecamOffset(0, 31 << 3, 0), 8));
        ecam.write(ecamOffset(0, 9, 4), 2, 7);
        assertEquals(0xffff, ecam.read(ecamOffset(0, 9, 4), 2));
    }

    @Test
    void aConventionalFunctionsExtendedSpaceReadsAllOnes() {
        assertEquals(0xffff_ffffL, ecam.read(ecamOffset(0, 0, 0x100), 4));
        ecam.write(ecamOffset(0, 0, 0x100), 4, 0);
        assertEquals(0xffff_ffffL, ecam.read(ecamOffset(0, 0, 0x100), 4));
    }

    @Test
    void commandOrSevenReadsBackWithIoMemAndMasterSet() {
        host.rootBus().attach(8, new Probe(0x1000));
        long cmd = ecam.read(ecamOffset(0, 8, 0x04), 2);
        ecam.write(ecamOffset(0, 8, 0x04), 2, cmd | 7);
        assertEquals(7, ecam.read(ecamOffset(0, 8, 0x04), 2) & 7);
    }

    @Test
    void readOnlyHeaderFieldsIgnoreWrites() {
        host.rootBus().attach(8, new Probe(0x1000));
        for (int reg : new int[] {0x00, 0x08, 0x0c}) {
            long before = ecam.read(ecamOffset(0, 8, reg), 4);
            ecam.write(ecamOffset(0, 8, reg), 4, 0xa5a5_a5a5L);
            long expected = reg == 0x0c ? before & 0xffff_0000L | 0xa5a5 : before;
            assertEquals(expected, ecam.read(ecamOffset(0, 8, reg), 4), "register 0x" + Integer.toHexString(reg));
        }
        ecam.write(ecamOffset(0, 8, 0x14), 4, 0xffff_ffffL);
        assertEquals(0, ecam.read(ecamOffset(0, 8, 0x14), 4), "unimplemented BAR1");
    }

    @Test
    void barSizingReadsBackTheSizeMaskAndAnEightByteAccessIsTwoDwords() {
        host.rootBus().attach(8, new Probe(0x1000));
        ecam.write(ecamOffset(0, 8, 0x10), 4, 0xffff_ffffL);
        assertEquals(0xffff_f000L, ecam.read(ecamOffset(0, 8, 0x10), 4));
        ecam.write(ecamOffset(0, 8, 0x10), 8, 0xffff_ffff_1000_0000L);
        assertEquals(0x0000_0000_1000_0000L, ecam.read(ecamOffset(0, 8, 0x10), 8));
    }

    @Test
    void aBarDecodesOnlyWhileMemorySpaceIsEnabledAndItsAddressIsSet() {
        Probe p = new Probe(0x1000);
        host.rootBus().attach(8, p);
        MmioDevice window = host.memoryWindow(0x1000_0000L);
        assertEquals(0xffff_ffffL, window.read(0x10, 4), "BAR 0, memory disabled");
        ecam.write(ecamOffset(0, 8, 0x04), 2, PciRegs.PCI_COMMAND_MEMORY);
        assertEquals(0xffff_ffffL, window.read(0x10, 4), "BAR address 0 decodes nothing");
        ecam.write(ecamOffset(0, 8, 0x10), 4, 0xffff_ffffL);
        assertEquals(-1L, p.barAddress(p.bars().getFirst()), "the sizing value never decodes");
        ecam.write(ecamOffset(0, 8, 0x10), 4, 0x1000_0000L);
        assertEquals(0x10, window.read(0x10, 4));
        window.write(0xffc, 4, 0x55);
        assertEquals(List.of("r4@10", "w4@ffc=55"), p.log);
        assertEquals(0xffff_ffffL, window.read(0x1000, 4), "past the BAR");
        assertEquals(0xffffL, window.read(0xfff, 2), "runs past the BAR's end");
        ecam.write(ecamOffset(0, 8, 0x04), 2, 0);
        assertEquals(0xffL, window.read(0x10, 1));
        assertEquals(List.of("r4@10", "w4@ffc=55"), p.log);
    }

    @Test
    void slotsAreTakenOnceAndFunctionsAttachOnce() {
        Probe p = new Probe(16);
        host.rootBus().attach(8, p);
        assertSame(p, host.function(0, 8));
        assertNull(host.function(0, 16));
        assertThrows(IllegalArgumentException.class, () -> host.rootBus().attach(8, new Probe(16)));
        assertThrows(IllegalArgumentException.class, () -> host.rootBus().attach(16, p));
        assertThrows(IllegalArgumentException.class, () -> host.rootBus().attach(256, new Probe(16)));
        assertEquals(2, host.rootBus().firstFreeSlot());
        assertEquals("00:01.0", PciBus.bdf(p.requesterId()));
    }

    @Test
    void barsMustBePowersOfTwoOfAtLeastSixteenBytes() {
        assertThrows(IllegalArgumentException.class, () -> new Bar(0, 8, false, null));
        assertThrows(IllegalArgumentException.class, () -> new Bar(0, 0x1800, false, null));
        assertThrows(IllegalArgumentException.class, () -> new Bar(6, 0x1000, false, null));
    }
}

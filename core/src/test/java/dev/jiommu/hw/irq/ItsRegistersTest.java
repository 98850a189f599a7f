package dev.jiommu.hw.irq;

import static dev.jiommu.hw.irq.GitsRegs.*;
import static dev.jiommu.hw.irq.ItsTestBench.BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The control frame as a driver probing and enabling the ITS sees it. */
class ItsRegistersTest {

    private final ItsTestBench b = ItsTestBench.immediate();

    private long read(int offset, int size) {
        return b.bus.read(BASE + offset, size);
    }

    @Test
    void ctlrResetsDisabledAndQuiescent() {
        assertEquals(0x8000_0000L, read(GITS_CTLR, 4));
        assertFalse(b.its.enabled());
    }

    @Test
    void ctlrEnabledIsTheOnlyWritableBit() {
        b.bus.write(BASE + GITS_CTLR, 4, 0xffff_ffffL);
        assertEquals(0x8000_0001L, read(GITS_CTLR, 4));
        assertTrue(b.its.enabled());

        b.bus.write(BASE + GITS_CTLR, 4, 0x8000_0000L);
        assertEquals(0x8000_0000L, read(GITS_CTLR, 4));
        assertFalse(b.its.enabled());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void ctlrIgnoresWritesOfOtherSizes(int size) {
        b.bus.write(BASE + GITS_CTLR, size, 1);
        assertFalse(b.its.enabled());
    }

    @Test
    void identification() {
        assertEquals(0x43bL, read(GITS_IIDR, 4));
        assertEquals(0x1_ef71L, read(GITS_TYPER, 8));
        assertEquals(0x1_ef71L, read(GITS_TYPER, 4));
        assertEquals(0L, read(GITS_TYPER + 4, 4));
        assertEquals(0x30L, read(GITS_PIDR2, 4) & GIC_PIDR2_ARCH_MASK);
    }

    @Test
    void typerFieldsDecodeAsLinuxDecodesThem() {
        long typer = read(GITS_TYPER, 8);
        assertEquals(GITS_TYPER_PLPIS, typer & GITS_TYPER_PLPIS);
        assertEquals(Its.ITT_ENTRY_BYTES, ((typer & GITS_TYPER_ITT_ENTRY_SIZE) >> GITS_TYPER_ITT_ENTRY_SIZE_SHIFT) + 1);
        assertEquals(Its.EVENT_ID_BITS, ((typer & GITS_TYPER_IDBITS) >> GITS_TYPER_IDBITS_SHIFT) + 1);
        assertEquals(Its.DEVICE_ID_BITS, ((typer & GITS_TYPER_DEVBITS) >> GITS_TYPER_DEVBITS_SHIFT) + 1);
    }

    @Test
    void readOnlyRegistersIgnoreWrites() {
        b.bus.write(BASE + GITS_IIDR, 4, 0);
        b.bus.write(BASE + GITS_TYPER, 8, 0);
        b.bus.write(BASE + GITS_PIDR2, 4, 0);
        assertEquals(0x43bL, read(GITS_IIDR, 4));
        assertEquals(0x1_ef71L, read(GITS_TYPER, 8));
        assertEquals(0x3bL, read(GITS_PIDR2, 4));
    }

    @Test
    void unsupportedSizesAndUnmodelledRegistersReadAsZero() {
        b.bus.write(BASE + GITS_CTLR, 4, GITS_CTLR_ENABLE);
        assertEquals(0L, read(GITS_CTLR, 8));
        assertEquals(0L, read(GITS_CTLR, 2));
        assertEquals(0L, read(GITS_CTLR, 1));
        assertEquals(0L, read(GITS_IIDR, 8));
        assertEquals(0L, read(0x80, 8));
        assertEquals(0L, read(0x100, 8));
        b.bus.write(BASE + 0x80, 8, 0xdead_0000_0000_0401L);
        assertEquals(0L, read(0x80, 8));
    }
}

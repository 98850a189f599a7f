package dev.jiommu.hw.irq;

import static dev.jiommu.hw.irq.ItsTestBench.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

/** An MSI write through the bus to GITS_TRANSLATER raises the LPI its (DeviceID, EventID) maps to. */
class ItsTranslationTest {

    @Test
    void withoutSchedulerTheHandlerRunsInsideTheWrite() {
        ItsTestBench b = immediate().mapped();

        b.msi(DEVICE, EVENT);

        assertEquals(List.of(LPI), b.seen);
        assertFalse(b.its.isPending(LPI));
        assertEquals(1, b.its.translated());
        assertEquals(1, b.its.delivered());
        assertEquals(0, b.its.dropped());
    }

    @Test
    void withSchedulerTheLpiIsPendingUntilTheSchedulerRuns() {
        ItsTestBench b = scheduled().mapped();

        b.msi(DEVICE, EVENT);

        assertEquals(List.of(), b.seen);
        assertTrue(b.its.isPending(LPI));
        assertEquals(0, b.its.delivered());
        assertEquals(1, b.scheduler.pending());

        b.scheduler.runUntilIdle();

        assertEquals(List.of(LPI), b.seen);
        assertFalse(b.its.isPending(LPI));
        assertEquals(1, b.its.delivered());
    }

    @Test
    void sixteenBitWriteCarriesTheLowHalfOfTheEventId() {
        ItsTestBench b = immediate().mapped();

        b.bus.write(TRANSLATER, 2, 0xabcd_0000L | EVENT, DEVICE);

        assertEquals(List.of(LPI), b.seen);
    }

    @Test
    void thirtyTwoBitWriteTakesOnlyTheLowFourBytes() {
        ItsTestBench b = immediate().mapped();

        b.bus.write(TRANSLATER, 4, 0x7_0000_0000L | EVENT, DEVICE);

        assertEquals(List.of(LPI), b.seen);
    }

    @Test
    void eachMappingRaisesItsOwnLpi() {
        ItsTestBench b = immediate().mapped();
        b.its.mapDevice(0x0100, 1);
        b.its.mapEvent(0x0100, 1, 9000);
        b.its.mapEvent(DEVICE, 0, 9001);
        b.its.onAnyLpi(b.seen::add);

        b.msi(0x0100, 1);
        b.msi(DEVICE, 0);
        b.msi(DEVICE, EVENT);

        assertEquals(List.of(9000, 9001, LPI), b.seen);
    }

    @Test
    void readsOfTheTranslationFrameReturnZero() {
        ItsTestBench b = immediate().mapped();
        b.msi(DEVICE, EVENT);

        for (int size : new int[] {1, 2, 4, 8}) {
            assertEquals(0, b.bus.read(TRANSLATER, size), "size " + size);
        }
        assertEquals(0, b.bus.read(BASE + GitsRegs.GITS_TRANSLATION_FRAME, 4));
    }

    @Test
    void writesElsewhereInTheTranslationFrameDoNothing() {
        ItsTestBench b = immediate().mapped();

        b.bus.write(BASE + GitsRegs.GITS_TRANSLATION_FRAME, 4, EVENT, DEVICE);
        b.bus.write(TRANSLATER + 4, 4, EVENT, DEVICE);

        assertEquals(List.of(), b.seen);
        assertEquals(0, b.its.translated());
        assertEquals(0, b.its.dropped());
    }

    @Test
    void anLpiPendingWhenTheItsIsDisabledIsStillDelivered() {
        ItsTestBench b = scheduled().mapped();
        b.msi(DEVICE, EVENT);

        b.enable(false);
        b.its.unmapDevice(DEVICE);
        b.scheduler.runUntilIdle();

        assertEquals(List.of(LPI), b.seen);
    }
}

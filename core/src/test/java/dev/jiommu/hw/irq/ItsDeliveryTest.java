package dev.jiommu.hw.irq;

import static dev.jiommu.hw.irq.ItsTestBench.*;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The pending bit, delivery order and handler selection. */
class ItsDeliveryTest {

    @Test
    void raisesWhilePendingCoalesceIntoOneDelivery() {
        ItsTestBench b = scheduled().mapped();

        b.msi(DEVICE, EVENT);
        b.msi(DEVICE, EVENT);
        b.msi(DEVICE, EVENT);
        b.scheduler.runUntilIdle();

        assertEquals(List.of(LPI), b.seen);
        assertEquals(3, b.its.translated());
        assertEquals(2, b.its.coalesced());
        assertEquals(1, b.its.delivered());

        b.msi(DEVICE, EVENT);
        b.scheduler.runUntilIdle();

        assertEquals(List.of(LPI, LPI), b.seen);
    }

    @Test
    void twoEventsMappedToOneLpiCoalesceToo() {
        ItsTestBench b = scheduled().mapped();
        b.its.mapEvent(DEVICE, EVENT + 1, LPI);

        b.msi(DEVICE, EVENT);
        b.msi(DEVICE, EVENT + 1);
        b.scheduler.runUntilIdle();

        assertEquals(List.of(LPI), b.seen);
        assertEquals(1, b.its.coalesced());
    }

    @Test
    void lpisAreDeliveredInTheOrderTheyBecamePending() {
        ItsTestBench b = scheduled().mapped();
        b.its.mapEvent(DEVICE, 0, 9000);
        b.its.mapEvent(DEVICE, 1, 8500);
        b.its.onAnyLpi(b.seen::add);

        b.msi(DEVICE, 0);
        b.msi(DEVICE, EVENT);
        b.msi(DEVICE, 1);
        b.scheduler.runUntilIdle();

        assertEquals(List.of(9000, LPI, 8500), b.seen);
    }

    @Test
    void discardRemovesThePendingStateAndKeepsTheOrderOfLaterRaises() {
        ItsTestBench b = scheduled().mapped();
        b.its.mapEvent(DEVICE, 0, 9000);
        b.its.onAnyLpi(b.seen::add);

        b.msi(DEVICE, EVENT);
        assertTrue(b.its.unmapEvent(DEVICE, EVENT));
        assertFalse(b.its.isPending(LPI));
        b.msi(DEVICE, 0);
        b.its.mapEvent(DEVICE, EVENT, LPI);
        b.msi(DEVICE, EVENT);
        b.scheduler.runUntilIdle();

        assertEquals(List.of(9000, LPI), b.seen);
        assertEquals(2, b.its.delivered());
    }

    @Test
    void aRaiseFromInsideAHandlerIsDeliveredAfterItWithoutNesting() {
        ItsTestBench b = immediate().mapped();
        List<String> trace = new ArrayList<>();
        int[] depth = {0};
        b.its.onLpi(LPI, intid -> {
            trace.add("enter " + depth[0]++);
            if (trace.size() == 1) {
                b.msi(DEVICE, EVENT);
                trace.add("raised");
            }
            trace.add("exit " + --depth[0]);
        });

        b.msi(DEVICE, EVENT);

        assertEquals(List.of("enter 0", "raised", "exit 0", "enter 0", "exit 0"), trace);
        assertEquals(2, b.its.delivered());
        assertEquals(0, b.its.coalesced());
    }

    @Test
    void aSpecificHandlerWinsOverTheCatchAll() {
        ItsTestBench b = immediate().mapped();
        List<Integer> any = new ArrayList<>();
        b.its.onAnyLpi(any::add);
        b.its.mapEvent(DEVICE, 0, 9000);

        b.msi(DEVICE, EVENT);
        b.msi(DEVICE, 0);
        b.its.removeLpiHandler(LPI);
        b.msi(DEVICE, EVENT);

        assertEquals(List.of(LPI), b.seen);
        assertEquals(List.of(9000, LPI), any);
    }

    @Test
    void anLpiWithNoHandlerIsUnclaimed() {
        ItsTestBench b = immediate().mapped();
        b.its.removeLpiHandler(LPI);

        b.msi(DEVICE, EVENT);

        assertEquals(0, b.its.delivered());
        assertEquals(1, b.its.unclaimed());
        assertFalse(b.its.isPending(LPI));
    }

    @Test
    void aFailingHandlerIsRecordedNotThrownIntoTheWriter() {
        ItsTestBench b = immediate().mapped();
        IllegalStateException boom = new IllegalStateException("handler bug");
        b.its.onLpi(LPI, intid -> {
            throw boom;
        });

        assertDoesNotThrow(() -> b.msi(DEVICE, EVENT));
        assertDoesNotThrow(() -> b.msi(DEVICE, EVENT));

        assertEquals(2, b.its.handlerFailures());
        assertSame(boom, b.its.firstHandlerFailure());
        assertEquals(2, b.its.delivered());
    }

    @Test
    void noFailureRecordedWhenHandlersBehave() {
        ItsTestBench b = scheduled().mapped();
        b.msi(DEVICE, EVENT);
        b.scheduler.runUntilIdle();
        assertEquals(0, b.its.handlerFailures());
        assertNull(b.its.firstHandlerFailure());
    }

    @Test
    void manyPendingLpisAreAllDeliveredOnce() {
        ItsTestBench b = scheduled().mapped();
        b.its.mapDevice(0x4000, 10);
        for (int e = 0; e < 1000; e++) {
            b.its.mapEvent(0x4000, e, 10_000 + e);
        }
        b.its.onAnyLpi(b.seen::add);

        for (int e = 0; e < 1000; e++) {
            b.msi(0x4000, e);
            b.msi(0x4000, e);
        }
        b.scheduler.runUntilIdle();

        assertEquals(1000, b.seen.size());
        for (int e = 0; e < 1000; e++) {
            assertEquals(10_000 + e, b.seen.get(e));
        }
        assertEquals(1000, b.its.coalesced());
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.IoPageTable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static dev.jiommu.hw.smmu.conformance.ExpectedEvent.event;
import static dev.jiommu.spec.smmuv3.Event.EVTQ_1_CLASS_IN;
import static dev.jiommu.spec.smmuv3.Event.EVT_ID_TRANSLATION_FAULT;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event queue overflow (§7.4): records that meet a full queue are lost and
 * toggle EVTQ_PROD.OVFLG once; recording resumes as soon as software frees
 * space, overflow acknowledged or not; OVACKFLG acknowledges, after which the
 * next loss toggles OVFLG again. With EVTQEN = 0 records are discarded without
 * an overflow.
 */
class EventQueueConformanceTest extends SmmuConformance {

    /** A 4-entry event queue and a stage-1 stream with nothing mapped: every access faults. */
    private static Fixture smallQueue(Variant v) {
        Fixture f = new Fixture(v, v.config(), 2, CR2_RECINVSID | CR2_PTM, true);
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt);
        return f;
    }

    private static long address(Fixture f, int i) {
        return VA + (long) i * f.pageSize;
    }

    private static void fault(Fixture f, int i) {
        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, address(f, i), 0, new byte[4]));
    }

    private static void expect(Fixture f, List<long[]> got, int... faults) {
        assertEquals(faults.length, got.size(), "records in the queue");
        for (int k = 0; k < faults.length; k++) {
            assertArrayEquals(event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).read(address(f, faults[k]))
                    .stage1(EVTQ_1_CLASS_IN).words(), got.get(k), "record of fault " + faults[k]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void overflowLosesRecordsTogglesOvflgOnceAndRecordingResumesWhenSpaceFrees(Variant v) {
        Fixture f = smallQueue(v);

        for (int i = 0; i < 6; i++) {
            fault(f, i);
        }
        assertTrue(f.driver.eventOverflowFlag(), "faults 4 and 5 were lost: OVFLG toggled");
        assertFalse(f.driver.eventOverflowAckFlag());

        expect(f, f.driver.events(2), 0, 1);
        fault(f, 6);
        fault(f, 7);
        fault(f, 8); // the queue is full again: lost, but the overflow is still active, so no second toggle
        assertTrue(f.driver.eventOverflowFlag(), "OVFLG toggles once per overflow condition");

        expect(f, f.driver.events(), 2, 3, 6, 7);

        f.driver.acknowledgeEventOverflow();
        assertTrue(f.driver.eventOverflowAckFlag(), "OVACKFLG = OVFLG: overflow acknowledged");
        for (int i = 9; i < 14; i++) {
            fault(f, i);
        }
        assertFalse(f.driver.eventOverflowFlag(), "a new overflow toggles OVFLG back");
        expect(f, f.driver.events(), 9, 10, 11, 12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void eventsAreDiscardedWithoutOverflowWhileTheQueueIsDisabled(Variant v) {
        Fixture f = smallQueue(v);
        f.driver.writeCr0(CR0_CMDQEN | CR0_PRIQEN | CR0_SMMUEN);

        for (int i = 0; i < 6; i++) {
            fault(f, i);
        }
        f.driver.writeCr0(CR0_CMDQEN | CR0_PRIQEN | CR0_SMMUEN | CR0_EVTQEN);
        fault(f, 6);

        assertFalse(f.driver.eventOverflowFlag(), "no overflow while EVTQEN = 0");
        expect(f, f.driver.events(), 6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aRecordRaisesTheEventQueueInterrupt(Variant v) {
        Fixture f = smallQueue(v);
        int before = f.eventIrq.pulses;

        fault(f, 0);

        assertTrue(f.eventIrq.pulses > before, "the queue went from empty to non-empty");
        expect(f, f.driver.events(), 0);
    }
}

package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Event.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Event#describe} and {@link Event#name} over records written as literal dwords. */
class EventTest {

    @Test
    void stalledStage1TranslationFault() {
        long[] r = {0x0000_0008_0000_1810L, 0x0000_0208_8000_002aL, 0x4000_1000L, 0};
        assertEquals(EVT_ID_TRANSLATION_FAULT, Event.id(r[0]));
        assertEquals("F_TRANSLATION sid=0x8 ssid=0x1 stall=1 stag=0x2a class=IN s2=0 rnw=1 ind=0 pnu=0 addr=0x40001000",
                Event.describe(r));
    }

    @Test
    void stage2PermissionFaultOnATableWalk() {
        long[] r = {0x0000_0008_0000_0013L, 0x0000_1180_0000_0000L, 0xffff_8000_0000_0000L, 0x8765_4fffL};
        assertEquals("F_PERMISSION sid=0x8 stall=0 class=TT s2=1 rnw=0 ind=0 pnu=0 ttrnw=1 addr=0xffff800000000000"
                + " ipa=0x87654000", Event.describe(r));
    }

    @Test
    void configurationErrorsCarryOnlyStreamAndSubstream() {
        assertEquals("C_BAD_STE sid=0x3", Event.describe(new long[] {0x0000_0003_0000_0004L, 0, 0, 0}));
        assertEquals("C_BAD_CD sid=0x3 ssid=0x2", Event.describe(new long[] {0x0000_0003_0000_280aL, 0, 0, 0}));
        assertEquals("C_BAD_SUBSTREAMID sid=0x3 ssid=0x5", Event.describe(new long[] {0x0000_0003_0000_5008L, 0, 0, 0}),
                "C_BAD_SUBSTREAMID always reports the SubstreamID (no SSV)");
    }

    @Test
    void fetchAbortsReportTheFetchAddress() {
        assertEquals("F_CD_FETCH sid=0x3 fetch=0x80000040",
                Event.describe(new long[] {0x0000_0003_0000_0009L, 0, 0, 0x8000_0047L}));
        assertEquals("F_WALK_EABT sid=0x3 class=TT s2=0 rnw=1 ind=0 pnu=1 ttrnw=0 addr=0x1000 fetch=0x90000ff8",
                Event.describe(new long[] {0x0000_0003_0000_000bL, 0x0000_010a_0000_0000L, 0x1000L, 0x9000_0ff8L}));
    }

    @Test
    void reservedAndImplementationDefinedEvents() {
        assertEquals("RESERVED sid=0x0 w1=0x1 w2=0x2 w3=0x3", Event.describe(new long[] {0x30L, 1, 2, 3}));
        assertEquals("IMPDEF_EVENT", Event.name(0xe5));
        assertEquals("E_PAGE_REQUEST", Event.name(EVT_ID_PAGE_REQUEST));
        assertEquals("F_VMS_FETCH", Event.name(EVT_ID_VMS_FETCH_FAULT));
        assertThrows(IllegalArgumentException.class, () -> Event.describe(new long[3]));
    }

    @Test
    void recordFieldsDecode() {
        long w1 = 0x0000_0208_8000_002aL;
        assertEquals(0x2aL, Field.get(EVTQ_1_STAG, w1));
        assertEquals(1L, Field.get(EVTQ_1_STALL, w1));
        assertEquals(1L, Field.get(EVTQ_1_RnW, w1));
        assertEquals(EVTQ_1_CLASS_IN, Field.get(EVTQ_1_CLASS, w1));
        assertEquals(0L, Field.get(EVTQ_1_S2, w1));
    }
}

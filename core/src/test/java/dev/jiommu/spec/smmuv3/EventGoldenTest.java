package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Event.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values of {@link Event}. Every expected value is a literal: the
 * {@code linux*} tests transcribe Linux's arm-smmu-v3.h (or the older driver
 * and io-pgtable-arm.h, where the class says so); the {@code spec*} tests pin
 * what Linux does not name: IHI0070 bit positions (section 7.3) and the few
 * values derived from Linux's build (queue size limits, MMIO page layout).
 * {@link ConstantsCoverageTest} checks that no constant escapes these tests.
 */
class EventGoldenTest {

    @Test
    void linuxIds() {
        assertEquals(5L, EVTQ_ENT_SZ_SHIFT);
        assertEquals(4L, EVTQ_ENT_DWORDS);
        assertEquals(0xffL, EVTQ_0_ID);
        assertEquals(0x02L, EVT_ID_BAD_STREAMID_CONFIG);
        assertEquals(0x03L, EVT_ID_STE_FETCH_FAULT);
        assertEquals(0x04L, EVT_ID_BAD_STE_CONFIG);
        assertEquals(0x06L, EVT_ID_STREAM_DISABLED_FAULT);
        assertEquals(0x08L, EVT_ID_BAD_SUBSTREAMID_CONFIG);
        assertEquals(0x09L, EVT_ID_CD_FETCH_FAULT);
        assertEquals(0x0aL, EVT_ID_BAD_CD_CONFIG);
        assertEquals(0x10L, EVT_ID_TRANSLATION_FAULT);
        assertEquals(0x11L, EVT_ID_ADDR_SIZE_FAULT);
        assertEquals(0x12L, EVT_ID_ACCESS_FAULT);
        assertEquals(0x13L, EVT_ID_PERMISSION_FAULT);
        assertEquals(0x25L, EVT_ID_VMS_FETCH_FAULT);
    }

    @Test
    void linuxFields() {
        assertEquals(0x800L, EVTQ_0_SSV);
        assertEquals(0xffff_f000L, EVTQ_0_SSID);
        assertEquals(0xffff_ffff_0000_0000L, EVTQ_0_SID);
        assertEquals(0xffffL, EVTQ_1_STAG);
        assertEquals(0x8000_0000L, EVTQ_1_STALL);
        assertEquals(0x2_0000_0000L, EVTQ_1_PnU);
        assertEquals(0x4_0000_0000L, EVTQ_1_InD);
        assertEquals(0x8_0000_0000L, EVTQ_1_RnW);
        assertEquals(0x80_0000_0000L, EVTQ_1_S2);
        assertEquals(0x300_0000_0000L, EVTQ_1_CLASS);
        assertEquals(0x01L, EVTQ_1_CLASS_TT);
        assertEquals(0x1000_0000_0000L, EVTQ_1_TT_READ);
        assertEquals(0xffff_ffff_ffff_ffffL, EVTQ_2_ADDR);
        assertEquals(0xf_ffff_ffff_f000L, EVTQ_3_IPA);
        assertEquals(0xf_ffff_ffff_fff8L, EVTQ_3_FETCH_ADDR);
    }

    @Test
    void specIds() {
        assertEquals(15L, EVTQ_MAX_SZ_SHIFT);
        assertEquals(0x01L, EVT_ID_UUT);
        assertEquals(0x05L, EVT_ID_BAD_ATS_TREQ);
        assertEquals(0x07L, EVT_ID_TRANSL_FORBIDDEN);
        assertEquals(0x0bL, EVT_ID_WALK_EABT);
        assertEquals(0x20L, EVT_ID_TLB_CONFLICT);
        assertEquals(0x21L, EVT_ID_CFG_CONFLICT);
        assertEquals(0x24L, EVT_ID_PAGE_REQUEST);
        assertEquals(0xe0L, EVT_ID_IMPDEF_FIRST);
        assertEquals(0xefL, EVT_ID_IMPDEF_LAST);
    }

    @Test
    void specFields() {
        assertEquals(0x00L, EVTQ_1_CLASS_CD);
        assertEquals(0x02L, EVTQ_1_CLASS_IN);
    }
}

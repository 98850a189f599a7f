package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values of {@link PriQueueEntry}. Every expected value is a literal: the
 * {@code linux*} tests transcribe Linux's arm-smmu-v3.h (or the older driver
 * and io-pgtable-arm.h, where the class says so); the {@code spec*} tests pin
 * what Linux does not name: IHI0070 bit positions (section 8) and the few
 * values derived from Linux's build (queue size limits, MMIO page layout).
 * {@link ConstantsCoverageTest} checks that no constant escapes these tests.
 */
class PriQueueEntryGoldenTest {

    @Test
    void linuxFields() {
        assertEquals(4L, PRIQ_ENT_SZ_SHIFT);
        assertEquals(2L, PRIQ_ENT_DWORDS);
        assertEquals(0xffff_ffffL, PRIQ_0_SID);
        assertEquals(0xf_ffff_0000_0000L, PRIQ_0_SSID);
        assertEquals(0x400_0000_0000_0000L, PRIQ_0_PERM_PRIV);
        assertEquals(0x800_0000_0000_0000L, PRIQ_0_PERM_EXEC);
        assertEquals(0x1000_0000_0000_0000L, PRIQ_0_PERM_READ);
        assertEquals(0x2000_0000_0000_0000L, PRIQ_0_PERM_WRITE);
        assertEquals(0x4000_0000_0000_0000L, PRIQ_0_PRG_LAST);
        assertEquals(0x8000_0000_0000_0000L, PRIQ_0_SSID_V);
        assertEquals(0x1ffL, PRIQ_1_PRG_IDX);
        assertEquals(0xffff_ffff_ffff_f000L, PRIQ_1_ADDR_MASK);
    }

    @Test
    void specFields() {
        assertEquals(16L, PRIQ_MAX_SZ_SHIFT);
    }
}

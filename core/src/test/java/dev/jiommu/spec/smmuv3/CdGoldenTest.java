package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values of {@link Cd}. Every expected value is a literal: the
 * {@code linux*} tests transcribe Linux's arm-smmu-v3.h (or the older driver
 * and io-pgtable-arm.h, where the class says so); the {@code spec*} tests pin
 * what Linux does not name: IHI0070 bit positions (section 5.4) and the few
 * values derived from Linux's build (queue size limits, MMIO page layout).
 * {@link ConstantsCoverageTest} checks that no constant escapes these tests.
 */
class CdGoldenTest {

    @Test
    void linuxGeometry() {
        assertEquals(10L, CTXDESC_SPLIT);
        assertEquals(1024L, CTXDESC_L2_ENTRIES);
        assertEquals(1L, CTXDESC_L1_DESC_DWORDS);
        assertEquals(0x1L, CTXDESC_L1_DESC_V);
        assertEquals(0xf_ffff_ffff_f000L, CTXDESC_L1_DESC_L2PTR_MASK);
        assertEquals(8L, CTXDESC_CD_DWORDS);
        assertEquals(10L, CTXDESC_LINEAR_CDMAX);
    }

    @Test
    void linuxTcr() {
        assertEquals(0L, ARM_LPAE_TCR_TG0_4K);
        assertEquals(1L, ARM_LPAE_TCR_TG0_64K);
        assertEquals(2L, ARM_LPAE_TCR_TG0_16K);
        assertEquals(1L, ARM_LPAE_TCR_TG1_16K);
        assertEquals(2L, ARM_LPAE_TCR_TG1_4K);
        assertEquals(3L, ARM_LPAE_TCR_TG1_64K);
        assertEquals(0L, ARM_LPAE_TCR_SH_NS);
        assertEquals(2L, ARM_LPAE_TCR_SH_OS);
        assertEquals(3L, ARM_LPAE_TCR_SH_IS);
        assertEquals(0L, ARM_LPAE_TCR_RGN_NC);
        assertEquals(1L, ARM_LPAE_TCR_RGN_WBWA);
        assertEquals(2L, ARM_LPAE_TCR_RGN_WT);
        assertEquals(3L, ARM_LPAE_TCR_RGN_WB);
        assertEquals(0x0L, ARM_LPAE_TCR_PS_32_BIT);
        assertEquals(0x1L, ARM_LPAE_TCR_PS_36_BIT);
        assertEquals(0x2L, ARM_LPAE_TCR_PS_40_BIT);
        assertEquals(0x3L, ARM_LPAE_TCR_PS_42_BIT);
        assertEquals(0x4L, ARM_LPAE_TCR_PS_44_BIT);
        assertEquals(0x5L, ARM_LPAE_TCR_PS_48_BIT);
        assertEquals(0x6L, ARM_LPAE_TCR_PS_52_BIT);
    }

    @Test
    void linuxDword0() {
        assertEquals(0x3fL, CTXDESC_CD_0_TCR_T0SZ);
        assertEquals(0xc0L, CTXDESC_CD_0_TCR_TG0);
        assertEquals(0x300L, CTXDESC_CD_0_TCR_IRGN0);
        assertEquals(0xc00L, CTXDESC_CD_0_TCR_ORGN0);
        assertEquals(0x3000L, CTXDESC_CD_0_TCR_SH0);
        assertEquals(0x4000L, CTXDESC_CD_0_TCR_EPD0);
        assertEquals(0x4000_0000L, CTXDESC_CD_0_TCR_EPD1);
        assertEquals(0x8000L, CTXDESC_CD_0_ENDI);
        assertEquals(0x8000_0000L, CTXDESC_CD_0_V);
        assertEquals(0x7_0000_0000L, CTXDESC_CD_0_TCR_IPS);
        assertEquals(0x40_0000_0000L, CTXDESC_CD_0_TCR_TBI0);
        assertEquals(0x800_0000_0000L, CTXDESC_CD_0_TCR_HA);
        assertEquals(0x400_0000_0000L, CTXDESC_CD_0_TCR_HD);
        assertEquals(0x200_0000_0000L, CTXDESC_CD_0_AA64);
        assertEquals(0x1000_0000_0000L, CTXDESC_CD_0_S);
        assertEquals(0x2000_0000_0000L, CTXDESC_CD_0_R);
        assertEquals(0x4000_0000_0000L, CTXDESC_CD_0_A);
        assertEquals(0x8000_0000_0000L, CTXDESC_CD_0_ASET);
        assertEquals(0L, CTXDESC_CD_0_ASET_SHARED);
        assertEquals(1L, CTXDESC_CD_0_ASET_PRIVATE);
        assertEquals(0xffff_0000_0000_0000L, CTXDESC_CD_0_ASID);
        assertEquals(0xf_ffff_ffff_fff0L, CTXDESC_CD_1_TTB0_MASK);
    }

    @Test
    void specDwords() {
        assertEquals(0x3f_0000L, CTXDESC_CD_0_TCR_T1SZ);
        assertEquals(0xc0_0000L, CTXDESC_CD_0_TCR_TG1);
        assertEquals(0x300_0000L, CTXDESC_CD_0_TCR_IRGN1);
        assertEquals(0xc00_0000L, CTXDESC_CD_0_TCR_ORGN1);
        assertEquals(0x3000_0000L, CTXDESC_CD_0_TCR_SH1);
        assertEquals(0x8_0000_0000L, CTXDESC_CD_0_AFFD);
        assertEquals(0x10_0000_0000L, CTXDESC_CD_0_WXN);
        assertEquals(0x20_0000_0000L, CTXDESC_CD_0_UWXN);
        assertEquals(0x80_0000_0000L, CTXDESC_CD_0_TCR_TBI1);
        assertEquals(0x100_0000_0000L, CTXDESC_CD_0_PAN);
        assertEquals(0x1L, CTXDESC_CD_1_NSCFG0);
        assertEquals(0x2L, CTXDESC_CD_1_HAD0);
        assertEquals(0x1L, CTXDESC_CD_2_NSCFG1);
        assertEquals(0x2L, CTXDESC_CD_2_HAD1);
        assertEquals(0xf_ffff_ffff_fff0L, CTXDESC_CD_2_TTB1_MASK);
        assertEquals(0xffff_ffff_ffff_ffffL, CTXDESC_CD_3_MAIR);
        assertEquals(0xffff_ffff_ffff_ffffL, CTXDESC_CD_4_AMAIR);
    }
}

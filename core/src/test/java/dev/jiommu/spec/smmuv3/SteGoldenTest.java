package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values of {@link Ste}. Every expected value is a literal: the
 * {@code linux*} tests transcribe Linux's arm-smmu-v3.h (or the older driver
 * and io-pgtable-arm.h, where the class says so); the {@code spec*} tests pin
 * what Linux does not name: IHI0070 bit positions (section 5.2) and the few
 * values derived from Linux's build (queue size limits, MMIO page layout).
 * {@link ConstantsCoverageTest} checks that no constant escapes these tests.
 */
class SteGoldenTest {

    @Test
    void linuxGeometry() {
        assertEquals(8L, STRTAB_SPLIT);
        assertEquals(20L, STRTAB_L1_SZ_SHIFT);
        assertEquals(1L, STRTAB_L1_DESC_DWORDS);
        assertEquals(0x1fL, STRTAB_L1_DESC_SPAN);
        assertEquals(0xf_ffff_ffff_ffc0L, STRTAB_L1_DESC_L2PTR_MASK);
        assertEquals(8L, STRTAB_STE_DWORDS);
        assertEquals(256L, STRTAB_NUM_L2_STES);
        assertEquals(131072L, STRTAB_MAX_L1_ENTRIES);
    }

    @Test
    void linuxDword0() {
        assertEquals(0x1L, STRTAB_STE_0_V);
        assertEquals(0xeL, STRTAB_STE_0_CFG);
        assertEquals(0L, STRTAB_STE_0_CFG_ABORT);
        assertEquals(4L, STRTAB_STE_0_CFG_BYPASS);
        assertEquals(5L, STRTAB_STE_0_CFG_S1_TRANS);
        assertEquals(6L, STRTAB_STE_0_CFG_S2_TRANS);
        assertEquals(7L, STRTAB_STE_0_CFG_NESTED);
        assertEquals(0x30L, STRTAB_STE_0_S1FMT);
        assertEquals(0L, STRTAB_STE_0_S1FMT_LINEAR);
        assertEquals(1L, STRTAB_STE_0_S1FMT_4K_L2);
        assertEquals(2L, STRTAB_STE_0_S1FMT_64K_L2);
        assertEquals(0xf_ffff_ffff_ffc0L, STRTAB_STE_0_S1CTXPTR_MASK);
        assertEquals(0xf800_0000_0000_0000L, STRTAB_STE_0_S1CDMAX);
    }

    @Test
    void linuxDword1() {
        assertEquals(0x3L, STRTAB_STE_1_S1DSS);
        assertEquals(0x0L, STRTAB_STE_1_S1DSS_TERMINATE);
        assertEquals(0x1L, STRTAB_STE_1_S1DSS_BYPASS);
        assertEquals(0x2L, STRTAB_STE_1_S1DSS_SSID0);
        assertEquals(0L, STRTAB_STE_1_S1C_CACHE_NC);
        assertEquals(1L, STRTAB_STE_1_S1C_CACHE_WBRA);
        assertEquals(2L, STRTAB_STE_1_S1C_CACHE_WT);
        assertEquals(3L, STRTAB_STE_1_S1C_CACHE_WB);
        assertEquals(0L, STRTAB_STE_1_S1C_SH_NSH);
        assertEquals(2L, STRTAB_STE_1_S1C_SH_OSH);
        assertEquals(3L, STRTAB_STE_1_S1C_SH_ISH);
        assertEquals(0xcL, STRTAB_STE_1_S1CIR);
        assertEquals(0x30L, STRTAB_STE_1_S1COR);
        assertEquals(0xc0L, STRTAB_STE_1_S1CSH);
        assertEquals(0x4_0000L, STRTAB_STE_1_PPAR);
        assertEquals(0x8_0000L, STRTAB_STE_1_MEV);
        assertEquals(0x200_0000L, STRTAB_STE_1_S2FWB);
        assertEquals(0x800_0000L, STRTAB_STE_1_S1STALLD);
        assertEquals(0x3000_0000L, STRTAB_STE_1_EATS);
        assertEquals(0L, STRTAB_STE_1_EATS_ABT);
        assertEquals(1L, STRTAB_STE_1_EATS_TRANS);
        assertEquals(2L, STRTAB_STE_1_EATS_S1CHK);
        assertEquals(0xc000_0000L, STRTAB_STE_1_STRW);
        assertEquals(0L, STRTAB_STE_1_STRW_NSEL1);
        assertEquals(2L, STRTAB_STE_1_STRW_EL2);
        assertEquals(0x3000_0000_0000L, STRTAB_STE_1_SHCFG);
        assertEquals(1L, STRTAB_STE_1_SHCFG_INCOMING);
    }

    @Test
    void linuxDword2() {
        assertEquals(0xffffL, STRTAB_STE_2_S2VMID);
        assertEquals(0x7_ffff_0000_0000L, STRTAB_STE_2_VTCR);
        assertEquals(0x3fL, STRTAB_STE_2_VTCR_S2T0SZ);
        assertEquals(0xc0L, STRTAB_STE_2_VTCR_S2SL0);
        assertEquals(0x300L, STRTAB_STE_2_VTCR_S2IR0);
        assertEquals(0xc00L, STRTAB_STE_2_VTCR_S2OR0);
        assertEquals(0x3000L, STRTAB_STE_2_VTCR_S2SH0);
        assertEquals(0xc000L, STRTAB_STE_2_VTCR_S2TG);
        assertEquals(0x7_0000L, STRTAB_STE_2_VTCR_S2PS);
        assertEquals(0x8_0000_0000_0000L, STRTAB_STE_2_S2AA64);
        assertEquals(0x10_0000_0000_0000L, STRTAB_STE_2_S2ENDI);
        assertEquals(0x40_0000_0000_0000L, STRTAB_STE_2_S2PTW);
        assertEquals(0x200_0000_0000_0000L, STRTAB_STE_2_S2S);
        assertEquals(0x400_0000_0000_0000L, STRTAB_STE_2_S2R);
        assertEquals(0xf_ffff_ffff_fff0L, STRTAB_STE_3_S2TTB_MASK);
    }

    @Test
    void specDword1() {
        assertEquals(0x1000L, STRTAB_STE_1_DRE);
        assertEquals(0x1_e000L, STRTAB_STE_1_CONT);
        assertEquals(0x2_0000L, STRTAB_STE_1_DCP);
        assertEquals(0xf_0000_0000L, STRTAB_STE_1_MEMATTR);
        assertEquals(0x10_0000_0000L, STRTAB_STE_1_MTCFG);
        assertEquals(0x1e0_0000_0000L, STRTAB_STE_1_ALLOCCFG);
        assertEquals(0L, STRTAB_STE_1_SHCFG_NSH);
        assertEquals(2L, STRTAB_STE_1_SHCFG_OSH);
        assertEquals(3L, STRTAB_STE_1_SHCFG_ISH);
        assertEquals(0xc000_0000_0000L, STRTAB_STE_1_NSCFG);
        assertEquals(0x3_0000_0000_0000L, STRTAB_STE_1_PRIVCFG);
        assertEquals(0L, STRTAB_STE_1_PRIVCFG_INCOMING);
        assertEquals(2L, STRTAB_STE_1_PRIVCFG_UNPRIV);
        assertEquals(3L, STRTAB_STE_1_PRIVCFG_PRIV);
        assertEquals(0xc_0000_0000_0000L, STRTAB_STE_1_INSTCFG);
        assertEquals(0L, STRTAB_STE_1_INSTCFG_INCOMING);
        assertEquals(2L, STRTAB_STE_1_INSTCFG_DATA);
        assertEquals(3L, STRTAB_STE_1_INSTCFG_INST);
    }

    @Test
    void specDword2() {
        assertEquals(0x20_0000_0000_0000L, STRTAB_STE_2_S2AFFD);
        assertEquals(0x80_0000_0000_0000L, STRTAB_STE_2_S2HD);
        assertEquals(0x100_0000_0000_0000L, STRTAB_STE_2_S2HA);
    }
}

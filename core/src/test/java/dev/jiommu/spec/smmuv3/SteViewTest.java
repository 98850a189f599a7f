package dev.jiommu.spec.smmuv3;

import dev.jiommu.mem.MemoryFault;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SteView}: fields written through the view land at their
 * architectural bit positions (raw dwords compared with literals), read back
 * unchanged, and leave neighbouring dwords and STEs alone.
 */
class SteViewTest {

    private static final long RAM = 0x8000_0000L;
    private static final long STE = RAM + 0x40;

    private PhysicalMemory mem;
    private SteView ste;

    @BeforeEach
    void setUp() {
        mem = PhysicalMemory.ram(RAM, 1 << 20);
        ste = SteView.wrap(mem, STE);
    }

    @Test
    void dword0() {
        ste.setValid(true).setConfig(STRTAB_STE_0_CFG_S1_TRANS).setS1Fmt(STRTAB_STE_0_S1FMT_64K_L2)
                .setS1ContextPtr(0x9_0000_103fL).setS1CdMax(20);
        assertEquals(0xa000_0009_0000_102bL, ste.word(0));
        assertTrue(ste.valid());
        assertEquals(STRTAB_STE_0_CFG_S1_TRANS, ste.config());
        assertEquals(STRTAB_STE_0_S1FMT_64K_L2, ste.s1Fmt());
        assertEquals(0x9_0000_1000L, ste.s1ContextPtr(), "low bits of the pointer are dropped");
        assertEquals(20, ste.s1CdMax());
    }

    @Test
    void dword1() {
        ste.setS1Dss(STRTAB_STE_1_S1DSS_SSID0).setS1Cir(STRTAB_STE_1_S1C_CACHE_WBRA)
                .setS1Cor(STRTAB_STE_1_S1C_CACHE_WBRA).setS1Csh(STRTAB_STE_1_S1C_SH_ISH).setS1StallDisable(true)
                .setEats(STRTAB_STE_1_EATS_TRANS).setStrw(STRTAB_STE_1_STRW_EL2).setShcfg(STRTAB_STE_1_SHCFG_INCOMING)
                .setMev(true).setPpar(true).setS2Fwb(true).setPrivcfg(STRTAB_STE_1_PRIVCFG_PRIV)
                .setInstcfg(STRTAB_STE_1_INSTCFG_DATA);
        assertEquals(0x000b_1000_9a0c_00d6L, ste.word(1));
        assertEquals(STRTAB_STE_1_S1DSS_SSID0, ste.s1Dss());
        assertEquals(1, ste.s1Cir());
        assertEquals(1, ste.s1Cor());
        assertEquals(3, ste.s1Csh());
        assertTrue(ste.s1StallDisable());
        assertEquals(STRTAB_STE_1_EATS_TRANS, ste.eats());
        assertEquals(STRTAB_STE_1_STRW_EL2, ste.strw());
        assertEquals(STRTAB_STE_1_SHCFG_INCOMING, ste.shcfg());
        assertTrue(ste.mev());
        assertTrue(ste.ppar());
        assertTrue(ste.s2Fwb());
        assertEquals(STRTAB_STE_1_PRIVCFG_PRIV, ste.privcfg());
        assertEquals(STRTAB_STE_1_INSTCFG_DATA, ste.instcfg());
    }

    @Test
    void dword2AndVtcr() {
        ste.setS2Vmid(0xbeef).setS2t0sz(25).setS2sl0(1).setS2ir0(1).setS2or0(1).setS2sh0(3)
                .setS2tg(Cd.ARM_LPAE_TCR_TG0_16K).setS2ps(Registers.IDR5_OAS_48_BIT).setS2aa64(true)
                .setS2affd(true).setS2ptw(true).setS2hd(true).setS2ha(true).setS2s(true).setS2r(true);
        assertEquals(0x07ed_b559_0000_beefL, ste.word(2));
        assertEquals(0x5_b559, ste.vtcr());
        assertEquals(0xbeef, ste.s2Vmid());
        assertEquals(25, ste.s2t0sz());
        assertEquals(1, ste.s2sl0());
        assertEquals(1, ste.s2ir0());
        assertEquals(1, ste.s2or0());
        assertEquals(3, ste.s2sh0());
        assertEquals(Cd.ARM_LPAE_TCR_TG0_16K, ste.s2tg());
        assertEquals(Registers.IDR5_OAS_48_BIT, ste.s2ps());
        assertTrue(ste.s2aa64());
        assertFalse(ste.s2endi());
        assertTrue(ste.s2affd() && ste.s2ptw() && ste.s2hd() && ste.s2ha() && ste.s2s() && ste.s2r());

        ste.setS2ha(false).setS2endi(true);
        assertEquals(0x06fd_b559_0000_beefL, ste.word(2));
        ste.setVtcr(0);
        assertEquals(0x06f8_0000_0000_beefL, ste.word(2), "VTCR is bits 50..32 only");
    }

    @Test
    void dword3() {
        ste.setS2ttb(0x8_8000_000fL);
        assertEquals(0x8_8000_0000L, ste.word(3));
        assertEquals(0x8_8000_0000L, ste.s2ttb());
    }

    @Test
    void settersTouchOnlyTheirField() {
        long[] ones = {-1L, -1L, -1L, -1L, -1L, -1L, -1L, -1L};
        ste.write(ones);
        ste.setConfig(STRTAB_STE_0_CFG_ABORT).setS1Dss(0).setS2Vmid(0).setS2ttb(0).setValid(false);
        assertEquals(0xffff_ffff_ffff_fff0L, ste.word(0));
        assertEquals(0xffff_ffff_ffff_fffcL, ste.word(1));
        assertEquals(0xffff_ffff_ffff_0000L, ste.word(2));
        assertEquals(0xfff0_0000_0000_000fL, ste.word(3));
        for (int i = 4; i < 8; i++) {
            assertEquals(-1L, ste.word(i));
        }
        assertEquals(0L, mem.read64(STE - 8), "previous STE untouched");
        assertEquals(0L, mem.read64(STE + SteView.SIZE), "next STE untouched");
    }

    @Test
    void rawWordsAreLittleEndianDwordsAtTheirOffsets() {
        ste.setWord(0, 0x0102_0304_0506_0708L).setWord(7, 0x1111L);
        assertEquals(0x08, mem.read8(STE));
        assertEquals(0x01, mem.read8(STE + 7));
        assertEquals(0x1111L, mem.read64(STE + 56));
        long[] out = new long[8];
        ste.read(out);
        assertArrayEquals(new long[] {0x0102_0304_0506_0708L, 0, 0, 0, 0, 0, 0, 0x1111L}, out);
        ste.clear();
        ste.read(out);
        assertArrayEquals(new long[8], out);
    }

    @Test
    void atMovesTheViewWithoutANewObject() {
        mem.write64(STE + 0x40, STRTAB_STE_0_V);
        assertSame(ste, ste.at(STE + 0x40));
        assertEquals(STE + 0x40, ste.address());
        assertTrue(ste.valid());
        assertFalse(ste.at(STE).valid());
    }

    @Test
    void misuseIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ste.at(STE + 8));
        assertThrows(IllegalArgumentException.class, () -> SteView.wrap(mem, RAM + 4));
        assertThrows(IndexOutOfBoundsException.class, () -> ste.word(8));
        assertThrows(IndexOutOfBoundsException.class, () -> ste.setWord(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> ste.setS1CdMax(32));
        assertThrows(IllegalArgumentException.class, () -> ste.setConfig(8));
        assertThrows(IllegalArgumentException.class, () -> ste.setS2Vmid(0x1_0000));
        assertThrows(IllegalArgumentException.class, () -> ste.setS2t0sz(64));
        assertEquals(0L, ste.word(0), "a rejected value writes nothing");
    }

    @Test
    void memoryOutsideRamRaisesMemoryFault() {
        SteView outside = SteView.wrap(mem, 0x1000);
        assertThrows(MemoryFault.class, outside::valid);
        assertThrows(MemoryFault.class, () -> outside.setValid(true));
    }
}

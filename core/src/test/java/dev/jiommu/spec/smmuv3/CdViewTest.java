package dev.jiommu.spec.smmuv3;

import dev.jiommu.mem.MemoryFault;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CdView}: fields written through the view land at their
 * architectural bit positions (raw dwords compared with literals) and read
 * back unchanged.
 */
class CdViewTest {

    private static final long RAM = 0x8000_0000L;
    private static final long CD = RAM + 0x1000;

    private PhysicalMemory mem;
    private CdView cd;

    @BeforeEach
    void setUp() {
        mem = PhysicalMemory.ram(RAM, 1 << 20);
        cd = CdView.wrap(mem, CD);
    }

    @Test
    void dword0() {
        cd.setT0sz(16).setTg0(ARM_LPAE_TCR_TG0_4K).setIrgn0(ARM_LPAE_TCR_RGN_WBWA).setOrgn0(ARM_LPAE_TCR_RGN_WBWA)
                .setSh0(ARM_LPAE_TCR_SH_IS).setEpd0(false).setEndi(false)
                .setT1sz(25).setTg1(ARM_LPAE_TCR_TG1_4K).setIrgn1(ARM_LPAE_TCR_RGN_WBWA)
                .setOrgn1(ARM_LPAE_TCR_RGN_WBWA).setSh1(ARM_LPAE_TCR_SH_IS).setEpd1(true)
                .setValid(true).setIps(ARM_LPAE_TCR_PS_48_BIT).setAffd(true).setTbi0(true).setTbi1(true)
                .setAa64(true).setHd(true).setHa(true).setS(true).setR(true).setA(true).setAset(true).setAsid(0x1234);
        assertEquals(0x1234_fecd_f599_3510L, cd.word(0));

        assertEquals(16, cd.t0sz());
        assertEquals(ARM_LPAE_TCR_TG0_4K, cd.tg0());
        assertEquals(ARM_LPAE_TCR_RGN_WBWA, cd.irgn0());
        assertEquals(ARM_LPAE_TCR_RGN_WBWA, cd.orgn0());
        assertEquals(ARM_LPAE_TCR_SH_IS, cd.sh0());
        assertFalse(cd.epd0());
        assertFalse(cd.endi());
        assertEquals(25, cd.t1sz());
        assertEquals(ARM_LPAE_TCR_TG1_4K, cd.tg1());
        assertEquals(ARM_LPAE_TCR_RGN_WBWA, cd.irgn1());
        assertEquals(ARM_LPAE_TCR_RGN_WBWA, cd.orgn1());
        assertEquals(ARM_LPAE_TCR_SH_IS, cd.sh1());
        assertTrue(cd.epd1());
        assertTrue(cd.valid());
        assertEquals(ARM_LPAE_TCR_PS_48_BIT, cd.ips());
        assertTrue(cd.affd() && cd.tbi0() && cd.tbi1() && cd.aa64() && cd.hd() && cd.ha());
        assertTrue(cd.s() && cd.r() && cd.a() && cd.aset());
        assertEquals(0x1234, cd.asid());

        cd.setValid(false).setS(false).setAsid(0xffff);
        assertEquals(0xffff_eecd_7599_3510L, cd.word(0));
    }

    @Test
    void tablesAndMair() {
        cd.setWord(1, CTXDESC_CD_1_HAD0 | CTXDESC_CD_1_NSCFG0);
        cd.setTtb0(0x9_1234_5fffL).setTtb1(0xa_0000_1008L).setMair(0x0004_ff44L);
        assertEquals(0x9_1234_5ff3L, cd.word(1), "HAD0 and NSCFG0 kept");
        assertEquals(0xa_0000_1000L, cd.word(2));
        assertEquals(0x0004_ff44L, cd.word(3));
        assertEquals(0x9_1234_5ff0L, cd.ttb0());
        assertEquals(0xa_0000_1000L, cd.ttb1());
        assertEquals(0x0004_ff44L, cd.mair());
    }

    @Test
    void rawWordsReadWriteAndClear() {
        long[] in = {1, 2, 3, 4, 5, 6, 7, 8};
        cd.write(in);
        assertEquals(8L, mem.read64(CD + 56));
        long[] out = new long[8];
        cd.read(out);
        assertArrayEquals(in, out);
        cd.clear();
        cd.read(out);
        assertArrayEquals(new long[8], out);
    }

    @Test
    void atMovesTheView() {
        mem.write64(CD + CdView.SIZE, CTXDESC_CD_0_V);
        assertSame(cd, cd.at(CD + CdView.SIZE));
        assertTrue(cd.valid());
        assertFalse(cd.at(CD).valid());
    }

    @Test
    void misuseIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> cd.at(CD + 0x20));
        assertThrows(IndexOutOfBoundsException.class, () -> cd.word(8));
        assertThrows(IllegalArgumentException.class, () -> cd.setAsid(0x1_0000));
        assertThrows(IllegalArgumentException.class, () -> cd.setTg0(4));
        assertThrows(IllegalArgumentException.class, () -> cd.setT0sz(-1));
        assertThrows(MemoryFault.class, () -> CdView.wrap(mem, 0x40).valid());
    }
}

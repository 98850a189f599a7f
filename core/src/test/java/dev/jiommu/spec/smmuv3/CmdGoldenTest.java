package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values of {@link Cmd}. Every expected value is a literal: the
 * {@code linux*} tests transcribe Linux's arm-smmu-v3.h (or the older driver
 * and io-pgtable-arm.h, where the class says so); the {@code spec*} tests pin
 * what Linux does not name: IHI0070 bit positions (section 4) and the few
 * values derived from Linux's build (queue size limits, MMIO page layout).
 * {@link ConstantsCoverageTest} checks that no constant escapes these tests.
 */
class CmdGoldenTest {

    @Test
    void linuxCommon() {
        assertEquals(4L, CMDQ_ENT_SZ_SHIFT);
        assertEquals(2L, CMDQ_ENT_DWORDS);
        assertEquals(0xffL, CMDQ_0_OP);
        assertEquals(0x800L, CMDQ_0_SSV);
    }

    @Test
    void linuxOpcodes() {
        assertEquals(0x1L, CMDQ_OP_PREFETCH_CFG);
        assertEquals(0x3L, CMDQ_OP_CFGI_STE);
        assertEquals(0x4L, CMDQ_OP_CFGI_ALL);
        assertEquals(0x5L, CMDQ_OP_CFGI_CD);
        assertEquals(0x6L, CMDQ_OP_CFGI_CD_ALL);
        assertEquals(0x10L, CMDQ_OP_TLBI_NH_ALL);
        assertEquals(0x11L, CMDQ_OP_TLBI_NH_ASID);
        assertEquals(0x12L, CMDQ_OP_TLBI_NH_VA);
        assertEquals(0x13L, CMDQ_OP_TLBI_NH_VAA);
        assertEquals(0x20L, CMDQ_OP_TLBI_EL2_ALL);
        assertEquals(0x21L, CMDQ_OP_TLBI_EL2_ASID);
        assertEquals(0x22L, CMDQ_OP_TLBI_EL2_VA);
        assertEquals(0x28L, CMDQ_OP_TLBI_S12_VMALL);
        assertEquals(0x2aL, CMDQ_OP_TLBI_S2_IPA);
        assertEquals(0x30L, CMDQ_OP_TLBI_NSNH_ALL);
        assertEquals(0x40L, CMDQ_OP_ATC_INV);
        assertEquals(0x41L, CMDQ_OP_PRI_RESP);
        assertEquals(0x44L, CMDQ_OP_RESUME);
        assertEquals(0x46L, CMDQ_OP_CMD_SYNC);
    }

    @Test
    void linuxFields() {
        assertEquals(0xffff_f000L, CMDQ_PREFETCH_0_SSID);
        assertEquals(0xffff_ffff_0000_0000L, CMDQ_PREFETCH_0_SID);
        assertEquals(0x1fL, CMDQ_PREFETCH_1_SIZE);
        assertEquals(0xffff_ffff_ffff_f000L, CMDQ_PREFETCH_1_ADDR_MASK);
        assertEquals(0xffff_f000L, CMDQ_CFGI_0_SSID);
        assertEquals(0xffff_ffff_0000_0000L, CMDQ_CFGI_0_SID);
        assertEquals(0x1L, CMDQ_CFGI_1_LEAF);
        assertEquals(0x1fL, CMDQ_CFGI_1_RANGE);
        assertEquals(0x1_f000L, CMDQ_TLBI_0_NUM);
        assertEquals(31L, CMDQ_TLBI_RANGE_NUM_MAX);
        assertEquals(0x1f0_0000L, CMDQ_TLBI_0_SCALE);
        assertEquals(0xffff_0000_0000L, CMDQ_TLBI_0_VMID);
        assertEquals(0xffff_0000_0000_0000L, CMDQ_TLBI_0_ASID);
        assertEquals(0x1L, CMDQ_TLBI_1_LEAF);
        assertEquals(0x300L, CMDQ_TLBI_1_TTL);
        assertEquals(0xc00L, CMDQ_TLBI_1_TG);
        assertEquals(0xffff_ffff_ffff_f000L, CMDQ_TLBI_1_VA_MASK);
        assertEquals(0xf_ffff_ffff_f000L, CMDQ_TLBI_1_IPA_MASK);
        assertEquals(0xffff_f000L, CMDQ_ATC_0_SSID);
        assertEquals(0xffff_ffff_0000_0000L, CMDQ_ATC_0_SID);
        assertEquals(0x200L, CMDQ_ATC_0_GLOBAL);
        assertEquals(0x3fL, CMDQ_ATC_1_SIZE);
        assertEquals(0xffff_ffff_ffff_f000L, CMDQ_ATC_1_ADDR_MASK);
        assertEquals(52L, ATC_INV_SIZE_ALL);
        assertEquals(0xffff_f000L, CMDQ_PRI_0_SSID);
        assertEquals(0xffff_ffff_0000_0000L, CMDQ_PRI_0_SID);
        assertEquals(0x1ffL, CMDQ_PRI_1_GRPID);
        assertEquals(0x3000L, CMDQ_PRI_1_RESP);
        assertEquals(0L, PRI_RESP_DENY);
        assertEquals(1L, PRI_RESP_FAIL);
        assertEquals(2L, PRI_RESP_SUCC);
        assertEquals(0L, CMDQ_RESUME_0_RESP_TERM);
        assertEquals(1L, CMDQ_RESUME_0_RESP_RETRY);
        assertEquals(2L, CMDQ_RESUME_0_RESP_ABORT);
        assertEquals(0x3000L, CMDQ_RESUME_0_RESP);
        assertEquals(0xffff_ffff_0000_0000L, CMDQ_RESUME_0_SID);
        assertEquals(0xffffL, CMDQ_RESUME_1_STAG);
        assertEquals(0x3000L, CMDQ_SYNC_0_CS);
        assertEquals(0L, CMDQ_SYNC_0_CS_NONE);
        assertEquals(1L, CMDQ_SYNC_0_CS_IRQ);
        assertEquals(2L, CMDQ_SYNC_0_CS_SEV);
        assertEquals(0xc0_0000L, CMDQ_SYNC_0_MSH);
        assertEquals(0xf00_0000L, CMDQ_SYNC_0_MSIATTR);
        assertEquals(0xffff_ffff_0000_0000L, CMDQ_SYNC_0_MSIDATA);
        assertEquals(0xf_ffff_ffff_fffcL, CMDQ_SYNC_1_MSIADDR_MASK);
    }

    @Test
    void specCommon() {
        assertEquals(0x400L, CMDQ_0_SSEC);
        assertEquals(16L, CMDQ_MAX_SZ_SHIFT);
    }

    @Test
    void specOpcodes() {
        assertEquals(0x2L, CMDQ_OP_PREFETCH_ADDR);
        assertEquals(0x4L, CMDQ_OP_CFGI_STE_RANGE);
        assertEquals(0x7L, CMDQ_OP_CFGI_VMS_PIDM);
        assertEquals(0x18L, CMDQ_OP_TLBI_EL3_ALL);
        assertEquals(0x1aL, CMDQ_OP_TLBI_EL3_VA);
        assertEquals(0x23L, CMDQ_OP_TLBI_EL2_VAA);
        assertEquals(0x45L, CMDQ_OP_STALL_TERM);
    }

    @Test
    void specFields() {
        assertEquals(31L, CMDQ_CFGI_1_RANGE_ALL);
        assertEquals(1L, CMDQ_TLBI_1_TG_4K);
        assertEquals(2L, CMDQ_TLBI_1_TG_16K);
        assertEquals(3L, CMDQ_TLBI_1_TG_64K);
        assertEquals(0x1000L, CMDQ_RESUME_0_AC);
        assertEquals(0x2000L, CMDQ_RESUME_0_AB);
        assertEquals(0xffff_ffff_0000_0000L, CMDQ_STALL_TERM_0_SID);
    }
}

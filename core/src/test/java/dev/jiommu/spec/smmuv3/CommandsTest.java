package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Commands.NO_SSID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Commands}: each builder's dwords as literals (the words Linux's
 * arm_smmu_cmdq_build_cmd writes for the same arguments), decoded back by
 * field, and {@link Commands#describe}.
 */
class CommandsTest {

    private static void assertWords(long w0, long w1, long[] cmd) {
        assertArrayEquals(new long[] {w0, w1}, cmd, () -> Commands.describe(cmd[0], cmd[1]));
    }

    // ---- words -------------------------------------------------------------------------

    @Test
    void prefetch() {
        assertWords(0x0000_0008_0000_0001L, 0, Commands.prefetchConfig(0x8));
        assertWords(0x0000_0008_0000_5801L, 0, Commands.prefetchConfig(0x8, 5));
        assertWords(0x0000_0008_0000_0002L, 0x1234_5003L, Commands.prefetchAddr(0x8, NO_SSID, 0x1234_5fffL, 3));
    }

    @Test
    void configurationInvalidation() {
        assertWords(0x0001_2345_0000_0003L, 0x1L, Commands.cfgiSte(0x12345, true));
        assertWords(0xffff_ffff_0000_0003L, 0x0L, Commands.cfgiSte(0xffff_ffff, false));
        assertWords(0x0000_0100_0000_0004L, 0x7L, Commands.cfgiSteRange(0x100, 7));
        assertWords(0x0000_0000_0000_0004L, 0x1fL, Commands.cfgiAll());
        assertWords(0x0000_0008_0000_3005L, 0x0L, Commands.cfgiCd(0x8, 0x3, false));
        assertWords(0x0000_0008_0000_0006L, 0x0L, Commands.cfgiCdAll(0x8));
    }

    @Test
    void stage1TlbInvalidation() {
        assertWords(0x0000_0003_0000_0010L, 0, Commands.tlbiNhAll(3));
        assertWords(0x0042_0003_0000_0011L, 0, Commands.tlbiNhAsid(3, 0x42));
        assertWords(0x0042_0003_0000_0012L, 0xffff_0000_1234_5001L,
                Commands.tlbiNhVa(3, 0x42, 0xffff_0000_1234_5678L, true));
        assertWords(0x0002_0001_0031_f012L, 0x0040_0700L,
                Commands.tlbiNhVa(1, 2, 0x40_0000L, false, 31, 3, CMDQ_TLBI_1_TG_4K, 3));
        assertWords(0x0000_0005_0000_0013L, 0x7001L, Commands.tlbiNhVaa(5, 0x7000L, true));
    }

    @Test
    void el2AndStage2TlbInvalidation() {
        assertWords(0x20L, 0, Commands.tlbiEl2All());
        assertWords(0x0007_0000_0000_0021L, 0, Commands.tlbiEl2Asid(7));
        assertWords(0x0007_0000_0000_0022L, 0x9000L, Commands.tlbiEl2Va(7, 0x9000L, false));
        assertWords(0x23L, 0xa001L, Commands.tlbiEl2Vaa(0xa000L, true));
        assertWords(0x0000_0009_0000_0028L, 0, Commands.tlbiS12Vmall(9));
        assertWords(0x0000_0009_0000_002aL, 0x12_3001L, Commands.tlbiS2Ipa(9, 0xfff0_0000_0012_3456L, true));
        assertWords(0x30L, 0, Commands.tlbiNsnhAll());
    }

    @Test
    void atsAndPri() {
        assertWords(0x0000_0008_0000_3a40L, 0x1234_5004L, Commands.atcInv(0x8, 0x3, 0x1234_5678L, 4, true));
        assertWords(0x0000_0008_0000_0040L, 0x34L, Commands.atcInv(0x8, NO_SSID, 0, ATC_INV_SIZE_ALL, false));
        assertWords(0x0000_0008_0000_3841L, 0x21ffL, Commands.priResp(0x8, 0x3, 0x1ff, PRI_RESP_SUCC));
        assertWords(0x0000_0008_0000_0041L, 0x0005L, Commands.priResp(0x8, NO_SSID, 5, PRI_RESP_DENY));
    }

    @Test
    void faultResponseAndSync() {
        assertWords(0x0000_0008_0000_1044L, 0xbeefL, Commands.resume(0x8, 0xbeef, CMDQ_RESUME_0_RESP_RETRY));
        assertWords(0x0000_0008_0000_2044L, 0x1L, Commands.resume(0x8, 1, CMDQ_RESUME_0_RESP_ABORT));
        assertWords(0x0000_0008_0000_0045L, 0, Commands.stallTerm(0x8));
        assertWords(0xdead_beef_0fc0_1046L, 0x8000_1004L, Commands.sync(CMDQ_SYNC_0_CS_IRQ, 0x8000_1007L,
                0xdead_beef, Registers.ARM_SMMU_SH_ISH, Registers.ARM_SMMU_MEMATTR_OIWB));
        assertWords(0x2046L, 0, Commands.sync(CMDQ_SYNC_0_CS_SEV, 0, 0));
    }

    // ---- decoded back by field ---------------------------------------------------------

    @Test
    void fieldsDecodeBack() {
        long[] c = Commands.tlbiNhVa(0x1234, 0xabcd, 0x7fff_f000L, true, 4, 5, CMDQ_TLBI_1_TG_64K, 2);
        assertEquals(CMDQ_OP_TLBI_NH_VA, Commands.opcode(c[0]));
        assertEquals(0x1234L, Field.get(CMDQ_TLBI_0_VMID, c[0]));
        assertEquals(0xabcdL, Field.get(CMDQ_TLBI_0_ASID, c[0]));
        assertEquals(4L, Field.get(CMDQ_TLBI_0_NUM, c[0]));
        assertEquals(5L, Field.get(CMDQ_TLBI_0_SCALE, c[0]));
        assertEquals(0x7fff_f000L, c[1] & CMDQ_TLBI_1_VA_MASK);
        assertEquals(1L, Field.get(CMDQ_TLBI_1_LEAF, c[1]));
        assertEquals(CMDQ_TLBI_1_TG_64K, Field.get(CMDQ_TLBI_1_TG, c[1]));
        assertEquals(2L, Field.get(CMDQ_TLBI_1_TTL, c[1]));

        long[] a = Commands.atcInv(0x10, 0xf_ffff, 0xffff_ffff_ffff_f000L, 63, true);
        assertEquals(0x10L, Field.get(CMDQ_ATC_0_SID, a[0]));
        assertEquals(0xf_ffffL, Field.get(CMDQ_ATC_0_SSID, a[0]));
        assertEquals(1L, Field.get(CMDQ_0_SSV, a[0]));
        assertEquals(1L, Field.get(CMDQ_ATC_0_GLOBAL, a[0]));
        assertEquals(63L, Field.get(CMDQ_ATC_1_SIZE, a[1]));
        assertEquals(0xffff_ffff_ffff_f000L, a[1] & CMDQ_ATC_1_ADDR_MASK);

        long[] p = Commands.priResp(0x20, 0x7, 0x100, PRI_RESP_FAIL);
        assertEquals(0x20L, Field.get(CMDQ_PRI_0_SID, p[0]));
        assertEquals(0x7L, Field.get(CMDQ_PRI_0_SSID, p[0]));
        assertEquals(0x100L, Field.get(CMDQ_PRI_1_GRPID, p[1]));
        assertEquals(PRI_RESP_FAIL, Field.get(CMDQ_PRI_1_RESP, p[1]));

        long[] r = Commands.resume(0x30, 0xffff, CMDQ_RESUME_0_RESP_TERM);
        assertEquals(0x30L, Field.get(CMDQ_RESUME_0_SID, r[0]));
        assertEquals(0xffffL, Field.get(CMDQ_RESUME_1_STAG, r[1]));
        assertEquals(0L, r[0] & (CMDQ_RESUME_0_AC | CMDQ_RESUME_0_AB));

        long[] s = Commands.sync(CMDQ_SYNC_0_CS_IRQ, 0xf_ffff_ffff_fffcL, 0x8000_0000, 2, 1);
        assertEquals(CMDQ_SYNC_0_CS_IRQ, Field.get(CMDQ_SYNC_0_CS, s[0]));
        assertEquals(2L, Field.get(CMDQ_SYNC_0_MSH, s[0]));
        assertEquals(1L, Field.get(CMDQ_SYNC_0_MSIATTR, s[0]));
        assertEquals(0x8000_0000L, Field.get(CMDQ_SYNC_0_MSIDATA, s[0]));
        assertEquals(0xf_ffff_ffff_fffcL, s[1] & CMDQ_SYNC_1_MSIADDR_MASK);
    }

    @Test
    void eachCallReturnsAFreshArray() {
        assertNotSame(Commands.cfgiAll(), Commands.cfgiAll());
    }

    @Test
    void argumentsThatDoNotFitTheirFieldAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Commands.tlbiNhAsid(0, 0x1_0000));
        assertThrows(IllegalArgumentException.class, () -> Commands.tlbiNhAll(-1));
        assertThrows(IllegalArgumentException.class, () -> Commands.cfgiCd(1, 1 << 20, true));
        assertThrows(IllegalArgumentException.class, () -> Commands.atcInv(1, -2, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> Commands.atcInv(1, 0, 0, 64, false));
        assertThrows(IllegalArgumentException.class, () -> Commands.priResp(1, 0, 512, PRI_RESP_SUCC));
        assertThrows(IllegalArgumentException.class, () -> Commands.priResp(1, 0, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Commands.tlbiNhVa(0, 0, 0, true, 32, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Commands.tlbiS2Ipa(0, 0, true, 0, 0, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> Commands.cfgiSteRange(0, 32));
        assertThrows(IllegalArgumentException.class, () -> Commands.resume(0, 0x1_0000, CMDQ_RESUME_0_RESP_RETRY));
        assertThrows(IllegalArgumentException.class, () -> Commands.sync(4, 0, 0));
    }

    @Test
    void illegalButWellFormedValuesCanBeBuilt() {
        long[] c = Commands.priResp(1, NO_SSID, 0, 3);
        assertEquals(3L, Field.get(CMDQ_PRI_1_RESP, c[1]));
    }

    // ---- describe ----------------------------------------------------------------------

    @Test
    void describeNamesTheCommandAndItsFields() {
        assertEquals("CMD_PREFETCH_CONFIG sid=0x8 ssid=0x5", describe(Commands.prefetchConfig(8, 5)));
        assertEquals("CMD_CFGI_STE sid=0x10 leaf=1", describe(Commands.cfgiSte(0x10, true)));
        assertEquals("CMD_CFGI_STE_RANGE (CMD_CFGI_ALL) sid=0x0 range=31", describe(Commands.cfgiAll()));
        assertEquals("CMD_CFGI_CD sid=0x10 ssid=0x1 leaf=0", describe(Commands.cfgiCd(0x10, 1, false)));
        assertEquals("CMD_CFGI_CD_ALL sid=0x10", describe(Commands.cfgiCdAll(0x10)));
        assertEquals("CMD_TLBI_NH_ASID vmid=0x1 asid=0x2", describe(Commands.tlbiNhAsid(1, 2)));
        assertEquals("CMD_TLBI_NH_VA vmid=0x1 asid=0x2 addr=0x400000 leaf=1",
                describe(Commands.tlbiNhVa(1, 2, 0x40_0000L, true)));
        assertEquals("CMD_TLBI_NH_VA vmid=0x1 asid=0x2 addr=0x400000 leaf=0 num=31 scale=3 tg=1 ttl=3",
                describe(Commands.tlbiNhVa(1, 2, 0x40_0000L, false, 31, 3, CMDQ_TLBI_1_TG_4K, 3)));
        assertEquals("CMD_TLBI_S2_IPA vmid=0x9 addr=0x123000 leaf=1", describe(Commands.tlbiS2Ipa(9, 0x12_3000L, true)));
        assertEquals("CMD_TLBI_S12_VMALL vmid=0x9", describe(Commands.tlbiS12Vmall(9)));
        assertEquals("CMD_TLBI_NSNH_ALL", describe(Commands.tlbiNsnhAll()));
        assertEquals("CMD_ATC_INV sid=0x8 ssid=0x3 global=0 addr=0x1000 size=0",
                describe(Commands.atcInv(8, 3, 0x1000L, 0, false)));
        assertEquals("CMD_PRI_RESP sid=0x8 grpid=0x5 resp=FAIL", describe(Commands.priResp(8, NO_SSID, 5, PRI_RESP_FAIL)));
        assertEquals("CMD_RESUME sid=0x8 stag=0x12 action=ABORT",
                describe(Commands.resume(8, 0x12, CMDQ_RESUME_0_RESP_ABORT)));
        assertEquals("CMD_STALL_TERM sid=0x8", describe(Commands.stallTerm(8)));
        assertEquals("CMD_SYNC cs=IRQ msh=0 msiattr=0x0 msidata=0x7 msiaddr=0x1000",
                describe(Commands.sync(CMDQ_SYNC_0_CS_IRQ, 0x1000L, 7)));
        assertEquals("CMD_RESERVED op=0xb w0=0xb w1=0x0", Commands.describe(0x0bL, 0));
    }

    @Test
    void everyBuilderCarriesItsOpcode() {
        long[][] all = {
            Commands.prefetchConfig(1), Commands.prefetchAddr(1, NO_SSID, 0, 0), Commands.cfgiSte(1, true),
            Commands.cfgiSteRange(1, 0), Commands.cfgiCd(1, 0, true), Commands.cfgiCdAll(1),
            Commands.tlbiNhAll(1), Commands.tlbiNhAsid(1, 1), Commands.tlbiNhVa(1, 1, 0, true),
            Commands.tlbiNhVaa(1, 0, true), Commands.tlbiEl2All(), Commands.tlbiEl2Asid(1),
            Commands.tlbiEl2Va(1, 0, true), Commands.tlbiEl2Vaa(0, true), Commands.tlbiS12Vmall(1),
            Commands.tlbiS2Ipa(1, 0, true), Commands.tlbiNsnhAll(), Commands.atcInv(1, NO_SSID, 0, 0, false),
            Commands.priResp(1, NO_SSID, 0, 0), Commands.resume(1, 0, 0), Commands.stallTerm(1),
            Commands.sync(0, 0, 0),
        };
        int[] ops = {
            CMDQ_OP_PREFETCH_CFG, CMDQ_OP_PREFETCH_ADDR, CMDQ_OP_CFGI_STE, CMDQ_OP_CFGI_STE_RANGE, CMDQ_OP_CFGI_CD,
            CMDQ_OP_CFGI_CD_ALL, CMDQ_OP_TLBI_NH_ALL, CMDQ_OP_TLBI_NH_ASID, CMDQ_OP_TLBI_NH_VA, CMDQ_OP_TLBI_NH_VAA,
            CMDQ_OP_TLBI_EL2_ALL, CMDQ_OP_TLBI_EL2_ASID, CMDQ_OP_TLBI_EL2_VA, CMDQ_OP_TLBI_EL2_VAA,
            CMDQ_OP_TLBI_S12_VMALL, CMDQ_OP_TLBI_S2_IPA, CMDQ_OP_TLBI_NSNH_ALL, CMDQ_OP_ATC_INV, CMDQ_OP_PRI_RESP,
            CMDQ_OP_RESUME, CMDQ_OP_STALL_TERM, CMDQ_OP_CMD_SYNC,
        };
        for (int i = 0; i < ops.length; i++) {
            assertEquals(ops[i], Commands.opcode(all[i][0]), Cmd.name(ops[i]));
            assertEquals(Cmd.name(ops[i]), describe(all[i]).split(" ")[0]);
        }
    }

    private static String describe(long[] cmd) {
        return Commands.describe(cmd[0], cmd[1]);
    }
}

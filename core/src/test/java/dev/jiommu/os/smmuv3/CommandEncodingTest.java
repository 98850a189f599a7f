package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.Errno;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Registers;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The driver's command encodings against the spec's independent builders,
 * and the range and ATC size computations Linux makes.
 */
class CommandEncodingTest {

    private static long[] build(CmdqEnt e) {
        long[] out = new long[2];
        assertEquals(0, CommandBuilder.build(e, out), e::toString);
        return out;
    }

    @Test
    void everyCommandMatchesTheSpecBuilders() {
        assertArrayEquals(Commands.cfgiSte(0x1234, true), build(new CmdqEnt.CfgiSte(0x1234, true)));
        assertArrayEquals(Commands.cfgiSteRange(0x100, 7), build(new CmdqEnt.CfgiSteRange(0x100, 7)));
        assertArrayEquals(Commands.cfgiAll(), build(new CmdqEnt.CfgiAll()));
        assertArrayEquals(Commands.cfgiCd(8, 0xabcde, false), build(new CmdqEnt.CfgiCd(8, 0xabcde, false)));
        assertArrayEquals(Commands.cfgiCdAll(8), build(new CmdqEnt.CfgiCdAll(8)));
        assertArrayEquals(Commands.tlbiNhAsid(3, 0xbeef), build(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_NH_ASID, 0xbeef, 3)));
        assertArrayEquals(Commands.tlbiNhVa(2, 5, 0x7f_1234_5000L, true, 4, 3, CMDQ_TLBI_1_TG_4K, 3),
                build(new CmdqEnt.Tlbi(CMDQ_OP_TLBI_NH_VA, 5, 2, 0x7f_1234_5000L, true, 4, 3, 1, 3)));
        assertArrayEquals(Commands.tlbiEl2Va(5, 0x1000, false, 0, 1, CMDQ_TLBI_1_TG_64K, 0),
                build(new CmdqEnt.Tlbi(CMDQ_OP_TLBI_EL2_VA, 5, 0, 0x1000, false, 0, 1, 3, 0)));
        assertArrayEquals(Commands.tlbiEl2Asid(9), build(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_EL2_ASID, 9, 0)));
        assertArrayEquals(Commands.tlbiEl2All(), build(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_EL2_ALL, 0, 0)));
        assertArrayEquals(Commands.tlbiS12Vmall(77), build(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_S12_VMALL, 0, 77)));
        assertArrayEquals(Commands.tlbiS2Ipa(77, 0x8_0000_0000L, true, 0, 0, CMDQ_TLBI_1_TG_16K, 2),
                build(new CmdqEnt.Tlbi(CMDQ_OP_TLBI_S2_IPA, 0, 77, 0x8_0000_0000L, true, 0, 0, 2, 2)));
        assertArrayEquals(Commands.tlbiNsnhAll(), build(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_NSNH_ALL, 0, 0)));
        assertArrayEquals(Commands.atcInv(8, 5, 0x10000, 4, false), build(new CmdqEnt.AtcInv(8, 5, 0x10000, 4, false)));
        assertArrayEquals(Commands.atcInv(8, Commands.NO_SSID, 0, 52, true),
                build(new CmdqEnt.AtcInv(8, CmdqEnt.NO_SSID, 0, 52, true)));
        assertArrayEquals(Commands.priResp(8, 5, 0x1ff, PRI_RESP_SUCC),
                build(new CmdqEnt.PriResp(8, 5, 0x1ff, (int) PRI_RESP_SUCC)));
        assertArrayEquals(Commands.resume(8, 0xffff, CMDQ_RESUME_0_RESP_ABORT),
                build(new CmdqEnt.Resume(8, 0xffff, (int) CMDQ_RESUME_0_RESP_ABORT)));
        assertArrayEquals(Commands.stallTerm(8), build(new CmdqEnt.StallTerm(8)));
        assertArrayEquals(Commands.prefetchConfig(8), build(new CmdqEnt.PrefetchCfg(8)));
        assertArrayEquals(Commands.sync(CMDQ_SYNC_0_CS_IRQ, 0x4000_1230L, 0, Registers.ARM_SMMU_SH_ISH,
                Registers.ARM_SMMU_MEMATTR_OIWB), build(new CmdqEnt.Sync(0x4000_1230L)));
        assertArrayEquals(Commands.sync(CMDQ_SYNC_0_CS_SEV, 0, 0, Registers.ARM_SMMU_SH_ISH,
                Registers.ARM_SMMU_MEMATTR_OIWB), build(new CmdqEnt.Sync(0)));
    }

    @Test
    void whatLinuxRefusesOrWouldTruncateIsAnErrno() {
        long[] out = {7, 7};
        assertEquals(-Errno.ENOENT, CommandBuilder.build(CmdqEnt.Tlbi.of(CMDQ_OP_ATC_INV, 0, 0), out));
        assertEquals(-Errno.EINVAL, CommandBuilder.build(new CmdqEnt.PriResp(1, 1, 1, 3), out));
        assertEquals(-Errno.EINVAL, CommandBuilder.build(new CmdqEnt.PriResp(1, 1, 512, 0), out));
        assertEquals(-Errno.EINVAL, CommandBuilder.build(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_NH_ASID, 1 << 16, 0), out));
        assertEquals(-Errno.EINVAL, CommandBuilder.build(new CmdqEnt.Resume(1, 1 << 16, 1), out));
        assertArrayEquals(new long[] {7, 7}, out, "nothing written on an error");
    }

    @Test
    void atcInvalidationsCoverTheSmallestAlignedPowerOfTwoSpan() {
        CmdqEnt.AtcInv a = InvalidationCommands.atcInv(1, 2, 8L << 12, 4L << 12);
        assertEquals(8L << 12, a.addr(), "pages [8, 11]: already ideal");
        assertEquals(2, a.size());
        a = InvalidationCommands.atcInv(1, 2, 7L << 12, 4L << 12);
        assertEquals(0, a.addr(), "pages [7, 10] need [0, 15]");
        assertEquals(4, a.size());
        a = InvalidationCommands.atcInv(1, 2, 0x5123, 1);
        assertEquals(0x5000, a.addr());
        assertEquals(0, a.size(), "one page");
        assertEquals(ATC_INV_SIZE_ALL, InvalidationCommands.atcInv(1, CmdqEnt.NO_SSID, 0x5000, 0).size());
    }

    private static final CmdqEnt.Tlbi LEAF = new CmdqEnt.Tlbi(CMDQ_OP_TLBI_NH_VA, 1, 0, 0, true, 0, 0, 0, 0);
    private static final CmdqEnt.Tlbi TABLE = new CmdqEnt.Tlbi(CMDQ_OP_TLBI_NH_VA, 1, 0, 0, false, 0, 0, 0, 0);

    @Test
    void withoutRangeInvalidationOneCommandPerGranule() {
        List<CmdqEnt.Tlbi> c = InvalidationCommands.tlbiRange(LEAF, 0x10000, 3 * 4096, 4096, false, 12);
        assertEquals(3, c.size());
        assertEquals(0x12000, c.get(2).addr());
        assertEquals(0, c.get(0).tg(), "no hints without RIL");
        assertTrue(InvalidationCommands.tlbiRange(LEAF, 0, 0, 4096, true, 12).isEmpty());
    }

    @Test
    void withRangeInvalidationFiveBitsOfPagesPerCommandWithLevelHints() {
        List<CmdqEnt.Tlbi> c = InvalidationCommands.tlbiRange(LEAF, 0x100000, 33 * 4096, 4096, true, 12);
        assertEquals(2, c.size());
        assertEquals(new CmdqEnt.Tlbi(CMDQ_OP_TLBI_NH_VA, 1, 0, 0x100000, true, 0, 0, 1, 3), c.get(0));
        assertEquals(new CmdqEnt.Tlbi(CMDQ_OP_TLBI_NH_VA, 1, 0, 0x101000, true, 0, 5, 1, 3), c.get(1),
                "32 pages: NUM 0, SCALE 5");
        List<CmdqEnt.Tlbi> block = InvalidationCommands.tlbiRange(LEAF, 0, 4L << 21, 1L << 21, true, 12);
        assertEquals(1, block.size());
        assertEquals(2, block.get(0).ttl(), "2 MiB leaves are level 2");
        assertEquals(11, block.get(0).scale(), "2048 pages: one command, SCALE 11");
        assertEquals(0, block.get(0).num());
        List<CmdqEnt.Tlbi> one = InvalidationCommands.tlbiRange(TABLE, 0x4000, 4096, 4096, true, 12);
        assertEquals(1, one.size());
        assertEquals(0, one.get(0).ttl());
        assertEquals(1, one.get(0).scale(), "a one-page non-leaf range covers two pages, never NUM=SCALE=TTL=0");
        assertEquals(0, one.get(0).num());
        List<CmdqEnt.Tlbi> g64 = InvalidationCommands.tlbiRange(LEAF, 0, 1L << 16, 1L << 16, true, 16);
        assertEquals(3, g64.get(0).tg());
        assertEquals(3, g64.get(0).ttl());
    }

    @Test
    void invalidationHelpersIssueTheirCommandsAndASync() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        long[] before = rig.model().stats().commandsByOpcode.clone();
        long syncs = rig.smmu.stats().syncs;
        assertEquals(0, rig.smmu.tlbiAsid(4));
        assertEquals(0, rig.smmu.tlbiVa(4, 0x10_0000, 33 * 4096, 4096, true));
        assertEquals(0, rig.smmu.tlbiS2(6));
        assertEquals(0, rig.smmu.tlbiS2Ipa(6, 0x8000_0000L, 4096, 4096, true, 12));
        assertEquals(0, rig.smmu.atcInv(8, 1, 0x7000, 0x2000));
        assertEquals(0, rig.smmu.atcInvAll(8, ArmSmmuV3.NO_SSID));
        assertEquals(0, rig.smmu.syncCd(8, 1, true));
        assertEquals(0, rig.smmu.syncSte(8));
        assertEquals(0, rig.smmu.tlbiAll());
        assertEquals(-Errno.EINVAL, rig.smmu.tlbiVa(4, 0, 4096, 4096, true, 13));
        long[] after = rig.model().stats().commandsByOpcode;
        assertEquals(1, after[CMDQ_OP_TLBI_NH_ASID] - before[CMDQ_OP_TLBI_NH_ASID]);
        assertEquals(2, after[CMDQ_OP_TLBI_NH_VA] - before[CMDQ_OP_TLBI_NH_VA]);
        assertEquals(1, after[CMDQ_OP_TLBI_S12_VMALL] - before[CMDQ_OP_TLBI_S12_VMALL]);
        assertEquals(1, after[CMDQ_OP_TLBI_S2_IPA] - before[CMDQ_OP_TLBI_S2_IPA]);
        assertEquals(2, after[CMDQ_OP_ATC_INV] - before[CMDQ_OP_ATC_INV]);
        assertEquals(1, after[CMDQ_OP_CFGI_CD] - before[CMDQ_OP_CFGI_CD]);
        assertEquals(1, after[CMDQ_OP_CFGI_STE] - before[CMDQ_OP_CFGI_STE]);
        assertEquals(1, after[CMDQ_OP_TLBI_EL2_ALL] - before[CMDQ_OP_TLBI_EL2_ALL]);
        assertEquals(1, after[CMDQ_OP_TLBI_NSNH_ALL] - before[CMDQ_OP_TLBI_NSNH_ALL]);
        assertEquals(syncs + 10, rig.smmu.stats().syncs, "one sync per helper call");
        assertEquals(0, rig.smmu.stats().cmdqErrorsTotal());
    }

    @Test
    void aVheKernelInvalidatesAsidsWithEl2Commands() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(), ArmSmmuV3.Options.defaults().withVhe(true));
        long[] before = rig.model().stats().commandsByOpcode.clone();
        assertEquals(0, rig.smmu.tlbiAsid(4));
        assertEquals(0, rig.smmu.tlbiVa(4, 0, 4096, 4096, true));
        long[] after = rig.model().stats().commandsByOpcode;
        assertEquals(1, after[CMDQ_OP_TLBI_EL2_ASID] - before[CMDQ_OP_TLBI_EL2_ASID]);
        assertEquals(1, after[CMDQ_OP_TLBI_EL2_VA] - before[CMDQ_OP_TLBI_EL2_VA]);
    }

    @Test
    void withoutAtsNoAtcInvalidationIsIssued() {
        DriverRig rig = new DriverRig(SmmuConfig.qemuVirt());
        long before = rig.model().stats().commands;
        assertEquals(0, rig.smmu.atcInv(8, 1, 0, 4096));
        assertEquals(before, rig.model().stats().commands);
    }
}

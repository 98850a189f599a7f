package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.Errno;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.spec.smmuv3.Cmd;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Stream table and CD table layout as Linux lays them out: L2 stream tables
 * and CD leaves allocated on first use with their L1 descriptors, initial
 * abort STEs, ranges, release; and entry stores that the SMMU honours.
 */
class TablesTest {

    @Test
    void aTwoLevelStreamTableAllocatesAnL2TableTheFirstTimeAStreamIdIsUsed() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        int sid = 0x1234;
        assertFalse(rig.smmu.hasL2StreamTable(sid));
        long l1 = rig.smmu.strtabAddress() + 8L * (sid >>> 8);
        assertEquals(0, rig.memory.read64(l1), "no L1 descriptor yet");
        long inUse = rig.frames.bytesInUse();

        long ste = rig.smmu.steAddress(sid);
        assertTrue(ste > 0);
        assertTrue(rig.smmu.hasL2StreamTable(sid));
        assertEquals(256 * 64, rig.frames.bytesInUse() - inUse, "one 256-STE L2 table");
        long desc = rig.memory.read64(l1);
        assertEquals(STRTAB_SPLIT + 1, get(STRTAB_L1_DESC_SPAN, desc));
        long l2 = desc & STRTAB_L1_DESC_L2PTR_MASK;
        assertEquals(l2 + 0x34 * 64, ste);
        assertEquals(STRTAB_STE_0_V | STRTAB_STE_0_CFG_ABORT, rig.memory.read64(ste), "an abort STE");
        assertEquals(STRTAB_STE_0_V, rig.memory.read64(l2 + 255 * 64), "every STE of the L2 table");

        assertEquals(ste + 64, rig.smmu.steAddress(sid + 1), "the same L2 table");
        assertEquals(256 * 64, rig.frames.bytesInUse() - inUse);
        assertEquals(-Errno.ERANGE, rig.smmu.steAddress(1 << 16), "beyond SIDSIZE");
        assertNull(rig.smmu.steStore(1 << 16));
    }

    @Test
    void aTwoLevelTableCoversAtMostStrtabMaxL1EntriesOfStreamIds() {
        SmmuConfig c = SmmuConfig.full();
        SmmuConfig wide = new SmmuConfig(true, true, true, true, 32, 20, true, true, 0, 2, true, true, true, true,
                true, true, true, true, true, 48, 8, 8, 8, 64, 64, c.replacement());
        DriverRig rig = new DriverRig(wide);
        assertTrue(rig.probe.ok());
        assertTrue(rig.probe.log().contains(DriverLog.Level.WARN, "2-level strtab only covers 25/32 bits of SID"));
        assertEquals(25, get(dev.jiommu.spec.smmuv3.Registers.STRTAB_BASE_CFG_LOG2SIZE,
                rig.reg32(dev.jiommu.spec.smmuv3.Registers.ARM_SMMU_STRTAB_BASE_CFG)));
        assertTrue(rig.smmu.steAddress((1 << 25) - 1) > 0);
        assertEquals(-Errno.ERANGE, rig.smmu.steAddress(1 << 25));
    }

    @Test
    void aStreamWithAnInstalledSteTranslatesThroughAnOnDemandL2Table() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        int sid = 0x0500;
        IoPageTable t = rig.newTables();
        long pa = rig.map(t, 0x4000_0000L, 1);
        rig.memory.write64(pa + 8, 0x5a5a_5a5a_1234_5678L);
        CdTable table = rig.smmu.allocCdTable(0, sid);
        DriverRig.install(rig.smmu.cdStore(table, 0), DriverRig.cd(t, 1, false));
        DriverRig.install(rig.smmu.steStore(sid), DriverRig.s1Ste(table, STRTAB_STE_1_EATS_ABT));
        byte[] buf = new byte[8];
        assertEquals(DmaTarget.OK, rig.machine.iommu().orElseThrow().dma()
                .read(sid, DmaTarget.NO_SUBSTREAM, 0x4000_0008L, 0, buf, 0, 8));
        assertEquals(0x78, buf[0] & 0xff);
        assertEquals(0x5a, buf[7] & 0xff);
        assertEquals(0, rig.smmu.stats().cmdqErrorsTotal());
    }

    @Test
    void anSteRewrittenAndSyncedIsSeenByTheSmmuAtOnce() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        int sid = 0x11;
        DriverEntryStore store = rig.smmu.steStore(sid);
        DmaTarget dma = rig.machine.iommu().orElseThrow().dma();
        List<SmmuEvent> events = new ArrayList<>();
        rig.smmu.onEvent(events::add);
        long bypass = STRTAB_STE_0_V | dev.jiommu.spec.smmuv3.Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
        DriverRig.install(store, new long[] {bypass, 0, 0, 0, 0, 0, 0, 0});
        assertEquals(DmaTarget.OK, dma.read(sid, DmaTarget.NO_SUBSTREAM, dev.jiommu.hw.platform.VirtMachine.RAM_BASE,
                0, new byte[8], 0, 8), "cached as bypass");
        DriverRig.install(store, new long[8]);
        assertEquals(DmaTarget.ABORTED, dma.read(sid, DmaTarget.NO_SUBSTREAM,
                dev.jiommu.hw.platform.VirtMachine.RAM_BASE, 0, new byte[8], 0, 8), "the sync dropped the cached STE");
        rig.run();
        assertEquals(1, events.size());
        assertEquals(2, store.syncs());
        assertEquals(0, store.read(0), "the store reads what was written");
    }

    @Test
    void smallPasidSpacesGetALinearCdTable() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        CdTable t = rig.smmu.allocCdTable(10, 8);
        assertFalse(t.twoLevel());
        assertEquals(STRTAB_STE_0_S1FMT_LINEAR, t.s1fmt());
        assertEquals(10, t.s1cdmax());
        assertEquals(t.cdtabDma() + 1023 * 64, t.cdAddress(1023));
        assertEquals(-Errno.ERANGE, t.cdAddress(1024));
        assertEquals(-Errno.ERANGE, t.cdAddress(-1));
    }

    @Test
    void largePasidSpacesGetATwoLevelCdTableWithLeavesOnDemand() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        CdTable t = rig.smmu.allocCdTable(20, 8, 9);
        assertTrue(t.twoLevel());
        assertEquals(STRTAB_STE_0_S1FMT_64K_L2, t.s1fmt());
        assertEquals(20, t.s1cdmax());
        assertEquals(-Errno.ENOENT, t.existingCdAddress(5000));
        long syncs = rig.smmu.stats().syncs;
        long commands = rig.model().stats().commandsByOpcode[Cmd.CMDQ_OP_CFGI_CD];

        long cd = t.cdAddress(5000);
        assertTrue(cd > 0);
        assertEquals(1, t.leaves());
        long desc = rig.memory.read64(t.cdtabDma() + 8L * (5000 >>> CTXDESC_SPLIT));
        assertTrue((desc & CTXDESC_L1_DESC_V) != 0);
        assertEquals((desc & CTXDESC_L1_DESC_L2PTR_MASK) + (5000 & 1023) * 64L, cd);
        assertEquals(syncs + 1, rig.smmu.stats().syncs, "the new L1 descriptor was invalidated");
        assertEquals(commands + 2, rig.model().stats().commandsByOpcode[Cmd.CMDQ_OP_CFGI_CD],
                "CFGI_CD for each StreamID of the master");
        assertEquals(cd, t.existingCdAddress(5000));
        assertEquals(cd + 64, t.cdAddress(5001), "same leaf, nothing new");
        assertEquals(1, t.leaves());

        long inUse = rig.frames.bytesInUse();
        t.free();
        assertEquals(inUse - 65536 - 8192, rig.frames.bytesInUse(), "the leaf and the 1024-entry L1 table given back");
        assertEquals(-Errno.ENODEV, t.cdAddress(1));
    }

    @Test
    void withoutTwoLevelCdTablesThePasidSpaceIsCappedAtCtxdescLinearCdmax() {
        SmmuConfig c = SmmuConfig.full();
        SmmuConfig noCd2l = new SmmuConfig(true, true, true, false, 16, 20, true, true, 0, 2, true, true, true,
                true, true, true, true, true, true, 48, 8, 8, 8, 64, 64, c.replacement());
        DriverRig rig = new DriverRig(noCd2l);
        CdTable t = rig.smmu.allocCdTable(20, 1);
        assertFalse(t.twoLevel());
        assertEquals(CTXDESC_LINEAR_CDMAX, t.s1cdmax());
        assertNull(rig.smmu.allocCdTable(4), "a master without StreamIDs");
    }
}

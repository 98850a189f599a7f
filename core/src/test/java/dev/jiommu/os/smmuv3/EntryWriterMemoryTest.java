package dev.jiommu.os.smmuv3;

import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.CdView;
import dev.jiommu.spec.smmuv3.SteView;
import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer against physical memory, read back through the spec's flyweight
 * views ({@link SteView}, {@link CdView}), which decode fields independently of
 * {@link SteMake} and {@link CdMake}: what the made entries mean, decoded the
 * way the SMMU model reads them, is what they were made from, and the writer
 * touches nothing outside the entry.
 */
class EntryWriterMemoryTest {

    private static final long RAM = 0x8000_0000L;
    /** A small linear stream table of three STEs; the middle one is written. */
    private static final long STRTAB = RAM + 0x1_0000L;
    private static final long STE = STRTAB + SteView.SIZE;
    private static final long CD = RAM + 0x2_0000L;
    private static final long SENTINEL = 0x5A5A_5A5A_5A5A_5A5AL;

    private final PhysicalMemory memory = PhysicalMemory.ram(RAM, 1 << 20);

    /** An entry in memory; a sync only counts, as nothing here caches. */
    private static final class MemoryEntry implements EntryStore {
        private final PhysicalMemory memory;
        private final long pa;
        int syncs;

        MemoryEntry(PhysicalMemory memory, long pa) {
            this.memory = memory;
            this.pa = pa;
        }

        @Override
        public long read(int qword) {
            return memory.read64(pa + 8L * qword);
        }

        @Override
        public void write(int qword, long value) {
            memory.write64(pa + 8L * qword, value);
        }

        @Override
        public void sync() {
            syncs++;
        }
    }

    private void fillNeighbours() {
        for (int i = 0; i < 8; i++) {
            memory.write64(STRTAB + 8L * i, SENTINEL);
            memory.write64(STE + SteView.SIZE + 8L * i, ~SENTINEL);
        }
    }

    private void assertNeighboursIntact() {
        for (int i = 0; i < 8; i++) {
            assertEquals(SENTINEL, memory.read64(STRTAB + 8L * i));
            assertEquals(~SENTINEL, memory.read64(STE + SteView.SIZE + 8L * i));
        }
    }

    @Test
    void stage2SteDecodesToItsTableFormat() {
        fillNeighbours();
        MemoryEntry entry = new MemoryEntry(memory, STE);
        TableFormat format = TableFormat.stage2(Granule.G16K, 36, 40);
        SteMake.Stage2 s2 = new SteMake.Stage2(42, format, 0x1_2340_0000L, true, true);
        assertEquals(2, EntryWriter.writeSte(entry, SteMake.bypass(SteMake.Features.KUNIT)));
        int syncs = EntryWriter.writeSte(entry, SteMake.s2Domain(SteMake.Features.KUNIT,
                new SteMake.Master(false, true), s2));
        assertEquals(2, syncs);

        SteView v = SteView.wrap(memory, STE);
        assertTrue(v.valid());
        assertEquals(STRTAB_STE_0_CFG_S2_TRANS, v.config());
        assertEquals(42, v.s2Vmid());
        int startLevel = TableFormat.startLevelOfSl0(Granule.G16K, v.s2sl0());
        Granule granule = v.s2tg() == 2 ? Granule.G16K : v.s2tg() == 1 ? Granule.G64K : Granule.G4K;
        assertEquals(format, new TableFormat(Stage.STAGE2, granule, 64 - v.s2t0sz(),
                TableFormat.outputBitsOf(v.s2ps()), startLevel));
        assertEquals(0x1_2340_0000L, v.s2ttb());
        assertTrue(v.s2aa64() && v.s2ptw() && v.s2r() && v.s2s() && v.s2Fwb());
        assertFalse(v.s2endi());
        assertEquals(3, v.s2sh0(), "inner shareable walks");
        assertEquals(1, v.s2ir0());
        assertEquals(1, v.s2or0());
        assertEquals(STRTAB_STE_1_EATS_ABT, v.eats());
        assertEquals(STRTAB_STE_1_SHCFG_INCOMING, v.shcfg());
        assertNeighboursIntact();
        assertEquals(4, entry.syncs);
    }

    @Test
    void cdTableAndNestedStesDecode() {
        fillNeighbours();
        MemoryEntry entry = new MemoryEntry(memory, STE);
        SteMake.CdTable table = new SteMake.CdTable(0x4_0000_1000L, STRTAB_STE_0_S1FMT_64K_L2, 16);
        EntryWriter.writeSte(entry, SteMake.cdTable(SteMake.Features.KUNIT, new SteMake.Master(true, false), table,
                STRTAB_STE_1_S1DSS_BYPASS));
        SteView v = SteView.wrap(memory, STE);
        assertEquals(STRTAB_STE_0_CFG_S1_TRANS, v.config());
        assertEquals(table.pa(), v.s1ContextPtr());
        assertEquals(16, v.s1CdMax());
        assertEquals(STRTAB_STE_0_S1FMT_64K_L2, v.s1Fmt());
        assertEquals(STRTAB_STE_1_S1DSS_BYPASS, v.s1Dss());
        assertEquals(STRTAB_STE_1_S1C_CACHE_WBRA, v.s1Cir());
        assertEquals(STRTAB_STE_1_S1C_CACHE_WBRA, v.s1Cor());
        assertEquals(STRTAB_STE_1_S1C_SH_ISH, v.s1Csh());
        assertTrue(v.s1StallDisable());
        assertEquals(STRTAB_STE_1_EATS_TRANS, v.eats());
        assertEquals(STRTAB_STE_1_STRW_NSEL1, v.strw());
        assertEquals(STRTAB_STE_1_SHCFG_INCOMING, v.shcfg());
        assertEquals(0, v.s2Vmid());

        EntryWriter.writeSte(entry, SteMake.nested(SteMake.Features.KUNIT, new SteMake.Master(true, false),
                new SteMake.Stage2(9, TableFormat.stage2(Granule.G4K, 40, 40), 0x2000_0000L, true, false), table,
                STRTAB_STE_1_S1DSS_SSID0));
        assertEquals(STRTAB_STE_0_CFG_NESTED, v.config());
        assertEquals(table.pa(), v.s1ContextPtr());
        assertEquals(STRTAB_STE_1_S1DSS_SSID0, v.s1Dss());
        assertTrue(v.mev());
        assertEquals(9, v.s2Vmid());
        assertEquals(0x2000_0000L, v.s2ttb());
        assertNeighboursIntact();
    }

    @Test
    void cdsDecodeToTheirFormatAndSurviveRelease() {
        MemoryEntry entry = new MemoryEntry(memory, CD);
        TableFormat format = TableFormat.stage1(Granule.G64K, 48, 44);
        long pgd = 0x3_0001_0000L;
        long mair = 0x0000_0000_0044_FF04L;
        CdMake.Options options = CdMake.Options.DEFAULT.withHttu(true, true);
        assertEquals(2, EntryWriter.writeCd(entry, CdMake.sva(0x1234, format, pgd, mair, options)));

        CdView v = CdView.wrap(memory, CD);
        assertTrue(v.valid() && v.aa64() && v.epd1() && v.r() && v.a() && v.aset() && v.ha() && v.hd());
        assertFalse(v.epd0() || v.s());
        assertEquals(0x1234, v.asid());
        assertEquals(64 - 48, v.t0sz());
        assertEquals(1, v.tg0(), "TG0 encodes 64K as 0b01");
        assertEquals(TableFormat.ipsEncoding(44), v.ips());
        assertEquals(pgd, v.ttb0());
        assertEquals(mair, v.mair());
        assertEquals(3, v.sh0());

        // The process exits: the CD stays valid but every access faults, without a breaking update.
        assertEquals(2, EntryWriter.writeCd(entry, CdMake.svaReleased(0x1234, format, mair, options)));
        assertTrue(v.valid() && v.epd0());
        assertFalse(v.r() || v.s());
        assertEquals(0, v.ttb0());
        assertEquals(0x1234, v.asid());

        assertEquals(2, EntryWriter.writeCd(entry, CdMake.clear()));
        assertFalse(v.valid());
        for (int i = 0; i < 8; i++) {
            assertEquals(0, memory.read64(CD + 8L * i));
        }
    }
}

package dev.jiommu.pgtable;

import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden values pinned to the Arm ARM (D8.3 descriptor formats, D8.2 levels)
 * and Linux's drivers/iommu/io-pgtable-arm.c. Every expected value is a
 * literal, never derived from the constants under test.
 */
class DescriptorGoldenTest {

    private static final long RAM = 0x8000_0000L;
    private static final long SZ_4K = 1L << 12;
    private static final long SZ_16K = 1L << 14;
    private static final long SZ_64K = 1L << 16;
    private static final long SZ_2M = 1L << 21;
    private static final long SZ_32M = 1L << 25;
    private static final long SZ_512M = 1L << 29;
    private static final long SZ_1G = 1L << 30;
    private static final long BITMAP_4K = SZ_4K | SZ_2M | SZ_1G;
    private static final long BITMAP_16K = SZ_16K | SZ_32M;
    private static final long BITMAP_64K = SZ_64K | SZ_512M;

    // ---- constants ------------------------------------------------------------------------

    @Test
    void descriptorConstantsHaveTheArchitecturalBitPositions() {
        assertEquals(0x1L, Descriptor.ARM_LPAE_PTE_VALID);
        assertEquals(0x3L, Descriptor.ARM_LPAE_PTE_TYPE_MASK);
        assertEquals(0x1L, Descriptor.ARM_LPAE_PTE_TYPE_BLOCK);
        assertEquals(0x3L, Descriptor.ARM_LPAE_PTE_TYPE_TABLE);
        assertEquals(0x3L, Descriptor.ARM_LPAE_PTE_TYPE_PAGE);
        assertEquals(0x8000_0000_0000_0000L, Descriptor.ARM_LPAE_PTE_NSTABLE);
        assertEquals(0x4000_0000_0000_0000L, Descriptor.APTABLE_RDONLY);
        assertEquals(0x2000_0000_0000_0000L, Descriptor.APTABLE_NO_EL0);
        assertEquals(0x1000_0000_0000_0000L, Descriptor.UXNTABLE);
        assertEquals(0x0800_0000_0000_0000L, Descriptor.PXNTABLE);
        assertEquals(0x0060_0000_0000_0000L, Descriptor.ARM_LPAE_PTE_XN);
        assertEquals(0x0040_0000_0000_0000L, Descriptor.UXN);
        assertEquals(0x0020_0000_0000_0000L, Descriptor.PXN);
        assertEquals(0x0008_0000_0000_0000L, Descriptor.ARM_LPAE_PTE_DBM);
        assertEquals(0x0080_0000_0000_0000L, Descriptor.ARM_LPAE_PTE_SW_SYNC);
        assertEquals(0x800L, Descriptor.ARM_LPAE_PTE_nG);
        assertEquals(0x400L, Descriptor.ARM_LPAE_PTE_AF);
        assertEquals(0x0L, Descriptor.ARM_LPAE_PTE_SH_NS);
        assertEquals(0x200L, Descriptor.ARM_LPAE_PTE_SH_OS);
        assertEquals(0x300L, Descriptor.ARM_LPAE_PTE_SH_IS);
        assertEquals(8, Descriptor.SH_SHIFT);
        assertEquals(0x20L, Descriptor.ARM_LPAE_PTE_NS);
        assertEquals(0x40L, Descriptor.ARM_LPAE_PTE_AP_UNPRIV);
        assertEquals(7, Descriptor.ARM_LPAE_PTE_AP_RDONLY_BIT);
        assertEquals(0x80L, Descriptor.ARM_LPAE_PTE_AP_RDONLY);
        assertEquals(2, Descriptor.ARM_LPAE_PTE_ATTRINDX_SHIFT);
        assertEquals(0x1CL, Descriptor.ATTRINDX_MASK);
        assertEquals(0, Descriptor.ARM_LPAE_MAIR_ATTR_IDX_NC);
        assertEquals(1, Descriptor.ARM_LPAE_MAIR_ATTR_IDX_CACHE);
        assertEquals(2, Descriptor.ARM_LPAE_MAIR_ATTR_IDX_DEV);
        assertEquals(0x0L, Descriptor.ARM_LPAE_PTE_HAP_FAULT);
        assertEquals(0x40L, Descriptor.ARM_LPAE_PTE_HAP_READ);
        assertEquals(0x80L, Descriptor.ARM_LPAE_PTE_HAP_WRITE);
        assertEquals(0x3CL, Descriptor.ARM_LPAE_PTE_MEMATTR_OIWB);
        assertEquals(0x14L, Descriptor.ARM_LPAE_PTE_MEMATTR_NC);
        assertEquals(0x4L, Descriptor.ARM_LPAE_PTE_MEMATTR_DEV);
        assertEquals(0x3CL, Descriptor.MEMATTR_MASK);
        assertEquals(0x0000_FFFF_FFFF_F000L, Descriptor.ADDR_MASK_48);
        assertEquals(0xF000L, Descriptor.ADDR_HI_MASK_52);
    }

    @Test
    void protValuesAreLinuxIommuFlags() {
        assertEquals(1, Prot.READ);
        assertEquals(2, Prot.WRITE);
        assertEquals(4, Prot.CACHE);
        assertEquals(8, Prot.NOEXEC);
        assertEquals(16, Prot.MMIO);
        assertEquals(32, Prot.PRIV);
        assertEquals(63, Prot.ALL);
    }

    @Test
    void quirkValuesAreLinuxIoPgtableQuirks() {
        assertEquals(1, IoPageTable.QUIRK_ARM_NS);   // IO_PGTABLE_QUIRK_ARM_NS BIT(0)
        assertEquals(0x80, IoPageTable.QUIRK_ARM_HD); // IO_PGTABLE_QUIRK_ARM_HD BIT(7)
    }

    @Test
    void addressFieldPacksPa51To48IntoBits15To12OnlyWithLpa() {
        assertEquals(0x0000_1234_5678_A000L, Descriptor.addressField(0x000A_1234_5678_0000L, true));
        assertEquals(0x0000_1234_5678_0000L, Descriptor.addressField(0x000A_1234_5678_0000L, false));
        assertEquals(0x000A_1234_5678_0000L, Descriptor.outputAddress(0x0000_1234_5678_A703L, 16, true));
        assertEquals(0x0000_1234_5678_0000L, Descriptor.outputAddress(0x0000_1234_5678_A703L, 16, false));
        assertEquals(0x0000_1234_4000_0000L, Descriptor.outputAddress(0x0000_1234_5678_9701L, 30, false));
    }

    // ---- descriptors IoPageTable writes -------------------------------------------------

    private record Built(IoPageTable ops, PhysicalMemory mem, WalkResult walk) {}

    private static Built build(Stage stage, long bitmap, int ias, int oas, int quirks) {
        PhysicalMemory mem = PhysicalMemory.ram(RAM, SZ_1G);
        FrameAllocator frames = new FrameAllocator(mem, RAM, SZ_1G);
        return new Built(IoPageTable.create(stage, bitmap, ias, oas, quirks, frames), mem, new WalkResult());
    }

    /** The leaf descriptor for {@code iova}, read by a walk (checking the level too). */
    private static long leaf(Built b, long iova, int expectLevel) {
        Walker w = new Walker(b.mem);
        assertTrue(w.walk(b.ops.format(), b.ops.root(), iova, Access.NONE, 0, b.walk), () -> b.walk.toString());
        assertEquals(expectLevel, b.walk.level(), "leaf level");
        assertEquals(b.walk.descriptor(), b.mem.read64(b.walk.descriptorAddress()), "walk reports the descriptor in memory");
        return b.walk.descriptor();
    }

    @Test
    void stage1FourKibPageDescriptor() {
        Built b = build(Stage.STAGE1, BITMAP_4K, 48, 48, 0);
        assertEquals(0, b.ops.map(0x1000, 0x4_0000_3000L, SZ_4K, Prot.READ | Prot.WRITE));
        // PA | nG | AF | SH=OS | AP[1]=EL0 | page
        assertEquals(0x0000_0004_0000_3E43L, leaf(b, 0x1000, 3));
    }

    @Test
    void stage1TwoMibBlockDescriptor() {
        Built b = build(Stage.STAGE1, BITMAP_4K, 48, 48, 0);
        assertEquals(0, b.ops.map(0x20_0000, 0x4_0060_0000L, SZ_2M, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_0004_0060_0E41L, leaf(b, 0x20_0000 + 0x1234, 2));
    }

    @Test
    void stage1OneGibBlockDescriptor() {
        Built b = build(Stage.STAGE1, BITMAP_4K, 48, 48, 0);
        assertEquals(0, b.ops.map(0x4000_0000L, 0x7_C000_0000L, SZ_1G, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_0007_C000_0E41L, leaf(b, 0x4000_0000L, 1));
    }

    @Test
    void tableDescriptorsAreTypeThreeWithTheNextTableAddress() {
        Built b = build(Stage.STAGE1, BITMAP_4K, 48, 48, 0);
        assertEquals(RAM, b.ops.root(), "first frame is the start table");
        assertEquals(0, b.ops.format().startLevel());
        assertEquals(0, b.ops.map(0x1000, 0x4_0000_3000L, SZ_4K, Prot.READ));
        // L0[0] -> L1 at RAM+0x1000, L1[0] -> L2 at RAM+0x2000, L2[0] -> L3 at RAM+0x3000
        assertEquals(0x8000_1003L, b.mem.read64(RAM));
        assertEquals(0x8000_2003L, b.mem.read64(RAM + 0x1000));
        assertEquals(0x8000_3003L, b.mem.read64(RAM + 0x2000));
        assertEquals(0x0000_0004_0000_3EC3L, b.mem.read64(RAM + 0x3000 + 8), "L3[1] holds the page");
        assertEquals(4, b.ops.tablePages());
    }

    @ParameterizedTest(name = "stage 1 prot {0} -> 0x{1}")
    @CsvSource({
            "READ,                0000000000000EC3",
            "WRITE,               0000000000000E43",
            "READ|WRITE,          0000000000000E43",
            "READ|WRITE|NOEXEC,   0060000000000E43",
            "READ|NOEXEC,         0060000000000EC3",
            "READ|WRITE|CACHE,    0000000000000F47",
            "READ|WRITE|MMIO,     0000000000000E4B",
            "READ|MMIO|CACHE,     0000000000000FCB",
            "READ|WRITE|PRIV,     0000000000000E03",
            "READ|PRIV,           0000000000000E83",
            "READ|WRITE|CACHE|NOEXEC|PRIV, 0060000000000F07",
    })
    void stage1ProtBits(String prot, String hex) {
        Built b = build(Stage.STAGE1, BITMAP_4K, 48, 48, 0);
        assertEquals(0, b.ops.map(0x5000, 0x9000, SZ_4K, parse(prot)));
        assertEquals(Long.parseUnsignedLong(hex, 16) | 0x9000, leaf(b, 0x5000, 3));
    }

    @ParameterizedTest(name = "stage 2 prot {0} -> 0x{1}")
    @CsvSource({
            "READ,                0000000000000657",
            "WRITE,               0000000000000697",
            "READ|WRITE,          00000000000006D7",
            "READ|WRITE|NOEXEC,   00600000000006D7",
            "READ|WRITE|CACHE,    00000000000007FF",
            "READ|WRITE|MMIO,     00000000000006C7",
            "READ|WRITE|PRIV,     00000000000006D7",
            "READ|CACHE|NOEXEC,   006000000000077F",
    })
    void stage2ProtBits(String prot, String hex) {
        Built b = build(Stage.STAGE2, BITMAP_4K, 40, 48, 0);
        assertEquals(0, b.ops.map(0x5000, 0x9000, SZ_4K, parse(prot)));
        assertEquals(Long.parseUnsignedLong(hex, 16) | 0x9000, leaf(b, 0x5000, 3));
    }

    @Test
    void stage2BlockDescriptors() {
        Built b = build(Stage.STAGE2, BITMAP_4K, 40, 48, 0);
        assertEquals(0, b.ops.map(SZ_1G, 3 * SZ_1G, SZ_1G, Prot.READ | Prot.WRITE | Prot.CACHE));
        assertEquals(0x0000_0000_C000_07FDL, leaf(b, SZ_1G + 5, 1));
        assertEquals(0, b.ops.map(SZ_2M, 5 * SZ_2M, SZ_2M, Prot.READ));
        assertEquals(0x0000_0000_00A0_0655L, leaf(b, SZ_2M, 2));
    }

    @Test
    void nsQuirkSetsNsInLeavesAndNstableInTables() {
        Built b = build(Stage.STAGE1, BITMAP_4K, 48, 48, IoPageTable.QUIRK_ARM_NS);
        assertEquals(0, b.ops.map(0x1000, 0x9000, SZ_4K, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_0000_0000_9E63L, leaf(b, 0x1000, 3));
        assertEquals(0x8000_0000_8000_1003L, b.mem.read64(RAM), "L0 table descriptor with NSTable");
        assertEquals(0x8000_0000_8000_2003L, b.mem.read64(RAM + 0x1000));
        assertEquals(0x8000_0000_8000_3003L, b.mem.read64(RAM + 0x2000));
    }

    @Test
    void hdQuirkSetsDbmOnWritableLeavesOnly() {
        Built b = build(Stage.STAGE1, BITMAP_4K, 48, 48, IoPageTable.QUIRK_ARM_HD);
        assertEquals(0, b.ops.map(0x1000, 0x9000, SZ_4K, Prot.READ | Prot.WRITE));
        assertEquals(0x0008_0000_0000_9E43L, leaf(b, 0x1000, 3));
        assertEquals(0, b.ops.map(0x2000, 0xA000, SZ_4K, Prot.READ));
        assertEquals(0x0000_0000_0000_AEC3L, leaf(b, 0x2000, 3), "read-only leaves carry no DBM");
        assertEquals(0, b.ops.map(SZ_2M, SZ_2M, SZ_2M, Prot.WRITE));
        assertEquals(0x0008_0000_0020_0E41L, leaf(b, SZ_2M, 2));
    }

    @Test
    void sixteenKibPageAndThirtyTwoMibBlock() {
        Built b = build(Stage.STAGE1, BITMAP_16K, 48, 48, 0);
        assertEquals(0, b.ops.map(0x4000, 0x1_2345_C000L, SZ_16K, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_0001_2345_CE43L, leaf(b, 0x4000 + 0x3FFF, 3));
        assertEquals(0, b.ops.map(SZ_32M, 0x1_2600_0000L, SZ_32M, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_0001_2600_0E41L, leaf(b, SZ_32M + 0x1FF_FFFF, 2));
    }

    @Test
    void sixtyFourKibPageAndFiveHundredTwelveMibBlock() {
        Built b = build(Stage.STAGE1, BITMAP_64K, 48, 48, 0);
        assertEquals(0, b.ops.map(0x1_0000, 0x12_3456_0000L, SZ_64K, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_0012_3456_0E43L, leaf(b, 0x1_FFFF, 3));
        assertEquals(0, b.ops.map(SZ_512M, 0x12_2000_0000L, SZ_512M, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_0012_2000_0E41L, leaf(b, SZ_512M + 0x1234_5678L, 2));
    }

    @Test
    void fiftyTwoBitOutputAddressWithSixtyFourKibPutsPa51To48InBits15To12() {
        Built b = build(Stage.STAGE1, BITMAP_64K, 48, 52, 0);
        assertTrue(b.ops.format().lpa());
        long pa = 0x000A_1234_5678_0000L;
        assertEquals(0, b.ops.map(0x3_0000, pa, SZ_64K, Prot.READ | Prot.WRITE));
        assertEquals(0x0000_1234_5678_AE43L, leaf(b, 0x3_0000, 3));
        assertEquals(pa + 0x42, b.walk.outputAddress() + 0x42);
        assertEquals(pa + 0x42, b.ops.iovaToPhys(0x3_0042));
        long blockPa = 0x000F_0000_2000_0000L;
        assertEquals(0, b.ops.map(SZ_512M, blockPa, SZ_512M, Prot.READ));
        assertEquals(0x0000_0000_2000_FEC1L, leaf(b, SZ_512M, 2));
        assertEquals(blockPa + 7, b.ops.iovaToPhys(SZ_512M + 7));
    }

    private static int parse(String prot) {
        int p = 0;
        for (String f : prot.trim().split("\\|")) {
            p |= switch (f.trim()) {
                case "READ" -> 1;
                case "WRITE" -> 2;
                case "CACHE" -> 4;
                case "NOEXEC" -> 8;
                case "MMIO" -> 16;
                case "PRIV" -> 32;
                default -> throw new IllegalArgumentException(f);
            };
        }
        return p;
    }

    // ---- levels and formats ---------------------------------------------------------------

    @Test
    void levelShiftsPerGranule() {
        assertEquals(39, Granule.G4K.levelShift(0));
        assertEquals(30, Granule.G4K.levelShift(1));
        assertEquals(21, Granule.G4K.levelShift(2));
        assertEquals(12, Granule.G4K.levelShift(3));
        assertEquals(47, Granule.G16K.levelShift(0));
        assertEquals(36, Granule.G16K.levelShift(1));
        assertEquals(25, Granule.G16K.levelShift(2));
        assertEquals(14, Granule.G16K.levelShift(3));
        assertEquals(42, Granule.G64K.levelShift(1));
        assertEquals(29, Granule.G64K.levelShift(2));
        assertEquals(16, Granule.G64K.levelShift(3));
        assertEquals(512, Granule.G4K.entriesPerTable());
        assertEquals(2048, Granule.G16K.entriesPerTable());
        assertEquals(8192, Granule.G64K.entriesPerTable());
        assertEquals(0, Granule.G4K.minLevel());
        assertEquals(0, Granule.G16K.minLevel());
        assertEquals(1, Granule.G64K.minLevel());
    }

    @Test
    void blocksAllowedWhereTheArchitectureAllowsThem() {
        assertEquals("0110", blocks(Granule.G4K, false));
        assertEquals("0010", blocks(Granule.G16K, false));
        assertEquals("0010", blocks(Granule.G64K, false));
        assertEquals("0110", blocks(Granule.G64K, true));
        assertEquals(0x4020_1000L, Granule.G4K.pageSizeBitmap(false));
        assertEquals(0x0200_4000L, Granule.G16K.pageSizeBitmap(false));
        assertEquals(0x2001_0000L, Granule.G64K.pageSizeBitmap(false));
        assertEquals(0x400_2001_0000L, Granule.G64K.pageSizeBitmap(true));
    }

    private static String blocks(Granule g, boolean lpa) {
        StringBuilder s = new StringBuilder();
        for (int l = 0; l < 4; l++) {
            s.append(l < 3 && g.blockAllowed(l, lpa) ? '1' : '0');
        }
        return s.toString();
    }

    @ParameterizedTest(name = "S1 {0} IAS {1} -> L{2}, {3} entries")
    @CsvSource({
            "G4K, 48, 0, 512",
            "G4K, 39, 1, 512",
            "G4K, 32, 1, 4",
            "G4K, 25, 2, 16",
            "G16K, 48, 0, 2",
            "G16K, 47, 1, 2048",
            "G16K, 36, 2, 2048",
            "G64K, 48, 1, 64",
            "G64K, 42, 2, 8192",
            "G64K, 52, 1, 1024",
    })
    void stage1StartLevels(Granule g, int ias, int level, long entries) {
        TableFormat f = TableFormat.stage1(g, ias, g == Granule.G64K ? 52 : 48);
        assertEquals(level, f.startLevel());
        assertEquals(entries, f.startEntries());
        assertEquals(1, f.concatenatedTables());
        assertEquals(64 - ias, f.tsz());
    }

    @ParameterizedTest(name = "S2 {0} IAS {1} -> L{2}, {3} concatenated, SL0 {4}")
    @CsvSource({
            "G4K, 40, 1, 2, 1",
            "G4K, 42, 1, 8, 1",
            "G4K, 43, 1, 16, 1",
            "G4K, 44, 0, 1, 2",
            "G4K, 48, 0, 1, 2",
            "G4K, 39, 1, 1, 1",
            "G16K, 48, 1, 2, 2",
            "G16K, 40, 1, 1, 2",
            "G64K, 48, 1, 1, 2",
            "G64K, 40, 2, 1, 1",
    })
    void stage2StartLevelsAndConcatenation(Granule g, int ias, int level, int concatenated, int sl0) {
        TableFormat f = TableFormat.stage2(g, ias, 48);
        assertEquals(level, f.startLevel());
        assertEquals(concatenated, f.concatenatedTables());
        assertEquals(sl0, f.sl0());
        assertEquals(level, TableFormat.startLevelOfSl0(g, sl0));
    }

    @Test
    void concatenatedStartTableSizes() {
        assertEquals(8192, TableFormat.stage2(Granule.G4K, 40, 48).startTableBytes());
        assertEquals(32768, TableFormat.stage2(Granule.G4K, 42, 48).startTableBytes());
        assertEquals(32768, TableFormat.stage2(Granule.G16K, 48, 48).startTableBytes());
    }

    @ParameterizedTest(name = "SL0 {0} {1} -> {2}")
    @CsvSource({
            "G4K, 0, 2", "G4K, 1, 1", "G4K, 2, 0",
            "G16K, 1, 2", "G16K, 2, 1", "G16K, 3, 0",
            "G64K, 1, 2", "G64K, 2, 1", "G64K, 3, 0",
    })
    void sl0Encodings(Granule g, int level, int sl0) {
        // An IAS that starts exactly at 'level' with a full (or concatenated) table.
        int ias = Math.min(g.levelShift(level) + g.bitsPerLevel(), g == Granule.G64K ? 52 : 48);
        TableFormat f = new TableFormat(Stage.STAGE2, g, ias, 48, level);
        assertEquals(sl0, f.sl0());
        assertEquals(level, TableFormat.startLevelOfSl0(g, sl0));
    }

    @Test
    void reservedSl0EncodingsNameNoLevel() {
        assertEquals(-1, TableFormat.startLevelOfSl0(Granule.G4K, 3));
        assertEquals(-1, TableFormat.startLevelOfSl0(Granule.G16K, -1));
    }

    @ParameterizedTest(name = "IPS {0} bits -> {1}")
    @CsvSource({"32, 0", "36, 1", "40, 2", "42, 3", "44, 4", "48, 5", "52, 6"})
    void ipsEncodings(int bits, int enc) {
        assertEquals(enc, TableFormat.ipsEncoding(bits));
        assertEquals(bits, TableFormat.outputBitsOf(enc));
    }

    @Test
    void unnamedOutputSizesHaveNoEncoding() {
        assertEquals(-1, TableFormat.ipsEncoding(41));
        assertEquals(-1, TableFormat.ipsEncoding(56));
        assertEquals(-1, TableFormat.outputBitsOf(7));
        assertEquals(-1, TableFormat.outputBitsOf(-1));
    }
}

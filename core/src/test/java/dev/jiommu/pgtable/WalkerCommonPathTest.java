package dev.jiommu.pgtable;

import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The walker's common-case path (no hook, no 52-bit addresses) must decide
 * every walk exactly as the full walk does. Two identical memories are filled
 * with the same seeded random descriptors (tables, blocks, pages, invalid
 * entries, addresses beyond OAS or outside RAM, every permission and AF
 * combination); one walker has no hook and so takes the common path, the
 * other has an identity hook and so always takes the full walk. Every result
 * field, every counter and the memory after hardware updates must agree.
 * Reproduce a failure with {@code -Djiommu.seed=<seed>}.
 */
class WalkerCommonPathTest {

    private static final long SEED = Long.getLong("jiommu.seed", 0xC0_44_0AL);
    private static final int FORMATS = Integer.getInteger("jiommu.walkerFormats", 60);
    private static final int WALKS_PER_FORMAT = 3000;
    private static final long RAM = 0x8000_0000L;
    private static final long RAM_SIZE = 64L << 20;
    private static final int POOL_PAGES = 24;
    private static final int[] OUTPUT_SIZES = {32, 36, 40, 42, 44, 48};
    /** Attribute bits the walker reads: NSTable, APTable, XNTable, XN, DBM, AF, AP. */
    private static final long ATTRIBUTE_BITS = 0xF8L << 56 | 3L << 53 | Descriptor.ARM_LPAE_PTE_DBM | 1L << 10 | 3L << 6;

    @Test
    void commonPathAgreesWithTheFullWalkOnRandomTables() {
        System.out.printf("WalkerCommonPathTest seed=0x%x%n", SEED);
        SplittableRandom rnd = new SplittableRandom(SEED);
        Granule[] granules = Granule.values();
        int compared = 0;
        for (int i = 0; i < FORMATS; i++) {
            TableFormat f = randomFormat(rnd, granules);
            long tablesSeed = rnd.nextLong();
            PhysicalMemory a = PhysicalMemory.ram(RAM, RAM_SIZE);
            PhysicalMemory b = PhysicalMemory.ram(RAM, RAM_SIZE);
            long root = fill(a, f, new SplittableRandom(tablesSeed));
            fill(b, f, new SplittableRandom(tablesSeed));
            Walker common = new Walker(a);
            Walker full = new Walker(b, (addr, level, write) -> addr);
            WalkResult ra = new WalkResult();
            WalkResult rb = new WalkResult();
            for (int w = 0; w < WALKS_PER_FORMAT; w++) {
                long ia = randomInput(rnd, f);
                int access = rnd.nextInt(16);
                int flags = rnd.nextInt(8);
                String where = String.format("seed=0x%x format=%s ia=0x%x access=%d flags=%d", SEED, f, ia, access, flags);
                if (assertSameWalk(f, root, ia, access, flags, common, ra, full, rb, where)) {
                    compared++;
                }
            }
            assertSameCounters(common, full, String.format("seed=0x%x format=%s", SEED, f));
        }
        assertTrue(compared > FORMATS * WALKS_PER_FORMAT / 20,
                () -> "too few successful walks to exercise the common path: seed=0x" + Long.toHexString(SEED));
    }

    /**
     * Descriptors that lie in RAM above 2^OAS: the common path reads on past
     * a table address beyond OAS (its reads have no side effect) and must
     * still end in the full walk's address size fault, at the same level.
     * RAM spans 2^36 so that the root and tables may lie on either side.
     */
    @Test
    void tablesAndLeavesInRamBeyondOasGiveTheFullWalksAddressSizeFault() {
        long below = (1L << 36) - 0x4000;
        long above = 1L << 36;
        long[][] layouts = {
            // root, level-1, level-2, level-3 table, output page
            {below, above, above + 0x1000, above + 0x2000, 0x4000_0000L},   // level-0 table address beyond OAS
            {below, below + 0x1000, below + 0x2000, above, 0x4000_0000L},   // level-2 table address beyond OAS
            {below, below + 0x1000, below + 0x2000, below + 0x3000, 1L << 40}, // output address beyond OAS
            {above, below + 0x1000, below + 0x2000, below + 0x3000, 0x4000_0000L}, // only the root beyond OAS
        };
        for (Stage stage : Stage.values()) {
            TableFormat f = stage == Stage.STAGE1 ? TableFormat.stage1(Granule.G4K, 48, 36) : TableFormat.stage2(Granule.G4K, 48, 36);
            for (long[] t : layouts) {
                PhysicalMemory a = PhysicalMemory.ram(below, 0x8000);
                PhysicalMemory b = PhysicalMemory.ram(below, 0x8000);
                long ia = 0x12_3456_7000L;
                long leaf = t[4] | Descriptor.ARM_LPAE_PTE_AF | 3L << 6 | Descriptor.ARM_LPAE_PTE_TYPE_PAGE;
                for (PhysicalMemory m : new PhysicalMemory[] {a, b}) {
                    m.write64(t[0] + ((ia >>> 39) & 511) * 8, t[1] | Descriptor.ARM_LPAE_PTE_TYPE_TABLE);
                    m.write64(t[1] + ((ia >>> 30) & 511) * 8, t[2] | Descriptor.ARM_LPAE_PTE_TYPE_TABLE);
                    m.write64(t[2] + ((ia >>> 21) & 511) * 8, t[3] | Descriptor.ARM_LPAE_PTE_TYPE_TABLE);
                    m.write64(t[3] + ((ia >>> 12) & 511) * 8, leaf);
                }
                Walker common = new Walker(a);
                Walker full = new Walker(b, (addr, level, write) -> addr);
                String where = String.format("format=%s root=0x%x leaf table=0x%x output=0x%x", f, t[0], t[3], t[4]);
                assertFalse(assertSameWalk(f, t[0], ia, Access.READ, 0, common, new WalkResult(), full, new WalkResult(), where),
                        where);
                assertSameCounters(common, full, where);
                assertEquals(1, common.faults(FaultKind.ADDRESS_SIZE), where);
            }
        }
    }

    /** Walks once with each walker; asserts the outcomes agree and returns whether the walk succeeded. */
    private static boolean assertSameWalk(TableFormat f, long root, long ia, int access, int flags,
                                          Walker common, WalkResult ra, Walker full, WalkResult rb, String where) {
        boolean okA = common.walk(f, root, ia, access, flags, ra);
        boolean okB = full.walk(f, root, ia, access, flags, rb);
        assertEquals(okB, okA, where);
        assertEquals(rb.toString(), ra.toString(), where);
        assertEquals(rb.fault(), ra.fault(), where);
        assertEquals(rb.level(), ra.level(), where);
        assertEquals(rb.descriptorAddress(), ra.descriptorAddress(), where);
        assertEquals(rb.descriptorReads(), ra.descriptorReads(), where);
        assertEquals(rb.inputAddress(), ra.inputAddress(), where);
        assertEquals(rb.access(), ra.access(), where);
        if (okA) {
            assertEquals(rb.outputAddress(), ra.outputAddress(), where);
            assertEquals(rb.blockShift(), ra.blockShift(), where);
            assertEquals(rb.descriptor(), ra.descriptor(), where);
            assertEquals(rb.permissions(), ra.permissions(), where);
            assertEquals(rb.hardwareUpdated(), ra.hardwareUpdated(), where);
            assertEquals(full.memory().read64(rb.descriptorAddress()), common.memory().read64(ra.descriptorAddress()), where);
        }
        return okA;
    }

    private static void assertSameCounters(Walker common, Walker full, String where) {
        assertEquals(full.walks(), common.walks(), where);
        assertEquals(full.descriptorReads(), common.descriptorReads(), where);
        assertEquals(full.hardwareUpdates(), common.hardwareUpdates(), where);
        for (FaultKind k : FaultKind.values()) {
            assertEquals(full.faults(k), common.faults(k), where + " " + k);
        }
    }

    private static TableFormat randomFormat(SplittableRandom rnd, Granule[] granules) {
        for (;;) {
            Granule g = granules[rnd.nextInt(granules.length)];
            int ias = 25 + rnd.nextInt(24);
            int oas = OUTPUT_SIZES[rnd.nextInt(OUTPUT_SIZES.length)];
            Stage stage = rnd.nextBoolean() ? Stage.STAGE1 : Stage.STAGE2;
            int start = stage == Stage.STAGE1 ? TableFormat.stage1StartLevel(g, ias) : TableFormat.stage2(g, ias, 48).startLevel();
            if (TableFormat.problem(stage, g, ias, oas, start) == null) {
                return new TableFormat(stage, g, ias, oas, start);
            }
        }
    }

    /** Mostly inside the pool's reach, sometimes beyond IAS. */
    private static long randomInput(SplittableRandom rnd, TableFormat f) {
        long ia = rnd.nextLong() & ((1L << f.inputBits()) - 1);
        if (rnd.nextInt(50) == 0) {
            ia |= 1L << (f.inputBits() + rnd.nextInt(64 - f.inputBits()));
        }
        return ia;
    }

    /**
     * Fills a pool of table pages with random descriptors and returns the root.
     * Table pointers lead back into the pool, outside RAM or beyond OAS;
     * leaves carry random attributes and sometimes addresses beyond OAS.
     */
    private static long fill(PhysicalMemory m, TableFormat f, SplittableRandom rnd) {
        long page = f.granule().size();
        long rootBytes = Math.max(f.startTableBytes(), page);
        long poolBase = RAM + rootBytes;
        long entries = page / 8;
        for (long off = 0; off < rootBytes + POOL_PAGES * page; off += 8) {
            m.write64(RAM + off, randomDescriptor(rnd, f, poolBase, page, off < rootBytes ? rootBytes / 8 : entries));
        }
        return RAM;
    }

    private static long randomDescriptor(SplittableRandom rnd, TableFormat f, long poolBase, long page, long entries) {
        long attrs = rnd.nextLong() & ATTRIBUTE_BITS;
        if (rnd.nextInt(4) != 0) {
            attrs |= 1L << 10; // mostly accessed
            attrs &= ~(0xF8L << 56 | 3L << 53); // mostly no hierarchical or XN restrictions
            attrs |= rnd.nextInt(4) == 0 ? rnd.nextLong() & (0xF8L << 56 | 3L << 53) : 0;
        }
        long address = switch (rnd.nextInt(16)) {
            case 0 -> 1L << (f.outputBits() + rnd.nextInt(48 - f.outputBits() + 1)) & 0x0000_FFFF_FFFF_F000L;
            case 1 -> 0x1000_0000L;
            default -> poolBase + rnd.nextInt(POOL_PAGES) * page;
        };
        address &= -page;
        int kind = rnd.nextInt(10);
        long type = kind < 1 ? 0 : kind < 6 ? 3 : kind < 9 ? 1 : 2;
        return address | attrs | type;
    }
}

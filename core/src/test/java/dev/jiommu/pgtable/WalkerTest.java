package dev.jiommu.pgtable;

import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.jiommu.pgtable.Descriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared VMSAv8-64 walker: translations, each fault kind and level, hardware updates, hooks. */
class WalkerTest {

    private static final long RAM = 0x8000_0000L;
    private static final long RAM_SIZE = 1L << 30;
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
    private static final int RW = Prot.READ | Prot.WRITE;

    private final PhysicalMemory mem = PhysicalMemory.ram(RAM, RAM_SIZE);
    private final FrameAllocator frames = new FrameAllocator(mem, RAM, 256L << 20);
    private final WalkResult out = new WalkResult();

    private IoPageTable table(Stage stage, long bitmap, int ias, int oas, int quirks) {
        return IoPageTable.create(stage, bitmap, ias, oas, quirks, frames);
    }

    /** Stage 1, 4K, IAS 48 (start level 0), OAS 40. */
    private IoPageTable s1() {
        return table(Stage.STAGE1, BITMAP_4K, 48, 40, 0);
    }

    private boolean walk(Walker w, IoPageTable t, long ia, int access, int flags) {
        return w.walk(t.format(), t.root(), ia, access, flags, out);
    }

    private boolean walk(IoPageTable t, long ia, int access, int flags) {
        return walk(new Walker(mem), t, ia, access, flags);
    }

    private void assertFault(FaultKind kind, int level) {
        assertFalse(out.ok(), () -> "expected " + kind + ", got " + out);
        assertEquals(kind, out.fault(), () -> out.toString());
        assertEquals(level, out.level(), () -> "fault level: " + out);
    }

    private void assertOk() {
        assertTrue(out.ok(), () -> out.toString());
        assertNull(out.fault());
    }

    /** Address of the descriptor for {@code ia} at {@code level}, following tables from the root. */
    private long entry(IoPageTable t, long ia, int level) {
        TableFormat f = t.format();
        long table = t.root();
        long mask = f.startEntries() - 1;
        for (int l = f.startLevel(); ; l++) {
            long addr = table + (((ia >>> f.levelShift(l)) & mask) << 3);
            if (l == level) {
                return addr;
            }
            long d = mem.read64(addr);
            assertTrue(Descriptor.isTable(d, l), () -> String.format("no table at level for 0x%x", ia));
            table = Descriptor.outputAddress(d, f.granule().shift(), f.lpa());
            mask = f.granule().entriesPerTable() - 1;
        }
    }

    private void orDescriptor(long addr, long bits) {
        mem.write64(addr, mem.read64(addr) | bits);
    }

    private void clearDescriptor(long addr, long bits) {
        mem.write64(addr, mem.read64(addr) & ~bits);
    }

    // ---- translation ----------------------------------------------------------------------

    static Stream<Arguments> granules() {
        List<Arguments> l = new ArrayList<>();
        for (long bitmap : new long[] {BITMAP_4K, BITMAP_16K, BITMAP_64K}) {
            for (Stage s : Stage.values()) {
                l.add(Arguments.of(Long.toHexString(bitmap), s));
            }
        }
        return l.stream();
    }

    @ParameterizedTest(name = "sizes 0x{0} {1}")
    @MethodSource("granules")
    void pagesAndBlocksTranslateWithTheOffsetKept(String bitmapHex, Stage stage) {
        long bitmap = Long.parseLong(bitmapHex, 16);
        IoPageTable t = table(stage, bitmap, stage == Stage.STAGE1 ? 48 : 40, 48, 0);
        Walker w = new Walker(mem);
        long iova = 0;
        for (long b = bitmap; b != 0; b &= b - 1) {
            long size = Long.lowestOneBit(b);
            iova = ((iova + size - 1) & -size) + 4 * size; // a fresh, aligned slot per size
            long pa = 0x10_0000_0000L + 3 * size;
            assertEquals(0, t.map(iova, pa, size, RW));
            int level = 3 - (Long.numberOfTrailingZeros(size) - t.format().granule().shift()) / t.format().granule().bitsPerLevel();
            for (long off : new long[] {0, 0x18, size / 2 + 8, size - 1}) {
                assertTrue(walk(w, t, iova + off, Access.READ | Access.WRITE, 0), () -> out.toString());
                assertEquals(pa + off, out.outputAddress());
                assertEquals(size, out.blockSize());
                assertEquals(level, out.level());
                assertEquals(iova + off, out.inputAddress());
                assertEquals(mem.read64(entry(t, iova, level)), out.descriptor());
                assertEquals(entry(t, iova, level), out.descriptorAddress());
            }
            iova += size;
        }
    }

    // ---- TRANSLATION ----------------------------------------------------------------------

    @Test
    void invalidEntriesFaultAtTheirLevel() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x1000, SZ_4K, RW));
        walk(t, 1L << 39, Access.READ, 0);
        assertFault(FaultKind.TRANSLATION, 0);
        assertEquals(t.root() + 8, out.descriptorAddress());
        walk(t, SZ_1G, Access.READ, 0);
        assertFault(FaultKind.TRANSLATION, 1);
        assertEquals(entry(t, SZ_1G, 1), out.descriptorAddress());
        walk(t, SZ_2M, Access.READ, 0);
        assertFault(FaultKind.TRANSLATION, 2);
        walk(t, 0x2000, Access.READ, 0);
        assertFault(FaultKind.TRANSLATION, 3);
        assertEquals(entry(t, 0x2000, 3), out.descriptorAddress());
    }

    @Test
    void blockAtFourKibLevelZeroIsATranslationFault() {
        IoPageTable t = s1();
        mem.write64(t.root() + 8, (1L << 39) | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_TYPE_BLOCK);
        walk(t, (1L << 39) + 0x1000, Access.NONE, 0);
        assertFault(FaultKind.TRANSLATION, 0);
    }

    @Test
    void blockAtSixteenKibLevelOneIsATranslationFault() {
        IoPageTable t = table(Stage.STAGE1, BITMAP_16K, 48, 40, 0);
        assertEquals(0, t.map(0, 0, SZ_16K, RW));
        long l1 = entry(t, 1L << 36, 1);
        mem.write64(l1, (1L << 36) | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_TYPE_BLOCK);
        walk(t, 1L << 36, Access.NONE, 0);
        assertFault(FaultKind.TRANSLATION, 1);
        assertEquals(l1, out.descriptorAddress());
        // The same descriptor at level 2 is a legal 32M block.
        long l2 = entry(t, SZ_32M, 2);
        mem.write64(l2, (2 * SZ_32M) | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_TYPE_BLOCK);
        assertTrue(walk(t, SZ_32M + 5, Access.NONE, 0), () -> out.toString());
        assertEquals(2 * SZ_32M + 5, out.outputAddress());
    }

    @Test
    void blockTypeAtLevelThreeIsATranslationFault() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        long leaf = entry(t, 0x1000, 3);
        mem.write64(leaf, (mem.read64(leaf) & ~ARM_LPAE_PTE_TYPE_MASK) | ARM_LPAE_PTE_TYPE_BLOCK);
        walk(t, 0x1000, Access.READ, 0);
        assertFault(FaultKind.TRANSLATION, 3);
    }

    @Test
    void inputAddressBeyondIasIsATranslationFaultAtTheStartLevel() {
        IoPageTable t = s1();
        walk(t, 1L << 48, Access.NONE, 0);
        assertFault(FaultKind.TRANSLATION, 0);
        IoPageTable t39 = table(Stage.STAGE1, BITMAP_4K, 39, 40, 0);
        assertEquals(0, t39.map(0, 0, SZ_1G, RW));
        walk(t39, 1L << 39, Access.NONE, 0);
        assertFault(FaultKind.TRANSLATION, 1);
        walk(t39, -1L, Access.NONE, 0);
        assertFault(FaultKind.TRANSLATION, 1);
    }

    // ---- ADDRESS_SIZE ---------------------------------------------------------------------

    @Test
    void tableAddressBeyondOasIsAnAddressSizeFault() {
        IoPageTable t = s1(); // OAS 40
        mem.write64(t.root() + 8, (1L << 44) | ARM_LPAE_PTE_TYPE_TABLE);
        walk(t, 1L << 39, Access.NONE, 0);
        assertFault(FaultKind.ADDRESS_SIZE, 0);
        assertEquals(t.root() + 8, out.descriptorAddress());
    }

    @Test
    void outputAddressBeyondOasIsAnAddressSizeFault() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        assertEquals(0, t.map(SZ_2M, SZ_2M, SZ_2M, RW));
        long leaf = entry(t, 0x1000, 3);
        mem.write64(leaf, (mem.read64(leaf) & ~ADDR_MASK_48) | (1L << 42));
        walk(t, 0x1000, Access.READ, 0);
        assertFault(FaultKind.ADDRESS_SIZE, 3);
        long block = entry(t, SZ_2M, 2);
        orDescriptor(block, 1L << 40);
        walk(t, SZ_2M, Access.READ, 0);
        assertFault(FaultKind.ADDRESS_SIZE, 2);
    }

    @Test
    void rootBeyondOasIsAnAddressSizeFault() {
        IoPageTable t = s1();
        assertFalse(new Walker(mem).walk(t.format(), 1L << 41, 0, Access.NONE, 0, out));
        assertFault(FaultKind.ADDRESS_SIZE, 0);
    }

    // ---- ACCESS_FLAG ----------------------------------------------------------------------

    @Test
    void accessFlagFaultThenAffdThenHardwareUpdate() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        long leaf = entry(t, 0x1000, 3);
        clearDescriptor(leaf, ARM_LPAE_PTE_AF);
        long cleared = mem.read64(leaf);
        Walker w = new Walker(mem);

        walk(w, t, 0x1000, Access.READ, 0);
        assertFault(FaultKind.ACCESS_FLAG, 3);

        assertTrue(walk(w, t, 0x1000, Access.READ, Walker.AFFD));
        assertFalse(out.hardwareUpdated());
        assertEquals(cleared, mem.read64(leaf), "AFFD does not set AF");

        assertTrue(walk(w, t, 0x1123, Access.READ, Walker.HA));
        assertTrue(out.hardwareUpdated());
        assertEquals(cleared | ARM_LPAE_PTE_AF, mem.read64(leaf), "HA set AF in memory");
        assertEquals(cleared | ARM_LPAE_PTE_AF, out.descriptor());
        assertEquals(0x5123, out.outputAddress());
        assertEquals(1, w.hardwareUpdates());

        assertTrue(walk(w, t, 0x1000, Access.READ, 0), "AF is now set");
        assertFalse(out.hardwareUpdated());
        assertEquals(1, w.hardwareUpdates());
    }

    @Test
    void accessFlagIsCheckedBeforePermission() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ));
        clearDescriptor(entry(t, 0x1000, 3), ARM_LPAE_PTE_AF);
        walk(t, 0x1000, Access.WRITE, 0);
        assertFault(FaultKind.ACCESS_FLAG, 3);
    }

    // ---- PERMISSION -----------------------------------------------------------------------

    @Test
    void writeToReadOnlyIsAPermissionFault() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ));
        walk(t, 0x1000, Access.WRITE, 0);
        assertFault(FaultKind.PERMISSION, 3);
        walk(t, 0x1000, Access.WRITE | Access.PRIV, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x1000, Access.READ, 0));
        assertEquals(Access.PERM_UNPRIV_READ | Access.PERM_UNPRIV_EXEC | Access.PERM_PRIV_READ | Access.PERM_PRIV_EXEC,
                out.permissions());
    }

    @Test
    void unprivilegedAccessToAPrivMappingIsAPermissionFault() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW | Prot.PRIV));
        walk(t, 0x1000, Access.READ, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x1000, Access.READ | Access.WRITE | Access.PRIV, 0));
        assertEquals(0, out.permissions() & (Access.PERM_UNPRIV_READ | Access.PERM_UNPRIV_WRITE));
    }

    @Test
    void executeOfNoexecIsAPermissionFault() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ | Prot.NOEXEC));
        walk(t, 0x1000, Access.EXEC, 0);
        assertFault(FaultKind.PERMISSION, 3);
        walk(t, 0x1000, Access.EXEC | Access.PRIV, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x1000, Access.READ, 0));
    }

    @Test
    void elZeroWritablePageIsPrivilegedExecuteNever() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        assertTrue(walk(t, 0x1000, Access.EXEC, 0), "EL0 may execute");
        walk(t, 0x1000, Access.EXEC | Access.PRIV, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertEquals(0, t.map(0x2000, 0x6000, SZ_4K, RW | Prot.PRIV));
        assertTrue(walk(t, 0x2000, Access.EXEC | Access.PRIV, 0), "not EL0-accessible: privileged exec allowed");
        assertEquals(0, t.map(0x3000, 0x7000, SZ_4K, Prot.READ));
        assertTrue(walk(t, 0x3000, Access.EXEC | Access.PRIV, 0), "EL0 read-only: privileged exec allowed");
    }

    @Test
    void apTableReadOnlyRestrictsTheLeaf() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        orDescriptor(entry(t, 0x1000, 2), APTABLE_RDONLY);
        walk(t, 0x1000, Access.WRITE, 0);
        assertFault(FaultKind.PERMISSION, 3);
        walk(t, 0x1000, Access.WRITE | Access.PRIV, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x1000, Access.READ, 0));
        assertEquals(0, out.permissions() & (Access.PERM_UNPRIV_WRITE | Access.PERM_PRIV_WRITE));
    }

    @Test
    void apTableNoEl0RestrictsTheLeaf() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        orDescriptor(entry(t, 0x1000, 0), APTABLE_NO_EL0);
        walk(t, 0x1000, Access.READ, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x1000, Access.READ | Access.WRITE | Access.PRIV, 0));
    }

    @Test
    void uxnTableAndPxnTableRestrictTheLeaf() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ));
        assertEquals(0, t.map(SZ_1G + 0x1000, 0x6000, SZ_4K, Prot.READ));
        orDescriptor(entry(t, 0x1000, 1), UXNTABLE);
        walk(t, 0x1000, Access.EXEC, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x1000, Access.EXEC | Access.PRIV, 0));
        orDescriptor(entry(t, SZ_1G + 0x1000, 2), PXNTABLE);
        walk(t, SZ_1G + 0x1000, Access.EXEC | Access.PRIV, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, SZ_1G + 0x1000, Access.EXEC, 0));
    }

    @Test
    void stage2PermissionsComeFromS2apAndXn() {
        IoPageTable t = table(Stage.STAGE2, BITMAP_4K, 40, 40, 0);
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ | Prot.NOEXEC));
        walk(t, 0x1000, Access.WRITE, 0);
        assertFault(FaultKind.PERMISSION, 3);
        walk(t, 0x1000, Access.EXEC, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x1000, Access.READ | Access.PRIV, 0));
        assertEquals(Access.PERM_UNPRIV_READ | Access.PERM_PRIV_READ, out.permissions());
        assertEquals(0, t.map(0x2000, 0x6000, SZ_4K, Prot.WRITE));
        walk(t, 0x2000, Access.READ, 0);
        assertFault(FaultKind.PERMISSION, 3);
        assertTrue(walk(t, 0x2000, Access.WRITE | Access.EXEC, 0));
    }

    @Test
    void accessNonePerformsNoPermissionCheck() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ | Prot.NOEXEC | Prot.PRIV));
        assertTrue(walk(t, 0x1042, Access.NONE, 0), () -> out.toString());
        assertEquals(0x5042, out.outputAddress());
        assertEquals(Access.PERM_PRIV_READ, out.permissions(), "the grant is reported, not checked");
        for (int a : new int[] {Access.READ, Access.WRITE | Access.PRIV, Access.EXEC | Access.PRIV}) {
            walk(t, 0x1042, a, 0);
            assertFault(FaultKind.PERMISSION, 3);
        }
    }

    // ---- HA/HD with DBM ---------------------------------------------------------------------

    @Test
    void stage1DirtyUpdateClearsApRdonlyOnAWriteToACleanDbmLeaf() {
        IoPageTable t = table(Stage.STAGE1, BITMAP_4K, 48, 40, IoPageTable.QUIRK_ARM_HD);
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        long leaf = entry(t, 0x1000, 3);
        assertTrue((mem.read64(leaf) & ARM_LPAE_PTE_DBM) != 0);
        orDescriptor(leaf, ARM_LPAE_PTE_AP_RDONLY); // clean: writable-clean as dirty tracking leaves it
        long clean = mem.read64(leaf);
        Walker w = new Walker(mem);

        walk(w, t, 0x1000, Access.WRITE, Walker.HA);
        assertFault(FaultKind.PERMISSION, 3);
        assertEquals(clean, mem.read64(leaf));

        assertTrue(walk(w, t, 0x1000, Access.READ, Walker.HA | Walker.HD));
        assertFalse(out.hardwareUpdated(), "a read leaves the leaf clean");
        assertEquals(clean, mem.read64(leaf));

        assertTrue(walk(w, t, 0x1000, Access.WRITE, Walker.HA | Walker.HD), () -> out.toString());
        assertTrue(out.hardwareUpdated());
        assertEquals(clean & ~ARM_LPAE_PTE_AP_RDONLY, mem.read64(leaf), "AP[2] cleared: dirty");
        assertEquals(clean & ~ARM_LPAE_PTE_AP_RDONLY, out.descriptor());
        assertTrue((out.permissions() & Access.PERM_UNPRIV_WRITE) != 0);
        assertEquals(1, w.hardwareUpdates());
    }

    @Test
    void dirtyUpdateNeedsDbmAndNoApTableReadOnly() {
        IoPageTable t = table(Stage.STAGE1, BITMAP_4K, 48, 40, IoPageTable.QUIRK_ARM_HD);
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ)); // read-only: no DBM
        walk(t, 0x1000, Access.WRITE, Walker.HA | Walker.HD);
        assertFault(FaultKind.PERMISSION, 3);
        assertEquals(0, t.map(SZ_1G, SZ_1G, SZ_4K, RW));
        long leaf = entry(t, SZ_1G, 3);
        orDescriptor(leaf, ARM_LPAE_PTE_AP_RDONLY);
        long clean = mem.read64(leaf);
        orDescriptor(entry(t, SZ_1G, 2), APTABLE_RDONLY);
        walk(t, SZ_1G, Access.WRITE, Walker.HA | Walker.HD);
        assertFault(FaultKind.PERMISSION, 3);
        assertEquals(clean, mem.read64(leaf));
    }

    @Test
    void stage2DirtyUpdateSetsS2apWrite() {
        IoPageTable t = table(Stage.STAGE2, BITMAP_4K, 40, 40, 0);
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ));
        long leaf = entry(t, 0x1000, 3);
        orDescriptor(leaf, ARM_LPAE_PTE_DBM);
        long clean = mem.read64(leaf);
        walk(t, 0x1000, Access.WRITE, Walker.HA);
        assertFault(FaultKind.PERMISSION, 3);
        assertEquals(clean, mem.read64(leaf));
        assertTrue(walk(t, 0x1000, Access.WRITE, Walker.HA | Walker.HD), () -> out.toString());
        assertTrue(out.hardwareUpdated());
        assertEquals(clean | ARM_LPAE_PTE_HAP_WRITE, mem.read64(leaf));
    }

    @Test
    void accessFlagAndDirtyAreSetInOneUpdate() {
        IoPageTable t = table(Stage.STAGE1, BITMAP_4K, 48, 40, IoPageTable.QUIRK_ARM_HD);
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        long leaf = entry(t, 0x1000, 3);
        mem.write64(leaf, (mem.read64(leaf) | ARM_LPAE_PTE_AP_RDONLY) & ~ARM_LPAE_PTE_AF);
        long before = mem.read64(leaf);
        assertTrue(walk(t, 0x1000, Access.WRITE, Walker.HA | Walker.HD));
        assertEquals((before | ARM_LPAE_PTE_AF) & ~ARM_LPAE_PTE_AP_RDONLY, mem.read64(leaf));
    }

    // ---- fetch failures and hooks -------------------------------------------------------------

    @Test
    void tablePointerOutsideRamIsAnExternalAbort() {
        IoPageTable t = s1();
        long hole = 0x1000_0000L; // below RAM, inside OAS
        mem.write64(t.root() + 8, hole | ARM_LPAE_PTE_TYPE_TABLE);
        walk(t, (1L << 39) + 3 * SZ_1G, Access.READ, 0);
        assertFault(FaultKind.EXTERNAL_ABORT, 1);
        assertEquals(hole + 3 * 8, out.descriptorAddress());
        assertFalse(new Walker(mem).walk(t.format(), hole, 0, Access.READ, 0, out));
        assertFault(FaultKind.EXTERNAL_ABORT, 0);
    }

    @Test
    void refusedTableAddressIsATableFetchFault() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        long l2 = entry(t, 0x1000, 2);
        Walker w = new Walker(mem, (addr, level, write) -> level == 2 ? TableAddressHook.REFUSED : addr);
        walk(w, t, 0x1000, Access.READ, 0);
        assertFault(FaultKind.TABLE_FETCH, 2);
        assertEquals(l2, out.descriptorAddress(), "the refused address is reported");
        assertEquals(1, w.faults(FaultKind.TABLE_FETCH));
    }

    @Test
    void refusedHardwareUpdateIsATableFetchFault() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        long leaf = entry(t, 0x1000, 3);
        clearDescriptor(leaf, ARM_LPAE_PTE_AF);
        long before = mem.read64(leaf);
        Walker w = new Walker(mem, (addr, level, write) -> write ? TableAddressHook.REFUSED : addr);
        walk(w, t, 0x1000, Access.READ, Walker.HA);
        assertFault(FaultKind.TABLE_FETCH, 3);
        assertEquals(before, mem.read64(leaf));
    }

    @Test
    void hookThatOffsetsTableAddressesTranslatesNestedStyle() {
        long k = 512L << 20; // tables live at PA = table address + K
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, RW));
        assertEquals(0, t.map(SZ_2M, 0x40_0000, SZ_2M, RW));
        clearDescriptor(entry(t, SZ_2M, 2), ARM_LPAE_PTE_AF);
        long leaf = entry(t, SZ_2M, 2);
        mem.copy(RAM, RAM + k, 256L << 20);
        mem.discard(RAM, 256L << 20);
        List<String> seen = new ArrayList<>();
        Walker nested = new Walker(mem, (addr, level, write) -> {
            seen.add(level + (write ? "w" : "r"));
            return addr + k;
        });

        assertTrue(walk(nested, t, 0x1234, Access.READ, 0), () -> out.toString());
        assertEquals(0x5234, out.outputAddress());
        assertEquals(List.of("0r", "1r", "2r", "3r"), seen);
        assertTrue(walk(nested, t, SZ_2M + 0x10, Access.WRITE, Walker.HA), () -> out.toString());
        assertEquals(0x40_0010, out.outputAddress());
        assertTrue(seen.contains("2w"), "the hardware update goes through the hook");
        assertTrue((mem.read64(leaf + k) & ARM_LPAE_PTE_AF) != 0, "AF set in the table at PA + K");
        assertEquals(0, mem.read64(leaf), "nothing written at the untranslated address");

        walk(new Walker(mem), t, 0x1234, Access.READ, 0);
        assertFault(FaultKind.TRANSLATION, 0); // without the hook the start table reads as zeros
    }

    // ---- stage 2 concatenation ---------------------------------------------------------------

    @Test
    void stage2ConcatenatedStartTableTranslatesInTheSecondPage() {
        IoPageTable t = table(Stage.STAGE2, BITMAP_4K, 40, 40, 0);
        assertEquals(1, t.format().startLevel());
        assertEquals(2, t.format().concatenatedTables());
        long ipa = (600L << 30) + 0x1000; // level-1 index 600: second concatenated page
        long last = (1L << 40) - SZ_4K;
        assertEquals(0, t.map(ipa, 0x7_0000_1000L, SZ_4K, RW));
        assertEquals(0, t.map(last, 0x7_0000_2000L, SZ_4K, RW));
        assertEquals(0, t.map(512L << 30, 0x80_0000_0000L, SZ_1G, RW));
        Walker w = new Walker(mem);
        assertTrue(walk(w, t, ipa + 0x10, Access.READ, 0), () -> out.toString());
        assertEquals(0x7_0000_1010L, out.outputAddress());
        assertTrue(walk(w, t, last + 0xFFF, Access.WRITE, 0));
        assertEquals(0x7_0000_2FFFL, out.outputAddress());
        assertTrue(walk(w, t, (512L << 30) + 0x1234_5678L, Access.READ, 0));
        assertEquals(1, out.level());
        assertEquals(t.root() + 4096, out.descriptorAddress(), "first entry of the second page");
        long l1 = t.root() + 600 * 8;
        assertTrue(Descriptor.isTable(mem.read64(l1), 1), "index 600 lies in the second 4K page");
        walk(w, t, 700L << 30, Access.READ, 0);
        assertFault(FaultKind.TRANSLATION, 1);
        assertEquals(t.root() + 700 * 8, out.descriptorAddress());
    }

    // ---- counters ------------------------------------------------------------------------

    @Test
    void countersTrackWalksReadsAndFaults() {
        IoPageTable t = s1();
        assertEquals(0, t.map(0x1000, 0x5000, SZ_4K, Prot.READ));
        assertEquals(0, t.map(SZ_2M, SZ_2M, SZ_2M, RW));
        Walker w = new Walker(mem);
        assertEquals(0, w.walks());
        assertEquals(0, w.descriptorReads());
        assertTrue(walk(w, t, 0x1000, Access.READ, 0));
        assertEquals(4, out.descriptorReads());
        assertTrue(walk(w, t, SZ_2M, Access.READ, 0));
        assertEquals(3, out.descriptorReads());
        walk(w, t, SZ_1G, Access.READ, 0);
        assertEquals(2, out.descriptorReads());
        walk(w, t, 0x1000, Access.WRITE, 0);
        walk(w, t, 0x1000, Access.WRITE, 0);
        walk(w, t, 1L << 48, Access.READ, 0);
        assertEquals(0, out.descriptorReads());
        assertEquals(6, w.walks());
        assertEquals(4 + 3 + 2 + 4 + 4, w.descriptorReads());
        assertEquals(2, w.faults(FaultKind.TRANSLATION));
        assertEquals(2, w.faults(FaultKind.PERMISSION));
        assertEquals(0, w.faults(FaultKind.ACCESS_FLAG));
        assertEquals(0, w.faults(FaultKind.ADDRESS_SIZE));
        assertEquals(0, w.faults(FaultKind.EXTERNAL_ABORT));
        assertEquals(0, w.faults(FaultKind.TABLE_FETCH));
        assertEquals(0, w.hardwareUpdates());
        assertEquals(mem, w.memory());
    }

    @Test
    void walkReportsTheLeafsMemoryAttributesAndShareability() {
        IoPageTable t1 = s1();
        assertEquals(0, t1.map(0x1000, 0x4000_0000L, SZ_4K, RW | Prot.CACHE));
        assertEquals(0, t1.map(0x2000, 0x4000_1000L, SZ_4K, RW | Prot.MMIO));
        assertTrue(walk(t1, 0x1008, Access.READ, 0));
        assertEquals(ARM_LPAE_MAIR_ATTR_IDX_CACHE, out.memoryAttributes(Stage.STAGE1));
        assertEquals(3, out.shareability(), "inner shareable with CACHE");
        assertTrue(walk(t1, 0x2008, Access.READ, 0));
        assertEquals(ARM_LPAE_MAIR_ATTR_IDX_DEV, out.memoryAttributes(Stage.STAGE1));
        assertEquals(2, out.shareability(), "outer shareable without CACHE");

        IoPageTable t2 = table(Stage.STAGE2, BITMAP_4K, 40, 40, 0);
        assertEquals(0, t2.map(0x1000, 0x4000_0000L, SZ_4K, RW | Prot.CACHE));
        assertEquals(0, t2.map(0x2000, 0x4000_1000L, SZ_4K, RW));
        assertTrue(walk(t2, 0x1008, Access.READ, 0));
        assertEquals(0xf, out.memoryAttributes(Stage.STAGE2), "MemAttr write-back");
        assertTrue(walk(t2, 0x2008, Access.READ, 0));
        assertEquals(0x5, out.memoryAttributes(Stage.STAGE2), "MemAttr non-cacheable");
    }
}

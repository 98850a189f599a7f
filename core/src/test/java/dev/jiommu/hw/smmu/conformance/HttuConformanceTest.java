package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Field;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.jiommu.hw.smmu.conformance.ExpectedEvent.event;
import static dev.jiommu.pgtable.Descriptor.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Hardware translation table updates (§3.13): with CD.HA / STE.S2HA the SMMU
 * sets a leaf's Access flag in memory instead of faulting; with CD.HD /
 * STE.S2HD as well, a write to a writable-clean (DBM) leaf makes it dirty in
 * memory. Without them, the faults of §7.3.15/16 and an unchanged descriptor.
 */
class HttuConformanceTest extends SmmuConformance {

    private static final int RW = Prot.READ | Prot.WRITE;

    private static void clear(Fixture f, long descriptor, long bits) {
        f.memory.write64(descriptor, f.memory.read64(descriptor) & ~bits);
    }

    private static void set(Fixture f, long descriptor, long bits) {
        f.memory.write64(descriptor, f.memory.read64(descriptor) | bits);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cdHaSetsTheAccessFlagOfAStage1LeafInsteadOfFaulting(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0x21);
        f.map(tt, VA, pa, RW);
        long leaf = f.leafDescriptor(tt, VA);
        clear(f, leaf, ARM_LPAE_PTE_AF);
        f.stage1Stream(SID, tt, c -> c.ha(true), s -> s);

        assertArrayEquals(filled(8, 0x21), f.readOk(SID, SSID, VA, 8));

        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AF, "AF set in the descriptor in memory");
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void withoutCdHaAnAccessFlagFaultLeavesTheDescriptorUnchanged(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        long leaf = f.leafDescriptor(tt, VA);
        clear(f, leaf, ARM_LPAE_PTE_AF);
        long before = f.memory.read64(leaf);
        f.stage1Stream(SID, tt);

        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, VA, 0, new byte[8]));

        assertEquals(before, f.memory.read64(leaf));
        f.expectEvents(event(EVT_ID_ACCESS_FAULT, SID).substream(SSID).read(VA).stage1(EVTQ_1_CLASS_IN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cdHdMarksAWritableCleanStage1LeafDirtyOnAWrite(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);
        long leaf = f.leafDescriptor(tt, VA);
        set(f, leaf, ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY); // writable-clean
        f.stage1Stream(SID, tt, c -> c.ha(true).hd(true), s -> s);

        f.readOk(SID, SSID, VA, 8);
        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AP_RDONLY, "a read leaves the leaf clean");
        f.writeOk(SID, SSID, VA + 8, bytes(8, 1));

        assertEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AP_RDONLY, "the write made the leaf dirty");
        assertArrayEquals(bytes(8, 1), f.memoryAt(pa + 8, 8));
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void withHaButNotHdAWriteToACleanLeafIsAPermissionFault(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        long leaf = f.leafDescriptor(tt, VA);
        set(f, leaf, ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY);
        f.stage1Stream(SID, tt, c -> c.ha(true), s -> s);

        assertStatus(DmaTarget.ABORTED, f.write(SID, SSID, VA, bytes(8, 1)));

        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AP_RDONLY, "still clean");
        f.expectEvents(event(EVT_ID_PERMISSION_FAULT, SID).substream(SSID).write(VA).stage1(EVTQ_1_CLASS_IN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void steS2haSetsTheAccessFlagOfAStage2Leaf(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.s2Table();
        f.map(s2, UNMAPPED_IPA, f.dataPage(0x42), RW);
        long leaf = f.leafDescriptor(s2, UNMAPPED_IPA);
        clear(f, leaf, ARM_LPAE_PTE_AF);
        f.driver.installSte(SID, SteBuilder.stage2(s2, VMID).s2ha(true).words());

        assertArrayEquals(filled(4, 0x42), f.readOk(SID, NO_SSID, UNMAPPED_IPA, 4));

        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AF);
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void steS2hdMarksAWritableCleanStage2LeafDirtyOnAWrite(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.s2Table();
        long pa = f.dataPage(0);
        f.map(s2, UNMAPPED_IPA, pa, RW);
        long leaf = f.leafDescriptor(s2, UNMAPPED_IPA);
        clear(f, leaf, ARM_LPAE_PTE_HAP_WRITE);
        set(f, leaf, ARM_LPAE_PTE_DBM); // S2AP read-only + DBM: writable-clean
        f.driver.installSte(SID, SteBuilder.stage2(s2, VMID).s2ha(true).s2hd(true).words());

        f.writeOk(SID, NO_SSID, UNMAPPED_IPA + 0x10, bytes(4, 9));

        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_HAP_WRITE, "S2AP[1] set: dirty");
        assertArrayEquals(bytes(4, 9), f.memoryAt(pa + 0x10, 4));
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void nestedHaUpdatesTheStage1LeafThroughStage2(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.identityS2();
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0x17), RW);
        long leaf = f.leafDescriptor(tt, VA); // IPA = PA under the identity stage 2
        clear(f, leaf, ARM_LPAE_PTE_AF);
        SmmuDriver.CdTable cds = f.cds();
        cds.write(SSID, CdBuilder.of(tt, ASID).ha(true).words());
        f.driver.installSte(SID, SteBuilder.nested(cds, s2, VMID).words());

        assertArrayEquals(filled(4, 0x17), f.readOk(SID, SSID, VA, 4));

        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AF);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void hardwareUpdatesBeyondIdr0HttuAreIllegal(Variant v) {
        Fixture none = new Fixture(v, v.config().withHttu(0), 6, CR2_RECINVSID | CR2_PTM, true);
        Fixture afOnly = new Fixture(v, v.config().withHttu(1), 6, CR2_RECINVSID | CR2_PTM, true);
        assertEquals(0, (int) Field.get(IDR0_HTTU, none.driver.read32(ARM_SMMU_IDR0)));
        assertEquals(IDR0_HTTU_ACCESS, Field.get(IDR0_HTTU, afOnly.driver.read32(ARM_SMMU_IDR0)));

        none.driver.installSte(SID, SteBuilder.stage2(none.s2Table(), VMID).s2ha(true).words());
        afOnly.driver.installSte(SID, SteBuilder.stage2(afOnly.s2Table(), VMID).s2ha(true).s2hd(true).words());

        assertStatus(DmaTarget.ABORTED, none.read(SID, NO_SSID, UNMAPPED_IPA, 0, new byte[4]));
        assertStatus(DmaTarget.ABORTED, afOnly.read(SID, NO_SSID, UNMAPPED_IPA, 0, new byte[4]));
        none.expectEvents(event(EVT_ID_BAD_STE_CONFIG, SID));
        afOnly.expectEvents(event(EVT_ID_BAD_STE_CONFIG, SID));
    }
}

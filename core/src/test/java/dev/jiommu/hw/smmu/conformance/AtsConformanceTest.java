package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.AtsCompletion;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.jiommu.hw.smmu.conformance.ExpectedEvent.event;
import static dev.jiommu.pgtable.Descriptor.ARM_LPAE_PTE_AF;
import static dev.jiommu.pgtable.Descriptor.ARM_LPAE_PTE_AP_RDONLY;
import static dev.jiommu.pgtable.Descriptor.ARM_LPAE_PTE_DBM;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_SYNC_0_CS_NONE;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ATS interface (§3.9.1): Translation Requests answered per STE.EATS
 * (full and split-stage), with R = W = 0 for translation-related faults, UR
 * with F_BAD_ATS_TREQ where ATS is not allowed, CA for configuration errors;
 * Translated transactions checked per CR0.ATSCHK and STE.EATS; and
 * CMD_ATC_INV delivered to the function before the CMD_SYNC that follows it
 * completes.
 */
class AtsConformanceTest extends SmmuConformance {

    private static final int RW = Prot.READ | Prot.WRITE;
    private static final int CR0_ON = (int) (CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN | CR0_SMMUEN);

    private static AtsCompletion request(Fixture f, int ssid, long address, boolean noWrite) {
        AtsCompletion c = new AtsCompletion();
        f.smmu.translationRequest(SID, ssid, address, noWrite, 0, c);
        return c;
    }

    /** A stage-1 stream with full ATS, {@code VA} mapped to a fresh page with {@code prot}; returns the page. */
    private static long fullAtsStream(Fixture f, int prot) {
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0x11);
        f.map(tt, VA, pa, prot);
        f.stage1Stream(SID, tt, c -> c, s -> s.set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS));
        return pa;
    }

    private static void atsCheck(Fixture f, boolean on) {
        f.driver.writeCr0(CR0_ON & ~(int) CR0_SMMUEN);
        f.driver.writeCr0(CR0_ON | (on ? (int) CR0_ATSCHK : 0));
    }

    private static void assertGrant(AtsCompletion c, long address, long size, boolean r, boolean w) {
        assertEquals("SUCCESS", AtsCompletion.statusName(c.status), c::toString);
        assertEquals(address, c.translatedAddress, c::toString);
        assertEquals(size, 1L << c.sizeShift, c::toString);
        assertEquals(r, c.read, () -> "R in " + c);
        assertEquals(w, c.write, () -> "W in " + c);
        assertFalse(c.global, "a completion is never Global");
    }

    private static void assertStatusName(int expected, AtsCompletion c) {
        assertEquals(AtsCompletion.statusName(expected), AtsCompletion.statusName(c.status));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fullAtsRequestReturnsThePhysicalAddressWithTheGrantedPermissions(Variant v) {
        Fixture f = fixture(v);
        long pa = fullAtsStream(f, RW);

        assertGrant(request(f, SSID, VA + 0x123, false), pa, f.pageSize, true, true);
        assertGrant(request(f, SSID, VA, true), pa, f.pageSize, true, false);
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aPermissionFaultOnlyTakesAwayWhatIsNotGranted(Variant v) {
        Fixture f = fixture(v);
        long pa = fullAtsStream(f, Prot.READ);

        assertGrant(request(f, SSID, VA, false), pa, f.pageSize, true, false);
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aTranslationFaultIsSuccessWithNoAccessTheStuSizeNoEventAndNoStall(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt, c -> c.stall(true).record(true),
                s -> s.set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS));

        assertGrant(request(f, SSID, VA + 0x5000, false), VA + 0x5000, 4096, false, false);
        f.expectNoEvents();
        assertTrue(f.requester.stallCompletions.isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void withEatsZeroARequestIsUnsupportedAndRecordsBadAtsTreq(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        f.stage1Stream(SID, tt);

        assertStatusName(AtsCompletion.UNSUPPORTED_REQUEST, request(f, SSID, VA + 0x10, false));
        f.expectEvents(event(EVT_ID_BAD_ATS_TREQ, SID).substream(SSID).write(VA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void bypassAndAbortStesAndSmmuDisabledRefuseRequests(Variant v) {
        Fixture f = fixture(v);
        f.driver.installSte(SID, SteBuilder.abort().set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS).words());
        assertStatusName(AtsCompletion.UNSUPPORTED_REQUEST, request(f, NO_SSID, VA, true));
        f.expectNoEvents();

        f.driver.installSte(SID, SteBuilder.bypass().set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS).words());
        assertStatusName(AtsCompletion.UNSUPPORTED_REQUEST, request(f, NO_SSID, VA, true));
        f.expectEvents(event(EVT_ID_BAD_ATS_TREQ, SID).read(VA));

        f.driver.writeCr0(CR0_ON & ~(int) CR0_SMMUEN);
        assertStatusName(AtsCompletion.UNSUPPORTED_REQUEST, request(f, NO_SSID, VA, true));
        f.expectEvents(event(EVT_ID_BAD_ATS_TREQ, SID).read(VA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aConfigurationErrorIsACompleterAbortWithoutAnEvent(Variant v) {
        Fixture f = fixture(v);
        f.driver.installSte(SID, SteBuilder.config(STRTAB_STE_0_CFG_S1_TRANS).contextPointer(NOT_RAM)
                .set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS).words());

        assertStatusName(AtsCompletion.COMPLETER_ABORT, request(f, NO_SSID, VA, true));
        f.expectNoEvents();
        // The same fetch for an ordinary transaction is recorded: the CA was not a missing CD.
        assertStatus(DmaTarget.ABORTED, f.read(SID, NO_SSID, VA, 0, new byte[4]));
        assertEquals(1, f.driver.events().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aRequestForWriteMarksAWritableCleanPageDirtyAndAReadOnlyRequestDoesNot(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);
        long leaf = f.leafDescriptor(tt, VA);
        f.memory.write64(leaf, (f.memory.read64(leaf) | ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY) & ~ARM_LPAE_PTE_AF);
        f.stage1Stream(SID, tt, c -> c.ha(true).hd(true), s -> s.set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS));

        assertGrant(request(f, SSID, VA, true), pa, f.pageSize, true, false);
        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AF, "AF set by the read-only request");
        assertNotEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AP_RDONLY, "still clean");

        assertGrant(request(f, SSID, VA, false), pa, f.pageSize, true, true);
        assertEquals(0, f.memory.read64(leaf) & ARM_LPAE_PTE_AP_RDONLY, "dirty after the request for write");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void translatedTransactionsPassWithoutAtsCheckAndAreCheckedAgainstEatsWithIt(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0);
        f.stage1Stream(SID, tt); // EATS = 0b00
        byte[] data = bytes(16, 3);

        assertStatus(DmaTarget.OK, f.dma.write(SID, NO_SSID, pa, DmaTarget.TRANSLATED, data, 0, 16));
        assertArrayEquals(data, f.memoryAt(pa, 16));
        f.expectNoEvents();

        atsCheck(f, true);
        assertStatus(DmaTarget.ABORTED, f.dma.write(SID, NO_SSID, pa + 16, DmaTarget.TRANSLATED, data, 0, 16));
        f.expectEvents(event(EVT_ID_TRANSL_FORBIDDEN, SID).write(pa + 16));

        f.stage1Stream(SID, tt, c -> c, s -> s.set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS));
        f.driver.cmd(Commands.cfgiSte(SID, true), Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0));
        assertStatus(DmaTarget.OK, f.dma.write(SID, NO_SSID, pa + 16, DmaTarget.TRANSLATED, data, 0, 16));
        assertArrayEquals(data, f.memoryAt(pa + 16, 16));

        f.driver.writeCr0(CR0_ON & ~(int) CR0_SMMUEN);
        assertStatus(DmaTarget.ABORTED, f.dma.read(SID, NO_SSID, pa, DmaTarget.TRANSLATED, new byte[4], 0, 4));
        f.expectEvents(event(EVT_ID_TRANSL_FORBIDDEN, SID).read(pa));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aTranslatedCopyIsItsReadThenItsWrite(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0x5a);
        f.stage1Stream(SID, tt); // EATS = 0b00
        byte[] scratch = new byte[64];

        // CR0.ATSCHK = 0: moved memory to memory, two Translated transactions, no event.
        long before = f.smmu.stats().atsTranslated;
        assertEquals(DmaTarget.OK, f.dma.copy(SID, NO_SSID, pa, pa + 0x800, DmaTarget.TRANSLATED, scratch, 0, 64));
        assertArrayEquals(f.memoryAt(pa, 64), f.memoryAt(pa + 0x800, 64));
        assertEquals(before + 2, f.smmu.stats().atsTranslated);
        f.expectNoEvents();

        // A destination no RAM decodes: the read completed, the write is the failure.
        long end = f.memory.regions().stream().filter(r -> r.kind() == dev.jiommu.mem.MemoryRegion.Kind.RAM)
                .mapToLong(r -> r.base() + r.size()).max().orElseThrow();
        assertEquals(DmaTarget.WRITE_SIDE | DmaTarget.BUS_ERROR,
                f.dma.copy(SID, NO_SSID, pa, end, DmaTarget.TRANSLATED, scratch, 0, 64));
        assertArrayEquals(f.memoryAt(pa, 64), scratch, "the read went through the scratch buffer");

        // CR0.ATSCHK = 1 with EATS = 0: the read is forbidden, with its event, and nothing is written.
        atsCheck(f, true);
        byte[] untouched = f.memoryAt(pa + 0xc00, 64);
        assertEquals(DmaTarget.ABORTED, f.dma.copy(SID, NO_SSID, pa, pa + 0xc00, DmaTarget.TRANSLATED, scratch, 0, 64));
        f.expectEvents(event(EVT_ID_TRANSL_FORBIDDEN, SID).read(pa));
        assertArrayEquals(untouched, f.memoryAt(pa + 0xc00, 64));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void splitStageAtsReturnsTheIpaAndTranslatedTrafficGoesThroughStage2(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.s2Table();
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0);
        long ipa = 0x2_0000_0000L;
        f.map(s2, ipa, pa, RW);
        // Stage-1 tables and CDs live in RAM, which stage 2 also maps 1:1.
        assertEquals(0, s2.mapPages(RAM_BASE, RAM_BASE, f.pageSize, RAM_SIZE / f.pageSize, RW));
        f.map(tt, VA, ipa, RW);
        SmmuDriver.CdTable cds = f.cds();
        cds.write(SSID, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(SID, SteBuilder.nested(cds, s2, VMID)
                .set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_S1CHK).words());
        atsCheck(f, true);

        assertGrant(request(f, SSID, VA, false), ipa, f.pageSize, true, true);

        byte[] data = bytes(32, 9);
        assertStatus(DmaTarget.OK, f.dma.write(SID, NO_SSID, ipa + 64, DmaTarget.TRANSLATED, data, 0, 32));
        assertArrayEquals(data, f.memoryAt(pa + 64, 32));

        long unmappedIpa = ipa + 16 * f.pageSize;
        assertStatus(DmaTarget.ABORTED, f.dma.write(SID, NO_SSID, unmappedIpa, DmaTarget.TRANSLATED, data, 0, 8));
        f.expectEvents(event(EVT_ID_TRANSLATION_FAULT, SID).write(unmappedIpa).stage2(EVTQ_1_CLASS_IN, unmappedIpa));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void splitStageWithoutAtsCheckIsNoAts(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.identityS2();
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        SmmuDriver.CdTable cds = f.cds();
        cds.write(SSID, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(SID, SteBuilder.nested(cds, s2, VMID)
                .set(1, STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_S1CHK).words());

        assertStatusName(AtsCompletion.UNSUPPORTED_REQUEST, request(f, SSID, VA, true));
        f.expectEvents(event(EVT_ID_BAD_ATS_TREQ, SID).substream(SSID).read(VA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void atcInvalidateReachesTheFunctionBeforeTheFollowingSyncCompletes(Variant v) {
        Fixture f = fixture(v);
        f.driver.submit(Commands.atcInv(SID, SSID, VA, 3, false), Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0));
        int prod = f.driver.read32(ARM_SMMU_CMDQ_PROD);

        assertEquals(prod, f.driver.cmdCons(), "the SYNC completed");
        assertEquals(1, f.requester.atcInvalidations.size());
        assertArrayEquals(new long[] {SSID, VA, 3, 0}, f.requester.atcInvalidations.get(0));

        f.driver.cmd(Commands.atcInv(SID, NO_SSID, 0, 52, true));
        assertArrayEquals(new long[] {NO_SSID, 0, 52, 1}, f.requester.atcInvalidations.get(1));
    }
}

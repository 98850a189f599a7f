package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Field;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.jiommu.hw.smmu.conformance.ExpectedEvent.event;
import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stall model (§3.12.2, §5.5, §4.7): a translation fault with CD.S = 1 or
 * STE.S2S = 1 holds the transaction and records an event with STALL = 1 and
 * an STAG; CMD_RESUME retries it (as though it had just arrived) or
 * terminates it (abort, or RAZ/WI); CMD_STALL_TERM and SMMUEN = 0 end all of
 * a stream's; the device hears of the end through {@code stallCompleted}.
 * Also the legality of stall configurations under each IDR0.STALL_MODEL.
 */
class StallConformanceTest extends SmmuConformance {

    private static final int RW = Prot.READ | Prot.WRITE;

    /** A stage-1 stream whose CDs stall on faults; nothing is mapped yet. */
    private static IoPageTable stallingStream(Fixture f) {
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt, c -> c.stall(true), s -> s);
        return tt;
    }

    /** Drains the one stall record expected, checks it field by field, and returns its STAG. */
    private static int stallRecord(Fixture f, ExpectedEvent withoutStall) {
        List<long[]> got = f.driver.events();
        assertEquals(1, got.size(), "one stall record");
        long[] w = got.get(0);
        int stag = (int) Field.get(EVTQ_1_STAG, w[1]);
        assertArrayEquals(withoutStall.stall(stag).words(), w, () -> "stall record " + describe(w));
        return stag;
    }

    private static int[] completion(int stag, int status) {
        return new int[] {stag, status};
    }

    private static void assertCompletions(Fixture f, int[]... expected) {
        List<int[]> got = f.requester.stallCompletions;
        assertEquals(expected.length, got.size(), "stalled transactions completed");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], got.get(i)[0], "STAG of completion " + i);
            assertEquals(DmaTarget.statusName(expected[i][1]), DmaTarget.statusName(got.get(i)[1]));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void stalledWriteIsRetriedByCmdResumeOnceThePageIsMapped(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stallingStream(f);
        byte[] data = bytes(48, 5);

        assertStatus(DmaTarget.STALLED, f.write(SID, SSID, VA + 0x10, data));

        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).write(VA + 0x10)
                .stage1(EVTQ_1_CLASS_IN));
        assertCompletions(f);
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);
        f.driver.cmd(Commands.resume(SID, stag, CMDQ_RESUME_0_RESP_RETRY));

        assertCompletions(f, completion(stag, DmaTarget.OK));
        assertArrayEquals(data, f.memoryAt(pa + 0x10, 48), "the retried write reached memory");
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void stalledReadDeliversItsDataAfterCmdResumeRetry(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stallingStream(f);
        byte[] buffer = new byte[32];

        assertStatus(DmaTarget.STALLED, f.read(SID, NO_SSID, VA + 0x20, 0, buffer));

        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).read(VA + 0x20).stage1(EVTQ_1_CLASS_IN));
        f.map(tt, VA, f.dataPage(0x3c), RW);
        f.driver.cmd(Commands.resume(SID, stag, CMDQ_RESUME_0_RESP_RETRY));

        assertCompletions(f, completion(stag, DmaTarget.OK));
        assertArrayEquals(filled(32, 0x3c), buffer);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdResumeTerminateWithAbortAbortsTheStalledTransaction(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stallingStream(f);
        assertStatus(DmaTarget.STALLED, f.write(SID, SSID, VA, bytes(8, 1)));
        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).write(VA)
                .stage1(EVTQ_1_CLASS_IN));
        long pa = f.dataPage(0x11);
        f.map(tt, VA, pa, RW);

        f.driver.cmd(Commands.resume(SID, stag, CMDQ_RESUME_0_RESP_ABORT));

        assertCompletions(f, completion(stag, DmaTarget.ABORTED));
        assertArrayEquals(filled(8, 0x11), f.memoryAt(pa, 8), "a terminated write never reaches memory");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdResumeTerminateWithoutAbortCompletesAsReadAsZero(Variant v) {
        Fixture f = fixture(v);
        stallingStream(f);
        byte[] buffer = filled(16, 0xaa);
        assertStatus(DmaTarget.STALLED, f.read(SID, SSID, VA, 0, buffer));
        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).read(VA)
                .stage1(EVTQ_1_CLASS_IN));

        f.driver.cmd(Commands.resume(SID, stag, CMDQ_RESUME_0_RESP_TERM));

        assertCompletions(f, completion(stag, DmaTarget.OK));
        assertArrayEquals(new byte[16], buffer, "RAZ: the read completes with zeros");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdResumeForAnotherStreamIdOrStagHasNoEffect(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stallingStream(f);
        assertStatus(DmaTarget.STALLED, f.write(SID, SSID, VA, bytes(8, 2)));
        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).write(VA)
                .stage1(EVTQ_1_CLASS_IN));
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);

        f.driver.cmd(Commands.resume(OTHER_SID, stag, CMDQ_RESUME_0_RESP_RETRY),
                Commands.resume(SID, stag ^ 1, CMDQ_RESUME_0_RESP_RETRY));
        assertCompletions(f);

        f.driver.cmd(Commands.resume(SID, stag, CMDQ_RESUME_0_RESP_RETRY));
        assertCompletions(f, completion(stag, DmaTarget.OK));
        assertArrayEquals(bytes(8, 2), f.memoryAt(pa, 8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aRetryThatFaultsAgainStallsAgainWithANewRecord(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stallingStream(f);
        assertStatus(DmaTarget.STALLED, f.write(SID, SSID, VA, bytes(8, 3)));
        ExpectedEvent fault = event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).write(VA).stage1(EVTQ_1_CLASS_IN);
        int first = stallRecord(f, fault);

        f.driver.cmd(Commands.resume(SID, first, CMDQ_RESUME_0_RESP_RETRY));
        int second = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).write(VA)
                .stage1(EVTQ_1_CLASS_IN));
        assertCompletions(f);

        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);
        f.driver.cmd(Commands.resume(SID, second, CMDQ_RESUME_0_RESP_RETRY));
        // The device hears once, under the tag of its transaction's first stall (Requester#stallCompleted).
        assertCompletions(f, completion(first, DmaTarget.OK));
        assertArrayEquals(bytes(8, 3), f.memoryAt(pa, 8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdStallTermTerminatesEveryStalledTransactionOfTheStream(Variant v) {
        Fixture f = fixture(v);
        stallingStream(f);
        assertStatus(DmaTarget.STALLED, f.write(SID, SSID, VA, bytes(8, 1)));
        assertStatus(DmaTarget.STALLED, f.read(SID, FAR_SSID, VA + f.pageSize, 0, new byte[8]));
        List<long[]> records = f.driver.events();
        assertEquals(2, records.size());
        Set<Integer> stags = records.stream().map(w -> (int) Field.get(EVTQ_1_STAG, w[1])).collect(Collectors.toSet());
        assertEquals(2, stags.size(), "each stalled transaction has its own STAG");

        // §4.7.2: make new transactions terminate first, then mark the stalled ones for termination.
        f.driver.installSte(SID, SteBuilder.abort().words());
        f.driver.cmd(Commands.stallTerm(SID));

        assertEquals(stags, f.requester.stallCompletions.stream().map(c -> c[0]).collect(Collectors.toSet()));
        assertTrue(f.requester.stallCompletions.stream().allMatch(c -> c[1] == DmaTarget.ABORTED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void clearingSmmuenTerminatesStalledTransactions(Variant v) {
        Fixture f = fixture(v);
        stallingStream(f);
        assertStatus(DmaTarget.STALLED, f.write(SID, SSID, VA, bytes(8, 1)));
        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).write(VA)
                .stage1(EVTQ_1_CLASS_IN));

        f.driver.writeCr0(CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN);

        assertCompletions(f, completion(stag, DmaTarget.ABORTED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aStallIsRecordedEvenWithTheRecordFlagClear(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt, c -> c.stall(true).record(false), s -> s);

        assertStatus(DmaTarget.STALLED, f.read(SID, SSID, VA, 0, new byte[4]));

        stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).read(VA).stage1(EVTQ_1_CLASS_IN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void stage2FaultStallsWithS2sAndIsRetriedByCmdResume(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.s2Table();
        f.driver.installSte(SID, SteBuilder.stage2(s2, VMID).s2s(true).words());
        long ipa = UNMAPPED_IPA + 0x30;

        assertStatus(DmaTarget.STALLED, f.write(SID, NO_SSID, ipa, bytes(16, 4)));
        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).write(ipa).stage2(EVTQ_1_CLASS_IN, ipa));

        long pa = f.dataPage(0);
        f.map(s2, UNMAPPED_IPA, pa, RW);
        f.driver.cmd(Commands.resume(SID, stag, CMDQ_RESUME_0_RESP_RETRY));

        assertCompletions(f, completion(stag, DmaTarget.OK));
        assertArrayEquals(bytes(16, 4), f.memoryAt(pa + 0x30, 16));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void stage2FaultOnTheCdFetchStallsWithS2sAndIsRetriedByCmdResume(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.identityS2();
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);
        // The CD lies in RAM, but the STE points at it through an IPA stage 2 does not map yet.
        SmmuDriver.CdTable one = f.driver.cdTable(false, 0);
        one.write(0, CdBuilder.of(tt, ASID).words());
        long cdIpa = UNMAPPED_IPA + 32 * f.pageSize + (one.pointer & (f.pageSize - 1));
        f.driver.installSte(SID, SteBuilder.nested(one, s2, VMID).contextPointer(cdIpa).s2s(true).words());

        assertStatus(DmaTarget.STALLED, f.write(SID, NO_SSID, VA, bytes(8, 6)));
        int stag = stallRecord(f, event(EVT_ID_TRANSLATION_FAULT, SID).write(VA).stage2(EVTQ_1_CLASS_CD, cdIpa));

        f.map(s2, cdIpa & -f.pageSize, one.pointer & -f.pageSize, RW);
        f.driver.cmd(Commands.resume(SID, stag, CMDQ_RESUME_0_RESP_RETRY));

        assertCompletions(f, completion(stag, DmaTarget.OK));
        assertArrayEquals(bytes(8, 6), f.memoryAt(pa, 8));
    }

    // ---- legality under IDR0.STALL_MODEL ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void withTerminateOnlyStallConfigurationsAndCommandsAreIllegal(Variant v) {
        Fixture f = new Fixture(v, v.config().withStallModel(1), 6, CR2_RECINVSID | CR2_PTM, true);
        assertEquals(IDR0_STALL_MODEL_TERM, Field.get(IDR0_STALL_MODEL, f.driver.read32(ARM_SMMU_IDR0)));
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        f.stage1Stream(SID, tt, c -> c.stall(true), s -> s);             // CD.S = 1: C_BAD_CD
        f.stage1Stream(OTHER_SID, tt, c -> c, s -> s.s1StallDisable(true)); // S1STALLD = 1: C_BAD_STE
        f.driver.installSte(0x40, SteBuilder.stage2(f.s2Table(), VMID).s2s(true).words()); // S2S = 1: C_BAD_STE

        assertStatus(DmaTarget.ABORTED, f.write(SID, SSID, VA, bytes(4, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(OTHER_SID, SSID, VA, bytes(4, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(0x40, NO_SSID, UNMAPPED_IPA, bytes(4, 1)));
        f.expectEvents(event(EVT_ID_BAD_CD_CONFIG, SID).substream(SSID), event(EVT_ID_BAD_STE_CONFIG, OTHER_SID)
                .substream(SSID), event(EVT_ID_BAD_STE_CONFIG, 0x40));

        for (long[] cmd : new long[][] {Commands.resume(SID, 0, CMDQ_RESUME_0_RESP_RETRY), Commands.stallTerm(SID)}) {
            int at = f.driver.cmdProd;
            f.driver.submit(cmd);
            assertEquals(at, f.driver.cmdCons(), Commands.describe(cmd[0], cmd[1]) + " is CERROR_ILL");
            assertEquals(CMDQ_ERR_CERROR_ILL_IDX, f.driver.cmdError());
            f.driver.writeCommandAt(at, Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0));
            f.driver.acknowledgeGlobalErrors();
            assertEquals(f.driver.cmdProd, f.driver.cmdCons());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void withStallForcedTerminatingConfigurationsAreIllegal(Variant v) {
        Fixture f = new Fixture(v, v.config().withStallModel(2), 6, CR2_RECINVSID | CR2_PTM, true);
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt);                                          // CD.S = 0: C_BAD_CD
        f.stage1Stream(OTHER_SID, tt, c -> c.stall(true), s -> s);        // CD.S = 1: stalls
        f.driver.installSte(0x40, SteBuilder.stage2(f.s2Table(), VMID).words()); // S2S = 0: C_BAD_STE

        assertStatus(DmaTarget.ABORTED, f.write(SID, SSID, VA, bytes(4, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(0x40, NO_SSID, UNMAPPED_IPA, bytes(4, 1)));
        f.expectEvents(event(EVT_ID_BAD_CD_CONFIG, SID).substream(SSID), event(EVT_ID_BAD_STE_CONFIG, 0x40));

        assertStatus(DmaTarget.STALLED, f.write(OTHER_SID, SSID, VA, bytes(4, 1)));
        List<long[]> got = f.driver.events();
        assertEquals(1, got.size());
        assertTrue((got.get(0)[1] & EVTQ_1_STALL) != 0, "STALL = 1");
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Descriptor;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Field;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.jiommu.hw.smmu.conformance.ExpectedEvent.event;
import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every configuration error and translation fault the SMMU reports (§7.3),
 * each provoked by a driver mistake or a missing mapping, with the
 * transaction's outcome and every field of its event record checked
 * bit-exactly; and the fault configuration bits (§5.5) that stall, suppress
 * or soften them.
 */
class FaultEventConformanceTest extends SmmuConformance {

    private static final int RW = Prot.READ | Prot.WRITE;

    /** Address of the start-level descriptor a walk of {@code ia} reads first. */
    private static long firstDescriptor(TableFormat f, long table, long ia) {
        return table + 8 * ((ia >>> f.levelShift(f.startLevel())) & (f.startEntries() - 1));
    }

    // ---- stream table ----------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cBadStreamIdForAStreamIdBeyondTheStreamTable(Variant v) {
        Fixture f = fixture(v);
        int sid = (1 << SmmuDriver.STREAM_BITS) + 5;

        assertStatus(DmaTarget.ABORTED, f.write(sid, NO_SSID, RAM_BASE, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, f.read(sid, SSID, RAM_BASE, 0, new byte[8]));

        f.expectEvents(event(EVT_ID_BAD_STREAMID_CONFIG, sid),
                event(EVT_ID_BAD_STREAMID_CONFIG, sid).substream(SSID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cBadStreamIdForALevel1DescriptorThatDoesNotCoverTheStreamId(Variant v) {
        assumeTrue(v.twoLevelStreamTable(), "L1STD.Span exists only in 2-level stream tables");
        Fixture f = fixture(v);
        int spanZero = 3 << SmmuDriver.SPLIT;          // its L1 descriptor was never written: Span = 0
        int beyondSpan = (5 << SmmuDriver.SPLIT) | 4;  // Span = 2 covers 2^(2-1) = 2 STEs: index 4 is beyond it
        f.memory.write64(f.driver.l1DescriptorAddress(beyondSpan),
                f.frames.allocate(4096) | Field.prep(STRTAB_L1_DESC_SPAN, 2));

        assertStatus(DmaTarget.ABORTED, f.write(spanZero, NO_SSID, RAM_BASE, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(beyondSpan, NO_SSID, RAM_BASE, bytes(8, 1)));

        f.expectEvents(event(EVT_ID_BAD_STREAMID_CONFIG, spanZero), event(EVT_ID_BAD_STREAMID_CONFIG, beyondSpan));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void badStreamIdIsNotRecordedWhenCr2RecInvSidIsClear(Variant v) {
        Fixture f = new Fixture(v, v.config(), 6, CR2_PTM, true);
        int sid = (1 << SmmuDriver.STREAM_BITS) + 5;

        assertStatus(DmaTarget.ABORTED, f.write(sid, NO_SSID, RAM_BASE, bytes(8, 1)));

        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fSteFetchWhenTheStreamTableIsNotInMemory(Variant v) {
        Fixture f = fixture(v);
        long enables = CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN;
        f.driver.writeCr0(enables);
        f.driver.write64(ARM_SMMU_STRTAB_BASE, NOT_RAM);
        f.driver.writeCr0(enables | CR0_SMMUEN);
        f.driver.cmd(Commands.cfgiAll());

        assertStatus(DmaTarget.ABORTED, f.write(SID, NO_SSID, RAM_BASE, bytes(8, 1)));

        long fetched = v.twoLevelStreamTable() ? NOT_RAM + 8L * (SID >>> SmmuDriver.SPLIT) : NOT_RAM + 64L * SID;
        f.expectEvents(event(EVT_ID_STE_FETCH_FAULT, SID).fetch(fetched));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fSteFetchWhenALevel2TableIsNotInMemory(Variant v) {
        assumeTrue(v.twoLevelStreamTable(), "level-2 tables exist only in 2-level stream tables");
        Fixture f = fixture(v);
        int sid = (7 << SmmuDriver.SPLIT) | 0x31;
        f.memory.write64(f.driver.l1DescriptorAddress(sid),
                NOT_RAM | Field.prep(STRTAB_L1_DESC_SPAN, SmmuDriver.SPLIT + 1));

        assertStatus(DmaTarget.ABORTED, f.read(sid, NO_SSID, RAM_BASE, 0, new byte[8]));

        f.expectEvents(event(EVT_ID_STE_FETCH_FAULT, sid).fetch(NOT_RAM + 64L * 0x31));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cBadSteForAnInvalidOrIllegalEntry(Variant v) {
        Fixture f = fixture(v);
        SmmuDriver.CdTable cds = f.cds();
        IoPageTable s2 = f.s2Table();
        int t0sz48 = s2.format().tsz();
        Map<String, SteBuilder> illegal = new LinkedHashMap<>();
        illegal.put("V = 0", SteBuilder.bypass().valid(false));
        illegal.put("S1CDMax beyond SSIDSIZE", SteBuilder.stage1(cds).set(0, STRTAB_STE_0_S1CDMAX, 21));
        illegal.put("STRW = 0b01", SteBuilder.stage1(cds).strw(1));
        illegal.put("STRW = 0b11", SteBuilder.stage1(cds).strw(3));
        illegal.put("S2AA64 = 0", SteBuilder.stage2(s2, VMID).set(2, STRTAB_STE_2_S2AA64, 0));
        illegal.put("S2ENDI = 1", SteBuilder.stage2(s2, VMID).set(2, STRTAB_STE_2_S2ENDI, 1));
        illegal.put("S2TG reserved", SteBuilder.stage2(s2, VMID).vtcr(STRTAB_STE_2_VTCR_S2TG, 3));
        illegal.put("S2SL0 reserved", SteBuilder.stage2(s2, VMID).vtcr(STRTAB_STE_2_VTCR_S2SL0, 3));
        illegal.put("S2T0SZ above 39", SteBuilder.stage2(s2, VMID).vtcr(STRTAB_STE_2_VTCR_S2T0SZ, 40));
        // With a 48-bit IPA, SL0 = 0b01 starts the walk at level 1 (4K) or level 2 (16K, 64K): too many bits.
        illegal.put("S2SL0 inconsistent with S2T0SZ", SteBuilder.stage2(s2, VMID)
                .vtcr(STRTAB_STE_2_VTCR_S2T0SZ, t0sz48).vtcr(STRTAB_STE_2_VTCR_S2SL0, 1));
        int sid = 0x100;
        ExpectedEvent[] expected = new ExpectedEvent[illegal.size()];
        int i = 0;
        for (Map.Entry<String, SteBuilder> e : illegal.entrySet()) {
            f.driver.installSte(sid, e.getValue().words());
            assertStatus(DmaTarget.ABORTED, f.write(sid, NO_SSID, RAM_BASE, bytes(8, 1)));
            expected[i++] = event(EVT_ID_BAD_STE_CONFIG, sid);
            sid++;
        }

        f.expectEvents(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cBadSteForAStageTheSmmuDoesNotImplement(Variant v) {
        Fixture s1Only = new Fixture(v, v.config().withStages(true, false), 6, CR2_RECINVSID | CR2_PTM, true);
        Fixture s2Only = new Fixture(v, v.config().withStages(false, true), 6, CR2_RECINVSID | CR2_PTM, true);
        s1Only.driver.installSte(SID, SteBuilder.stage2(s1Only.s2Table(), VMID).words());
        s2Only.driver.installSte(SID, SteBuilder.stage1(s2Only.cds()).words());

        assertStatus(DmaTarget.ABORTED, s1Only.write(SID, NO_SSID, UNMAPPED_IPA, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, s2Only.write(SID, NO_SSID, VA, bytes(8, 1)));

        s1Only.expectEvents(event(EVT_ID_BAD_STE_CONFIG, SID));
        s2Only.expectEvents(event(EVT_ID_BAD_STE_CONFIG, SID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void reservedConfigValuesBehaveAsAbortWithoutAnEvent(Variant v) {
        Fixture f = fixture(v);
        long pa = f.dataPage(0x5a);
        for (int config = 1; config <= 3; config++) {
            f.driver.installSte(SID, SteBuilder.config(config).words());
            assertStatus(DmaTarget.ABORTED, f.write(SID, NO_SSID, pa, bytes(8, config)));
        }

        assertArrayEquals(filled(8, 0x5a), f.memoryAt(pa, 8));
        f.expectNoEvents();
    }

    // ---- substreams ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fStreamDisabledForTrafficWithoutSubstreamWhenS1DssTerminates(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        f.stage1Stream(SID, tt, c -> c, s -> s.s1dss(STRTAB_STE_1_S1DSS_TERMINATE));
        f.stage1Stream(OTHER_SID, tt, c -> c, s -> s.s1dss(3)); // reserved: behaves as terminate

        assertStatus(DmaTarget.ABORTED, f.write(SID, NO_SSID, VA, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(OTHER_SID, NO_SSID, VA, bytes(8, 1)));
        f.writeOk(SID, SSID, VA, bytes(8, 1));

        f.expectEvents(event(EVT_ID_STREAM_DISABLED_FAULT, SID), event(EVT_ID_STREAM_DISABLED_FAULT, OTHER_SID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fStreamDisabledForSubstreamZeroWhenCd0IsTheDefaultSubstream(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        f.stage1Stream(SID, tt, c -> c, s -> s.s1dss(STRTAB_STE_1_S1DSS_SSID0));

        assertStatus(DmaTarget.ABORTED, f.write(SID, 0, VA, bytes(8, 1)));
        f.writeOk(SID, NO_SSID, VA, bytes(8, 1));

        f.expectEvents(event(EVT_ID_STREAM_DISABLED_FAULT, SID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cBadSubstreamIdForASubstreamTheStreamDoesNotHave(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        f.stage1Stream(SID, tt);                                          // S1CDMax = 12
        SmmuDriver.CdTable one = f.driver.cdTable(false, 0);
        one.write(0, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(0x30, SteBuilder.stage1(one).words());        // S1CDMax = 0: no substreams
        f.driver.installSte(0x31, SteBuilder.stage2(f.identityS2(), VMID).words());
        f.driver.installSte(0x32, SteBuilder.bypass().words());
        int tooBig = 1 << CD_MAX;

        assertStatus(DmaTarget.ABORTED, f.write(SID, tooBig, VA, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(0x30, 1, VA, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(0x31, 1, RAM_BASE, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(0x32, 9, RAM_BASE, bytes(8, 1)));

        // SubstreamID is always valid in this record: there is no SSV (§7.3.9).
        f.expectEvents(event(EVT_ID_BAD_SUBSTREAMID_CONFIG, SID).substreamField(tooBig),
                event(EVT_ID_BAD_SUBSTREAMID_CONFIG, 0x30).substreamField(1),
                event(EVT_ID_BAD_SUBSTREAMID_CONFIG, 0x31).substreamField(1),
                event(EVT_ID_BAD_SUBSTREAMID_CONFIG, 0x32).substreamField(9));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cBadSubstreamIdForALevel1CdDescriptorThatIsNotValid(Variant v) {
        assumeTrue(v.twoLevelCdTable(), "L1CD exists only in 2-level CD tables");
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt);
        int ssid = 2 << SmmuDriver.CdTable.L2_BITS; // its L1CD was never written: V = 0

        assertStatus(DmaTarget.ABORTED, f.read(SID, ssid, VA, 0, new byte[8]));

        f.expectEvents(event(EVT_ID_BAD_SUBSTREAMID_CONFIG, SID).substreamField(ssid));
    }

    // ---- context descriptors ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fCdFetchWhenTheContextDescriptorIsNotInMemory(Variant v) {
        Fixture f = fixture(v);
        SmmuDriver.CdTable cds = f.cds();
        f.driver.installSte(SID, SteBuilder.stage1(cds).contextPointer(NOT_RAM).words());
        f.driver.installSte(OTHER_SID, SteBuilder.stage1(f.driver.cdTable(false, 0)).contextPointer(NOT_RAM).words());

        assertStatus(DmaTarget.ABORTED, f.write(SID, SSID, VA, bytes(8, 1)));
        assertStatus(DmaTarget.ABORTED, f.write(OTHER_SID, NO_SSID, VA, bytes(8, 1)));

        long fetched = v.twoLevelCdTable() ? NOT_RAM + 8L * (SSID >>> SmmuDriver.CdTable.L2_BITS) : NOT_RAM + 64L * SSID;
        f.expectEvents(event(EVT_ID_CD_FETCH_FAULT, SID).substream(SSID).fetch(fetched),
                event(EVT_ID_CD_FETCH_FAULT, OTHER_SID).fetch(NOT_RAM));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fCdFetchWhenALeafCdTableIsNotInMemory(Variant v) {
        assumeTrue(v.twoLevelCdTable(), "leaf CD tables exist only in 2-level CD tables");
        Fixture f = fixture(v);
        SmmuDriver.CdTable cds = f.stage1Stream(SID, f.s1Table());
        int ssid = (3 << SmmuDriver.CdTable.L2_BITS) | 7;
        f.memory.write64(cds.l1DescriptorAddress(ssid), NOT_RAM | CTXDESC_L1_DESC_V);

        assertStatus(DmaTarget.ABORTED, f.write(SID, ssid, VA, bytes(8, 1)));

        f.expectEvents(event(EVT_ID_CD_FETCH_FAULT, SID).substream(ssid).fetch(NOT_RAM + 64L * 7));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cBadCdForAnInvalidOrIllegalDescriptor(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        Map<String, CdBuilder> illegal = new LinkedHashMap<>();
        illegal.put("V = 0", CdBuilder.of(tt, ASID).valid(false));
        illegal.put("AA64 = 0 (AArch32 tables not implemented)", CdBuilder.of(tt, ASID).set(CTXDESC_CD_0_AA64, 0));
        illegal.put("ENDI = 1 (big-endian tables not implemented)", CdBuilder.of(tt, ASID).set(CTXDESC_CD_0_ENDI, 1));
        illegal.put("TG0 reserved", CdBuilder.of(tt, ASID).set(CTXDESC_CD_0_TCR_TG0, 3));
        illegal.put("T0SZ below 16", CdBuilder.of(tt, ASID).set(CTXDESC_CD_0_TCR_T0SZ, 15));
        illegal.put("T0SZ above 39", CdBuilder.of(tt, ASID).set(CTXDESC_CD_0_TCR_T0SZ, 40));
        SmmuDriver.CdTable cds = f.cds();
        int ssid = 1;
        for (CdBuilder cd : illegal.values()) {
            cds.write(ssid++, cd.words());
        }
        f.driver.installSte(SID, SteBuilder.stage1(cds).words());
        // CD.S = 1 is ILLEGAL below an STE with S1STALLD = 1 (§5.5).
        SmmuDriver.CdTable stalling = f.cds();
        stalling.write(SSID, CdBuilder.of(tt, ASID).stall(true).words());
        f.driver.installSte(OTHER_SID, SteBuilder.stage1(stalling).s1StallDisable(true).words());

        ExpectedEvent[] expected = new ExpectedEvent[illegal.size() + 1];
        for (int s = 1; s < ssid; s++) {
            assertStatus(DmaTarget.ABORTED, f.write(SID, s, VA, bytes(8, 1)));
            expected[s - 1] = event(EVT_ID_BAD_CD_CONFIG, SID).substream(s);
        }
        assertStatus(DmaTarget.ABORTED, f.write(OTHER_SID, SSID, VA, bytes(8, 1)));
        expected[illegal.size()] = event(EVT_ID_BAD_CD_CONFIG, OTHER_SID).substream(SSID);

        f.expectEvents(expected);
    }

    // ---- walk external aborts --------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fWalkEabtWhenAStage1TableIsNotInMemory(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt, c -> c.ttb0(NOT_RAM), s -> s);

        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, VA + 0x28, 0, new byte[8]));

        // A stage-1 walk abort is S2 = 0, CLASS = TT (§7.3.12), with the descriptor's PA.
        f.expectEvents(event(EVT_ID_WALK_EABT, SID).substream(SSID).read(VA + 0x28).stage1(EVTQ_1_CLASS_TT)
                .fetch(firstDescriptor(tt.format(), NOT_RAM, VA)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fWalkEabtWhenAStage2TableIsNotInMemory(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.s2Table();
        f.driver.installSte(SID, SteBuilder.stage2(s2, VMID).s2ttb(NOT_RAM).words());
        long ipa = UNMAPPED_IPA + 0x5008;

        assertStatus(DmaTarget.ABORTED, f.write(SID, NO_SSID, ipa, bytes(8, 1)));

        f.expectEvents(event(EVT_ID_WALK_EABT, SID).write(ipa).stage2(EVTQ_1_CLASS_IN, ipa)
                .fetch(firstDescriptor(s2.format(), NOT_RAM, ipa)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fWalkEabtWhenStage2CannotBeWalkedForTheCdFetch(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.identityS2();
        IoPageTable tt = f.s1Table();
        SmmuDriver.CdTable one = f.driver.cdTable(false, 0);
        one.write(0, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(SID, SteBuilder.nested(one, s2, VMID).s2ttb(NOT_RAM).words());

        assertStatus(DmaTarget.ABORTED, f.read(SID, NO_SSID, VA, 0, new byte[8]));

        // A stage-2 walk abort while translating the CD's IPA: S2 = 1, CLASS = CD, FetchAddr of the S2 descriptor.
        f.expectEvents(event(EVT_ID_WALK_EABT, SID).read(VA).stage2(EVTQ_1_CLASS_CD, 0)
                .fetch(firstDescriptor(s2.format(), NOT_RAM, one.pointer)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fWalkEabtOnANestedStage1DescriptorReportsItsPhysicalAddress(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.identityS2();
        long tablesIpa = UNMAPPED_IPA + 16 * f.pageSize;
        f.map(s2, tablesIpa, NOT_RAM, RW); // stage 2 translates the table IPA to a PA nothing decodes
        IoPageTable tt = f.s1Table();
        SmmuDriver.CdTable one = f.driver.cdTable(false, 0);
        one.write(0, CdBuilder.of(tt, ASID).ttb0(tablesIpa).words());
        f.driver.installSte(SID, SteBuilder.nested(one, s2, VMID).words());

        assertStatus(DmaTarget.ABORTED, f.read(SID, NO_SSID, VA, 0, new byte[8]));

        // The stage-2 translation succeeded, the stage-1 descriptor fetch aborted: S2 = 0, CLASS = TT, FetchAddr a PA.
        f.expectEvents(event(EVT_ID_WALK_EABT, SID).read(VA).stage1(EVTQ_1_CLASS_TT)
                .fetch(firstDescriptor(tt.format(), NOT_RAM, VA)));
    }

    // ---- translation faults ----------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fTranslationAtStage1RecordsTheAccessAndTheInputAddress(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        f.stage1Stream(SID, tt);
        long unmapped = VA + 2 * f.pageSize + 0x44;
        long beyondIas = VA | (1L << 48);

        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, unmapped, Access.PRIV | Access.EXEC, new byte[4]));
        assertStatus(DmaTarget.ABORTED, f.write(SID, FAR_SSID, unmapped, bytes(4, 1)));
        assertStatus(DmaTarget.ABORTED, f.read(SID, NO_SSID, beyondIas, 0, new byte[4]));

        f.expectEvents(
                event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).read(unmapped).privileged().instruction()
                        .stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_TRANSLATION_FAULT, SID).substream(FAR_SSID).write(unmapped).stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_TRANSLATION_FAULT, SID).read(beyondIas).stage1(EVTQ_1_CLASS_IN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fTranslationAtStage2RecordsTheIpa(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.s2Table();
        f.map(s2, UNMAPPED_IPA, f.dataPage(0), RW);
        f.driver.installSte(SID, SteBuilder.stage2(s2, VMID).words());
        long ipa = UNMAPPED_IPA + 3 * f.pageSize + 0x10;

        assertStatus(DmaTarget.ABORTED, f.write(SID, NO_SSID, ipa, bytes(4, 1)));

        f.expectEvents(event(EVT_ID_TRANSLATION_FAULT, SID).write(ipa).stage2(EVTQ_1_CLASS_IN, ipa));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fTranslationAtStage2DuringNestedTranslationNamesWhatWasBeingTranslated(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.identityS2();
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, UNMAPPED_IPA + 4 * f.pageSize, RW);
        // CLASS = IN: the stage-1 output IPA has no stage-2 mapping.
        SmmuDriver.CdTable cds = f.cds();
        cds.write(SSID, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(SID, SteBuilder.nested(cds, s2, VMID).words());
        // CLASS = TT: the stage-1 table base is an IPA stage 2 does not map.
        SmmuDriver.CdTable unmappedTables = f.cds();
        unmappedTables.write(SSID, CdBuilder.of(tt, ASID).ttb0(UNMAPPED_IPA).words());
        f.driver.installSte(0x40, SteBuilder.nested(unmappedTables, s2, VMID).words());
        // CLASS = CD: the CD itself lies at an IPA stage 2 does not map.
        long cdIpa = UNMAPPED_IPA + 0x3040;
        f.driver.installSte(0x41, SteBuilder.nested(f.driver.cdTable(false, 0), s2, VMID).contextPointer(cdIpa).words());

        assertStatus(DmaTarget.ABORTED, f.write(SID, SSID, VA + 0x10, bytes(4, 1)));
        assertStatus(DmaTarget.ABORTED, f.read(0x40, SSID, VA + 0x20, 0, new byte[4]));
        assertStatus(DmaTarget.ABORTED, f.read(0x41, NO_SSID, VA + 0x30, 0, new byte[4]));

        f.expectEvents(
                event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).write(VA + 0x10)
                        .stage2(EVTQ_1_CLASS_IN, UNMAPPED_IPA + 4 * f.pageSize),
                event(EVT_ID_TRANSLATION_FAULT, 0x40).substream(SSID).read(VA + 0x20)
                        .stage2(EVTQ_1_CLASS_TT, firstDescriptor(tt.format(), UNMAPPED_IPA, VA)).tableRead(),
                event(EVT_ID_TRANSLATION_FAULT, 0x41).read(VA + 0x30).stage2(EVTQ_1_CLASS_CD, cdIpa));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fAddrSizeWhenAStageOutputsAnAddressBeyondItsOutputSize(Variant v) {
        Fixture f = fixture(v);
        long beyond32Bits = 1L << 32;
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, beyond32Bits, RW);
        f.stage1Stream(SID, tt, c -> c.set(CTXDESC_CD_0_TCR_IPS, ARM_LPAE_TCR_PS_32_BIT), s -> s);
        IoPageTable s2 = f.s2Table();
        f.map(s2, UNMAPPED_IPA, beyond32Bits, RW);
        f.driver.installSte(OTHER_SID, SteBuilder.stage2(s2, VMID).vtcr(STRTAB_STE_2_VTCR_S2PS, 0).words());

        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, VA + 8, 0, new byte[4]));
        assertStatus(DmaTarget.ABORTED, f.read(OTHER_SID, NO_SSID, UNMAPPED_IPA + 8, 0, new byte[4]));

        f.expectEvents(event(EVT_ID_ADDR_SIZE_FAULT, SID).substream(SSID).read(VA + 8).stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_ADDR_SIZE_FAULT, OTHER_SID).read(UNMAPPED_IPA + 8)
                        .stage2(EVTQ_1_CLASS_IN, UNMAPPED_IPA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fAccessForALeafWithTheAccessFlagClearAndNoHardwareUpdate(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(0), RW);
        clearAccessFlag(f, f.leafDescriptor(tt, VA));
        f.stage1Stream(SID, tt);
        IoPageTable s2 = f.s2Table();
        f.map(s2, UNMAPPED_IPA, f.dataPage(0), RW);
        clearAccessFlag(f, f.leafDescriptor(s2, UNMAPPED_IPA));
        f.driver.installSte(OTHER_SID, SteBuilder.stage2(s2, VMID).words());

        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, VA, 0, new byte[4]));
        assertStatus(DmaTarget.ABORTED, f.write(OTHER_SID, NO_SSID, UNMAPPED_IPA + 4, bytes(4, 1)));

        f.expectEvents(event(EVT_ID_ACCESS_FAULT, SID).substream(SSID).read(VA).stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_ACCESS_FAULT, OTHER_SID).write(UNMAPPED_IPA + 4).stage2(EVTQ_1_CLASS_IN, UNMAPPED_IPA));
    }

    static void clearAccessFlag(Fixture f, long descriptor) {
        f.memory.write64(descriptor, f.memory.read64(descriptor) & ~Descriptor.ARM_LPAE_PTE_AF);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fPermissionForAnAccessTheLeafDoesNotGrant(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long readOnly = VA;
        long privOnly = VA + f.pageSize;
        long noExec = VA + 2 * f.pageSize;
        f.map(tt, readOnly, f.dataPage(0), Prot.READ);
        f.map(tt, privOnly, f.dataPage(0), RW | Prot.PRIV);
        f.map(tt, noExec, f.dataPage(0), RW | Prot.NOEXEC);
        f.stage1Stream(SID, tt);
        IoPageTable s2 = f.s2Table();
        f.map(s2, UNMAPPED_IPA, f.dataPage(0), Prot.READ);
        f.driver.installSte(OTHER_SID, SteBuilder.stage2(s2, VMID).words());

        assertStatus(DmaTarget.ABORTED, f.write(SID, SSID, readOnly + 4, bytes(4, 1)));
        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, privOnly, 0, new byte[4]));
        f.readOk(SID, SSID, readOnly, 4);
        assertStatus(DmaTarget.OK, f.read(SID, SSID, privOnly, Access.PRIV, new byte[4]));
        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, noExec, Access.EXEC, new byte[4]));
        assertStatus(DmaTarget.ABORTED, f.write(OTHER_SID, NO_SSID, UNMAPPED_IPA, bytes(4, 1)));

        f.expectEvents(event(EVT_ID_PERMISSION_FAULT, SID).substream(SSID).write(readOnly + 4).stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_PERMISSION_FAULT, SID).substream(SSID).read(privOnly).stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_PERMISSION_FAULT, SID).substream(SSID).read(noExec).instruction()
                        .stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_PERMISSION_FAULT, OTHER_SID).write(UNMAPPED_IPA).stage2(EVTQ_1_CLASS_IN, UNMAPPED_IPA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void writesAreDataAccessesWhateverTheInstructionAttribute(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW | Prot.NOEXEC);
        f.map(tt, VA + f.pageSize, f.dataPage(0), Prot.READ | Prot.NOEXEC);
        f.stage1Stream(SID, tt);

        // §13.1.2: writes are always Data, so an instruction attribute does not make an execute-never page fault...
        assertStatus(DmaTarget.OK, f.dma.write(SID, SSID, VA, Access.EXEC, bytes(4, 1), 0, 4));
        assertArrayEquals(bytes(4, 1), f.memoryAt(pa, 4));
        // ...and a write that faults is recorded with InD = 0 (§7.3.16: InD == 0 when RnW == 0).
        assertStatus(DmaTarget.ABORTED, f.dma.write(SID, SSID, VA + f.pageSize, Access.EXEC, bytes(4, 1), 0, 4));

        f.expectEvents(event(EVT_ID_PERMISSION_FAULT, SID).substream(SSID).write(VA + f.pageSize)
                .stage1(EVTQ_1_CLASS_IN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fPermissionAtStage2ForAStage1TableUpdateReportsClassTtAndATableWrite(Variant v) {
        Fixture f = fixture(v);
        // Stage-1 tables live in a window of their own, mapped page by page at stage 2 so that the leaf
        // table's page can be made read-only there.
        long window = f.frames.allocate(1L << 22);
        FrameAllocator tables = new FrameAllocator(f.memory, window, 1L << 22);
        IoPageTable tt = IoPageTable.create(Stage.STAGE1, f.granule.pageSizeBitmap(false), 48, 48, 0, tables);
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);
        long leaf = f.leafDescriptor(tt, VA);
        clearAccessFlag(f, leaf);
        IoPageTable s2 = f.s2Table();
        for (long a = window; a < window + (1L << 22); a += f.pageSize) {
            f.map(s2, a, a, RW);
        }
        long leafTablePage = leaf & -f.pageSize;
        f.remap(s2, leafTablePage, leafTablePage, Prot.READ);
        f.map(s2, pa, pa, RW);
        SmmuDriver.CdTable one = f.driver.cdTable(false, 0);
        f.map(s2, one.pointer & -f.pageSize, one.pointer & -f.pageSize, RW);
        one.write(0, CdBuilder.of(tt, ASID).ha(true).words());
        f.driver.installSte(SID, SteBuilder.nested(one, s2, VMID).words());

        // The read needs AF set; the hardware update writes the leaf, which stage 2 forbids.
        assertStatus(DmaTarget.ABORTED, f.read(SID, NO_SSID, VA, 0, new byte[4]));

        f.expectEvents(event(EVT_ID_PERMISSION_FAULT, SID).read(VA).stage2(EVTQ_1_CLASS_TT, leaf));
        assertEquals(0, f.memory.read64(leaf) & Descriptor.ARM_LPAE_PTE_AF, "the forbidden update did not happen");
    }

    // ---- fault configuration: CD.R, CD.A, STE.S2R ------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void recordFlagClearSuppressesTheRecordOfATerminatedFault(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.stage1Stream(SID, tt, c -> c.record(false), s -> s);
        f.driver.installSte(OTHER_SID, SteBuilder.stage2(f.s2Table(), VMID).s2r(false).words());

        assertStatus(DmaTarget.ABORTED, f.read(SID, SSID, VA, 0, new byte[4]));
        assertStatus(DmaTarget.ABORTED, f.write(OTHER_SID, NO_SSID, UNMAPPED_IPA, bytes(4, 1)));

        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void abortFlagClearCompletesAStage1FaultAsReadAsZeroWriteIgnored(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long ro = f.dataPage(0x77);
        f.map(tt, VA, ro, Prot.READ);
        f.stage1Stream(SID, tt, c -> c.abort(false), s -> s);
        long unmapped = VA + 4 * f.pageSize;

        byte[] buffer = filled(16, 0xaa);
        assertStatus(DmaTarget.OK, f.read(SID, SSID, unmapped, 0, buffer));
        assertStatus(DmaTarget.OK, f.write(SID, SSID, VA, bytes(16, 3)));

        assertArrayEquals(new byte[16], buffer, "a terminated read returns zeros");
        assertArrayEquals(filled(16, 0x77), f.memoryAt(ro, 16), "a terminated write is ignored");
        f.expectEvents(event(EVT_ID_TRANSLATION_FAULT, SID).substream(SSID).read(unmapped).stage1(EVTQ_1_CLASS_IN),
                event(EVT_ID_PERMISSION_FAULT, SID).substream(SSID).write(VA).stage1(EVTQ_1_CLASS_IN));
    }
}

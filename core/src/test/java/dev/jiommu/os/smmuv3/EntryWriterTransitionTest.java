package dev.jiommu.os.smmuv3;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.jiommu.os.smmuv3.EntryFixtures.*;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The transitions of Linux's KUnit test for the SMMUv3 driver
 * (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c, 6.18), with its expected
 * sync counts and its verdict on whether the entry stays valid throughout,
 * plus the cases it leaves out (S1DSS terminate, ATS toggles, a stage-2 domain
 * with a real VMID, no-op writes). {@link HitlessCheckingStore} checks the
 * hitless invariant after every store, not only at syncs as KUnit does.
 */
class EntryWriterTransitionTest {

    private static final long[] ABORT = SteMake.abort();
    private static final long[] BYPASS = SteMake.bypass(FEATURES);

    private static Arguments hitless(String name, long[] from, long[] to, int syncs) {
        return Arguments.of(name, from, to, syncs, true);
    }

    private static Arguments breaking(String name, long[] from, long[] to, int syncs) {
        return Arguments.of(name, from, to, syncs, false);
    }

    /** Linux's KUnit STE cases, in its order; names are its function names without the prefix. */
    static Stream<Arguments> kunitSte() {
        long[] ssid0 = cdTable(STRTAB_STE_1_S1DSS_SSID0, ATS);
        long[] s1dssBypass = cdTable(STRTAB_STE_1_S1DSS_BYPASS, ATS);
        long[] s2 = s2(ATS);
        return Stream.of(
                hitless("bypass_to_abort", BYPASS, ABORT, 2),
                hitless("abort_to_bypass", ABORT, BYPASS, 2),
                hitless("cdtable_to_abort", ssid0, ABORT, 2),
                hitless("abort_to_cdtable", ABORT, ssid0, 2),
                hitless("cdtable_to_bypass", ssid0, BYPASS, 3),
                hitless("bypass_to_cdtable", BYPASS, ssid0, 3),
                hitless("cdtable_s1dss_change ssid0->bypass", ssid0, s1dssBypass, 1),
                hitless("cdtable_s1dss_change bypass->ssid0", s1dssBypass, ssid0, 1),
                hitless("s1dssbypass_to_stebypass", s1dssBypass, BYPASS, 2),
                hitless("stebypass_to_s1dssbypass", BYPASS, s1dssBypass, 2),
                hitless("s2_to_abort", s2, ABORT, 2),
                hitless("abort_to_s2", ABORT, s2, 2),
                hitless("s2_to_bypass", s2, BYPASS, 2),
                hitless("bypass_to_s2", BYPASS, s2, 2),
                hitless("s1_to_s2", ssid0, s2, 3),
                hitless("s2_to_s1", s2, ssid0, 3),
                breaking("non_hitless", ssid0,
                        cdTable(STRTAB_STE_1_S1DSS_BYPASS, OTHER_CD_TABLE_PA, ATS), 3),
                hitless("s1_to_s2_stall", cdTable(STRTAB_STE_1_S1DSS_SSID0, STALL), s2(STALL), 3),
                hitless("s2_to_s1_stall", s2(STALL), cdTable(STRTAB_STE_1_S1DSS_SSID0, STALL), 3),
                hitless("nested_s1dssbypass_to_s1bypass", nested(STRTAB_STE_1_S1DSS_BYPASS, ATS), s2(PLAIN), 3),
                hitless("nested_s1bypass_to_s1dssbypass", s2(PLAIN), nested(STRTAB_STE_1_S1DSS_BYPASS, ATS), 2));
    }

    /** Linux's KUnit CD cases. */
    static Stream<Arguments> kunitCd() {
        long[] clear = CdMake.clear();
        return Stream.of(
                breaking("s1_clear clear->s1", clear, s1Cd(1997), 2),
                breaking("s1_clear s1->clear", s1Cd(1997), clear, 2),
                hitless("s1_change_asid 778->1997", s1Cd(778), s1Cd(1997), 1),
                hitless("s1_change_asid 1997->778", s1Cd(1997), s1Cd(778), 1),
                breaking("sva_clear clear->sva", clear, svaCd(1997), 2),
                breaking("sva_clear sva->clear", svaCd(1997), clear, 2),
                hitless("sva_release sva->released", svaCd(1997), svaReleasedCd(1997), 2),
                hitless("sva_release released->sva", svaReleasedCd(1997), svaCd(1997), 2));
    }

    /**
     * Cases KUnit does not have. The counts follow from the used bits: which
     * qwords differ after the ignored bits are staged.
     */
    static Stream<Arguments> moreSte() {
        long[] terminate = cdTable(STRTAB_STE_1_S1DSS_TERMINATE, ATS);
        long[] ssid0 = cdTable(STRTAB_STE_1_S1DSS_SSID0, ATS);
        long[] s1dssBypass = cdTable(STRTAB_STE_1_S1DSS_BYPASS, ATS);
        return Stream.of(
                // Bypass needs SHCFG staged first, the CD table fields cleaned up last.
                hitless("terminate_to_bypass", terminate, BYPASS, 3),
                hitless("bypass_to_terminate", BYPASS, terminate, 3),
                hitless("terminate_to_abort", terminate, ABORT, 2),
                // S1DSS alone is the critical qword; SHCFG rides along in the same store.
                hitless("terminate_to_ssid0", terminate, ssid0, 1),
                hitless("ssid0_to_terminate", ssid0, terminate, 1),
                hitless("terminate_to_s1dssbypass", terminate, s1dssBypass, 1),
                hitless("s1dssbypass_to_terminate", s1dssBypass, terminate, 1),
                // EATS Translate is update-safe: one direct store, no staging.
                hitless("cdtable ats_off", ssid0, cdTable(STRTAB_STE_1_S1DSS_SSID0, PLAIN), 1),
                hitless("s2 ats_on", s2(PLAIN), s2(ATS), 1),
                // A stage-2 domain with a real VMID: S2VMID is used by stage-1 STEs too (as 0), so
                // Config and S2VMID sit in different qwords and the switch must break the STE.
                breaking("s1_to_s2 with vmid 5", ssid0, SteMake.s2Domain(FEATURES, ATS, stage2(5)), 3),
                breaking("s2 with vmid 5 to s1", SteMake.s2Domain(FEATURES, ATS, stage2(5)), ssid0, 3),
                hitless("s2_to_nested ssid0", s2(ATS), nested(STRTAB_STE_1_S1DSS_SSID0, ATS), 2),
                // MEV is update-safe, so clearing it is staged before the switch: one more sync.
                hitless("nested_to_s2 ssid0", nested(STRTAB_STE_1_S1DSS_SSID0, ATS), s2(ATS), 3),
                hitless("nested_to_abort", nested(STRTAB_STE_1_S1DSS_SSID0, ATS), ABORT, 2),
                hitless("abort_to_nested", ABORT, nested(STRTAB_STE_1_S1DSS_SSID0, ATS), 2),
                // Moving a nested STE to another guest CD table changes only qword 0.
                hitless("nested cd table move", nested(STRTAB_STE_1_S1DSS_SSID0, ATS),
                        SteMake.nested(FEATURES, ATS, stage2(), new SteMake.CdTable(OTHER_CD_TABLE_PA,
                                STRTAB_STE_0_S1FMT_LINEAR, 4), STRTAB_STE_1_S1DSS_SSID0), 1),
                // A CD table move alone is hitless too; KUnit's non_hitless adds an S1DSS change.
                hitless("cdtable move", ssid0, cdTable(STRTAB_STE_1_S1DSS_SSID0, OTHER_CD_TABLE_PA, ATS), 1),
                // The all-zero (never written) STE. Bypass is staged while the STE is still
                // invalid, which KUnit's rule (V = 0 seen) counts as not hitless; abort is one store.
                breaking("invalid_to_bypass", new long[8], BYPASS, 2),
                hitless("invalid_to_abort", new long[8], ABORT, 1),
                hitless("same bypass", BYPASS, BYPASS.clone(), 0),
                hitless("same cdtable", ssid0, ssid0.clone(), 0));
    }

    static Stream<Arguments> moreCd() {
        long[] stall = CdMake.s1(5, S1_FORMAT, TTB, MAIR, CdMake.Options.DEFAULT.withStall(true));
        return Stream.of(
                hitless("s1 new ttb0", s1Cd(7), CdMake.s1(7, S1_FORMAT, TTB + 0x10000, MAIR, CdMake.Options.DEFAULT), 1),
                // TTB0 and qword 0 both change: the CD must go invalid.
                breaking("s1 new asid and ttb0", s1Cd(7),
                        CdMake.s1(8, S1_FORMAT, TTB + 0x10000, MAIR, CdMake.Options.DEFAULT), 3),
                hitless("sva_release with stall", CdMake.sva(9, S1_FORMAT, TTB, MAIR, CdMake.Options.DEFAULT
                        .withStall(true)), CdMake.svaReleased(9, S1_FORMAT, MAIR, CdMake.Options.DEFAULT
                        .withStall(true)), 2),
                hitless("s1 stall on", s1Cd(5), stall, 1),
                hitless("same s1", s1Cd(5), s1Cd(5), 0),
                hitless("same clear", CdMake.clear(), CdMake.clear(), 0));
    }

    @ParameterizedTest(name = "{0}: {3} syncs")
    @MethodSource({"kunitSte", "moreSte"})
    void steTransition(String name, long[] from, long[] to, int syncs, boolean hitless) {
        HitlessCheckingStore store = HitlessCheckingStore.ste(from, to);
        int returned = EntryWriter.writeSte(store, to);
        expect(store, to, returned, syncs, hitless);
    }

    @ParameterizedTest(name = "{0}: {3} syncs")
    @MethodSource({"kunitCd", "moreCd"})
    void cdTransition(String name, long[] from, long[] to, int syncs, boolean hitless) {
        HitlessCheckingStore store = HitlessCheckingStore.cd(from, to);
        int returned = EntryWriter.writeCd(store, to);
        expect(store, to, returned, syncs, hitless);
    }

    private static void expect(HitlessCheckingStore store, long[] to, int returned, int syncs, boolean hitless) {
        assertArrayEquals(to, store.entry(), store::toString);
        assertEquals(syncs, store.syncs(), store::toString);
        assertEquals(syncs, returned, "returned sync count");
        assertEquals(!hitless, store.sawInvalid(), () -> "went invalid: " + store);
    }

    /** The breaking sequence in detail: V cleared by zeroing qword 0, the rest, then qword 0. */
    @Test
    void breakingUpdateOrder() {
        long[] from = cdTable(STRTAB_STE_1_S1DSS_SSID0, ATS);
        long[] to = cdTable(STRTAB_STE_1_S1DSS_BYPASS, OTHER_CD_TABLE_PA, ATS);
        HitlessCheckingStore store = HitlessCheckingStore.ste(from, to);
        EntryWriter.writeSte(store, to);
        assertEquals(List.of(
                new HitlessCheckingStore.Op(0, 0), HitlessCheckingStore.Op.SYNC,
                new HitlessCheckingStore.Op(1, to[1]), HitlessCheckingStore.Op.SYNC,
                new HitlessCheckingStore.Op(0, to[0]), HitlessCheckingStore.Op.SYNC), store.log());
    }

    /** The hitless sequence in detail, for KUnit's bypass_to_cdtable: stage, switch, clean up. */
    @Test
    void hitlessUpdateOrder() {
        long[] to = cdTable(STRTAB_STE_1_S1DSS_SSID0, ATS);
        HitlessCheckingStore store = HitlessCheckingStore.ste(BYPASS, to);
        EntryWriter.writeSte(store, to);
        long shcfgIncoming = 1L << 44;
        assertEquals(List.of(
                new HitlessCheckingStore.Op(1, to[1] | shcfgIncoming), HitlessCheckingStore.Op.SYNC,
                new HitlessCheckingStore.Op(0, to[0]), HitlessCheckingStore.Op.SYNC,
                new HitlessCheckingStore.Op(1, to[1]), HitlessCheckingStore.Op.SYNC), store.log());
    }

    @Test
    void rejectsTargetsWithUnusedBits() {
        long[] abortWithJunk = SteMake.abort();
        abortWithJunk[1] = 1;
        HitlessCheckingStore ste = HitlessCheckingStore.ste(BYPASS, BYPASS);
        assertThrows(IllegalArgumentException.class, () -> EntryWriter.writeSte(ste, abortWithJunk));
        long[] invalidCdWithJunk = new long[8];
        invalidCdWithJunk[3] = MAIR;
        HitlessCheckingStore cd = HitlessCheckingStore.cd(s1Cd(1), s1Cd(1));
        assertThrows(IllegalArgumentException.class, () -> EntryWriter.writeCd(cd, invalidCdWithJunk));
        assertEquals(0, ste.writes() + cd.writes(), "nothing is written before the target is checked");
        assertThrows(IllegalArgumentException.class, () -> EntryWriter.writeSte(ste, new long[7]));
    }
}

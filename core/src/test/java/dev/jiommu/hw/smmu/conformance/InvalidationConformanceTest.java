package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.BooleanSupplier;

import static dev.jiommu.hw.smmu.conformance.ExpectedEvent.event;
import static dev.jiommu.spec.smmuv3.Cd.CTXDESC_CD_0_V;
import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Event.EVT_ID_BAD_CD_CONFIG;
import static dev.jiommu.spec.smmuv3.Registers.CR2_E2H;
import static dev.jiommu.spec.smmuv3.Registers.CR2_PTM;
import static dev.jiommu.spec.smmuv3.Registers.CR2_RECINVSID;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_STRW_EL2;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each configuration and TLB invalidation command (§4.3, §4.4), shown by a
 * stale entry: software changes an STE, a CD or a page table in memory; with
 * caches on, the SMMU keeps using what it cached — through commands aimed at
 * other streams, substreams, ASIDs, VMIDs, addresses or regimes — until
 * exactly the command that covers it; with caches off, the change shows at
 * once.
 *
 * <p>Note: §4.3 and §4.4 permit over-invalidation. The "wrong command leaves
 * it" checks pin the model's precise scopes (what Arm recommends), not an
 * architectural requirement; the "right command removes it" checks are
 * architectural.
 */
class InvalidationConformanceTest extends SmmuConformance {

    private static final int RW = Prot.READ | Prot.WRITE;
    private static final int OLD = 0x01;
    private static final int NEW = 0x02;

    /**
     * Checks {@code changed} is false, applies {@code change}; then without
     * caches {@code changed} holds at once; with caches it stays false through
     * each {@code wrong} command (+ CMD_SYNC) and holds after {@code right}.
     */
    private static void assertStaleUntil(Fixture f, BooleanSupplier changed, Runnable change, long[] right,
                                         long[]... wrong) {
        assertFalse(changed.getAsBoolean(), "before the change");
        change.run();
        if (!f.variant.caches()) {
            assertTrue(changed.getAsBoolean(), "without caches a change in memory takes effect at once");
            return;
        }
        assertFalse(changed.getAsBoolean(), "the cached entry is used until it is invalidated");
        for (long[] w : wrong) {
            f.driver.cmd(w);
            assertFalse(changed.getAsBoolean(), () -> Commands.describe(w[0], w[1]) + " must leave the entry");
        }
        f.driver.cmd(right);
        assertTrue(changed.getAsBoolean(), () -> Commands.describe(right[0], right[1]) + " must remove the entry");
    }

    /** A DMA read of {@code address} returns the NEW page's bytes. */
    private static BooleanSupplier readsNew(Fixture f, int sid, int ssid, long address) {
        return () -> f.readOk(sid, ssid, address, 1)[0] == NEW;
    }

    /** TLBI TG field for the variant's granule. */
    private static long tg(Granule g) {
        return switch (g) {
            case G4K -> CMDQ_TLBI_1_TG_4K;
            case G16K -> CMDQ_TLBI_1_TG_16K;
            case G64K -> CMDQ_TLBI_1_TG_64K;
        };
    }

    /** A stage-1 stream whose VA maps to an OLD page; returns the table, for the test to remap. */
    private static IoPageTable stage1(Fixture f) {
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(OLD), RW);
        f.stage1Stream(SID, tt);
        return tt;
    }

    // ---- stage-1 TLB invalidation ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiNhAllRemovesTheStage1EntriesOfItsVmid(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiNhAll(VMID),
                Commands.tlbiNhAll(VMID + 1), Commands.tlbiEl2All(), Commands.tlbiS2Ipa(VMID, VA, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiNhAsidRemovesTheEntriesOfOneAsid(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiNhAsid(VMID, ASID),
                Commands.tlbiNhAsid(VMID, ASID + 1), Commands.tlbiNhAsid(VMID + 1, ASID), Commands.tlbiEl2Asid(ASID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiNhVaRemovesTheEntryForOneAddressAndAsid(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, FAR_SSID, VA + 0x40), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiNhVa(VMID, ASID, VA + 0x40, true),
                Commands.tlbiNhVa(VMID, ASID, VA + f.pageSize, true), Commands.tlbiNhVa(VMID, ASID + 1, VA, true),
                Commands.tlbiNhVa(VMID + 1, ASID, VA, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiNhVaaRemovesTheEntryForOneAddressInEveryAsid(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiNhVaa(VMID, VA, false),
                Commands.tlbiNhVaa(VMID, VA - f.pageSize, false), Commands.tlbiNhVaa(VMID + 1, VA, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiNhVaWithARangeRemovesEveryPageOfTheRangeAndNoOther(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long fresh = f.dataPage(NEW);
        long tg = tg(v.granule());
        long base = VA - 8 * f.pageSize;
        // Range = (NUM + 1) × 2^SCALE pages of TG from the address (§4.4.1.1): 8 pages end just below VA,
        // 12 pages cover it; the range just above VA misses it.
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiNhVa(VMID, ASID, base, true, 2, 2, tg, 0),
                Commands.tlbiNhVa(VMID, ASID, base, true, 1, 2, tg, 0),
                Commands.tlbiNhVa(VMID, ASID, VA + f.pageSize, true, 31, 3, tg, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiNhVaaWithARangeRemovesEveryPageOfTheRange(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long fresh = f.dataPage(NEW);
        long tg = tg(v.granule());
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiNhVaa(VMID, VA - 3 * f.pageSize, false, 3, 0, tg, 0),
                Commands.tlbiNhVaa(VMID, VA - 3 * f.pageSize, false, 2, 0, tg, 0));
    }

    // ---- EL2 -------------------------------------------------------------------------------------------------

    /** A stage-1 EL2 stream (STE.STRW = EL2, CR2.E2H as given) whose VA maps to an OLD page. */
    private static IoPageTable el2Stream(Fixture f) {
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(OLD), RW);
        // S2VMID is IGNORED for an EL2 StreamWorld (§5.2): a stale value must not tag the translations.
        f.stage1Stream(SID, tt, c -> c, s -> s.strw(STRTAB_STE_1_STRW_EL2).vmid(VMID));
        return tt;
    }

    private static Fixture e2hFixture(Variant v) {
        return new Fixture(v, v.config(), 6, CR2_RECINVSID | CR2_PTM | CR2_E2H, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiEl2AllRemovesEl2EntriesWhichNonHypCommandsLeave(Variant v) {
        Fixture f = e2hFixture(v);
        IoPageTable tt = el2Stream(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiEl2All(),
                Commands.tlbiNhAll(VMID), Commands.tlbiNhAll(0), Commands.tlbiNsnhAll(), Commands.tlbiS12Vmall(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiEl2AsidRemovesTheEl2E2hEntriesOfOneAsid(Variant v) {
        Fixture f = e2hFixture(v);
        IoPageTable tt = el2Stream(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiEl2Asid(ASID),
                Commands.tlbiEl2Asid(ASID + 1), Commands.tlbiNhAsid(0, ASID), Commands.tlbiNhAsid(VMID, ASID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiEl2VaRemovesTheEl2EntryForOneAddressAndAsid(Variant v) {
        Fixture f = e2hFixture(v);
        IoPageTable tt = el2Stream(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiEl2Va(ASID, VA, true),
                Commands.tlbiEl2Va(ASID, VA + f.pageSize, true), Commands.tlbiEl2Va(ASID + 1, VA, true),
                Commands.tlbiNhVa(0, ASID, VA, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiEl2VaaRemovesTheEl2EntryForOneAddressInEveryAsid(Variant v) {
        Fixture f = e2hFixture(v);
        IoPageTable tt = el2Stream(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiEl2Vaa(VA, false),
                Commands.tlbiEl2Vaa(VA + f.pageSize, false), Commands.tlbiNhVaa(0, VA, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiEl2VaIgnoresItsAsidWhenEl2HasNoAsids(Variant v) {
        Fixture f = fixture(v); // CR2.E2H = 0: StreamWorld NS-EL2, translations are not ASID-tagged
        IoPageTable tt = el2Stream(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiEl2Va(ASID + 5, VA, true),
                Commands.tlbiEl2Va(ASID, VA + f.pageSize, true));
    }

    // ---- stage-2 TLB invalidation ----------------------------------------------------------------------------

    /** A stage-2 stream whose IPA maps to an OLD page. */
    private static IoPageTable stage2(Fixture f, long ipa) {
        IoPageTable s2 = f.s2Table();
        f.map(s2, ipa, f.dataPage(OLD), RW);
        f.driver.installSte(SID, SteBuilder.stage2(s2, VMID).words());
        return s2;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiS12VmallRemovesEveryEntryOfItsVmid(Variant v) {
        Fixture f = fixture(v);
        long ipa = UNMAPPED_IPA;
        IoPageTable s2 = stage2(f, ipa);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, NO_SSID, ipa), () -> f.remap(s2, ipa, fresh, RW),
                Commands.tlbiS12Vmall(VMID),
                Commands.tlbiS12Vmall(VMID + 1), Commands.tlbiNhAll(VMID), Commands.tlbiEl2All());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiS12VmallAlsoRemovesStage1EntriesOfItsVmid(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, SSID, VA), () -> f.remap(tt, VA, fresh, RW),
                Commands.tlbiS12Vmall(VMID),
                Commands.tlbiS12Vmall(VMID + 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiS2IpaRemovesTheStage2EntryForOneIpa(Variant v) {
        Fixture f = fixture(v);
        long ipa = UNMAPPED_IPA + 2 * f.pageSize;
        IoPageTable s2 = stage2(f, ipa);
        long fresh = f.dataPage(NEW);
        assertStaleUntil(f, readsNew(f, SID, NO_SSID, ipa + 8), () -> f.remap(s2, ipa, fresh, RW),
                Commands.tlbiS2Ipa(VMID, ipa + 8, true),
                Commands.tlbiS2Ipa(VMID, ipa + f.pageSize, true), Commands.tlbiS2Ipa(VMID + 1, ipa, true),
                Commands.tlbiNhAll(VMID), Commands.tlbiNhVaa(VMID, ipa, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiS2IpaWithARangeRemovesEveryPageOfTheRange(Variant v) {
        Fixture f = fixture(v);
        long ipa = UNMAPPED_IPA + 64 * f.pageSize;
        IoPageTable s2 = stage2(f, ipa);
        long fresh = f.dataPage(NEW);
        long tg = tg(v.granule());
        long base = ipa - 32 * f.pageSize;
        // 2 × 2^4 = 32 pages stop just below the IPA; 3 × 2^4 = 48 pages cover it.
        assertStaleUntil(f, readsNew(f, SID, NO_SSID, ipa), () -> f.remap(s2, ipa, fresh, RW),
                Commands.tlbiS2Ipa(VMID, base, true, 2, 4, tg, 0),
                Commands.tlbiS2Ipa(VMID, base, true, 1, 4, tg, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tlbiNsnhAllRemovesEveryNonHypEntry(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = stage1(f);
        long ipa = UNMAPPED_IPA;
        IoPageTable s2 = f.s2Table();
        f.map(s2, ipa, f.dataPage(OLD), RW);
        f.driver.installSte(OTHER_SID, SteBuilder.stage2(s2, VMID + 3).words());
        long fresh1 = f.dataPage(NEW);
        long fresh2 = f.dataPage(NEW);
        BooleanSupplier bothNew = () -> readsNew(f, SID, SSID, VA).getAsBoolean()
                & readsNew(f, OTHER_SID, NO_SSID, ipa).getAsBoolean();
        assertStaleUntil(f, bothNew, () -> {
            f.remap(tt, VA, fresh1, RW);
            f.remap(s2, ipa, fresh2, RW);
        }, Commands.tlbiNsnhAll(), Commands.tlbiEl2All());
    }

    // ---- configuration invalidation --------------------------------------------------------------------------

    /** The STE of {@code sid} has become abort: a DMA through it is aborted. */
    private static BooleanSupplier aborts(Fixture f, int sid) {
        long pa = f.dataPage(0);
        return () -> f.write(sid, NO_SSID, pa, new byte[4]) == DmaTarget.ABORTED;
    }

    private static void steBecomesAbort(Fixture f, int sid) {
        f.driver.writeSte(sid, SteBuilder.abort().words());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cfgiSteRemovesTheCachedSteOfOneStream(Variant v) {
        Fixture f = fixture(v);
        f.driver.installSte(SID, SteBuilder.bypass().words());
        f.driver.installSte(OTHER_SID, SteBuilder.bypass().words());
        assertStaleUntil(f, aborts(f, SID), () -> steBecomesAbort(f, SID),
                Commands.cfgiSte(SID, true),
                Commands.cfgiSte(OTHER_SID, false), Commands.cfgiCdAll(SID), Commands.tlbiNsnhAll());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cfgiSteRangeRemovesTheStesOfAnAlignedRange(Variant v) {
        Fixture f = fixture(v);
        f.driver.installSte(SID, SteBuilder.bypass().words()); // SID 0x25
        // RANGE = 2 covers 2^3 StreamIDs; the low 3 bits of the StreamID are ignored.
        assertStaleUntil(f, aborts(f, SID), () -> steBecomesAbort(f, SID),
                Commands.cfgiSteRange(0x22, 2),
                Commands.cfgiSteRange(0x28, 2), Commands.cfgiSteRange(0x20, 1), Commands.cfgiSteRange(0x26, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cfgiAllRemovesEveryCachedSte(Variant v) {
        Fixture f = fixture(v);
        f.driver.installSte(SID, SteBuilder.bypass().words());
        assertStaleUntil(f, aborts(f, SID), () -> steBecomesAbort(f, SID),
                Commands.cfgiAll(),
                Commands.cfgiSte(OTHER_SID, true), Commands.cfgiCdAll(SID));
    }

    /** CD {@code ssid} of a stage-1 stream has been made invalid: a DMA through it aborts with C_BAD_CD. */
    private static BooleanSupplier cdInvalid(Fixture f, int ssid) {
        return () -> f.write(SID, ssid, VA, new byte[4]) == DmaTarget.ABORTED;
    }

    private static void invalidateCdInMemory(Fixture f, SmmuDriver.CdTable cds, int ssid) {
        long a = cds.cdAddress(ssid);
        f.memory.write64(a, f.memory.read64(a) & ~CTXDESC_CD_0_V);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cfgiCdRemovesOneCachedCd(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(OLD), RW);
        SmmuDriver.CdTable cds = f.stage1Stream(SID, tt);
        f.stage1Stream(OTHER_SID, tt);
        assertStaleUntil(f, cdInvalid(f, FAR_SSID), () -> invalidateCdInMemory(f, cds, FAR_SSID),
                Commands.cfgiCd(SID, FAR_SSID, true),
                Commands.cfgiCd(SID, SSID, false), Commands.cfgiCd(OTHER_SID, FAR_SSID, false),
                Commands.cfgiCdAll(OTHER_SID), Commands.tlbiNhAsid(VMID, ASID));
        f.expectEvents(event(EVT_ID_BAD_CD_CONFIG, SID).substream(FAR_SSID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cfgiCdAllRemovesEveryCachedCdOfOneStream(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(OLD), RW);
        SmmuDriver.CdTable cds = f.stage1Stream(SID, tt);
        assertStaleUntil(f, cdInvalid(f, SSID), () -> invalidateCdInMemory(f, cds, SSID),
                Commands.cfgiCdAll(SID),
                Commands.cfgiCdAll(OTHER_SID), Commands.cfgiCd(SID, FAR_SSID, false));
        f.expectEvents(event(EVT_ID_BAD_CD_CONFIG, SID).substream(SSID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cfgiSteAlsoRemovesTheCdsCachedThroughTheSte(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(OLD), RW);
        SmmuDriver.CdTable cds = f.stage1Stream(SID, tt);
        // §4.3.1: CMD_CFGI_STE invalidates all CDs that were cached using the StreamID.
        assertStaleUntil(f, cdInvalid(f, SSID), () -> invalidateCdInMemory(f, cds, SSID),
                Commands.cfgiSte(SID, true),
                Commands.cfgiSte(OTHER_SID, true));
        f.expectEvents(event(EVT_ID_BAD_CD_CONFIG, SID).substream(SSID));
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;

import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_0_S1FMT;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_S1DSS_BYPASS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Each STE.Config (§5.2): a transaction through the SMMU lands where the
 * configuration says, or nowhere.
 */
class StreamTableEntryConformanceTest extends SmmuConformance {

    private static final int RW = Prot.READ | Prot.WRITE;

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void abortConfigTerminatesWithAnAbortAndRecordsNoEvent(Variant v) {
        Fixture f = fixture(v);
        long pa = f.dataPage(0x11);
        f.driver.installSte(SID, SteBuilder.abort().words());

        assertStatus(DmaTarget.ABORTED, f.write(SID, NO_SSID, pa, bytes(64, 1)));
        assertStatus(DmaTarget.ABORTED, f.read(SID, NO_SSID, pa, 0, new byte[8]));

        assertArrayEquals(filled(64, 0x11), f.memoryAt(pa, 64), "an aborted write does not reach memory");
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void bypassConfigPassesTheInputAddressUntranslated(Variant v) {
        Fixture f = fixture(v);
        long pa = f.dataPage(0);
        f.driver.installSte(SID, SteBuilder.bypass().words());

        byte[] data = bytes(100, 7);
        f.writeOk(SID, NO_SSID, pa + 0x10, data);

        assertArrayEquals(data, f.memoryAt(pa + 0x10, 100));
        assertArrayEquals(data, f.readOk(SID, NO_SSID, pa + 0x10, 100));
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void stage1TranslatesEachSubstreamThroughItsOwnContextDescriptor(Variant v) {
        Fixture f = fixture(v);
        // Three CDs, three page tables, three target pages: CD 0 serves traffic without a SubstreamID (S1DSS=SSID0).
        SmmuDriver.CdTable cds = f.cds();
        long[] pages = new long[3];
        int[] ssids = {0, SSID, FAR_SSID};
        for (int i = 0; i < 3; i++) {
            IoPageTable tt = f.s1Table();
            pages[i] = f.dataPage(0);
            f.map(tt, VA, pages[i], RW);
            cds.write(ssids[i], CdBuilder.of(tt, ASID + i).words());
        }
        f.driver.installSte(SID, SteBuilder.stage1(cds).vmid(VMID).words());

        f.writeOk(SID, NO_SSID, VA + 8, bytes(16, 1));
        f.writeOk(SID, SSID, VA + 8, bytes(16, 2));
        f.writeOk(SID, FAR_SSID, VA + 8, bytes(16, 3));

        for (int i = 0; i < 3; i++) {
            assertArrayEquals(bytes(16, i + 1), f.memoryAt(pages[i] + 8, 16), "substream " + ssids[i]);
        }
        assertArrayEquals(bytes(16, 2), f.readOk(SID, SSID, VA + 8, 16));
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void stage1WithDefaultSubstreamBypassLeavesTrafficWithoutSubstreamUntranslated(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long translated = f.dataPage(0);
        long direct = f.dataPage(0);
        f.map(tt, VA, translated, RW);
        f.stage1Stream(SID, tt, c -> c, s -> s.s1dss(STRTAB_STE_1_S1DSS_BYPASS));

        f.writeOk(SID, NO_SSID, direct, bytes(32, 5));
        f.writeOk(SID, SSID, VA, bytes(32, 6));

        assertArrayEquals(bytes(32, 5), f.memoryAt(direct, 32), "no SubstreamID: stage 1 bypassed");
        assertArrayEquals(bytes(32, 6), f.memoryAt(translated, 32), "SubstreamID: translated by its CD");
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void stage2TranslatesTheInputAsAnIpa(Variant v) {
        Fixture f = fixture(v);
        IoPageTable s2 = f.s2Table();
        long pa = f.dataPage(0);
        long ipa = UNMAPPED_IPA + 4 * f.pageSize;
        f.map(s2, ipa, pa, RW);
        f.driver.installSte(SID, SteBuilder.stage2(s2, VMID).words());

        byte[] data = bytes(200, 9);
        f.writeOk(SID, NO_SSID, ipa + 0x40, data);

        assertArrayEquals(data, f.memoryAt(pa + 0x40, 200));
        assertArrayEquals(data, f.readOk(SID, NO_SSID, ipa + 0x40, 200));
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void nestedTranslatesVaToIpaToPa(Variant v) {
        Fixture f = fixture(v);
        // Stage 2 maps RAM to itself (the CD table and stage-1 tables live at IPA = PA) and one high IPA to the data.
        IoPageTable s2 = f.identityS2();
        long pa = f.dataPage(0);
        long ipa = UNMAPPED_IPA + 8 * f.pageSize;
        f.map(s2, ipa, pa, RW);
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, ipa, RW);
        SmmuDriver.CdTable cds = f.cds();
        cds.write(0, CdBuilder.of(tt, ASID).words());
        cds.write(FAR_SSID, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(SID, SteBuilder.nested(cds, s2, VMID).words());

        f.writeOk(SID, NO_SSID, VA + 0x80, bytes(48, 3));
        f.writeOk(SID, FAR_SSID, VA + 0x100, bytes(48, 4));

        assertArrayEquals(bytes(48, 3), f.memoryAt(pa + 0x80, 48));
        assertArrayEquals(bytes(48, 4), f.memoryAt(pa + 0x100, 48));
        assertArrayEquals(bytes(48, 4), f.readOk(SID, FAR_SSID, VA + 0x100, 48));
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void reservedFieldValuesBehaveAsTheValueTheArchitectureNames(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long pa = f.dataPage(0);
        f.map(tt, VA, pa, RW);
        // S1Fmt = 0b11 is Reserved and behaves as 0b00 (linear), §5.2.
        SmmuDriver.CdTable linear = f.driver.cdTable(false, CD_MAX);
        linear.write(SSID, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(SID, SteBuilder.stage1(linear).set(0, STRTAB_STE_0_S1FMT, 3).words());
        // With stage 2 enabled STRW is IGNORED (the StreamWorld is NS-EL1), even a Reserved value, §5.2.
        IoPageTable s2 = f.identityS2();
        SmmuDriver.CdTable cds = f.cds();
        cds.write(SSID, CdBuilder.of(tt, ASID).words());
        f.driver.installSte(OTHER_SID, SteBuilder.nested(cds, s2, VMID).strw(3).words());

        f.writeOk(SID, SSID, VA, bytes(8, 1));
        assertArrayEquals(bytes(8, 1), f.memoryAt(pa, 8));
        f.writeOk(OTHER_SID, SSID, VA + 8, bytes(8, 2));
        assertArrayEquals(bytes(8, 2), f.memoryAt(pa + 8, 8));
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void transactionsCrossingPagesAreTranslatedPageByPage(Variant v) {
        Fixture f = fixture(v);
        IoPageTable tt = f.s1Table();
        long lo = f.dataPage(0);
        long hi = f.dataPage(0);
        f.map(tt, VA, hi, RW);
        f.map(tt, VA + f.pageSize, lo, RW);
        f.stage1Stream(SID, tt);

        byte[] data = bytes(64, 11);
        f.writeOk(SID, SSID, VA + f.pageSize - 32, data);

        assertArrayEquals(Arrays.copyOfRange(data, 0, 32), f.memoryAt(hi + f.pageSize - 32, 32));
        assertArrayEquals(Arrays.copyOfRange(data, 32, 64), f.memoryAt(lo, 32));
        f.expectNoEvents();
    }
}

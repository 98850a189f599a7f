package dev.jiommu.os.smmuv3;

import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.TableFormat;
import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Made entries pinned bit for bit. Every expected qword is a literal worked by
 * hand from the field positions of arm-smmu-v3.h (IHI0070 5.2 STE, 5.4 CD);
 * the comment beside it gives the sum. None is computed with the constants
 * under test.
 */
class EntryMakeGoldenTest {

    private static final SteMake.Features KUNIT = SteMake.Features.KUNIT;

    @Test
    void abort() {
        // V
        assertArrayEquals(new long[] {0x1L, 0, 0, 0, 0, 0, 0, 0}, SteMake.abort());
    }

    @Test
    void bypass() {
        // V | Config 0b100 << 1; SHCFG 0b01 << 44
        assertArrayEquals(new long[] {0x9L, 0x0000_1000_0000_0000L, 0, 0, 0, 0, 0, 0}, SteMake.bypass(KUNIT));
        assertArrayEquals(new long[] {0x9L, 0, 0, 0, 0, 0, 0, 0},
                SteMake.bypass(new SteMake.Features(true, false, false)));
    }

    @Test
    void cdTableWithAtsSsid0() {
        long[] ste = SteMake.cdTable(KUNIT, new SteMake.Master(true, false),
                new SteMake.CdTable(0xF0F0_F0F0_F0C0L, STRTAB_STE_0_S1FMT_64K_L2, 8), STRTAB_STE_1_S1DSS_SSID0);
        assertArrayEquals(new long[] {
                // S1CDMax 8 << 59 | S1ContextPtr | S1Fmt 2 << 4 | Config 0b101 << 1 | V
                0x4000_F0F0_F0F0_F0EBL,
                // EATS 1 << 28 | S1STALLD 1 << 27 | S1CSH 3 << 6 | S1COR 1 << 4 | S1CIR 1 << 2 | S1DSS 2; STRW 0
                0x0000_0000_1800_00D6L,
                0, 0, 0, 0, 0, 0}, ste);
    }

    @Test
    void cdTableWithE2hStallAndBypassingDefaultSubstream() {
        long[] ste = SteMake.cdTable(new SteMake.Features(true, true, true), new SteMake.Master(false, true),
                new SteMake.CdTable(0x8000_0000L, STRTAB_STE_0_S1FMT_LINEAR, 0), STRTAB_STE_1_S1DSS_BYPASS);
        assertArrayEquals(new long[] {
                // S1ContextPtr | Config 0b101 << 1 | V
                0x0000_0000_8000_000BL,
                // SHCFG 1 << 44 | STRW 0b10 << 30 | S1CSH 3 << 6 | S1COR 1 << 4 | S1CIR 1 << 2 | S1DSS 1; no S1STALLD
                0x0000_1000_8000_00D5L,
                0, 0, 0, 0, 0, 0}, ste);
    }

    @Test
    void s2DomainWithStallAndFwb() {
        // 4K, IAS 40: starts at level 1 on 2 concatenated tables (S2SL0 0b01), S2T0SZ 24, S2PS 0b100 (44 bits).
        TableFormat f = TableFormat.stage2(Granule.G4K, 40, 44);
        long[] ste = SteMake.s2Domain(KUNIT, new SteMake.Master(false, true),
                new SteMake.Stage2(0x1234, f, 0x4_0000_2000L, true, true));
        assertArrayEquals(new long[] {
                // Config 0b110 << 1 | V
                0xDL,
                // SHCFG 1 << 44 | S2FWB 1 << 25; EATS 0
                0x0000_1000_0200_0000L,
                // S2R 1 << 58 | S2S 1 << 57 | S2PTW 1 << 54 | S2AA64 1 << 51
                // | VTCR (S2PS 4 << 16 | S2TG 0 | S2SH0 3 << 12 | S2OR0 1 << 10 | S2IR0 1 << 8 | S2SL0 1 << 6 | 24) << 32
                // | S2VMID 0x1234
                0x064C_3558_0000_1234L,
                // S2TTB
                0x0000_0004_0000_2000L,
                0, 0, 0, 0}, ste);
    }

    @Test
    void s2Domain64kNonCoherent() {
        // 64K, IAS 42: starts at level 2 on one table (S2SL0 0b01), S2T0SZ 22, S2TG 0b01, S2PS 0b010.
        TableFormat f = TableFormat.stage2(Granule.G64K, 42, 40);
        long[] ste = SteMake.s2Domain(new SteMake.Features(false, false, false), new SteMake.Master(true, false),
                new SteMake.Stage2(1, f, 0x10_0000L, false, false));
        assertArrayEquals(new long[] {
                0xDL,
                // EATS 1 << 28
                0x0000_0000_1000_0000L,
                // S2R | S2PTW | S2AA64 | VTCR (2 << 16 | 1 << 14 | SH0 2 << 12 | OR0 0 | IR0 0 | 1 << 6 | 22) << 32 | VMID 1
                0x044A_6056_0000_0001L,
                0x0000_0000_0010_0000L,
                0, 0, 0, 0}, ste);
    }

    @Test
    void nested() {
        TableFormat f = TableFormat.stage2(Granule.G4K, 40, 40);
        long[] ste = SteMake.nested(KUNIT, new SteMake.Master(true, false), new SteMake.Stage2(3, f, 0x8000L, true, false),
                new SteMake.CdTable(0x1000_0000L, STRTAB_STE_0_S1FMT_LINEAR, 0), STRTAB_STE_1_S1DSS_SSID0);
        assertArrayEquals(new long[] {
                // S1ContextPtr | Config 0b111 << 1 | V
                0x0000_0000_1000_000FL,
                // SHCFG 1 << 44 | EATS 1 << 28 | S1STALLD 1 << 27 | MEV 1 << 19 | S1CSH/COR/CIR | S1DSS 2
                0x0000_1000_1808_00D6L,
                // S2R | S2PTW | S2AA64 | VTCR (2 << 16 | 3 << 12 | 1 << 10 | 1 << 8 | 1 << 6 | 24) << 32 | VMID 3
                0x044A_3558_0000_0003L,
                0x0000_0000_0000_8000L,
                0, 0, 0, 0}, ste);
    }

    @Test
    void s1Cd() {
        long[] cd = CdMake.s1(1997, TableFormat.stage1(Granule.G4K, 48, 48), 0x1234_5000L, 0x0044_FF04L,
                CdMake.Options.DEFAULT);
        assertArrayEquals(new long[] {
                // ASID 1997 << 48 | ASET 1 << 47 | A 1 << 46 | R 1 << 45 | AA64 1 << 41 | IPS 5 << 32
                // | V 1 << 31 | EPD1 1 << 30 | SH0 3 << 12 | ORGN0 1 << 10 | IRGN0 1 << 8 | TG0 0 | T0SZ 16
                0x07CD_E205_C000_3510L,
                0x0000_0000_1234_5000L,
                0,
                0x0000_0000_0044_FF04L,
                0, 0, 0, 0}, cd);
    }

    @Test
    void s1Cd64kWithStallAndHttuNonCoherent() {
        long[] cd = CdMake.s1(0xFFFF, TableFormat.stage1(Granule.G64K, 52, 52), 0x1_0000L, -1L,
                CdMake.Options.DEFAULT.withStall(true).withCoherentWalk(false).withHttu(true, true));
        assertArrayEquals(new long[] {
                // ASID | ASET | A | R | S 1 << 44 | HA 1 << 43 | HD 1 << 42 | AA64 | IPS 6 << 32 | V | EPD1
                // | SH0 2 << 12 | ORGN0 0 | IRGN0 0 | TG0 1 << 6 | T0SZ 12
                0xFFFF_FE06_C000_204CL,
                0x0000_0000_0001_0000L,
                0,
                -1L,
                0, 0, 0, 0}, cd);
    }

    @Test
    void svaCdAndItsReleasedForm() {
        TableFormat f = TableFormat.stage1(Granule.G4K, 48, 48);
        assertArrayEquals(new long[] {0x07CD_E205_C000_3510L, 0xDAED_BEEF_0000L, 0, 0x44L, 0, 0, 0, 0},
                CdMake.sva(1997, f, 0xDAED_BEEF_0000L, 0x44L, CdMake.Options.DEFAULT));
        // ASID | ASET | A | AA64 | IPS 5 << 32 | V | EPD1 | EPD0 1 << 14; R and S cleared; TTB0 0
        assertArrayEquals(new long[] {0x07CD_C205_C000_4000L, 0, 0, 0x44L, 0, 0, 0, 0},
                CdMake.svaReleased(1997, f, 0x44L, CdMake.Options.DEFAULT));
        // With forced stalls S and R stay: + S 1 << 44 | R 1 << 45
        assertArrayEquals(new long[] {0x07CD_F205_C000_4000L, 0, 0, 0x44L, 0, 0, 0, 0},
                CdMake.svaReleased(1997, f, 0x44L, CdMake.Options.DEFAULT.withStall(true).withStallForced(true)));
    }

    @Test
    void withBroadcastTlbMaintenanceTheSvaCdsPutTheAsidInTheSharedSet() {
        TableFormat f = TableFormat.stage1(Granule.G4K, 48, 48);
        CdMake.Options shared = CdMake.Options.DEFAULT.withSharedAsid(true);
        // As svaCdAndItsReleasedForm, ASET (1 << 47) clear.
        assertArrayEquals(new long[] {0x07CD_6205_C000_3510L, 0xDAED_BEEF_0000L, 0, 0x44L, 0, 0, 0, 0},
                CdMake.sva(1997, f, 0xDAED_BEEF_0000L, 0x44L, shared));
        assertArrayEquals(new long[] {0x07CD_4205_C000_4000L, 0, 0, 0x44L, 0, 0, 0, 0},
                CdMake.svaReleased(1997, f, 0x44L, shared));
        assertThrows(IllegalArgumentException.class, () -> CdMake.s1(1, f, 0, 0x44L, shared),
                "a paging domain's ASID is never shared");
    }

    @Test
    void usedBits() {
        // bypass: V | Config; SHCFG
        assertArrayEquals(new long[] {0xFL, 0x0000_3000_0000_0000L, 0, 0, 0, 0, 0, 0},
                EntryWriter.steUsed(SteMake.bypass(KUNIT)));
        // abort: V | Config; invalid: V
        assertArrayEquals(new long[] {0xFL, 0, 0, 0, 0, 0, 0, 0}, EntryWriter.steUsed(SteMake.abort()));
        assertArrayEquals(new long[] {0x1L, 0, 0, 0, 0, 0, 0, 0}, EntryWriter.steUsed(new long[8]));
        // stage 1, S1DSS SSID0: S1CDMax | S1ContextPtr | S1Fmt | Config | V;
        // STRW | EATS | S1STALLD | MEV | S1CSH/COR/CIR | S1DSS; S2VMID
        assertArrayEquals(new long[] {0xF80F_FFFF_FFFF_FFFFL, 0x0000_0000_F808_00FFL, 0xFFFFL, 0, 0, 0, 0, 0},
                EntryWriter.steUsed(EntryFixtures.cdTable(STRTAB_STE_1_S1DSS_SSID0, EntryFixtures.ATS)));
        // stage 2: V | Config; SHCFG | EATS | S2FWB | MEV; S2R..S2ENDI, S2AA64, VTCR, S2VMID (S2HA/HD/AFFD not);
        // S2TTB
        assertArrayEquals(new long[] {0xFL, 0x0000_3000_3208_0000L, 0x065F_FFFF_0000_FFFFL, 0x000F_FFFF_FFFF_FFF0L,
                0, 0, 0, 0}, EntryWriter.steUsed(EntryFixtures.s2(EntryFixtures.ATS)));
        // CD: V alone when invalid, everything when valid, the TT0 walk excepted under EPD0
        assertArrayEquals(new long[] {0x8000_0000L, 0, 0, 0, 0, 0, 0, 0}, EntryWriter.cdUsed(CdMake.clear()));
        assertArrayEquals(new long[] {-1L, -1L, -1L, -1L, -1L, -1L, -1L, -1L},
                EntryWriter.cdUsed(EntryFixtures.s1Cd(1)));
        assertArrayEquals(new long[] {0xFFFF_FFFF_FFFF_C000L, 0xFFF0_0000_0000_000FL, -1L, -1L, -1L, -1L, -1L, -1L},
                EntryWriter.cdUsed(EntryFixtures.svaReleasedCd(1)));
        // Update-safe: EATS Translate (bit 28) and MEV (bit 19); MEV alone once S2S is involved
        assertArrayEquals(new long[] {0, 0x1008_0000L, 0, 0, 0, 0, 0, 0},
                EntryWriter.steUpdateSafe(SteMake.abort(), SteMake.abort()));
        assertArrayEquals(new long[] {0, 0x0008_0000L, 0, 0, 0, 0, 0, 0},
                EntryWriter.steUpdateSafe(SteMake.abort(), EntryFixtures.s2(EntryFixtures.STALL)));
    }

    @Test
    void rejectsWhatTheFieldsCannotHold() {
        TableFormat s1 = TableFormat.stage1(Granule.G4K, 48, 48);
        TableFormat s2 = TableFormat.stage2(Granule.G4K, 40, 40);
        assertThrows(IllegalArgumentException.class, () -> new SteMake.Master(true, true));
        assertThrows(IllegalArgumentException.class, () -> new SteMake.CdTable(0xF0F0_F0F0_F0F0L, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SteMake.CdTable(1L << 52, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SteMake.CdTable(0x1000, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new SteMake.CdTable(0x1000, 0, 21));
        assertThrows(IllegalArgumentException.class, () -> new SteMake.Stage2(0x10000, s2, 0, true, false));
        assertThrows(IllegalArgumentException.class, () -> new SteMake.Stage2(1, s1, 0, true, false));
        // a 2-table concatenated start needs 8 KiB alignment
        assertThrows(IllegalArgumentException.class, () -> new SteMake.Stage2(1, s2, 0x1000, true, false));
        assertThrows(IllegalArgumentException.class, () -> SteMake.cdTable(KUNIT, EntryFixtures.ATS,
                new SteMake.CdTable(0x1000, 0, 1), 3));
        long[] ok = SteMake.nestedFromGuest(KUNIT, EntryFixtures.ATS, EntryFixtures.stage2(), 0x100BL, 0x2L);
        assertArrayEquals(new long[] {0x100FL}, new long[] {ok[0]});
        // guest words: a stage-2 field, a bypass Config, an invalid STE
        assertThrows(IllegalArgumentException.class, () -> SteMake.nestedFromGuest(KUNIT, EntryFixtures.ATS,
                EntryFixtures.stage2(), 0x100BL, 0x2L | STRTAB_STE_1_SHCFG));
        assertThrows(IllegalArgumentException.class, () -> SteMake.nestedFromGuest(KUNIT, EntryFixtures.ATS,
                EntryFixtures.stage2(), 0x9L, 0));
        assertThrows(IllegalArgumentException.class, () -> SteMake.nestedFromGuest(KUNIT, EntryFixtures.ATS,
                EntryFixtures.stage2(), 0x100AL, 0));
        assertThrows(IllegalArgumentException.class, () -> CdMake.s1(0x10000, s1, 0, 0, CdMake.Options.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> CdMake.s1(1, s2, 0, 0, CdMake.Options.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> CdMake.s1(1, s1, 0x800, 0, CdMake.Options.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> CdMake.sva(1, s1, 0, 0,
                CdMake.Options.DEFAULT.withCoherentWalk(false)));
        assertThrows(IllegalArgumentException.class, () -> CdMake.Options.DEFAULT.withHttu(false, true));
    }
}

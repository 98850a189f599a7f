package dev.jiommu.os.smmuv3;

import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.TableFormat;

import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_0_S1FMT_64K_L2;

/**
 * The entries Linux's KUnit test (arm-smmu-v3-test.c) builds, made with
 * {@link SteMake} and {@link CdMake}. Where the KUnit test feeds raw or
 * unaligned values (its CD table at {@code 0xF0F0F0F0F0F0}, S1CDMax 0xFF, a
 * VTCR of arbitrary numbers), these use the nearest legal ones; the sync counts
 * depend only on which qwords' used bits differ, which is the same.
 */
final class EntryFixtures {

    static final SteMake.Features FEATURES = SteMake.Features.KUNIT;
    static final SteMake.Master ATS = new SteMake.Master(true, false);
    static final SteMake.Master STALL = new SteMake.Master(false, true);
    static final SteMake.Master PLAIN = new SteMake.Master(false, false);

    static final long CD_TABLE_PA = 0xF0F0_F0F0_F0C0L;
    static final long OTHER_CD_TABLE_PA = 0x4B_4B4B_4B40L;
    static final long TTB = 0xdaed_beef_0000L;
    static final long MAIR = 0x0abc_def0_1234_5678L;

    static final TableFormat S1_FORMAT = TableFormat.stage1(Granule.G4K, 48, 48);
    static final TableFormat S2_FORMAT = TableFormat.stage2(Granule.G4K, 40, 40);

    private EntryFixtures() {
    }

    static long[] cdTable(long s1dss, SteMake.Master master) {
        return cdTable(s1dss, CD_TABLE_PA, master);
    }

    static long[] cdTable(long s1dss, long pa, SteMake.Master master) {
        return SteMake.cdTable(FEATURES, master, new SteMake.CdTable(pa, STRTAB_STE_0_S1FMT_64K_L2, 8), s1dss);
    }

    /** The KUnit stage-2 domain: VMID 0, as its zeroed domain has. */
    static SteMake.Stage2 stage2() {
        return stage2(0);
    }

    static SteMake.Stage2 stage2(int vmid) {
        return new SteMake.Stage2(vmid, S2_FORMAT, TTB, true, false);
    }

    static long[] s2(SteMake.Master master) {
        return SteMake.s2Domain(FEATURES, master, stage2());
    }

    static long[] nested(long s1dss, SteMake.Master master) {
        return SteMake.nested(FEATURES, master, stage2(), new SteMake.CdTable(CD_TABLE_PA, STRTAB_STE_0_S1FMT_64K_L2, 8),
                s1dss);
    }

    static long[] s1Cd(int asid) {
        return CdMake.s1(asid, S1_FORMAT, TTB, MAIR, CdMake.Options.DEFAULT);
    }

    static long[] svaCd(int asid) {
        return CdMake.sva(asid, S1_FORMAT, TTB, MAIR, CdMake.Options.DEFAULT);
    }

    static long[] svaReleasedCd(int asid) {
        return CdMake.svaReleased(asid, S1_FORMAT, MAIR, CdMake.Options.DEFAULT);
    }
}

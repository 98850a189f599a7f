package dev.jiommu.os.smmuv3;

import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.TableFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random walks through made STEs and CDs: each step rewrites the live
 * entry to a random new one with {@link EntryWriter} over a
 * {@link HitlessCheckingStore}, which checks the hitless invariant after every
 * store. Each step also checks what holds whatever the algorithm: the entry
 * ends as the target; at most three syncs, the count returned; no store to a
 * qword other than qword 0 that does not change; and a change confined to one
 * qword of a valid entry costs one store and one sync, never invalidating.
 *
 * <p>Reproduce a failure with {@code -Djiommu.seed=<seed>} (printed at start
 * and in every message); {@code -Djiommu.randomOps=<n>} sets the steps per
 * walk (default 4000).
 */
class EntryWriterRandomTest {

    private static final long DEFAULT_SEED = 0x5_7E_CDL;
    private static final int OPS = Integer.getInteger("jiommu.randomOps", 4000);
    private static final int WALKS = 16;

    /** Small pools, so that consecutive entries often share fields and take the hitless paths. */
    private static final long[] CD_TABLES = {0x1000_0000L, 0x2_0000_0040L, 0xF0F0_F0F0_F0C0L};
    private static final long[] TTBS = {0x4000_0000L, 0x4001_0000L, 0xDAED_BEEF_0000L};
    private static final long[] MAIRS = {0x0044_FF04L, 0x0abc_def0_1234_5678L};
    private static final int[] VMIDS = {0, 1, 0x1234};
    private static final int[] ASIDS = {1, 778, 1997};
    private static final List<TableFormat> S1_FORMATS = List.of(TableFormat.stage1(Granule.G4K, 48, 48),
            TableFormat.stage1(Granule.G4K, 39, 40), TableFormat.stage1(Granule.G16K, 47, 44),
            TableFormat.stage1(Granule.G64K, 52, 52));
    private static final List<TableFormat> S2_FORMATS = List.of(TableFormat.stage2(Granule.G4K, 40, 40),
            TableFormat.stage2(Granule.G4K, 48, 48), TableFormat.stage2(Granule.G16K, 36, 40),
            TableFormat.stage2(Granule.G64K, 42, 44));

    private static long seed;

    @BeforeAll
    static void printSeed() {
        String s = System.getProperty("jiommu.seed");
        seed = s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
        System.out.println("EntryWriterRandomTest seed=" + seed + " ops=" + OPS);
    }

    @Test
    void randomSteWalks() {
        SplittableRandom root = new SplittableRandom(seed);
        for (int w = 0; w < WALKS; w++) {
            SplittableRandom rnd = root.split();
            // An SMMU's features and a device's stall property are fixed for the walk; ATS comes and goes.
            SteMake.Features features = new SteMake.Features(rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean());
            boolean stall = rnd.nextInt(4) == 0;
            walk("STE walk " + w, rnd, r -> randomSte(r, features, stall), true);
        }
    }

    @Test
    void randomCdWalks() {
        SplittableRandom root = new SplittableRandom(seed ^ 0xCDL);
        for (int w = 0; w < WALKS; w++) {
            SplittableRandom rnd = root.split();
            CdMake.Options base = CdMake.Options.DEFAULT.withStall(rnd.nextBoolean()).withStallForced(rnd.nextBoolean());
            walk("CD walk " + w, rnd, r -> randomCd(r, base), false);
        }
    }

    private static void walk(String name, SplittableRandom rnd, Function<SplittableRandom, long[]> next, boolean ste) {
        long[] live = rnd.nextInt(4) == 0 ? new long[EntryWriter.QWORDS] : next.apply(rnd);
        int hitless = 0;
        for (int step = 0; step < OPS; step++) {
            long[] target = next.apply(rnd);
            String where = name + " step " + step + " seed=" + seed + ": " + HitlessCheckingStore.hex(live)
                    + " -> " + HitlessCheckingStore.hex(target);
            HitlessCheckingStore store = ste ? HitlessCheckingStore.ste(live, target) : HitlessCheckingStore.cd(live, target);
            int syncs;
            try {
                syncs = ste ? EntryWriter.writeSte(store, target) : EntryWriter.writeCd(store, target);
            } catch (AssertionError e) {
                throw new AssertionError(where + ": " + e.getMessage(), e);
            }
            assertArrayEquals(target, store.entry(), where);
            assertEquals(store.syncs(), syncs, where);
            assertTrue(syncs <= 3, where + ": " + syncs + " syncs");
            for (HitlessCheckingStore.Op op : store.log()) {
                assertTrue(op.qword() <= 0 || live[op.qword()] != target[op.qword()], () -> where + ": needless " + op);
            }
            int differing = 0;
            for (int i = 0; i < EntryWriter.QWORDS; i++) {
                differing += live[i] != target[i] ? 1 : 0;
            }
            if (differing == 0) {
                assertEquals(0, store.writes(), where);
            }
            long v = ste ? STRTAB_STE_0_V : dev.jiommu.spec.smmuv3.Cd.CTXDESC_CD_0_V;
            if (differing == 1 && (live[0] & v) != 0 && (target[0] & v) != 0) {
                assertEquals(1, store.writes(), where);
                assertEquals(1, syncs, where);
                assertFalse(store.sawInvalid(), where);
            }
            hitless += store.sawInvalid() ? 0 : 1;
            live = target;
        }
        // Guard the generator: a walk that never took a hitless path would test little.
        assertTrue(hitless > OPS / 4, name + ": only " + hitless + " hitless steps of " + OPS);
    }

    private static long[] randomSte(SplittableRandom rnd, SteMake.Features features, boolean stall) {
        SteMake.Master master = new SteMake.Master(!stall && rnd.nextBoolean(), stall);
        return switch (rnd.nextInt(7)) {
            case 0 -> SteMake.abort();
            case 1 -> SteMake.bypass(features);
            case 2, 3 -> SteMake.cdTable(features, master, cdTable(rnd), s1dss(rnd));
            case 4 -> SteMake.s2Domain(features, master, stage2(rnd));
            case 5 -> SteMake.nested(features, master, stage2(rnd), cdTable(rnd), s1dss(rnd));
            default -> {
                SteMake.CdTable t = cdTable(rnd);
                long guest0 = STRTAB_STE_0_V | (STRTAB_STE_0_CFG_S1_TRANS << 1) | (t.s1Fmt() << 4) | t.pa()
                        | ((long) t.s1CdMax() << 59);
                // Guest cache attributes are arbitrary 2-bit values; S1STALLD as the guest likes.
                long guest1 = s1dss(rnd) | ((long) rnd.nextInt(4) << 2) | ((long) rnd.nextInt(4) << 4)
                        | ((long) rnd.nextInt(4) << 6) | (rnd.nextBoolean() ? STRTAB_STE_1_S1STALLD : 0);
                yield SteMake.nestedFromGuest(features, master, stage2(rnd), guest0, guest1);
            }
        };
    }

    private static long[] randomCd(SplittableRandom rnd, CdMake.Options base) {
        int asid = ASIDS[rnd.nextInt(ASIDS.length)];
        TableFormat format = S1_FORMATS.get(rnd.nextInt(S1_FORMATS.size()));
        long ttb = TTBS[rnd.nextInt(TTBS.length)];
        long mair = MAIRS[rnd.nextInt(MAIRS.length)];
        boolean ha = rnd.nextBoolean();
        CdMake.Options options = base.withHttu(ha, ha && rnd.nextBoolean());
        return switch (rnd.nextInt(5)) {
            case 0 -> CdMake.clear();
            case 1 -> CdMake.s1(asid, format, ttb, mair, options.withCoherentWalk(rnd.nextBoolean()));
            case 2 -> CdMake.sva(asid, format, ttb, mair, options);
            default -> CdMake.svaReleased(asid, format, mair, options);
        };
    }

    private static SteMake.CdTable cdTable(SplittableRandom rnd) {
        long[] fmts = {STRTAB_STE_0_S1FMT_LINEAR, STRTAB_STE_0_S1FMT_4K_L2, STRTAB_STE_0_S1FMT_64K_L2};
        return new SteMake.CdTable(CD_TABLES[rnd.nextInt(CD_TABLES.length)], fmts[rnd.nextInt(3)], rnd.nextInt(3) * 10);
    }

    private static SteMake.Stage2 stage2(SplittableRandom rnd) {
        return new SteMake.Stage2(VMIDS[rnd.nextInt(VMIDS.length)], S2_FORMATS.get(rnd.nextInt(S2_FORMATS.size())),
                TTBS[rnd.nextInt(TTBS.length)], rnd.nextBoolean(), rnd.nextBoolean());
    }

    private static long s1dss(SplittableRandom rnd) {
        long[] values = {STRTAB_STE_1_S1DSS_TERMINATE, STRTAB_STE_1_S1DSS_BYPASS, STRTAB_STE_1_S1DSS_SSID0};
        return values[rnd.nextInt(values.length)];
    }
}

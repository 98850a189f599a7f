package dev.jiommu.os.smmuv3;

import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * Rewrites a live STE or CD into a new value so that the SMMU, which may fetch
 * the entry between any two 64-bit stores, never acts on a mixture of the old
 * and new configurations: Linux's {@code arm_smmu_write_entry()} (6.8 and
 * later), including the STE "update safe" bits (MEV, EATS) of Linux 6.18.
 *
 * <p>The writer compares the bits the SMMU uses in the current entry with
 * those it will use in the target ({@link #steUsed}, {@link #cdUsed}). First it
 * forms a staging value: every qword keeps the bits the current configuration
 * uses and takes the target's value everywhere else. Then it counts the qwords
 * whose target-used bits still differ from the target after staging:
 * <ol>
 *   <li><b>none</b>: only ignored (or safe) bits change; the target is stored
 *       directly, and the SMMU sees the old or the new value of each qword,
 *       both meaning the same configuration;</li>
 *   <li><b>one</b> (the "critical" qword), a hitless update in three steps:
 *       store the staging value of every other qword, sync; store the critical
 *       qword, which switches the configuration in a single atomic store, sync;
 *       store the target everywhere, clearing bits the new configuration no
 *       longer uses, sync;</li>
 *   <li><b>more</b>, a breaking update: store 0 to qword 0 (V = 0, so the SMMU
 *       treats the entry as invalid: C_BAD_STE / C_BAD_CD, IHI0070 5.2, 5.4),
 *       sync; store qwords 1..7, sync; store qword 0, sync.</li>
 * </ol>
 * Within a step only qwords whose value changes are stored, and the step's
 * sync is issued only if something was stored, so a step that changes nothing
 * costs nothing.
 *
 * <p>Invariant, which the tests check after every single store: the entry the
 * SMMU can observe is invalid (V = 0), or agrees with the old entry on every
 * bit the observed entry uses, or agrees with the target on those bits (bits
 * {@link #steUpdateSafe} names excepted). After the call the entry equals the
 * target.
 *
 * <p>The writer reads the current entry once through {@link EntryStore#read};
 * it assumes no one else writes the entry meanwhile (the driver serialises
 * updates of one entry, as Linux does under the group mutex).
 */
public final class EntryWriter {

    /** Qwords in an STE and in a CD. */
    public static final int QWORDS = UsedBits.QWORDS;

    private EntryWriter() {
    }

    /**
     * Updates the STE behind {@code entry} to {@code target} (IHI0070 5.2),
     * hitlessly where the used bits allow.
     *
     * @param entry  the live STE and its CFGI_STE + CMD_SYNC
     * @param target the new STE, eight qwords, typically from {@link SteMake}
     * @return the number of {@link EntryStore#sync} calls issued (0..3)
     * @throws IllegalArgumentException if {@code target} is not eight qwords,
     *         or sets a bit that its own configuration does not use (a
     *         make-function bug Linux answers with a warning)
     */
    public static int writeSte(EntryStore entry, long[] target) {
        return write(entry, target, UsedBits::ste, UsedBits::steUpdateSafe);
    }

    /**
     * Updates the CD behind {@code entry} to {@code target} (IHI0070 5.4),
     * hitlessly where the used bits allow.
     *
     * @param entry  the live CD and its CFGI_CD (every StreamID) + CMD_SYNC
     * @param target the new CD, eight qwords, typically from {@link CdMake}
     * @return the number of {@link EntryStore#sync} calls issued (0..3)
     * @throws IllegalArgumentException as {@link #writeSte}
     */
    public static int writeCd(EntryStore entry, long[] target) {
        return write(entry, target, UsedBits::cd, UsedBits::cdUpdateSafe);
    }

    /**
     * The bits of {@code ste} (eight qwords) the SMMU uses, per qword; a
     * fresh array. V alone when invalid; else Config, plus: with stage 1
     * (Config 0b101, 0b111) the CD table fields, S1DSS, S1CIR/COR/CSH,
     * S1STALLD, STRW, EATS, MEV and S2VMID, and SHCFG if S1DSS bypasses; with
     * stage 2 (0b110, 0b111) S2FWB, EATS, SHCFG, MEV, S2VMID, VTCR, S2AA64,
     * S2ENDI, S2PTW, S2S, S2R and S2TTB; with bypass (0b100) SHCFG.
     */
    public static long[] steUsed(long[] ste) {
        return UsedBits.ste(checkEntry(ste, "ste"));
    }

    /**
     * The bits of {@code cd} (eight qwords) the SMMU uses, per qword; a fresh
     * array. V alone when invalid; everything except the TT0 walk fields when
     * EPD0 is set; everything otherwise.
     */
    public static long[] cdUsed(long[] cd) {
        return UsedBits.cd(checkEntry(cd, "cd"));
    }

    /**
     * Bits of an STE that the writer may change out of order between
     * {@code cur} and {@code target} although both use them (MEV always; EATS
     * Translate unless split-stage ATS or S2S is involved); a fresh array.
     */
    public static long[] steUpdateSafe(long[] cur, long[] target) {
        return UsedBits.steUpdateSafe(checkEntry(cur, "cur"), checkEntry(target, "target"));
    }

    private static int write(EntryStore store, long[] target, UnaryOperator<long[]> usedOf,
                             BinaryOperator<long[]> safeOf) {
        checkEntry(target, "target");
        long[] cur = new long[QWORDS];
        for (int i = 0; i < QWORDS; i++) {
            cur[i] = store.read(i);
        }
        long[] curUsed = usedOf.apply(cur);
        long[] targetUsed = usedOf.apply(target);
        long[] safe = safeOf.apply(cur, target);
        long[] staged = new long[QWORDS];
        int critical = 0;
        for (int i = 0; i < QWORDS; i++) {
            long stray = target[i] & ~targetUsed[i];
            if (stray != 0) {
                throw new IllegalArgumentException(String.format(
                        "target qword %d sets bits %#x that its configuration does not use", i, stray));
            }
            // Safe bits count as unused here only when both configurations use them;
            // otherwise the configuration that ignores them orders them.
            long keep = curUsed[i] & ~(safe[i] & curUsed[i] & targetUsed[i]);
            staged[i] = (cur[i] & keep) | (target[i] & ~keep);
            if ((staged[i] & targetUsed[i]) != target[i]) {
                critical |= 1 << i;
            }
        }
        Steps steps = new Steps(store, cur);
        if (Integer.bitCount(critical) == 1) {
            int q = Integer.numberOfTrailingZeros(critical);
            // The critical qword is stored whole in the next step; staging it now would only cost a sync.
            staged[q] = cur[q];
            steps.store(staged, 0, QWORDS);
            steps.store(target, q, 1);
            steps.store(target, 0, QWORDS);
        } else if (critical != 0) {
            staged[0] = 0;
            steps.store(staged, 0, 1);
            steps.store(target, 1, QWORDS - 1);
            steps.store(target, 0, 1);
        } else {
            steps.store(target, 0, QWORDS);
        }
        return steps.syncs;
    }

    private static long[] checkEntry(long[] entry, String name) {
        if (entry == null || entry.length != QWORDS) {
            throw new IllegalArgumentException(name + " must be " + QWORDS + " qwords");
        }
        return entry;
    }

    /** Stores qwords that differ and syncs once per step that stored any; tracks what memory holds. */
    private static final class Steps {
        private final EntryStore store;
        private final long[] now;
        private int syncs;

        Steps(EntryStore store, long[] now) {
            this.store = store;
            this.now = now;
        }

        void store(long[] values, int from, int count) {
            boolean stored = false;
            for (int i = from; i < from + count; i++) {
                if (now[i] != values[i]) {
                    store.write(i, values[i]);
                    now[i] = values[i];
                    stored = true;
                }
            }
            if (stored) {
                store.sync();
                syncs++;
            }
        }
    }
}

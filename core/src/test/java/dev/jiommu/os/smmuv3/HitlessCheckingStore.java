package dev.jiommu.os.smmuv3;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * An {@link EntryStore} over a {@code long[8]} that plays the SMMU: after
 * every single store it looks at the entry as the hardware could fetch it and
 * checks that it means either the old configuration or the target one, the
 * check Linux's KUnit fake writer makes at each sync, here made at each store.
 *
 * <p>An observed entry is acceptable when it is invalid (V = 0: the SMMU
 * raises C_BAD_STE / C_BAD_CD and does nothing else), or when, on every bit
 * the observed entry itself uses, it equals the initial entry or equals the
 * target (bits the writer may legitimately reorder, {@link
 * EntryWriter#steUpdateSafe}, excepted). A violation throws
 * {@link AssertionError} at once, naming the store and the entry.
 */
final class HitlessCheckingStore implements EntryStore {

    /** One store or sync, in order. {@code qword} is -1 for a sync. */
    record Op(int qword, long value) {
        static final Op SYNC = new Op(-1, 0);

        @Override
        public String toString() {
            return qword < 0 ? "sync" : String.format("q%d=%#018x", qword, value);
        }
    }

    private final long[] entry;
    private final long[] initial;
    private final long[] target;
    private final long validBit;
    private final UnaryOperator<long[]> used;
    private final BinaryOperator<long[]> safe;
    private final List<Op> log = new ArrayList<>();
    private boolean sawInvalid;
    private int syncs;

    private HitlessCheckingStore(long[] initial, long[] target, long validBit,
                                 UnaryOperator<long[]> used, BinaryOperator<long[]> safe) {
        this.entry = initial.clone();
        this.initial = initial.clone();
        this.target = target.clone();
        this.validBit = validBit;
        this.used = used;
        this.safe = safe;
    }

    static HitlessCheckingStore ste(long[] initial, long[] target) {
        return new HitlessCheckingStore(initial, target, dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_0_V,
                EntryWriter::steUsed, EntryWriter::steUpdateSafe);
    }

    static HitlessCheckingStore cd(long[] initial, long[] target) {
        return new HitlessCheckingStore(initial, target, dev.jiommu.spec.smmuv3.Cd.CTXDESC_CD_0_V,
                EntryWriter::cdUsed, (a, b) -> new long[EntryWriter.QWORDS]);
    }

    @Override
    public long read(int qword) {
        return entry[qword];
    }

    @Override
    public void write(int qword, long value) {
        log.add(new Op(qword, value));
        entry[qword] = value;
        check();
    }

    @Override
    public void sync() {
        log.add(Op.SYNC);
        syncs++;
    }

    private void check() {
        if ((entry[0] & validBit) == 0) {
            sawInvalid = true;
            return;
        }
        long[] observedUsed = used.apply(entry);
        if (agrees(observedUsed, safe.apply(entry, initial), initial)
                || agrees(observedUsed, safe.apply(entry, target), target)) {
            return;
        }
        throw new AssertionError("after " + log + " the SMMU could observe " + hex(entry)
                + ", which is neither " + hex(initial) + " nor " + hex(target)
                + " on the bits it uses " + hex(observedUsed));
    }

    private boolean agrees(long[] usedBits, long[] safeBits, long[] reference) {
        for (int i = 0; i < entry.length; i++) {
            long mask = usedBits[i] & ~safeBits[i];
            if ((entry[i] & mask) != (reference[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    static String hex(long[] qwords) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < qwords.length; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%016x", qwords[i]));
        }
        return sb.append(']').toString();
    }

    long[] entry() {
        return entry.clone();
    }

    /** Whether any observable state had V = 0 (Linux's test: "not hitless"). */
    boolean sawInvalid() {
        return sawInvalid;
    }

    int syncs() {
        return syncs;
    }

    List<Op> log() {
        return List.copyOf(log);
    }

    int writes() {
        return (int) log.stream().filter(op -> op.qword() >= 0).count();
    }

    @Override
    public String toString() {
        return hex(entry) + " after " + log + (sawInvalid ? " (went invalid)" : "");
    }

    boolean holdsTarget() {
        return Arrays.equals(entry, target);
    }
}

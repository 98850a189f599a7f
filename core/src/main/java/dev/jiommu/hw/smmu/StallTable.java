package dev.jiommu.hw.smmu;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Transactions held by the stall model (SMMUv3 §3.12.2): each is known by its
 * StreamID and the STAG its event record carried, and waits for CMD_RESUME
 * (retry or terminate) or CMD_STALL_TERM. At most {@code capacity} are held at
 * once (IDR5.STALL_MAX); a fault beyond that is terminated instead.
 */
final class StallTable {

    /**
     * The rest of a transfer that stopped at a stalled page; {@code buffer} is
     * null for a translation without data. {@code firstTag} is the STAG of the
     * transaction's first stall (-1 for the first), by which the requester
     * hears of its completion however often it stalls again.
     */
    record Pending(int streamId, int substreamId, long address, int access, byte[] buffer, int offset, int length,
                   int firstTag) {
    }

    private final int capacity;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();
    private int nextTag;
    long stalled;
    long resumed;
    long terminated;

    StallTable(int capacity) {
        this.capacity = capacity;
    }

    private static long key(int sid, int stag) {
        return ((sid & 0xffff_ffffL) << 16) | (stag & 0xffff);
    }

    boolean full() {
        return pending.size() >= capacity;
    }

    /** Holds a transaction; returns its STAG, unique among the StreamID's held transactions. */
    int hold(Pending p) {
        int tag;
        do {
            tag = nextTag;
            nextTag = (nextTag + 1) & 0xffff;
        } while (pending.containsKey(key(p.streamId(), tag)));
        pending.put(key(p.streamId(), tag), p);
        stalled++;
        return tag;
    }

    /** Removes and returns the transaction, or null when none is held under that tag. */
    Pending take(int sid, int stag) {
        return pending.remove(key(sid, stag));
    }

    /** Removes every transaction of {@code sid}; returns their requester-visible tags in stall order. */
    List<Integer> takeAll(int sid) {
        List<Integer> tags = new ArrayList<>();
        for (Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Pending> e = it.next();
            if (e.getValue().streamId() == sid) {
                int first = e.getValue().firstTag();
                tags.add(first >= 0 ? first : (int) (e.getKey() & 0xffff));
                it.remove();
            }
        }
        return tags;
    }

    int size() {
        return pending.size();
    }

    /** Terminates every held transaction with an abort (SMMU disabled). */
    void terminateAll(Smmu smmu) {
        List<Map.Entry<Long, Pending>> all = new ArrayList<>(pending.entrySet());
        pending.clear();
        for (Map.Entry<Long, Pending> e : all) {
            terminated++;
            int first = e.getValue().firstTag();
            smmu.requester(e.getValue().streamId()).stallCompleted(first >= 0 ? first : (int) (e.getKey() & 0xffff),
                    dev.jiommu.hw.bus.DmaTarget.ABORTED);
        }
    }
}

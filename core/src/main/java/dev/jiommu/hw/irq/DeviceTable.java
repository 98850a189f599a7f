package dev.jiommu.hw.irq;

import java.util.Arrays;

/**
 * What the ITS's device table and interrupt translation tables hold once
 * MAPD and MAPTI have run: DeviceID → (EventID range, EventID → LPI INTID).
 * Held as a two-level table, 256 DeviceIDs per leaf, the shape of an indirect
 * GITS_BASER device table, so a sparse DeviceID space costs little.
 *
 * <p>Arguments are validated by {@link Its}; this class trusts them. An ITT's
 * entry array grows to the highest EventID mapped, never past its range, and
 * 0 marks an unmapped entry (no LPI INTID is below {@link GitsRegs#MIN_LPI}).
 */
final class DeviceTable {

    /** One device's interrupt translation table. */
    static final class Itt {
        final int eventIdBits;
        private int[] intids = new int[0];

        Itt(int eventIdBits) {
            this.eventIdBits = eventIdBits;
        }

        boolean inRange(long eventId) {
            return eventId >= 0 && eventId < 1L << eventIdBits;
        }

        /** The LPI mapped to an in-range {@code eventId}, or 0. */
        int intid(int eventId) {
            return eventId < intids.length ? intids[eventId] : 0;
        }

        void set(int eventId, int intid) {
            if (eventId >= intids.length) {
                int n = Math.max(eventId + 1, Math.min(intids.length * 2, 1 << eventIdBits));
                intids = Arrays.copyOf(intids, n);
            }
            intids[eventId] = intid;
        }
    }

    private static final int LEAF_BITS = 8;
    private final Itt[][] leaves;

    DeviceTable(int deviceIdBits) {
        leaves = new Itt[1 << (deviceIdBits - LEAF_BITS)][];
    }

    /** The ITT of an in-range {@code deviceId}, or null when it is unmapped. */
    Itt get(int deviceId) {
        Itt[] leaf = leaves[deviceId >>> LEAF_BITS];
        return leaf == null ? null : leaf[deviceId & ((1 << LEAF_BITS) - 1)];
    }

    void put(int deviceId, Itt itt) {
        int l1 = deviceId >>> LEAF_BITS;
        if (leaves[l1] == null) {
            if (itt == null) {
                return;
            }
            leaves[l1] = new Itt[1 << LEAF_BITS];
        }
        leaves[l1][deviceId & ((1 << LEAF_BITS) - 1)] = itt;
    }
}

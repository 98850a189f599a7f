package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.Access;

import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Field.prep;

/**
 * One event record being built (SMMUv3 §7.3), four 64-bit words, reused.
 * Fields follow the record layout of the event type: every record carries
 * the type, StreamID and (with SSV) SubstreamID; translation-related records
 * add the access (PnU, InD, RnW), stall fields, S2/CLASS, the input address
 * and the IPA; fetch records add the fetch address.
 */
final class EventRecord {

    int id;
    long w0;
    long w1;
    long w2;
    long w3;

    void reset(int eventId, int sid, int ssid) {
        id = eventId;
        w0 = prep(EVTQ_0_ID, eventId) | prep(EVTQ_0_SID, sid & 0xffff_ffffL);
        if (ssid != DmaTarget.NO_SUBSTREAM) {
            w0 |= EVTQ_0_SSV | prep(EVTQ_0_SSID, ssid);
        }
        w1 = 0;
        w2 = 0;
        w3 = 0;
    }

    /** The SubstreamID field without SSV, as C_BAD_SUBSTREAMID records it (§7.3.9). */
    void substreamWithoutSsv(int ssid) {
        w0 |= prep(EVTQ_0_SSID, ssid);
    }

    /** PnU, InD, RnW of the transaction, and its input address. Writes are Data: InD = 0 when RnW = 0 (§7.3.13). */
    void access(int access, long address) {
        if ((access & Access.PRIV) != 0) {
            w1 |= EVTQ_1_PnU;
        }
        if ((access & Access.EXEC) != 0 && (access & Access.WRITE) == 0) {
            w1 |= EVTQ_1_InD;
        }
        if ((access & Access.WRITE) == 0) {
            w1 |= EVTQ_1_RnW;
        }
        w2 = address;
    }

    /** A stage-2 fault: S2 = 1, the class of access that faulted, and the IPA. */
    void stage2(int cls, long ipa) {
        w1 |= EVTQ_1_S2 | prep(EVTQ_1_CLASS, cls);
        w3 = ipa & EVTQ_3_IPA;
    }

    /** TTRnW: the stage-2 fault hit a read of a stage-1 table (not an HTTU update). */
    void tableRead() {
        w1 |= EVTQ_1_TT_READ;
    }

    void cls(int cls) {
        w1 |= prep(EVTQ_1_CLASS, cls);
    }

    void stall(int stag) {
        w1 |= EVTQ_1_STALL | prep(EVTQ_1_STAG, stag);
    }

    void fetchAddress(long pa) {
        w3 = pa & EVTQ_3_FETCH_ADDR;
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.spec.smmuv3.Field;

import static dev.jiommu.spec.smmuv3.Event.*;

/**
 * The four dwords an event record must hold (§7.3), built from the fields a
 * test expects; every other bit is expected to be zero (RES0, or a field the
 * event does not define). Compared with what the SMMU wrote word for word.
 */
final class ExpectedEvent {

    private long w0;
    private long w1;
    private long w2;
    private long w3;

    private ExpectedEvent(int id, int sid) {
        w0 = Field.prep(EVTQ_0_ID, id) | Field.prep(EVTQ_0_SID, sid & 0xffff_ffffL);
    }

    static ExpectedEvent event(int id, int sid) {
        return new ExpectedEvent(id, sid);
    }

    /** SSV and SubstreamID, when the transaction carried one. */
    ExpectedEvent substream(int ssid) {
        if (ssid != DmaTarget.NO_SUBSTREAM) {
            w0 |= EVTQ_0_SSV | Field.prep(EVTQ_0_SSID, ssid);
        }
        return this;
    }

    /** The SubstreamID field without SSV (C_BAD_SUBSTREAMID, §7.3.9). */
    ExpectedEvent substreamField(int ssid) {
        w0 |= Field.prep(EVTQ_0_SSID, ssid);
        return this;
    }

    /** A read (RnW = 1) of {@code inputAddress}. */
    ExpectedEvent read(long inputAddress) {
        w1 |= EVTQ_1_RnW;
        w2 = inputAddress;
        return this;
    }

    /** A write (RnW = 0) of {@code inputAddress}. */
    ExpectedEvent write(long inputAddress) {
        w2 = inputAddress;
        return this;
    }

    ExpectedEvent privileged() {
        w1 |= EVTQ_1_PnU;
        return this;
    }

    ExpectedEvent instruction() {
        w1 |= EVTQ_1_InD;
        return this;
    }

    /** A stage-1 fault: S2 = 0 and CLASS. */
    ExpectedEvent stage1(long cls) {
        w1 |= Field.prep(EVTQ_1_CLASS, cls);
        return this;
    }

    /** A stage-2 fault: S2 = 1, CLASS, and the IPA. */
    ExpectedEvent stage2(long cls, long ipa) {
        w1 |= EVTQ_1_S2 | Field.prep(EVTQ_1_CLASS, cls);
        w3 = ipa & EVTQ_3_IPA;
        return this;
    }

    /** TTRnW = 1: the faulting stage-1 table access was a read. */
    ExpectedEvent tableRead() {
        w1 |= EVTQ_1_TT_READ;
        return this;
    }

    ExpectedEvent stall(int stag) {
        w1 |= EVTQ_1_STALL | Field.prep(EVTQ_1_STAG, stag);
        return this;
    }

    /** FetchAddr (F_STE_FETCH, F_CD_FETCH, F_WALK_EABT); replaces the IPA dword. */
    ExpectedEvent fetch(long pa) {
        w3 = pa & EVTQ_3_FETCH_ADDR;
        return this;
    }

    long[] words() {
        return new long[] {w0, w1, w2, w3};
    }

    @Override
    public String toString() {
        return describe(words());
    }
}

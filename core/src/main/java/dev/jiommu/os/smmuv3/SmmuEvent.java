package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Event.*;

import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.Field;

/**
 * One event queue record, decoded as Linux's {@code arm_smmu_decode_event}
 * decodes it (IHI 0070 §7.3; layout in {@link Event}).
 *
 * <p>Fields an event type does not define are decoded all the same, as Linux
 * does, and read as whatever the record holds there (RES0 on a conforming
 * SMMU). {@link #ssid} is {@link CmdqEnt#NO_SSID} unless {@link #ssv}.
 *
 * @param id          event number (EVTQ_0_ID)
 * @param sid         StreamID
 * @param ssv         a SubstreamID is present
 * @param ssid        the SubstreamID, or {@link CmdqEnt#NO_SSID}
 * @param stall       the transaction is stalled and waits for CMD_RESUME
 * @param stag        stall tag, for CMD_RESUME
 * @param read        RnW: a read (true) or a write
 * @param instruction InD: an instruction fetch
 * @param privileged  PnU: a privileged access
 * @param s2          the fault is a stage-2 fault
 * @param faultClass  CLASS: CD fetch, translation table walk or input address
 * @param ttRead      TTRnW: the faulting table access was a read
 * @param address     InputAddr
 * @param ipa         the IPA of a stage-2 fault
 * @param fetchAddr   the PA whose fetch aborted (F_*_FETCH, F_WALK_EABT)
 * @param raw         the record's four dwords
 */
public record SmmuEvent(int id, int sid, boolean ssv, int ssid, boolean stall, int stag, boolean read,
                        boolean instruction, boolean privileged, boolean s2, int faultClass, boolean ttRead,
                        long address, long ipa, long fetchAddr, long[] raw) {

    public SmmuEvent {
        raw = raw.clone();
    }

    /** Decodes the four dwords of a record. */
    public static SmmuEvent decode(long[] raw) {
        long w0 = raw[0];
        long w1 = raw[1];
        boolean ssv = Field.isSet(EVTQ_0_SSV, w0);
        return new SmmuEvent((int) Field.get(EVTQ_0_ID, w0), (int) Field.get(EVTQ_0_SID, w0), ssv,
                ssv ? (int) Field.get(EVTQ_0_SSID, w0) : CmdqEnt.NO_SSID, Field.isSet(EVTQ_1_STALL, w1),
                (int) Field.get(EVTQ_1_STAG, w1), Field.isSet(EVTQ_1_RnW, w1), Field.isSet(EVTQ_1_InD, w1),
                Field.isSet(EVTQ_1_PnU, w1), Field.isSet(EVTQ_1_S2, w1), (int) Field.get(EVTQ_1_CLASS, w1),
                Field.isSet(EVTQ_1_TT_READ, w1), Field.get(EVTQ_2_ADDR, raw[2]), raw[3] & EVTQ_3_IPA,
                raw[3] & EVTQ_3_FETCH_ADDR, raw);
    }

    /** The specification's name of the event ("F_TRANSLATION"). */
    public String name() {
        return Event.name(id);
    }

    /** The four dwords. */
    @Override
    public long[] raw() {
        return raw.clone();
    }

    /**
     * Whether Linux's {@code arm_smmu_handle_event} would hand this event on
     * (configuration and translation faults), rather than only print it.
     */
    public boolean handled() {
        return switch (id) {
            case EVT_ID_BAD_STE_CONFIG, EVT_ID_STREAM_DISABLED_FAULT, EVT_ID_BAD_SUBSTREAMID_CONFIG,
                 EVT_ID_BAD_CD_CONFIG, EVT_ID_TRANSLATION_FAULT, EVT_ID_ADDR_SIZE_FAULT, EVT_ID_ACCESS_FAULT,
                 EVT_ID_PERMISSION_FAULT -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return Event.describe(raw);
    }
}

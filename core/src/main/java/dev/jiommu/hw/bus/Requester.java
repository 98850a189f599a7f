package dev.jiommu.hw.bus;

/**
 * The device side of a stream: what the SMMU sends back to the requester that
 * owns a StreamID. Connected with {@link TranslationAgent#connect}. Every method has a
 * do-nothing default, for devices that take no part in that protocol.
 */
public interface Requester {

    /** A requester that ignores everything. */
    Requester NONE = new Requester() { };

    /**
     * A transaction the SMMU stalled has finished, after CMD_RESUME or
     * CMD_STALL_TERM (or the SMMU being disabled).
     *
     * @param stag   the stall tag the event record carried
     * @param status a {@link DmaTarget} status: OK after a successful retry, ABORTED otherwise
     */
    default void stallCompleted(int stag, int status) {
    }

    /**
     * A PRI Page Request Group Response (PCIe 10.4.2), from CMD_PRI_RESP or
     * from the SMMU itself when it had to discard a group's last request.
     *
     * @param substreamId the PASID, or {@link DmaTarget#NO_SUBSTREAM}
     * @param prgIndex    the Page Request Group index
     * @param response    {@link PageRequest#SUCCESS}, {@link PageRequest#INVALID} or {@link PageRequest#FAILURE}
     */
    default void pageResponse(int substreamId, int prgIndex, int response) {
    }

    /**
     * An ATS Invalidate Request (PCIe 10.3.1) from CMD_ATC_INV: the device
     * drops cached translations of {@code 2^(12 + size)} bytes at {@code address}.
     *
     * @param substreamId the PASID, or {@link DmaTarget#NO_SUBSTREAM} for all
     * @param global      Global Invalidate: every PASID's translations of the range
     */
    default void atcInvalidate(int substreamId, long address, int size, boolean global) {
    }
}

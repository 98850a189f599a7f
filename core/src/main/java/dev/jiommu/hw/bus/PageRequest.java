package dev.jiommu.hw.bus;

/**
 * A PCIe Page Request Message as the SMMU receives it (PCIe 10.4.1; SMMUv3
 * §8.1): the requester's StreamID, an optional PASID with its privileged and
 * execute bits, the page address, the access wanted, the group index and
 * whether this request is the last of its group.
 *
 * @param streamId    the requester ID
 * @param substreamId the PASID, or {@link DmaTarget#NO_SUBSTREAM}
 * @param address     the page address (bits [11:0] are ignored)
 * @param read        read access requested
 * @param write       write access requested
 * @param exec        execute requested (with a PASID only)
 * @param privileged  privileged mode requested (with a PASID only)
 * @param prgIndex    Page Request Group index, 9 bits
 * @param last        last request of the group
 */
public record PageRequest(int streamId, int substreamId, long address, boolean read, boolean write, boolean exec,
                          boolean privileged, int prgIndex, boolean last) {

    /**
     * Response codes of a PRG Response (PCIe 10.4.2.1), as CMD_PRI_RESP.Resp
     * encodes them (§4.5.2): 0b00 ResponseFailure (PCIe 0b1111), 0b01
     * InvalidRequest (PCIe 0b0001), 0b10 Success (PCIe 0b0000).
     */
    public static final int FAILURE = 0;
    public static final int INVALID = 1;
    public static final int SUCCESS = 2;

    public static String responseName(int code) {
        return switch (code) {
            case INVALID -> "INVALID";
            case FAILURE -> "FAILURE";
            case SUCCESS -> "SUCCESS";
            default -> "response " + code;
        };
    }
}

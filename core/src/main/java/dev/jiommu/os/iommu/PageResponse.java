package dev.jiommu.os.iommu;

/**
 * The one response to a fault group (Linux {@code struct iommu_page_response}).
 *
 * @param pasidValid whether {@code pasid} is to be sent ({@code IOMMU_PAGE_RESP_PASID_VALID})
 * @param pasid      the PASID of the group
 * @param groupId    PRG index (page requests) or STAG (stalls)
 * @param code       the answer
 */
public record PageResponse(boolean pasidValid, int pasid, int groupId, ResponseCode code) {

    /** The response to the group that {@code last} closed. */
    static PageResponse to(IopfFault last, ResponseCode code) {
        return new PageResponse(last.pasidValid() && last.responseNeedsPasid(), last.pasid(), last.groupId(), code);
    }
}

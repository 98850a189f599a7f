package dev.jiommu.os.iommu;

/**
 * The answer to a fault group (Linux {@code enum iommu_page_response_code};
 * PCIe PRG Response codes).
 */
public enum ResponseCode {
    /** The pages are mapped: retry the access (PRG "Success"; stall: resume with retry). */
    SUCCESS,
    /** The access cannot be satisfied: the device reports an error for it (PRG "Invalid Request"; stall: terminate). */
    INVALID,
    /** Fault handling itself failed: the function must stop page requests (PRG "Response Failure"; stall: terminate). */
    FAILURE
}

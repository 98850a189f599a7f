package dev.jiommu.os.iommu;

/**
 * Counters of one {@link IopfQueue}, as a snapshot.
 *
 * @param faults            faults reported (partial and last)
 * @param groups            groups closed by a last fault
 * @param partialsDiscarded partial faults dropped without a group (discard, PASID unbound, device removed)
 * @param failedFaults      faults whose resolution failed (reported to the device's fault handler)
 * @param success           responses with {@link ResponseCode#SUCCESS}
 * @param invalid           responses with {@link ResponseCode#INVALID}
 * @param failure           responses with {@link ResponseCode#FAILURE}
 */
public record IopfStats(long faults, long groups, long partialsDiscarded, long failedFaults,
                        long success, long invalid, long failure) {

    /** Responses sent, of every code. */
    public long responses() {
        return success + invalid + failure;
    }

    /** Responses sent with {@code code}. */
    public long responses(ResponseCode code) {
        return switch (code) {
            case SUCCESS -> success;
            case INVALID -> invalid;
            case FAILURE -> failure;
        };
    }
}

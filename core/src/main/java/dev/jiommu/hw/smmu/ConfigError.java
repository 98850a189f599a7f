package dev.jiommu.hw.smmu;

/**
 * A configuration that cannot be used (SMMUv3 §7.3): the event to record and
 * its fetch-specific fields. Configuration errors are never cached; each
 * transaction that meets one records its own event.
 *
 * @param eventId      the event type (C_BAD_STE, F_STE_FETCH, C_BAD_CD, ...), or a
 *                     translation-fault type for a stage-2 fault on a nested CD fetch
 * @param fetchAddress the PA whose fetch failed (F_STE_FETCH, F_CD_FETCH), or of the stage-2
 *                     descriptor whose fetch aborted (F_WALK_EABT with {@code stage2}), else 0
 * @param stage2       true when a stage-2 translation of a CD or L1CD address failed (CLASS = CD)
 * @param ipa          the IPA that stage 2 could not translate, when {@code stage2}
 * @param reason       a human-readable cause, for traces and test messages
 */
record ConfigError(int eventId, long fetchAddress, boolean stage2, long ipa, String reason)
        implements SteLookup, CdLookup {

    static ConfigError of(int eventId, String reason) {
        return new ConfigError(eventId, 0, false, 0, reason);
    }

    static ConfigError fetch(int eventId, long address, String reason) {
        return new ConfigError(eventId, address, false, 0, reason);
    }
}

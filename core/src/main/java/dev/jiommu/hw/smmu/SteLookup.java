package dev.jiommu.hw.smmu;

/** The outcome of finding a StreamID's configuration: a usable STE, or the event that says why not. */
sealed interface SteLookup permits StreamConfig, ConfigError {
}

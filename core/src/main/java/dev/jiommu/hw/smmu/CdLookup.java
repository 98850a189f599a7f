package dev.jiommu.hw.smmu;

/** The outcome of finding a context descriptor: a usable CD, or the event that says why not. */
sealed interface CdLookup permits ContextConfig, ConfigError {
}

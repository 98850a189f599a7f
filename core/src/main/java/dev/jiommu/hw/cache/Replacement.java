package dev.jiommu.hw.cache;

/** Which entry a full cache evicts: least recently used, first filled, or one at random (seeded). */
public enum Replacement { LRU, FIFO, RANDOM }

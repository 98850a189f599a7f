/**
 * The bookkeeping shared by the model's fully associative caches — the SMMU's
 * TLB and configuration cache, a PCIe function's ATC: a hash index over
 * entries held in the owner's arrays, and victim selection. Nothing here
 * allocates after construction.
 */
package dev.jiommu.hw.cache;

package dev.jiommu.os.mm;

/**
 * A secondary MMU that walks or caches an {@link Mm}'s tables (an SMMU bound
 * to the process for SVA), told when translations go away: Linux's
 * {@code struct mmu_notifier_ops}, reduced to the two calls an IOMMU needs
 * ({@code arch_invalidate_secondary_tlbs} and {@code release}).
 *
 * <p>Callbacks run synchronously on the caller of the {@link Mm} operation. A
 * callback may unregister its own notifier.
 */
public interface MmuNotifier {

    /**
     * Translations in {@code [start, end)} changed or went away (munmap,
     * mprotect, a MAP_FIXED replacement). Called after the PTEs were cleared
     * or changed and before any data frame they mapped goes back to the
     * allocator, so the IOTLB and ATCs can be invalidated before the memory
     * is reused. {@code end} is exclusive and both ends are page aligned.
     */
    void invalidateRange(Mm mm, long start, long end);

    /**
     * The address space is being torn down ({@link Mm#exit()}): called once,
     * before any PTE is cleared or any frame freed. When it returns the
     * notifier must no longer walk the tables; it is then unregistered and
     * gets no further callbacks (Linux's {@code mmu_notifier_release}).
     */
    void release(Mm mm);
}

package dev.jiommu.os.iommu;

import dev.jiommu.pgtable.TableFormat;

/**
 * A process address space as SVA needs it (the parts of Linux's
 * {@code struct mm_struct} that {@code iommu-sva.c}, the SMMUv3 SVA code and
 * {@code iommu_sva_handle_iopf} use). The process model implements it; an
 * adapter from {@code dev.jiommu.os.mm.Mm} forwards each method and wraps a
 * {@link Listener} in an MMU notifier.
 *
 * <p>Identity is object identity: the core keys its per-address-space state
 * (the PASID) on the instance.
 */
public interface SvaAddressSpace {

    /** A number for reports (the process id). */
    int id();

    /** Physical address of the stage-1 table the CPU walks (TTBR0): what the context descriptor points to. */
    long pgd();

    /** The format of that table, for the context descriptor's TCR fields. */
    TableFormat format();

    /** The CPU ASID, which the SMMU shares for this address space. */
    int asid();

    /** Keep the CPU ASID from being recycled while a device uses it ({@code arm64_mm_context_get}). */
    void pinAsid();

    /**
     * {@link #pinAsid()} with its outcome, for drivers that must refuse an
     * SVA domain when no ASID can be pinned ({@code arm64_mm_context_get}
     * returning 0). On success the caller owns one pin, undone by
     * {@link #unpinAsid()}; on failure nothing is pinned.
     *
     * <p>The default, for address spaces whose pin cannot fail, pins and
     * returns {@link #asid()}.
     *
     * @return the pinned ASID (non-negative); {@code -ENOSPC} when no ASID can
     *         be pinned; {@code -ESRCH} when the process has exited
     */
    default int pinAsidChecked() {
        pinAsid();
        return asid();
    }

    /** Undo one {@link #pinAsid()} ({@code arm64_mm_context_put}). */
    void unpinAsid();

    /** False once the process has exited ({@code mmget_not_zero} fails). */
    boolean isAlive();

    /** Be told of translation changes and of exit ({@code mmu_notifier_register}). */
    void addListener(Listener listener);

    /**
     * Resolve a fault at {@code va} as the CPU's fault handler would, on behalf
     * of a device ({@code handle_mm_fault} with {@code FAULT_FLAG_REMOTE}).
     *
     * @param access {@link dev.jiommu.pgtable.Access} bits; without PRIV the
     *               access is a user access
     * @return 0 when the page is now mapped with the access allowed;
     *         {@code -EFAULT} no mapping (VMA) covers {@code va};
     *         {@code -EACCES} the mapping forbids the access;
     *         {@code -ENOMEM}; {@code -ESRCH} the process has exited
     */
    int handleFault(long va, int access);

    /** The MMU-notifier events SVA needs. */
    interface Listener {
        /** Translations in {@code [start, end)} changed or went away; end is exclusive. */
        void invalidateRange(long start, long end);

        /** The address space is being torn down (exit): the page tables are about to be freed. */
        void release();
    }
}

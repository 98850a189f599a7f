/**
 * Processes as the Linux memory manager sees them: an address space
 * ({@link dev.jiommu.os.mm.Mm}, the {@code mm_struct}) made of VMAs over one
 * stage-1 VMSAv8-64 table tree, filled by demand paging; mmap, munmap and
 * mprotect with Linux's errno choices; MMU notifiers for the IOMMU side (SVA);
 * and arm64's generation-based ASID allocator with pinning
 * ({@link dev.jiommu.os.mm.AsidAllocator}).
 *
 * <p>The tables are the ones the CPU walks and, once an address space is
 * shared with a device, the ones the SMMU walks: {@link dev.jiommu.os.mm.Mm#pgd()}
 * is what TTBR0_EL1 and a context descriptor's TTB0 hold. The package builds
 * on {@code mem} and {@code pgtable} only. Like the rest of the simulation core
 * it is single-threaded.
 */
package dev.jiommu.os.mm;

package dev.jiommu.os.mm;

/**
 * One virtual memory area: the page-aligned range {@code [start, end)} with
 * one protection ({@link Mman}{@code .PROT_*} bits), as a
 * {@code vm_area_struct} of an anonymous private mapping.
 *
 * <p>Invariants: {@code start < end}, both page aligned; within an address
 * space, VMAs do not overlap, and two that touch have different protections
 * (touching VMAs with equal protection are merged, as Linux's
 * {@code vma_merge} does for anonymous memory).
 */
public record Vma(long start, long end, int prot) {

    public Vma {
        if (start >= end || ((start | end) & (Mm.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("VMA [0x%x, 0x%x) is empty or not page aligned", start, end));
        }
    }

    public long length() {
        return end - start;
    }

    public boolean contains(long va) {
        return va >= start && va < end;
    }

    /** One line of /proc/pid/maps. */
    @Override
    public String toString() {
        return String.format("%012x-%012x %sp", start, end, Mman.protToString(prot));
    }
}

package dev.jiommu.mem;

/**
 * A named range of the physical address map.
 *
 * <p>Invariants: {@code size > 0}; {@code base + size} does not exceed
 * 2^{@link PhysicalMemory#MAX_PA_BITS}; RAM regions are 4 KiB aligned in base and
 * size and hold data, MMIO regions are
 * holes that {@link PhysicalMemory} refuses (the platform bus routes them to
 * devices before they reach memory).
 */
public record MemoryRegion(String name, long base, long size, Kind kind) {

    /** What lives at the addresses of a region. */
    public enum Kind { RAM, MMIO }

    public MemoryRegion {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("region name must not be blank");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("region '" + name + "' has size " + size);
        }
        if (base < 0 || base + size > PhysicalMemory.PA_LIMIT || base + size < base) {
            throw new IllegalArgumentException(String.format(
                    "region '%s' [0x%x, +0x%x) lies beyond the %d-bit physical address space",
                    name, base, size, PhysicalMemory.MAX_PA_BITS));
        }
        if (kind == Kind.RAM && ((base | size) & (PhysicalMemory.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                    "RAM region '%s' [0x%x, +0x%x) is not 4 KiB aligned", name, base, size));
        }
    }

    public static MemoryRegion ram(String name, long base, long size) {
        return new MemoryRegion(name, base, size, Kind.RAM);
    }

    public static MemoryRegion mmio(String name, long base, long size) {
        return new MemoryRegion(name, base, size, Kind.MMIO);
    }

    /** Exclusive end address. */
    public long end() {
        return base + size;
    }

    /** True when {@code [pa, pa + len)} lies wholly inside this region. */
    public boolean contains(long pa, long len) {
        return pa >= base && len >= 0 && pa - base <= size - len;
    }

    boolean overlaps(MemoryRegion o) {
        return base < o.end() && o.base < end();
    }

    @Override
    public String toString() {
        return String.format("%s %s [0x%x-0x%x)", kind, name, base, end());
    }
}

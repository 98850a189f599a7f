package dev.jiommu.mem;

/**
 * An access that physical memory cannot serve: outside RAM, into an MMIO hole,
 * or an atomic access that is not naturally aligned.
 *
 * <p>Hardware models catch it and answer the way the architecture does (an
 * external abort, a walk abort event); it never carries a stack trace, so
 * raising it costs no more than the message.
 */
public final class MemoryFault extends RuntimeException {

    /** Why the access failed. */
    public enum Kind {
        /** No region covers the address. */
        OUTSIDE_RAM,
        /** The address is in an MMIO region, not RAM. */
        MMIO,
        /** An atomic access that is not naturally aligned. */
        UNALIGNED_ATOMIC
    }

    private final long address;
    private final long length;
    private final Kind kind;

    MemoryFault(Kind kind, String operation, long address, long length, MemoryRegion region) {
        super(describe(kind, operation, address, length, region), null, false, false);
        this.kind = kind;
        this.address = address;
        this.length = length;
    }

    private static String describe(Kind kind, String op, long pa, long len, MemoryRegion region) {
        String what = String.format("%s of %d bytes at PA 0x%x", op, len, pa);
        return switch (kind) {
            case OUTSIDE_RAM -> what + " is outside RAM";
            case MMIO -> what + " hits MMIO region '" + region.name() + "', not RAM";
            case UNALIGNED_ATOMIC -> what + " is an atomic access that is not 8-byte aligned";
        };
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }

    public Kind kind() {
        return kind;
    }
}

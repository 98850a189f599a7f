package dev.jiommu.os.mm;

/**
 * Protection and mapping flags of mmap(2) and mprotect(2), with the values of
 * Linux's {@code include/uapi/asm-generic/mman-common.h} and
 * {@code include/uapi/linux/mman.h} (the values arm64 uses).
 */
public final class Mman {

    public static final int PROT_NONE = 0x0;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int PROT_EXEC = 0x4;
    /** mprotect only: extend the change to the start of a grows-down mapping. Not modelled: refused. */
    public static final int PROT_GROWSDOWN = 0x0100_0000;
    /** mprotect only: extend the change to the end of a grows-up mapping. Not modelled: refused. */
    public static final int PROT_GROWSUP = 0x0200_0000;

    /** The protection bits the model keeps in a VMA. */
    public static final int PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;

    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_SHARED_VALIDATE = 0x03;
    /** The mapping-type field: exactly one of SHARED, PRIVATE, SHARED_VALIDATE. */
    public static final int MAP_TYPE = 0x0f;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_FIXED_NOREPLACE = 0x10_0000;

    private Mman() {}

    /** "rwx" rendering of PROT_* bits, as /proc/pid/maps shows them. */
    public static String protToString(int prot) {
        return "" + ((prot & PROT_READ) != 0 ? 'r' : '-') + ((prot & PROT_WRITE) != 0 ? 'w' : '-')
                + ((prot & PROT_EXEC) != 0 ? 'x' : '-');
    }
}

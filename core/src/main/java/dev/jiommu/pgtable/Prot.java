package dev.jiommu.pgtable;

/**
 * IOMMU mapping protection flags with Linux's values ({@code include/linux/iommu.h}).
 *
 * <p>How {@link IoPageTable} turns them into descriptor bits, as Linux's
 * {@code arm_lpae_prot_to_pte} does:
 * <ul>
 *   <li>stage 1: nG always; AP[2] (read-only) when READ without WRITE; AP[1]
 *       (unprivileged) unless PRIV; AttrIndx DEV (2) for MMIO, CACHE (1) for
 *       CACHE, NC (0) otherwise;</li>
 *   <li>stage 2: S2AP read for READ, write for WRITE; MemAttr 0b0001 (Device
 *       nGnRE) for MMIO, 0b1111 (write-back) for CACHE, 0b0101 (non-cacheable)
 *       otherwise;</li>
 *   <li>both: SH inner-shareable with CACHE, outer-shareable otherwise; both XN
 *       bits for NOEXEC; AF set.</li>
 * </ul>
 */
public final class Prot {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int CACHE = 4;
    public static final int NOEXEC = 8;
    public static final int MMIO = 16;
    public static final int PRIV = 32;

    /** Every flag this class names. */
    public static final int ALL = READ | WRITE | CACHE | NOEXEC | MMIO | PRIV;

    private Prot() {}

    /** "RW-C-X" style rendering for reports. */
    public static String toString(int prot) {
        StringBuilder s = new StringBuilder();
        s.append((prot & READ) != 0 ? 'R' : '-');
        s.append((prot & WRITE) != 0 ? 'W' : '-');
        s.append((prot & NOEXEC) != 0 ? '-' : 'X');
        if ((prot & CACHE) != 0) {
            s.append(" cache");
        }
        if ((prot & MMIO) != 0) {
            s.append(" mmio");
        }
        if ((prot & PRIV) != 0) {
            s.append(" priv");
        }
        return s.toString();
    }
}

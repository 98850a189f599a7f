package dev.jiommu.os.smmuv3;

import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.TableFormat;

import static dev.jiommu.spec.smmuv3.Cd.*;

/**
 * The TCR-like values Linux's io-pgtable derives from a table format, shared by
 * the CD (T0SZ, TG0, IRGN0, ORGN0, SH0, IPS; IHI0070 5.4) and the STE's stage-2
 * VTCR (S2T0SZ, S2TG, S2IR0, S2OR0, S2SH0, S2PS, S2SL0; 5.2). Both encode TG as
 * TCR_EL1.TG0 does and the output size as IPS/PS does.
 */
final class WalkAttributes {

    private WalkAttributes() {
    }

    /** TG0 / S2TG encoding of a granule: 4K = 0, 64K = 1, 16K = 2. */
    static long tg0(Granule granule) {
        return switch (granule) {
            case G4K -> ARM_LPAE_TCR_TG0_4K;
            case G16K -> ARM_LPAE_TCR_TG0_16K;
            case G64K -> ARM_LPAE_TCR_TG0_64K;
        };
    }

    /** IPS / S2PS encoding of the format's output size (always defined: TableFormat checks it). */
    static long ips(TableFormat format) {
        return TableFormat.ipsEncoding(format.outputBits());
    }

    /**
     * Shareability of table walks: inner shareable when the SMMU's walks are
     * coherent with the CPU caches (Linux: {@code cfg->coherent_walk}), outer
     * shareable otherwise.
     */
    static long sh(boolean coherentWalk) {
        return coherentWalk ? ARM_LPAE_TCR_SH_IS : ARM_LPAE_TCR_SH_OS;
    }

    /** Inner and outer cacheability of table walks: write-back write-allocate if coherent, else non-cacheable. */
    static long rgn(boolean coherentWalk) {
        return coherentWalk ? ARM_LPAE_TCR_RGN_WBWA : ARM_LPAE_TCR_RGN_NC;
    }

    /**
     * Checks that {@code base} can be a table base for {@code format} in a
     * field selected by {@code fieldMask}: no bits outside the field and
     * aligned to the start table's size (a concatenated stage-2 start table
     * included), as the architecture requires of TTBRs.
     *
     * @throws IllegalArgumentException otherwise
     */
    static long tableBase(String what, long base, long fieldMask, TableFormat format) {
        if ((base & ~fieldMask) != 0 || base % format.startTableBytes() != 0) {
            throw new IllegalArgumentException(String.format(
                    "%s %#x is not a table base for %s (field %#x, alignment %d bytes)",
                    what, base, format, fieldMask, format.startTableBytes()));
        }
        return base;
    }
}

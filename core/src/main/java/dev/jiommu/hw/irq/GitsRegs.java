package dev.jiommu.hw.irq;

/**
 * The GICv3 ITS register frames as far as MSIs need them, as constants named
 * and valued as Linux's {@code include/linux/irqchip/arm-gic-v3.h} names them
 * (GIC architecture specification IHI 0069, chapter 12, "GITS_*" registers).
 * Offsets are from ITS_base.
 *
 * <pre>
 *  ITS_base + 0x00000   control frame (64 KiB)
 *      0x0000  GITS_CTLR        32  Quiescent[31] ... Enabled[0]
 *      0x0004  GITS_IIDR        32  ProductID[31:24] Variant[19:16] Revision[15:12] Implementer[11:0]
 *      0x0008  GITS_TYPER       64  PTA[19] SEIS[18] Devbits[17:13] ID_bits[12:8] ITT_entry_size[7:4] Physical[0]
 *      0xffe8  GITS_PIDR2       32  ArchRev[7:4] (0x3 for GICv3)
 *  ITS_base + 0x10000   translation frame (64 KiB)
 *     0x10040  GITS_TRANSLATER  32  EventID[31:0], write-only; the writer's DeviceID comes as sideband
 * </pre>
 *
 * <p>Three names are not Linux's: {@link #GITS_TYPER_IDBITS} (mainline names only
 * the shift; the mask is the one the KVM selftests' copy of the header defines),
 * {@link #GITS_TRANSLATION_FRAME}, the start of the second frame, which the
 * architecture describes but Linux folds into {@link #GITS_TRANSLATER}, and
 * {@link #MIN_LPI}.
 */
public final class GitsRegs {

    public static final int GITS_CTLR = 0x0000;
    public static final int GITS_IIDR = 0x0004;
    public static final int GITS_TYPER = 0x0008;
    /** Linux names it through {@code GICR_PIDR2}: the ID registers sit at the same offset in every GICv3 frame. */
    public static final int GITS_PIDR2 = 0xffe8;
    /** The translation register page: the second 64 KiB frame of the ITS. */
    public static final int GITS_TRANSLATION_FRAME = 0x10000;
    public static final int GITS_TRANSLATER = 0x10040;

    public static final int GITS_CTLR_ENABLE = 1;
    public static final int GITS_CTLR_QUIESCENT = 1 << 31;

    public static final long GITS_TYPER_PLPIS = 1L;
    public static final int GITS_TYPER_ITT_ENTRY_SIZE_SHIFT = 4;
    public static final long GITS_TYPER_ITT_ENTRY_SIZE = 0xfL << 4;
    public static final int GITS_TYPER_IDBITS_SHIFT = 8;
    public static final long GITS_TYPER_IDBITS = 0x1fL << 8;
    public static final int GITS_TYPER_DEVBITS_SHIFT = 13;
    public static final long GITS_TYPER_DEVBITS = 0x1fL << 13;

    /** {@code GITS_PIDR2} (and GICD/GICR_PIDR2) architecture revision field. */
    public static final int GIC_PIDR2_ARCH_MASK = 0xf0;
    public static final int GIC_PIDR2_ARCH_GICv3 = 0x30;

    /**
     * The first LPI INTID (IHI 0069, "INTIDs": 8192 and up are LPIs). Not a
     * Linux name: KVM calls it {@code VGIC_MIN_LPI}, the ITS driver writes 8192.
     */
    public static final int MIN_LPI = 8192;
    /** INTID bits Linux's ITS driver caps LPIs at ({@code irq-gic-v3-its.c}: 64K LPIs). */
    public static final int ITS_MAX_LPI_NRBITS = 16;

    private GitsRegs() {
    }
}

package dev.jiommu.hw.irq;

/**
 * Why the ITS ignored a write to GITS_TRANSLATER. The architecture ignores
 * such writes silently (IHI 0069, GITS_TRANSLATER: "Writes to this register
 * are ignored if ..."; reporting them is IMPLEMENTATION DEFINED and this ITS
 * reports nothing to software, GITS_TYPER.SEIS == 0); the model counts them
 * so that a test can tell why an interrupt never came.
 *
 * <p>A write is counted once, under the first reason in declaration order that
 * applies.
 */
public enum DropReason {
    /** Not a 16- or 32-bit write; GITS_TRANSLATER supports only those. */
    ACCESS_SIZE,
    /** GITS_CTLR.Enabled == 0. */
    DISABLED,
    /** The write carried no DeviceID: a CPU write, or a bus master without the sideband. */
    NO_DEVICE_ID,
    /** The DeviceID is larger than GITS_TYPER.Devbits supports. */
    DEVICE_OUT_OF_RANGE,
    /** The DeviceID is not mapped to an interrupt translation table (no MAPD). */
    UNMAPPED_DEVICE,
    /**
     * The EventID is outside the range MAPD gave the device. Wider than
     * GITS_TYPER.ID_bits, too, the architecture lets the ITS either ignore the
     * excess bits or the write (CONSTRAINED UNPREDICTABLE); this ITS ignores
     * the write.
     */
    EVENT_OUT_OF_RANGE,
    /** The EventID is in range but has no interrupt mapped to it (no MAPTI, or DISCARDed). */
    UNMAPPED_EVENT,
}

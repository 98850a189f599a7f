package dev.jiommu.hw.smmu;

import dev.jiommu.pgtable.WalkResult;

/**
 * The outcome of translating one address (reused; a translation that hits
 * the TLB allocates nothing).
 *
 * <p>Invariants: with {@link #OK} or {@link #BYPASS}, {@link #outputAddress()}
 * is the physical address and {@link #permissions()} what the translation
 * grants; with {@link #FAULT_RAZ} the transaction completes without touching
 * memory (reads return zeros); with {@link #ABORTED} it is terminated; with
 * {@link #STALLED} it waits under {@link #stallTag()} for CMD_RESUME. When an
 * event was recorded, {@link #eventId()} names it (0 otherwise).
 */
public final class Translation {

    /** Translated by the configured stages. */
    public static final int OK = 0;
    /** Passed through untranslated (GBPA, STE bypass, stage-1 bypass with no stage 2). */
    public static final int BYPASS = 1;
    /** Terminated with an abort. */
    public static final int ABORTED = 2;
    /** Terminated as read-as-zero, write-ignored (CD.A = 0). */
    public static final int FAULT_RAZ = 3;
    /** Held by the stall model. */
    public static final int STALLED = 4;
    /**
     * ATS Translation Requests only: a translation-related fault, answered
     * with R = W = 0 and no event (§3.9.1.2); {@link #eventId()} names the
     * fault.
     */
    public static final int DENIED = 5;

    int status;
    long outputAddress;
    /** PERM_* bits, or {@link #PERMISSIONS_FROM_LEAF}. */
    int permissions;
    /** With {@link #PERMISSIONS_FROM_LEAF}: the stage-1 leaf and the table bits above it. */
    long leaf;
    long leafTableAttributes;
    int blockShift;
    int eventId;
    int stallTag;
    boolean tlbHit;

    public int status() {
        return status;
    }

    public boolean translated() {
        return status == OK || status == BYPASS;
    }

    public long outputAddress() {
        return outputAddress;
    }

    /**
     * {@link #permissions} value of a stage-1 walk that filled no TLB entry:
     * the granted bits are derived from {@link #leaf} when asked for.
     */
    static final int PERMISSIONS_FROM_LEAF = -1;

    /** {@link dev.jiommu.pgtable.Access}{@code .PERM_*} bits granted. */
    public int permissions() {
        return permissions != PERMISSIONS_FROM_LEAF ? permissions
                : WalkResult.stage1Permissions(leaf, leafTableAttributes);
    }

    /** log2 of the size of the translation's region (the smaller of the stages' leaves). */
    public int blockShift() {
        return blockShift;
    }

    /** The event type recorded for this translation (for {@link #DENIED}, the fault it was), or 0. */
    public int eventId() {
        return eventId;
    }

    public int stallTag() {
        return stallTag;
    }

    /** True when the TLB provided the translation. */
    public boolean tlbHit() {
        return tlbHit;
    }

    public static String statusName(int status) {
        return switch (status) {
            case OK -> "OK";
            case BYPASS -> "BYPASS";
            case ABORTED -> "ABORTED";
            case FAULT_RAZ -> "FAULT_RAZ";
            case STALLED -> "STALLED";
            case DENIED -> "DENIED";
            default -> "status " + status;
        };
    }

    @Override
    public String toString() {
        return translated() ? String.format("%s -> PA 0x%x (2^%d)", statusName(status), outputAddress, blockShift)
                : statusName(status) + (eventId != 0 ? String.format(" (event 0x%02x)", eventId) : "");
    }
}

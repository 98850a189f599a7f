package dev.jiommu.hw.bus;

/**
 * Where a bus-master device sends its memory transactions: an IOMMU that
 * translates them, or the bus directly. Implementations never throw; every
 * failure is a status.
 *
 * <p>A transaction carries the requester's StreamID (for PCIe, the requester
 * ID), an optional SubstreamID (PASID; {@link #NO_SUBSTREAM} when absent), the
 * input address, and {@link dev.jiommu.pgtable.Access} bits for the privileged
 * and instruction attributes. A transaction may cross page boundaries; it is
 * carried out in order and stops at the first byte that fails.
 */
public interface DmaTarget {

    /** No SubstreamID on the transaction (PCIe: no PASID prefix). */
    int NO_SUBSTREAM = -1;

    /**
     * Transaction attribute: the address is Translated (PCIe AT = 0b10, PCIe
     * Base 6.0 §10.2.1), a result of an earlier ATS Translation Request. Only
     * meaningful towards a {@link TranslationAgent}; other targets treat the
     * address as physical.
     */
    int TRANSLATED = 1 << 8;

    /** All bytes transferred. */
    int OK = 0;
    /** Terminated by the IOMMU (translation, permission or configuration fault); the device sees an abort. */
    int ABORTED = 1;
    /** No RAM or device decodes the output address, or the access is one it cannot serve (external abort). */
    int BUS_ERROR = 2;
    /**
     * Held by the IOMMU's stall model; the transaction completes or aborts
     * later, when software resumes it. Synchronous requesters treat it as not
     * done.
     */
    int STALLED = 3;

    /**
     * Writes {@code len} bytes of {@code src} from {@code off} to {@code address}.
     *
     * @param attrs {@link dev.jiommu.pgtable.Access#PRIV} and/or {@link dev.jiommu.pgtable.Access#EXEC}, and
     *              {@link #TRANSLATED}; the direction is implied
     * @return {@link #OK}, {@link #ABORTED}, {@link #BUS_ERROR} or {@link #STALLED}
     */
    int write(int streamId, int substreamId, long address, int attrs, byte[] src, int off, int len);

    /** Reads {@code len} bytes from {@code address} into {@code dst} at {@code off}; statuses as {@link #write}. */
    int read(int streamId, int substreamId, long address, int attrs, byte[] dst, int off, int len);

    /** Added by {@link #copy} to the status of its write when the read completed and the write did not. */
    int WRITE_SIDE = 1 << 4;

    /**
     * A read of {@code len} bytes at {@code src} and a write of the same
     * bytes at {@code dst}, with the same attributes, issued back to back by
     * one requester (a DMA engine moving data): exactly {@link #read} into
     * {@code scratch} at {@code off}, then {@link #write} from it. A target
     * may instead move the bytes memory to memory where the outcome cannot
     * differ (both requests pass and both ranges are RAM); {@code scratch}
     * then holds nothing useful.
     *
     * @return {@link #OK}; the read's status when it did not complete (nothing written); or
     *         {@link #WRITE_SIDE} plus the write's status when only the write did not
     */
    default int copy(int streamId, int substreamId, long src, long dst, int attrs, byte[] scratch, int off,
                     int len) {
        int s = read(streamId, substreamId, src, attrs, scratch, off, len);
        if (s != OK) {
            return s;
        }
        s = write(streamId, substreamId, dst, attrs, scratch, off, len);
        return s == OK ? OK : WRITE_SIDE | s;
    }

    static String statusName(int status) {
        return switch (status) {
            case OK -> "OK";
            case ABORTED -> "ABORTED";
            case BUS_ERROR -> "BUS_ERROR";
            case STALLED -> "STALLED";
            default -> "status " + status;
        };
    }
}

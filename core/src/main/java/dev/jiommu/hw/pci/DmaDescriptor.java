package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.DmaTarget;

/**
 * A {@link DmaEngine} descriptor and its completion record: the layouts
 * software writes into the ring and reads back (docs/dma-engine.md).
 *
 * <pre>
 * descriptor, 64 bytes, little-endian
 *  0x00  u8  opcode      1 COPY, 2 FILL, 3 COMPARE, 4 TOUCH
 *  0x01  u8  flags       [0] PASID valid  [1] privileged  [2] interrupt on completion  [3] TOUCH for write
 *  0x02  u16 reserved    must be 0
 *  0x04  u32 pasid       [19:0]; [31:20] must be 0
 *  0x08  u64 length      bytes, 1 .. MAX_LENGTH; no range it names may pass 2^64
 *  0x10  u64 source      virtual address (COPY, COMPARE); the 8-byte pattern (FILL); unused (TOUCH, must be 0)
 *  0x18  u64 destination virtual address (COPY, FILL, COMPARE, TOUCH)
 *  0x20  u64 completion  where the completion record goes, 32-byte aligned; 0 for none
 *  0x28  ... 0x3f        reserved, must be 0
 *
 * completion record, 32 bytes
 *  0x00  u8  status      SUCCESS or an error (0: not written yet)
 *  0x01  u8  reason      for PAGE_FAULT: the DmaPort.FaultReason ordinal
 *  0x02  u16, 0x04 u32   0
 *  0x08  u64 bytes done
 *  0x10  u64 fault address (PAGE_FAULT: the address of the request that failed, 4 KiB
 *                        aligned when that was an ATS Translation Request or a page
 *                        request; other statuses: 0)
 *  0x18  u64 result      COMPARE: offset of the first difference, or all ones when equal;
 *                        all ones for every other opcode and for errors
 * </pre>
 *
 * <p>The record is written, through the descriptor's PASID, for every status
 * (so a malformed descriptor reports its error too) whenever the completion
 * address is non-zero and 32-byte aligned; a record whose own write faults is
 * lost (DmaEngine's RECORD_ERRORS counts it).
 *
 * <p>FILL writes the pattern repeated, its destination 8-byte aligned and its
 * length a multiple of 8. COMPARE reads both ranges and completes SUCCESS with
 * the first differing offset in {@code result}. TOUCH reads (or, with flag 3,
 * writes back unchanged) one byte in every page of the destination range:
 * it faults pages in. The completion record is written through the same
 * PASID as the data.
 *
 * @param opcode      as read
 * @param flags       as read
 * @param pasid       the PASID, or {@link DmaTarget#NO_SUBSTREAM}
 * @param length      bytes
 * @param source      source address or FILL pattern
 * @param destination destination address
 * @param completion  completion record address, or 0
 */
public record DmaDescriptor(int opcode, int flags, int pasid, long length, long source, long destination,
                            long completion) {

    public static final int SIZE = 64;
    public static final int RECORD_SIZE = 32;

    public static final int OP_COPY = 1;
    public static final int OP_FILL = 2;
    public static final int OP_COMPARE = 3;
    public static final int OP_TOUCH = 4;

    public static final int FLAG_PASID = 1;
    public static final int FLAG_PRIV = 2;
    public static final int FLAG_IRQ = 4;
    public static final int FLAG_TOUCH_WRITE = 8;
    private static final int FLAGS_DEFINED = 0xf;

    /** The largest length a descriptor may ask for: 1 GiB. */
    public static final long MAX_LENGTH = 1L << 30;

    public static final int STATUS_NONE = 0;
    public static final int STATUS_SUCCESS = 1;
    public static final int STATUS_BAD_OPCODE = 2;
    public static final int STATUS_BAD_LENGTH = 3;
    public static final int STATUS_MISALIGNED = 4;
    public static final int STATUS_RESERVED_NOT_ZERO = 5;
    public static final int STATUS_PAGE_FAULT = 6;

    /** Decodes the 64 bytes {@code d} as read from the ring (nothing validated). */
    public static DmaDescriptor decode(byte[] d) {
        int flags = d[1] & 0xff;
        long pasidField = u32(d, 4);
        return new DmaDescriptor(d[0] & 0xff, flags,
                (flags & FLAG_PASID) != 0 ? (int) (pasidField & 0xfffff) : DmaTarget.NO_SUBSTREAM,
                u64(d, 8), u64(d, 16), u64(d, 24), u64(d, 32));
    }

    /**
     * The error status of the descriptor in {@code d}, checked in this order:
     * reserved bits ({@link #STATUS_RESERVED_NOT_ZERO}: bytes 0x02-0x03, PASID
     * bits 31:20, a PASID without the PASID flag, undefined flags, bytes
     * 0x28-0x3f, a TOUCH source); opcode ({@link #STATUS_BAD_OPCODE}); length
     * ({@link #STATUS_BAD_LENGTH}: 0, above {@link #MAX_LENGTH}, or a source or
     * destination range that would pass 2^64); alignment
     * ({@link #STATUS_MISALIGNED}: a completion address not 32-byte aligned, a
     * FILL destination or length not 8-byte aligned). {@link #STATUS_SUCCESS}
     * when it is well formed.
     */
    public static int validate(byte[] d) {
        DmaDescriptor x = decode(d);
        boolean reservedClear = (d[2] | d[3]) == 0 && (u32(d, 4) >>> 20) == 0 && (x.flags & ~FLAGS_DEFINED) == 0
                && ((x.flags & FLAG_PASID) != 0 || u32(d, 4) == 0);
        for (int i = 40; i < SIZE && reservedClear; i++) {
            reservedClear = d[i] == 0;
        }
        if (x.opcode == OP_TOUCH && x.source != 0) {
            reservedClear = false;
        }
        if (!reservedClear) {
            return STATUS_RESERVED_NOT_ZERO;
        }
        if (x.opcode < OP_COPY || x.opcode > OP_TOUCH) {
            return STATUS_BAD_OPCODE;
        }
        if (x.length <= 0 || x.length > MAX_LENGTH) {
            return STATUS_BAD_LENGTH;
        }
        boolean usesSource = x.opcode == OP_COPY || x.opcode == OP_COMPARE;
        if ((usesSource && wraps(x.source, x.length)) || wraps(x.destination, x.length)) {
            return STATUS_BAD_LENGTH;
        }
        if ((x.completion & (RECORD_SIZE - 1)) != 0
                || (x.opcode == OP_FILL && ((x.destination | x.length) & 7) != 0)) {
            return STATUS_MISALIGNED;
        }
        return STATUS_SUCCESS;
    }

    /** Whether {@code [address, address + length)} passes 2^64 ({@code length} at least 1). */
    private static boolean wraps(long address, long length) {
        return Long.compareUnsigned(address + (length - 1), address) < 0;
    }

    /** The 64 bytes of this descriptor (for drivers and tests). */
    public byte[] encode() {
        byte[] d = new byte[SIZE];
        d[0] = (byte) opcode;
        d[1] = (byte) (flags | (pasid != DmaTarget.NO_SUBSTREAM ? FLAG_PASID : 0));
        put(d, 4, pasid == DmaTarget.NO_SUBSTREAM ? 0 : pasid, 4);
        put(d, 8, length, 8);
        put(d, 16, source, 8);
        put(d, 24, destination, 8);
        put(d, 32, completion, 8);
        return d;
    }

    public static String statusName(int status) {
        return switch (status) {
            case STATUS_NONE -> "NONE";
            case STATUS_SUCCESS -> "SUCCESS";
            case STATUS_BAD_OPCODE -> "BAD_OPCODE";
            case STATUS_BAD_LENGTH -> "BAD_LENGTH";
            case STATUS_MISALIGNED -> "MISALIGNED";
            case STATUS_RESERVED_NOT_ZERO -> "RESERVED_NOT_ZERO";
            case STATUS_PAGE_FAULT -> "PAGE_FAULT";
            default -> "status " + status;
        };
    }

    static long u64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    static long u32(byte[] b, int at) {
        return u64(b, at) & 0xffff_ffffL;
    }

    static void put(byte[] b, int at, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}

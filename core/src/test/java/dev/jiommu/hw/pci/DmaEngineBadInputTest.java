package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.api.Test;

import static dev.jiommu.hw.pci.EndpointRig.DST;
import static dev.jiommu.hw.pci.EndpointRig.REC;
import static dev.jiommu.hw.pci.EndpointRig.SRC;
import static dev.jiommu.hw.pci.EndpointRig.pattern;
import static dev.jiommu.hw.pci.DmaDescriptor.*;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.copy;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 4, acceptance 3, one case at a time: a malformed descriptor ends with
 * its error status (in its completion record when it names a usable one, and
 * in ERROR_INFO), the engine goes on with the next descriptor, which completes
 * normally; a TAIL past the ring, a ring that cannot be fetched, and register
 * accesses of every odd kind are refused without harm.
 */
class DmaEngineBadInputTest {


    private final EndpointRig rig = new EndpointRig(1);
    private final long src;
    private final long dst;
    private final long rec;
    private final long ring;
    private int round;

    DmaEngineBadInputTest() {
        DmaEngine e = rig.atsEngine(0);
        src = rig.map(SRC, 2, Prot.READ | Prot.WRITE);
        dst = rig.map(DST, 2, Prot.READ | Prot.WRITE);
        rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        ring = rig.ring(0, 4);
    }


    /** A well-formed copy whose record goes to {@code REC + completion}. */
    private static byte[] good(long completion) {
        return copy(PASID, SRC, DST, 256, REC + completion).encode();
    }

    /**
     * Submits {@code bad} (record at REC + 0, unless it says otherwise) and a
     * good copy after it (record at REC + 32); checks the bad one ended with
     * {@code expected} and the good one completed with the right data.
     */
    private void badThenGood(byte[] bad, int expected, boolean recordWritten) {
        round++;
        rig.memory.writeBytes(rec, new byte[128], 0, 128);
        byte[] data = pattern(256, round);
        rig.memory.writeBytes(src, data, 0, data.length);
        int completed = rig.reg(0, DmaEngine.REG_COMPLETED);
        int errors = rig.reg(0, DmaEngine.REG_ERRORS);
        int slot = rig.reg(0, DmaEngine.REG_TAIL);

        rig.submitRaw(0, ring, bad, good(32));
        rig.run();

        String name = statusName(expected);
        if (recordWritten) {
            assertEquals(expected, status(rig.memory, rec), name + " in the record");
            assertEquals(0, rig.memory.read8(rec + 1), "no fault reason");
            assertEquals(0, rig.memory.read64(rec + 8), "no bytes done");
            assertEquals(0, rig.memory.read64(rec + 16), "no fault address");
            assertEquals(-1L, rig.memory.read64(rec + 24), "result all ones");
        } else {
            assertEquals(0, rig.memory.read64(rec), "no record");
        }
        int info = rig.reg(0, DmaEngine.REG_ERROR_INFO);
        assertEquals(expected, info & DmaEngine.ERROR_INFO_STATUS, name + " in ERROR_INFO");
        assertEquals(slot, (info & DmaEngine.ERROR_INFO_SLOT) >>> 16, "ERROR_INFO names the slot");
        assertEquals(0, info & DmaEngine.ERROR_INFO_FETCH);

        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32), "the next descriptor completed");
        byte[] got = new byte[256];
        rig.memory.readBytes(dst, got, 0, 256);
        assertArrayEquals(data, got);
        assertEquals(completed + 2, rig.reg(0, DmaEngine.REG_COMPLETED));
        assertEquals(errors + 1, rig.reg(0, DmaEngine.REG_ERRORS));
        assertEquals(0, rig.reg(0, DmaEngine.REG_FETCH_ERRORS));
        assertEquals(rig.reg(0, DmaEngine.REG_TAIL), rig.reg(0, DmaEngine.REG_HEAD));
        assertEquals(0, rig.reg(0, DmaEngine.REG_STATUS), "idle");
    }

    private static byte[] with(byte[] d, int offset, int value) {
        d[offset] = (byte) value;
        return d;
    }

    private static byte[] with64(byte[] d, int offset, long value) {
        put(d, offset, value, 8);
        return d;
    }

    @Test
    void anUnknownOpcodeEndsBadOpcode() {
        for (int op : new int[] {0, 5, 0x80, 0xff}) {
            badThenGood(with(good(0), 0, op), STATUS_BAD_OPCODE, true);
        }
    }

    @Test
    void aZeroLengthEndsBadLength() {
        badThenGood(with64(good(0), 8, 0), STATUS_BAD_LENGTH, true);
    }

    @Test
    void aHugeLengthEndsBadLength() {
        for (long len : new long[] {MAX_LENGTH + 1, Long.MAX_VALUE, -1L}) {
            badThenGood(with64(good(0), 8, len), STATUS_BAD_LENGTH, true);
        }
    }

    @Test
    void aRangePastTwoToTheSixtyFourEndsBadLength() {
        badThenGood(with64(good(0), 24, -128L), STATUS_BAD_LENGTH, true);
        badThenGood(with64(good(0), 16, -64L), STATUS_BAD_LENGTH, true);
        // Ending exactly at 2^64 does not pass it: the descriptor is well formed (and faults, nothing maps there).
        byte[] last = with64(good(0), 24, -256L);
        rig.submitRaw(0, ring, last);
        rig.run();
        assertEquals(STATUS_PAGE_FAULT, status(rig.memory, rec));
    }

    @Test
    void theLargestLengthIsAcceptedAndEndsWhereTheMappingEnds() {
        round++;
        byte[] big = with64(good(0), 8, MAX_LENGTH);
        rig.submitRaw(0, ring, big);
        rig.run();
        assertEquals(STATUS_PAGE_FAULT, status(rig.memory, rec));
        assertEquals(2 * 4096, rig.memory.read64(rec + 8), "both mapped pages copied");
        assertEquals(SRC + 2 * 4096, rig.memory.read64(rec + 16));
    }

    @Test
    void aMisalignedCompletionAddressEndsMisalignedWithoutARecord() {
        badThenGood(with64(good(0), 32, REC + 8), STATUS_MISALIGNED, false);
        assertEquals(0, rig.memory.read64(rec + 8));
        assertEquals(0, rig.memory.read64(rec + 16));
    }

    @Test
    void aMisalignedFillEndsMisaligned() {
        byte[] fill = new DmaDescriptor(OP_FILL, 0, PASID, 64, 0x1122_3344_5566_7788L, DST + 4, REC).encode();
        badThenGood(fill, STATUS_MISALIGNED, true);
        byte[] oddLength = new DmaDescriptor(OP_FILL, 0, PASID, 12, 0, DST, REC).encode();
        badThenGood(oddLength, STATUS_MISALIGNED, true);
    }

    @Test
    void reservedBitsEndReservedNotZero() {
        badThenGood(with(good(0), 2, 1), STATUS_RESERVED_NOT_ZERO, true);
        badThenGood(with(good(0), 3, 0x80), STATUS_RESERVED_NOT_ZERO, true);
        badThenGood(with(good(0), 6, 0x10), STATUS_RESERVED_NOT_ZERO, true);
        badThenGood(with(good(0), 1, FLAG_PASID | FLAG_IRQ | 0x10), STATUS_RESERVED_NOT_ZERO, true);
        badThenGood(with(good(0), 0x3f, 1), STATUS_RESERVED_NOT_ZERO, true);
        badThenGood(with(good(0), 0x28, 1), STATUS_RESERVED_NOT_ZERO, true);
        byte[] pasidWithoutFlag = copy(PASID, SRC, DST, 256, REC).encode();
        pasidWithoutFlag[1] &= (byte) ~FLAG_PASID;
        badThenGood(pasidWithoutFlag, STATUS_RESERVED_NOT_ZERO, false);
        byte[] touchWithSource = new DmaDescriptor(OP_TOUCH, 0, PASID, 4096, 8, DST, REC).encode();
        badThenGood(touchWithSource, STATUS_RESERVED_NOT_ZERO, true);
    }

    @Test
    void aTailPastTheRingIsRefusedCountedAndFlagged() {
        for (long tail : new long[] {16, 0x8000, 0xffff_ffffL}) {
            rig.setReg(0, DmaEngine.REG_TAIL, tail);
        }
        rig.run();
        assertEquals(0, rig.reg(0, DmaEngine.REG_TAIL), "unchanged");
        assertEquals(0, rig.reg(0, DmaEngine.REG_HEAD), "nothing fetched");
        assertEquals(3, rig.reg(0, DmaEngine.REG_BAD_TAIL_WRITES));
        assertEquals(DmaEngine.STATUS_TAIL_ERROR, rig.reg(0, DmaEngine.REG_STATUS));
        assertEquals(0, rig.reg(0, DmaEngine.REG_COMPLETED));

        rig.setReg(0, DmaEngine.REG_STATUS, DmaEngine.STATUS_TAIL_ERROR);
        assertEquals(0, rig.reg(0, DmaEngine.REG_STATUS), "write 1 to clear");
        rig.memory.writeBytes(src, pattern(256, 99), 0, 256);
        rig.submitRaw(0, ring, good(32));
        rig.run();
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32), "the ring still works");
    }

    @Test
    void aRingThatCannotBeFetchedSkipsEachDescriptorAndCountsIt() {
        long nowhere = 0x7000_0000L; // not RAM, not a device; non-PASID traffic bypasses stage 1
        rig.setReg(0, DmaEngine.REG_CTRL, 0);
        rig.setReg(0, DmaEngine.REG_RING_BASE_LO, nowhere);
        rig.setReg(0, DmaEngine.REG_RING_BASE_HI, 0);
        rig.setReg(0, DmaEngine.REG_CTRL, DmaEngine.CTRL_ENABLE);
        rig.setReg(0, DmaEngine.REG_TAIL, 3);
        rig.run();

        assertEquals(3, rig.reg(0, DmaEngine.REG_HEAD), "each slot skipped");
        assertEquals(3, rig.reg(0, DmaEngine.REG_FETCH_ERRORS));
        assertEquals(3, rig.reg(0, DmaEngine.REG_ERRORS));
        assertEquals(0, rig.reg(0, DmaEngine.REG_COMPLETED));
        int info = rig.reg(0, DmaEngine.REG_ERROR_INFO);
        assertEquals(DmaEngine.ERROR_INFO_FETCH, info & DmaEngine.ERROR_INFO_FETCH);
        assertEquals(STATUS_PAGE_FAULT, info & DmaEngine.ERROR_INFO_STATUS);
        assertEquals(2, (info & DmaEngine.ERROR_INFO_SLOT) >>> 16);
        assertEquals(nowhere + 2 * SIZE, DmaEngineCapabilityGatesTest.errorAddress(rig, 0));

        rig.setReg(0, DmaEngine.REG_CTRL, DmaEngine.CTRL_RESET);
        rig.program(0, ring, 4);
        rig.memory.writeBytes(src, pattern(256, 7), 0, 256);
        rig.submitRaw(0, ring, good(32));
        rig.run();
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32));
    }

    @Test
    void registerAccessesOfEveryOddKindNeitherThrowNorAct() {
        SystemBus bus = rig.bus;
        long bar0 = rig.bar0(0);
        int base = rig.reg(0, DmaEngine.REG_RING_BASE_LO);
        assertDoesNotThrow(() -> {
            for (int off = 0; off < DmaEngine.BAR0_SIZE; off++) {
                for (int size : new int[] {1, 2, 4, 8}) {
                    if (off + size > DmaEngine.BAR0_SIZE) {
                        continue;
                    }
                    long v = bus.read(bar0 + off, size);
                    if (size != 4 || (off & 3) != 0) {
                        assertEquals(0, v, "size " + size + " at 0x" + Integer.toHexString(off));
                    }
                    if (size != 4) {
                        bus.write(bar0 + off, size, -1L);
                    }
                }
            }
        });
        assertEquals(DmaEngine.ID_VALUE, rig.reg(0, DmaEngine.REG_ID));
        assertEquals(base, rig.reg(0, DmaEngine.REG_RING_BASE_LO), "odd-sized writes were ignored");
        assertEquals(4, rig.reg(0, DmaEngine.REG_RING_SIZE));
        assertEquals(DmaEngine.CTRL_ENABLE | DmaEngine.CTRL_IRQ_EN, rig.reg(0, DmaEngine.REG_CTRL));
        assertEquals(0, rig.reg(0, 0x3c), "an undefined offset reads 0");

        rig.setReg(0, DmaEngine.REG_RING_BASE_LO, 0x1234_5678);
        assertEquals(base, rig.reg(0, DmaEngine.REG_RING_BASE_LO), "the ring is fixed while enabled");
        rig.setReg(0, DmaEngine.REG_CTRL, 0);
        rig.setReg(0, DmaEngine.REG_RING_BASE_LO, 0x1234_5678);
        assertEquals(0x1234_5640, rig.reg(0, DmaEngine.REG_RING_BASE_LO), "64-byte aligned: low bits dropped");
        for (int bad : new int[] {0, 16, -1}) {
            rig.setReg(0, DmaEngine.REG_RING_SIZE, bad & 0xffff_ffffL);
            assertEquals(4, rig.reg(0, DmaEngine.REG_RING_SIZE), "RING_SIZE " + bad + " ignored");
        }
        rig.setReg(0, DmaEngine.REG_CTRL, 0xffff_fff8L);
        assertEquals(0, rig.reg(0, DmaEngine.REG_CTRL), "undefined CTRL bits read 0");
        rig.setReg(0, DmaEngine.REG_ID, 0);
        assertEquals(DmaEngine.ID_VALUE, rig.reg(0, DmaEngine.REG_ID), "read-only");
    }
}

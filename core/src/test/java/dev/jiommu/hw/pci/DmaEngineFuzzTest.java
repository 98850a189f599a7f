package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.jiommu.hw.pci.DmaDescriptor.*;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static dev.jiommu.spec.smmuv3.Cmd.PRI_RESP_DENY;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4, acceptance 3: whatever software puts in the ring or writes to BAR0,
 * nothing escapes as an exception, the machine goes idle within a bound, the
 * counters stay consistent, and well-formed descriptors submitted afterwards
 * complete with the right data.
 *
 * <p>Two engines (one with ATS and PRI, one with neither, both with PASID)
 * share one address space under PASID 7. Each case is a batch of garbage —
 * random bytes, random fields, and mutations of valid descriptors — sometimes
 * with random BAR0 writes (any offset, size and value) and random TAIL values;
 * the machine then runs to idle, software answering every page request group
 * as a driver that cannot resolve it would (Invalid Request, now and then
 * Response Failure followed by a PRI restart). Then each engine gets a batch
 * of valid COPY, FILL, COMPARE and TOUCH descriptors over buffers the driver
 * filled, after re-initialising an engine whose registers were disturbed.
 *
 * <p>Checked: no exception; each run idles within {@link #TASK_BOUND} tasks
 * and the engines within {@link #ROUNDS} rounds of answers; the counters only
 * grow and {@code ERRORS <= COMPLETED + FETCH_ERRORS}; in a batch that left
 * the registers alone every descriptor is consumed once, and each malformed
 * one whose record is readable carries the status a reference classifier of
 * the documented rules gives it; every valid descriptor completes SUCCESS
 * with the right bytes done, result and data, and raises no error.
 *
 * <p>Replay with {@code -Djiommu.seed=<seed>} (printed at start and in every
 * failure); {@code -Djiommu.fuzzCases=<n>} sets the number of batches.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DmaEngineFuzzTest {

    private static final long DEFAULT_SEED = 0xD3A_F022L;
    /** Batches: {@code -Djiommu.fuzzCases=N} (default 5000, about 20 000 garbage descriptors). */
    static final int CASES = Integer.getInteger("jiommu.fuzzCases", 5000);
    static final long TASK_BOUND = 2_000_000;
    static final int ROUNDS = 64;

    static final int ENGINES = 2;
    static final int RING_LOG2 = 6;
    static final int VALID_SLOTS = 3;
    static final int SLOT_PAGES = 3;

    /** Garbage works here: 16 pages of data and a page of records. */
    static final long SCRATCH = 0x20_0000_0000L;
    static final int SCRATCH_PAGES = 16;
    static final long SCRATCH_REC = 0x2b_c000_0000L;
    /** Valid descriptors: per engine and slot, source and destination; per engine a record page. */
    static final long CHECK = 0x30_0000_0000L;
    /** Mapped nowhere: page requests for it are answered Invalid. */
    static final long HOLE = 0x40_0000_0000L;

    static long seed;

    @BeforeAll
    static void printSeed() {
        String s = System.getProperty("jiommu.seed");
        seed = s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
        System.out.println("DmaEngineFuzzTest seed=" + seed + " cases=" + CASES);
    }

    static long checkSrc(int engine, int slot) {
        return CHECK + engine * 0x100_0000L + slot * 0x10_0000L;
    }

    static long checkDst(int engine, int slot) {
        return checkSrc(engine, slot) + 0x8_0000L;
    }

    static long checkRec(int engine) {
        return CHECK + engine * 0x100_0000L + 0xf0_0000L;
    }

    private final SplittableRandom r = new SplittableRandom(seed);
    private final EndpointRig rig = new EndpointRig(ENGINES);
    private final long[] rings = new long[ENGINES];
    private final long[][] srcPa = new long[ENGINES][VALID_SLOTS];
    private final long[][] dstPa = new long[ENGINES][VALID_SLOTS];
    private final long[] recPa = new long[ENGINES];
    private final long scratchRecPa;
    private final long[] lastCounters = new long[ENGINES * 4];
    private final Map<Long, List<long[]>> partialGroups = new HashMap<>();

    private long garbageDescriptors;
    private long validDescriptors;
    private long registerWrites;
    private long groupsAnswered;
    private long recordsChecked;
    private long reinits;

    DmaEngineFuzzTest() {
        rig.map(SCRATCH, SCRATCH_PAGES, Prot.READ | Prot.WRITE);
        scratchRecPa = rig.map(SCRATCH_REC, 1, Prot.READ | Prot.WRITE);
        for (int e = 0; e < ENGINES; e++) {
            DmaEngine engine = rig.engine(e);
            rig.enablePasid(engine);
            if (e == 0) {
                rig.enableAts(engine);
                rig.enablePri(engine, 32);
            }
            for (int s = 0; s < VALID_SLOTS; s++) {
                srcPa[e][s] = rig.map(checkSrc(e, s), SLOT_PAGES, Prot.READ | Prot.WRITE);
                dstPa[e][s] = rig.map(checkDst(e, s), SLOT_PAGES, Prot.READ | Prot.WRITE);
            }
            recPa[e] = rig.map(checkRec(e), 1, Prot.READ | Prot.WRITE);
            rings[e] = rig.ring(e, RING_LOG2);
        }
    }

    @Test
    void garbageNeverStopsTheEnginesAndValidWorkAfterItCompletes() {
        for (int batch = 0; batch < CASES; batch++) {
            try {
                garbageBatch();
                validBatch();
            } catch (Throwable t) {
                throw new AssertionError("seed=" + seed + " batch " + batch + ": " + t.getMessage(), t);
            }
        }
        System.out.printf("DmaEngineFuzzTest: %d batches, %d garbage and %d valid descriptors, %d register writes,"
                        + " %d page request groups answered, %d error records checked, %d re-initialisations%n",
                CASES, garbageDescriptors, validDescriptors, registerWrites, groupsAnswered, recordsChecked, reinits);
    }

    // ---- garbage ---------------------------------------------------------------------------------------------

    private final boolean[] disturbed = new boolean[ENGINES];

    private void garbageBatch() {
        int engine = r.nextInt(ENGINES);
        int k = 1 + r.nextInt(8);
        byte[][] items = new byte[k][];
        for (int i = 0; i < k; i++) {
            items[i] = switch (r.nextInt(10)) {
                case 0, 1 -> randomBytes();
                case 2, 3, 4, 5 -> structured();
                default -> mutated();
            };
        }
        garbageDescriptors += k;
        rig.memory.writeBytes(scratchRecPa, new byte[4096], 0, 4096);
        long[] before = counters(engine);
        int tailBefore = rig.reg(engine, DmaEngine.REG_TAIL);
        rig.submitRaw(engine, rings[engine], items);
        boolean clean = true;
        if (r.nextInt(16) == 0) {
            // A driver that gives up on the engine mid-work, or while it waits for a page request group.
            clean = false;
            disturbed[engine] = true;
            rig.runAtMost(r.nextBoolean() ? TASK_BOUND : r.nextInt(64));
            rig.setReg(engine, DmaEngine.REG_CTRL, DmaEngine.CTRL_RESET);
            long[] atReset = counters(engine);
            settle();
            assertArrayEquals(atReset, counters(engine), "nothing ended after the reset, late answers included");
            assertEquals(0, rig.reg(engine, DmaEngine.REG_HEAD));
            assertEquals(0, rig.reg(engine, DmaEngine.REG_TAIL));
        } else if (r.nextInt(8) == 0) {
            clean = false;
            disturbed[engine] = true;
            // Mid-work, or once the engine is parked on a page request group, or before it started.
            rig.runAtMost(switch (r.nextInt(3)) {
                case 0 -> TASK_BOUND;
                case 1 -> r.nextInt(64);
                default -> 0;
            });
            for (int n = 1 + r.nextInt(4); n > 0; n--) {
                randomRegisterWrite(engine);
            }
        }
        if (r.nextInt(10) == 0) {
            clean = false;
            rig.setReg(engine, DmaEngine.REG_TAIL, r.nextInt(3) == 0 ? r.nextInt() & 0xffff_ffffL
                    : r.nextInt(1 << RING_LOG2));
        }
        settle();
        checkCounters();
        if (clean) {
            long[] after = counters(engine);
            assertEquals(k, after[0] - before[0] + after[2] - before[2], "each descriptor consumed once");
            assertEquals((tailBefore + k) & ((1 << RING_LOG2) - 1), rig.reg(engine, DmaEngine.REG_HEAD));
            assertEquals(0, after[2] - before[2], "the ring itself was fetched fine");
            checkErrorRecords(items, after[1] - before[1]);
        }
    }

    private byte[] randomBytes() {
        byte[] d = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            d[i] = (byte) r.nextInt();
        }
        if (r.nextBoolean()) {
            // Often with a plausible opcode, so it gets past the first check.
            d[0] = (byte) (1 + r.nextInt(4));
        }
        return d;
    }

    private long address() {
        return switch (r.nextInt(9)) {
            case 0 -> r.nextLong();
            case 1 -> 0;
            case 2 -> -1L - r.nextInt(8192);
            case 3 -> HOLE + r.nextInt(1 << 20);
            case 4 -> checkDst(r.nextInt(ENGINES), r.nextInt(VALID_SLOTS)) + r.nextInt(SLOT_PAGES * 4096);
            case 5 -> SCRATCH_REC + r.nextInt(4096);
            default -> SCRATCH + r.nextInt(SCRATCH_PAGES * 4096);
        };
    }

    private long length() {
        return switch (r.nextInt(8)) {
            case 0 -> 0;
            case 1 -> MAX_LENGTH + r.nextInt(3) - 1;
            case 2 -> r.nextLong();
            case 3 -> 8L * (1 + r.nextInt(4096));
            default -> 1 + r.nextInt(SCRATCH_PAGES * 4096);
        };
    }

    private byte[] structured() {
        int opcode = r.nextInt(6) == 0 ? r.nextInt(256) : 1 + r.nextInt(4);
        int flags = r.nextInt(8) == 0 ? r.nextInt(256) : FLAG_PASID | r.nextInt(16);
        long pasidField = switch (r.nextInt(8)) {
            case 0 -> r.nextInt(16);
            case 1 -> r.nextInt(1 << 20);
            case 2 -> r.nextInt() & 0xffff_ffffL;
            default -> PASID;
        };
        long completion = switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> address();
            default -> SCRATCH_REC + 32L * r.nextInt(128) + (r.nextInt(8) == 0 ? 1 + r.nextInt(31) : 0);
        };
        long source = opcode == OP_TOUCH && r.nextInt(4) != 0 ? 0 : opcode == OP_FILL ? r.nextLong() : address();
        long destination = address();
        if (opcode == OP_FILL && r.nextBoolean()) {
            destination &= ~7L;
        }
        byte[] d = new byte[SIZE];
        d[0] = (byte) opcode;
        d[1] = (byte) flags;
        put(d, 4, pasidField, 4);
        put(d, 8, length(), 8);
        put(d, 16, source, 8);
        put(d, 24, destination, 8);
        put(d, 32, completion, 8);
        if (r.nextInt(10) == 0) {
            d[r.nextBoolean() ? 2 + r.nextInt(2) : 40 + r.nextInt(24)] = (byte) (1 + r.nextInt(255));
        }
        return d;
    }

    /** A valid descriptor over the scratch area, with one to three mutations. */
    private byte[] mutated() {
        int opcode = 1 + r.nextInt(4);
        long len = 1 + r.nextInt(4 * 4096);
        long dst = SCRATCH + r.nextInt(8 * 4096);
        long src = SCRATCH + r.nextInt(8 * 4096);
        if (opcode == OP_FILL) {
            dst &= ~7L;
            len = (len + 7) & ~7L;
            src = r.nextLong();
        } else if (opcode == OP_TOUCH) {
            src = 0;
        }
        int flags = r.nextInt(4) == 0 ? FLAG_IRQ : 0;
        if (opcode == OP_TOUCH && r.nextBoolean()) {
            flags |= FLAG_TOUCH_WRITE;
        }
        byte[] d = new DmaDescriptor(opcode, flags, PASID, len, src, dst, SCRATCH_REC + 32L * r.nextInt(128))
                .encode();
        for (int n = 1 + r.nextInt(3); n > 0; n--) {
            switch (r.nextInt(5)) {
                case 0 -> d[r.nextInt(SIZE)] ^= (byte) (1 << r.nextInt(8));
                case 1 -> d[r.nextInt(SIZE)] = (byte) r.nextInt();
                case 2 -> put(d, 8 * r.nextInt(8), r.nextLong(), 8);
                case 3 -> put(d, 8, length(), 8);
                default -> put(d, 16 + 8 * r.nextInt(3), address(), 8);
            }
        }
        return d;
    }

    private void randomRegisterWrite(int engine) {
        registerWrites++;
        long offset = r.nextBoolean() ? 4L * r.nextInt(0x48 / 4) : r.nextInt(DmaEngine.BAR0_SIZE);
        int size = 1 << r.nextInt(4);
        if (offset + size > DmaEngine.BAR0_SIZE) {
            offset = DmaEngine.BAR0_SIZE - size;
        }
        long value = switch (r.nextInt(4)) {
            case 0 -> r.nextLong();
            case 1 -> r.nextInt(16);
            case 2 -> r.nextInt(1 << RING_LOG2);
            default -> r.nextInt() & 0xffff_ffffL;
        };
        rig.bus.write(rig.bar0(engine) + offset, size, value);
        rig.bus.read(rig.bar0(engine) + (r.nextInt(DmaEngine.BAR0_SIZE) & ~7), 1 << r.nextInt(4));
    }

    // ---- running to idle, as a driver answering page requests ----------------------------------------------

    /** Runs the machine to idle, answering page request groups and draining events, until nothing waits. */
    private void settle() {
        for (int round = 0; ; round++) {
            assertTrue(round < ROUNDS, "the engines settled within " + ROUNDS + " rounds of answers");
            long ran = rig.runAtMost(TASK_BOUND);
            assertTrue(ran < TASK_BOUND, "the machine went idle within " + TASK_BOUND + " tasks");
            rig.smmu.drainEvents();
            if (!answerPageRequests()) {
                break;
            }
        }
        for (int e = 0; e < ENGINES; e++) {
            assertEquals(0, rig.reg(e, DmaEngine.REG_STATUS) & DmaEngine.STATUS_WAITING, "engine " + e + " waits");
        }
    }

    /** Answers every complete group with Invalid Request (now and then Response Failure, then restarts PRI). */
    private boolean answerPageRequests() {
        boolean any = false;
        for (long[] q : rig.pageRequests()) {
            int sid = (int) get(PRIQ_0_SID, q[0]);
            long key = (long) sid << 16 | get(PRIQ_1_PRG_IDX, q[1]);
            partialGroups.computeIfAbsent(key, x -> new ArrayList<>()).add(q);
            if (get(PRIQ_0_PRG_LAST, q[0]) == 0) {
                continue;
            }
            partialGroups.remove(key);
            int ssid = get(PRIQ_0_SSID_V, q[0]) != 0 ? (int) get(PRIQ_0_SSID, q[0]) : Commands.NO_SSID;
            boolean failure = r.nextInt(10) == 0;
            assertTrue(rig.smmu.submit(Commands.priResp(sid, ssid, (int) get(PRIQ_1_PRG_IDX, q[1]),
                    failure ? PRI_RESP_DENY : PageRequest.INVALID)));
            groupsAnswered++;
            any = true;
            if (failure) {
                rig.run();
                rig.restartPri(rig.engine(0));
            }
        }
        return any;
    }

    // ---- counters and records --------------------------------------------------------------------------------

    /** COMPLETED, ERRORS, FETCH_ERRORS, RECORD_ERRORS of {@code engine}. */
    private long[] counters(int engine) {
        return new long[] {
                rig.reg(engine, DmaEngine.REG_COMPLETED) & 0xffff_ffffL,
                rig.reg(engine, DmaEngine.REG_ERRORS) & 0xffff_ffffL,
                rig.reg(engine, DmaEngine.REG_FETCH_ERRORS) & 0xffff_ffffL,
                rig.reg(engine, DmaEngine.REG_RECORD_ERRORS) & 0xffff_ffffL};
    }

    private void checkCounters() {
        for (int e = 0; e < ENGINES; e++) {
            long[] c = counters(e);
            for (int i = 0; i < 4; i++) {
                assertTrue(c[i] >= lastCounters[4 * e + i], "engine " + e + " counter " + i + " only grows");
                lastCounters[4 * e + i] = c[i];
            }
            assertTrue(c[1] <= c[0] + c[2],
                    "engine " + e + ": ERRORS <= COMPLETED + FETCH_ERRORS " + Arrays.toString(c));
        }
    }

    /**
     * Every malformed descriptor whose record lands, alone, in the scratch
     * record page carries the status the reference classifier gives it; at
     * least as many errors as malformed descriptors were counted.
     */
    private void checkErrorRecords(byte[][] items, long errors) {
        int malformed = 0;
        Map<Long, Integer> writers = new HashMap<>();
        boolean recordPageWritten = false;
        for (byte[] d : items) {
            long completion = u64(d, 32);
            writers.merge(completion, 1, Integer::sum);
            int expected = reference(d);
            if (expected != STATUS_SUCCESS) {
                malformed++;
            } else if (d[0] != OP_COMPARE && overlapsRecordPage(u64(d, 24), u64(d, 8))) {
                recordPageWritten = true;
            }
        }
        assertTrue(errors >= malformed, errors + " errors for " + malformed + " malformed descriptors");
        if (recordPageWritten) {
            return;
        }
        for (byte[] d : items) {
            int expected = reference(d);
            long completion = u64(d, 32);
            boolean viaPasid7 = (d[1] & FLAG_PASID) != 0 && (u32(d, 4) & 0xfffff) == PASID;
            if (expected == STATUS_SUCCESS || !viaPasid7 || writers.get(completion) != 1
                    || (completion & (RECORD_SIZE - 1)) != 0
                    || Long.compareUnsigned(completion - SCRATCH_REC, 4096) >= 0) {
                continue;
            }
            long pa = scratchRecPa + (completion - SCRATCH_REC);
            assertEquals(statusName(expected), statusName(status(rig.memory, pa)), "record of " + hex(d));
            recordsChecked++;
        }
    }

    private static boolean overlapsRecordPage(long address, long length) {
        long end = address + Math.max(0, Math.min(length, MAX_LENGTH)) - 1;
        return Long.compareUnsigned(address, SCRATCH_REC + 4095) <= 0 && Long.compareUnsigned(end, SCRATCH_REC) >= 0
                || Long.compareUnsigned(end, address) < 0;
    }

    private static String hex(byte[] d) {
        StringBuilder sb = new StringBuilder();
        for (byte b : d) {
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

    /**
     * The descriptor rules of docs/dma-engine.md, written out independently of
     * {@link DmaDescriptor#validate}: reserved fields, then opcode, then length
     * (including ranges past 2^64), then alignment.
     */
    static int reference(byte[] d) {
        int opcode = d[0] & 0xff;
        int flags = d[1] & 0xff;
        long pasid = u32(d, 4);
        long len = u64(d, 8);
        long src = u64(d, 16);
        long dst = u64(d, 24);
        long completion = u64(d, 32);
        boolean reserved = d[2] != 0 || d[3] != 0 || (flags & 0xf0) != 0 || (pasid & 0xfff0_0000L) != 0
                || ((flags & FLAG_PASID) == 0 && pasid != 0) || (opcode == OP_TOUCH && src != 0);
        for (int i = 40; i < 64; i++) {
            reserved |= d[i] != 0;
        }
        if (reserved) {
            return STATUS_RESERVED_NOT_ZERO;
        }
        if (opcode < 1 || opcode > 4) {
            return STATUS_BAD_OPCODE;
        }
        if (len == 0 || Long.compareUnsigned(len, MAX_LENGTH) > 0) {
            return STATUS_BAD_LENGTH;
        }
        java.math.BigInteger limit = java.math.BigInteger.ONE.shiftLeft(64);
        java.math.BigInteger n = java.math.BigInteger.valueOf(len);
        boolean srcPasses = (opcode == OP_COPY || opcode == OP_COMPARE)
                && new java.math.BigInteger(Long.toUnsignedString(src)).add(n).compareTo(limit) > 0;
        boolean dstPasses = new java.math.BigInteger(Long.toUnsignedString(dst)).add(n).compareTo(limit) > 0;
        if (srcPasses || dstPasses) {
            return STATUS_BAD_LENGTH;
        }
        if (completion % 32 != 0 || (opcode == OP_FILL && (dst % 8 != 0 || len % 8 != 0))) {
            return STATUS_MISALIGNED;
        }
        return STATUS_SUCCESS;
    }

    // ---- valid work --------------------------------------------------------------------------------------------

    /** A valid descriptor and what it must leave behind: its record, bytes done, result and destination bytes. */
    private record Expected(DmaDescriptor descriptor, long dstPa, byte[] data, long result) {}

    private void validBatch() {
        for (int e = 0; e < ENGINES; e++) {
            if (disturbed[e] || r.nextInt(20) == 0) {
                reinit(e);
            }
        }
        List<List<Expected>> expected = new ArrayList<>();
        long[][] before = new long[ENGINES][];
        for (int e = 0; e < ENGINES; e++) {
            before[e] = counters(e);
            rig.memory.writeBytes(recPa[e], new byte[4096], 0, 4096);
            int n = 1 + r.nextInt(VALID_SLOTS);
            List<Expected> list = new ArrayList<>();
            DmaDescriptor[] ds = new DmaDescriptor[n];
            for (int s = 0; s < n; s++) {
                Expected x = prepare(e, s);
                list.add(x);
                ds[s] = x.descriptor();
            }
            expected.add(list);
            rig.submit(e, rings[e], ds);
            validDescriptors += n;
        }
        settle();
        checkCounters();
        for (int e = 0; e < ENGINES; e++) {
            long[] after = counters(e);
            List<Expected> list = expected.get(e);
            assertEquals(list.size(), after[0] - before[e][0], "engine " + e + ": every valid descriptor ended");
            assertEquals(0, after[1] - before[e][1], "engine " + e + ": no error");
            assertEquals(rig.reg(e, DmaEngine.REG_TAIL), rig.reg(e, DmaEngine.REG_HEAD));
            for (Expected x : list) {
                DmaDescriptor d = x.descriptor();
                String what = "engine " + e + " " + d;
                long rec = recPa[e] + (d.completion() - checkRec(e));
                assertEquals("SUCCESS", statusName(status(rig.memory, rec)), what);
                if (d.opcode() == OP_COMPARE && x.result() >= 0) {
                    assertTrue(rig.memory.read64(rec + 8) > x.result(), "bytes done cover the difference: " + what);
                } else {
                    assertEquals(d.length(), rig.memory.read64(rec + 8), "bytes done: " + what);
                }
                assertEquals(x.result(), rig.memory.read64(rec + 24), "result: " + what);
                byte[] got = new byte[x.data().length];
                rig.memory.readBytes(x.dstPa(), got, 0, got.length);
                assertArrayEquals(x.data(), got, "data: " + what);
            }
        }
    }

    /** Fills slot {@code s}'s buffers and makes a random valid descriptor over them. */
    private Expected prepare(int e, int s) {
        int opcode = 1 + r.nextInt(4);
        int srcOff = r.nextInt(4096);
        int dstOff = opcode == OP_FILL ? r.nextInt(512) * 8 : r.nextInt(4096);
        int max = (SLOT_PAGES - 1) * 4096;
        int len = opcode == OP_FILL ? 8 * (1 + r.nextInt(max / 8)) : 1 + r.nextInt(max);
        byte[] srcBytes = new byte[len];
        byte[] dstBytes = new byte[len];
        for (int i = 0; i < len; i++) {
            srcBytes[i] = (byte) r.nextInt();
            dstBytes[i] = (byte) r.nextInt();
        }
        long result = -1;
        long source = checkSrc(e, s) + srcOff;
        int flags = FLAG_IRQ;
        byte[] after = dstBytes;
        switch (opcode) {
            case OP_COPY -> after = srcBytes;
            case OP_FILL -> {
                source = r.nextLong();
                after = new byte[len];
                for (int i = 0; i < len; i++) {
                    after[i] = (byte) (source >>> (8 * (i & 7)));
                }
            }
            case OP_COMPARE -> {
                dstBytes = srcBytes.clone();
                if (r.nextBoolean()) {
                    int m = r.nextInt(len);
                    dstBytes[m] ^= (byte) (1 + r.nextInt(255));
                    result = m;
                }
                after = dstBytes;
            }
            default -> {
                source = 0;
                flags |= r.nextBoolean() ? FLAG_TOUCH_WRITE : 0;
            }
        }
        rig.memory.writeBytes(srcPa[e][s] + srcOff, srcBytes, 0, len);
        rig.memory.writeBytes(dstPa[e][s] + dstOff, dstBytes, 0, len);
        DmaDescriptor d = new DmaDescriptor(opcode, flags, PASID, len, source, checkDst(e, s) + dstOff,
                checkRec(e) + 32L * s);
        return new Expected(d, dstPa[e][s] + dstOff, after, result);
    }

    /** What a driver does with an engine in an unknown state: reset, program the ring again, enable. */
    private void reinit(int e) {
        reinits++;
        rig.setReg(e, DmaEngine.REG_CTRL, DmaEngine.CTRL_RESET);
        rig.setReg(e, DmaEngine.REG_STATUS, DmaEngine.STATUS_TAIL_ERROR);
        rig.program(e, rings[e], RING_LOG2);
        assertEquals(0, rig.reg(e, DmaEngine.REG_HEAD));
        assertEquals(0, rig.reg(e, DmaEngine.REG_TAIL));
        disturbed[e] = false;
    }
}

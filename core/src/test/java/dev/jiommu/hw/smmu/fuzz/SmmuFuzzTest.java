package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.hw.cache.Replacement;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.Translation;
import dev.jiommu.pgtable.Access;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.Field;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.jiommu.hw.smmu.fuzz.FuzzRig.*;
import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Field.prep;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Acceptance item 5: bad input never escapes as a Java exception, and each
 * kind of bad input is answered as the architecture says. A seeded fuzzer
 * drives the model through its public surface only — registers, memory, DMA,
 * translations, page requests — over several implementations:
 *
 * <ol>
 *   <li>random and mutated STEs, L1STDs, CDs, L1CDs and translation tables,
 *       then translations and DMA with random StreamID, SubstreamID, address
 *       and access; every record is a legal event of that transaction, no
 *       write leaves the queues and targets (canaries), and reference-encoded
 *       STE/CD pairs keep translating (anchors);</li>
 *   <li>random command words through the command queue against a reference
 *       classifier of SMMUv3 chapter 4 ({@link CommandClassifier});</li>
 *   <li>structure, queue, table and MSI pointers outside RAM or beyond OAS
 *       (§3.4.3);</li>
 *   <li>queue indexes with all 32 bits random and LOG2SIZE beyond IDR1
 *       (§6.3.26–6.3.28);</li>
 *   <li>registers written while their enable is set, accesses of every size
 *       at every offset, reserved space reading as zero (§6.2, §6.3);</li>
 *   <li>random page requests against a reference model of the PRI queue
 *       (chapter 8).</li>
 * </ol>
 *
 * <p>Replay a failure with {@code -Djiommu.seed=<seed>} (printed at start and
 * in every message); {@code -Djiommu.fuzzCases=<n>} sets the cases per test
 * and implementation.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SmmuFuzzTest {

    private static final long DEFAULT_SEED = 0x5_A11F_022L;
    /** Cases per test and implementation: {@code -Djiommu.fuzzCases=N} (default 3000). */
    static final int CASES = Integer.getInteger("jiommu.fuzzCases", 3000);

    /** Canary checks every this many cases: {@code -Djiommu.fuzzCanaryEvery=1} pins a stray write to its case. */
    static final int CANARY_EVERY = Integer.getInteger("jiommu.fuzzCanaryEvery", 1000);

    static long seed;

    @BeforeAll
    static void printSeed() {
        String s = System.getProperty("jiommu.seed");
        seed = s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
        System.out.println("SmmuFuzzTest seed=" + seed + " cases=" + CASES);
    }

    static Stream<Arguments> configs() {
        SmmuConfig full = SmmuConfig.full();
        SmmuConfig tiny = new SmmuConfig(true, true, false, false, 8, 8, true, true, 0, 1, false, false, false, false,
                false, false, false, true, true, 32, 4, 4, 4, 16, 8, Replacement.RANDOM);
        return Stream.of(
                Arguments.of("full", full),
                Arguments.of("qemu-virt", SmmuConfig.qemuVirt()),
                Arguments.of("caches-off", full.withCaches(0, 0)),
                Arguments.of("stall-forced", full.withStallModel(2)),
                Arguments.of("terminate-only", full.withStallModel(1)),
                Arguments.of("small-queues", full.withQueues(1, 0, 0)),
                Arguments.of("stage1-only-fifo", full.withStages(true, false).withReplacement(Replacement.FIFO)),
                Arguments.of("stage2-only-random", full.withStages(false, true).withReplacement(Replacement.RANDOM)),
                Arguments.of("oas32-16k-64k-linear", tiny));
    }

    private static SplittableRandom rng(String test, String config) {
        return new SplittableRandom(seed * 31 + (test + "/" + config).hashCode());
    }

    static String where(String test, String config, int i) {
        return "seed=" + seed + " " + test + "[" + config + "] case " + i;
    }

    // =========================================================================================================
    // 1. Random structures, then translations and DMA
    // =========================================================================================================

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void randomStructures(String name, SmmuConfig config) {
        SplittableRandom r = rng("randomStructures", name);
        FuzzRig rig = new FuzzRig(config, seed);
        StructureFuzz f = new StructureFuzz(rig, r, name);
        f.run(CASES);
        System.out.printf("randomStructures[%s]: %d cases, outcomes %s, events %d, stalls %d, anchors %d%n", name,
                CASES, f.outcomeSummary(), f.events, f.stalls, f.anchorChecks);
    }

    // =========================================================================================================
    // 2. Random commands
    // =========================================================================================================

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void randomCommands(String name, SmmuConfig config) {
        SplittableRandom r = rng("randomCommands", name);
        FuzzRig rig = new FuzzRig(config, seed);
        rig.queues(1 + r.nextInt(6), 6, 4);
        rig.linearStreamTable(8);
        rig.w32(ARM_SMMU_CR2, CR2_RECINVSID);
        rig.cr0(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
        long[] verdicts = new long[3];
        long illegal = 0;
        boolean smmuEnabled = true;
        for (int i = 0; i < CASES; i++) {
            String where = where("randomCommands", name, i);
            if (i % 500 == 499) {
                smmuEnabled = r.nextInt(4) != 0;
                rig.cr0(CR0_CMDQEN | CR0_EVTQEN | (smmuEnabled ? CR0_SMMUEN : 0));
                rig.w32(ARM_SMMU_IRQ_CTRL, r.nextBoolean() ? IRQ_CTRL_GERROR_IRQEN : 0);
            }
            if (r.nextInt(8) == 0) {
                illegal += batch(rig, r, where);
                continue;
            }
            long[] cmd = genCommand(rig, r);
            CommandClassifier.Verdict v = CommandClassifier.classify(cmd[0], cmd[1], config);
            verdicts[v.ordinal()]++;
            int log2 = rig.log2(ARM_SMMU_CMDQ_BASE);
            int mask = wrapMask(log2);
            int prod = rig.r32(ARM_SMMU_CMDQ_PROD) & mask;
            int responses = rig.requester.responses.size();
            long atc = rig.requester.atcInvalidations;
            String what = String.format("%s: %s (w0=%016x w1=%016x) classified %s", where,
                    Commands.describe(cmd[0], cmd[1]), cmd[0], cmd[1], v);
            boolean consumed = rig.submit(cmd);
            int cons = rig.r32(ARM_SMMU_CMDQ_CONS);
            if (consumed) {
                assertNotEquals(CommandClassifier.Verdict.ILLEGAL, v, what + ": consumed");
                if (!smmuEnabled && v == CommandClassifier.Verdict.LEGAL) {
                    int op = (int) (cmd[0] & 0xff);
                    if (op == CMDQ_OP_PRI_RESP) {
                        assertEquals(responses, rig.requester.responses.size(), what + ": PRI_RESP with SMMUEN = 0 is IGNORED (§4.5.2)");
                    }
                    if (op == CMDQ_OP_ATC_INV) {
                        assertEquals(atc, rig.requester.atcInvalidations, what + ": ATC_INV with SMMUEN = 0 is IGNORED (§4.5.1)");
                    }
                }
            } else {
                illegal++;
                assertNotEquals(CommandClassifier.Verdict.LEGAL, v, what + ": rejected, CMDQ_CONS=0x"
                        + Integer.toHexString(cons));
                assertTrue(rig.globalError(GERROR_CMDQ_ERR), what + ": no GERROR.CMDQ_ERR");
                assertEquals(CMDQ_ERR_CERROR_ILL_IDX, get(CMDQ_CONS_ERR, cons), what + ": CMDQ_CONS.ERR");
                assertEquals(prod, cons & mask, what + ": CMDQ_CONS.RD must point at the faulting command");
                rig.recoverCommandError();
                assertTrue(!rig.globalError(GERROR_CMDQ_ERR), what + ": error still active after GERRORN ack");
                assertEquals((prod + 1) & mask, rig.r32(ARM_SMMU_CMDQ_CONS) & mask, what + ": queue did not continue");
            }
            for (int[] resp : rig.requester.responses) {
                assertTrue(resp[2] >= 0 && resp[2] <= 2, what + ": PRI response code " + resp[2]);
            }
            rig.requester.clear();
            if (r.nextInt(16) == 0) {
                rig.ackGlobalErrors();
            }
            rig.drainEvents();
        }
        assertNull(rig.canaryDamage(), where("randomCommands", name, CASES));
        System.out.printf("randomCommands[%s]: %d cases, classified LEGAL=%d ILLEGAL=%d EITHER=%d, command errors %d%n",
                name, CASES, verdicts[0], verdicts[1], verdicts[2], illegal);
    }

    /** Several commands and one PROD write: consumption stops exactly at the first one the SMMU rejects. */
    private static int batch(FuzzRig rig, SplittableRandom r, String where) {
        int log2 = rig.log2(ARM_SMMU_CMDQ_BASE);
        int mask = wrapMask(log2);
        int prod = rig.r32(ARM_SMMU_CMDQ_PROD) & mask;
        int n = 1 + r.nextInt(1 << log2);
        List<long[]> cmds = new ArrayList<>();
        int p = prod;
        for (int k = 0; k < n; k++) {
            long[] cmd = genCommand(rig, r);
            cmds.add(cmd);
            long a = rig.cmdEntry(p);
            rig.mem.write64(a, cmd[0]);
            rig.mem.write64(a + 8, cmd[1]);
            p = (p + 1) & mask;
        }
        rig.w32(ARM_SMMU_CMDQ_PROD, p);
        int consumed = (rig.r32(ARM_SMMU_CMDQ_CONS) - prod) & mask;
        boolean error = rig.globalError(GERROR_CMDQ_ERR);
        String what = where + ": batch of " + n;
        assertTrue(error ? consumed < n : consumed == n, what + ": consumed " + consumed + ", error " + error);
        for (int k = 0; k < consumed; k++) {
            assertNotEquals(CommandClassifier.Verdict.ILLEGAL,
                    CommandClassifier.classify(cmds.get(k)[0], cmds.get(k)[1], rig.config),
                    what + ": consumed " + Commands.describe(cmds.get(k)[0], cmds.get(k)[1]));
        }
        int errors = 0;
        while (rig.globalError(GERROR_CMDQ_ERR)) {
            int at = (rig.r32(ARM_SMMU_CMDQ_CONS) - prod) & mask;
            long[] bad = cmds.get(at);
            assertNotEquals(CommandClassifier.Verdict.LEGAL, CommandClassifier.classify(bad[0], bad[1], rig.config),
                    what + ": rejected " + Commands.describe(bad[0], bad[1]));
            assertEquals(CMDQ_ERR_CERROR_ILL_IDX, get(CMDQ_CONS_ERR, rig.r32(ARM_SMMU_CMDQ_CONS)), what);
            rig.recoverCommandError();
            errors++;
            assertTrue(errors <= n, what + ": more errors than commands");
        }
        assertEquals(p, rig.r32(ARM_SMMU_CMDQ_CONS) & mask, what + ": queue not drained after recovery");
        rig.requester.clear();
        rig.drainEvents();
        return errors;
    }

    /** A command: any opcode or a defined one; random words or well-formed fields, sometimes one bit off. */
    static long[] genCommand(FuzzRig rig, SplittableRandom r) {
        int op = r.nextInt(4) == 0 ? r.nextInt(256)
                : CommandClassifier.DEFINED[r.nextInt(CommandClassifier.DEFINED.length)];
        long w0;
        long w1;
        if (r.nextInt(3) == 0) {
            w0 = r.nextLong();
            w1 = r.nextLong();
        } else {
            int sid = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(256);
            long ssid = r.nextInt(1 << 20);
            boolean ssv = r.nextBoolean();
            long vmid = r.nextInt(1 << 16);
            long asid = r.nextInt(1 << 16);
            long common = prep(genmask(63, 32), sid & 0xffff_ffffL) | (ssv ? CMDQ_0_SSV | prep(genmask(31, 12), ssid) : 0);
            long range = r.nextBoolean() ? 0 : prep(CMDQ_TLBI_0_NUM, r.nextInt(32)) | prep(CMDQ_TLBI_0_SCALE, r.nextInt(32));
            long hint = r.nextBoolean() ? 0 : prep(CMDQ_TLBI_1_TG, r.nextInt(4)) | prep(CMDQ_TLBI_1_TTL, r.nextInt(4));
            long leaf = r.nextBoolean() ? 1 : 0;
            long va = r.nextLong() & CMDQ_TLBI_1_VA_MASK;
            switch (op) {
                case CMDQ_OP_PREFETCH_CFG -> {
                    w0 = common;
                    w1 = 0;
                }
                case CMDQ_OP_PREFETCH_ADDR -> {
                    w0 = common;
                    w1 = (r.nextLong() & CMDQ_PREFETCH_1_ADDR_MASK) | r.nextInt(32);
                }
                case CMDQ_OP_CFGI_STE, CMDQ_OP_CFGI_CD_ALL -> {
                    w0 = prep(genmask(63, 32), sid & 0xffff_ffffL);
                    w1 = op == CMDQ_OP_CFGI_STE ? leaf : 0;
                }
                case CMDQ_OP_CFGI_STE_RANGE -> {
                    w0 = prep(genmask(63, 32), sid & 0xffff_ffffL);
                    w1 = r.nextInt(32);
                }
                case CMDQ_OP_CFGI_CD -> {
                    w0 = prep(genmask(63, 32), sid & 0xffff_ffffL) | prep(CMDQ_CFGI_0_SSID, ssid);
                    w1 = leaf;
                }
                case CMDQ_OP_TLBI_NH_ALL, CMDQ_OP_TLBI_S12_VMALL -> {
                    w0 = prep(CMDQ_TLBI_0_VMID, vmid);
                    w1 = 0;
                }
                case CMDQ_OP_TLBI_NH_ASID -> {
                    w0 = prep(CMDQ_TLBI_0_VMID, vmid) | prep(CMDQ_TLBI_0_ASID, asid);
                    w1 = 0;
                }
                case CMDQ_OP_TLBI_NH_VA, CMDQ_OP_TLBI_EL2_VA -> {
                    w0 = (op == CMDQ_OP_TLBI_NH_VA ? prep(CMDQ_TLBI_0_VMID, vmid) : 0) | prep(CMDQ_TLBI_0_ASID, asid) | range;
                    w1 = va | hint | leaf;
                }
                case CMDQ_OP_TLBI_NH_VAA, CMDQ_OP_TLBI_EL2_VAA -> {
                    w0 = (op == CMDQ_OP_TLBI_NH_VAA ? prep(CMDQ_TLBI_0_VMID, vmid) : 0) | range;
                    w1 = va | hint | leaf;
                }
                case CMDQ_OP_TLBI_EL2_ASID -> {
                    w0 = prep(CMDQ_TLBI_0_ASID, asid);
                    w1 = 0;
                }
                case CMDQ_OP_TLBI_S2_IPA -> {
                    w0 = prep(CMDQ_TLBI_0_VMID, vmid) | range;
                    w1 = (va & CMDQ_TLBI_1_IPA_MASK) | hint | leaf;
                }
                case CMDQ_OP_ATC_INV -> {
                    w0 = common | (r.nextBoolean() ? CMDQ_ATC_0_GLOBAL : 0);
                    w1 = (r.nextLong() & CMDQ_ATC_1_ADDR_MASK) | r.nextInt(53);
                }
                case CMDQ_OP_PRI_RESP -> {
                    w0 = common;
                    w1 = r.nextInt(512) | prep(CMDQ_PRI_1_RESP, r.nextInt(4));
                }
                case CMDQ_OP_RESUME -> {
                    w0 = prep(genmask(63, 32), sid & 0xffff_ffffL) | prep(CMDQ_RESUME_0_RESP, r.nextInt(4));
                    w1 = r.nextInt(1 << 16);
                }
                case CMDQ_OP_STALL_TERM -> {
                    w0 = prep(genmask(63, 32), sid & 0xffff_ffffL);
                    w1 = 0;
                }
                case CMDQ_OP_CMD_SYNC -> {
                    w0 = prep(CMDQ_SYNC_0_CS, r.nextInt(4)) | prep(CMDQ_SYNC_0_MSIDATA, r.nextInt() & 0xffff_ffffL)
                            | prep(CMDQ_SYNC_0_MSH, r.nextInt(4)) | prep(CMDQ_SYNC_0_MSIATTR, r.nextInt(16));
                    w1 = switch (r.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> MSI_SINK + 4L * r.nextInt(64);
                        case 2 -> MSI_RAM + 4L * r.nextInt(1024);
                        default -> r.nextLong() & CMDQ_SYNC_1_MSIADDR_MASK;
                    };
                }
                default -> {
                    w0 = 0;
                    w1 = 0;
                }
            }
            if (r.nextInt(4) == 0) {
                long bit = 1L << r.nextInt(64);
                if (r.nextBoolean()) {
                    w0 ^= bit;
                } else {
                    w1 ^= bit;
                }
            }
            if (r.nextInt(12) == 0) {
                w0 |= CMDQ_0_SSEC;
            }
        }
        w0 = (w0 & ~0xffL) | op;
        if (op == CMDQ_OP_CMD_SYNC) {
            // Keep CMD_SYNC MSIs off everything but the MSI page and the sink (after truncation to OAS, §3.4.3).
            long a = (w1 & CMDQ_SYNC_1_MSIADDR_MASK) & rig.oasMask;
            if (a != 0 && (overlaps(a, 4, RAM_BASE, RAM_SIZE) && !within(a, 4, MSI_RAM, 0x1_0000L) || rig.bus.deviceAt(a) != null
                    && !within(a, 4, MSI_SINK, 0x1_0000L))) {
                w1 = (w1 & ~CMDQ_SYNC_1_MSIADDR_MASK) | (MSI_RAM + (a & 0xffcL));
            }
        }
        if (op == CMDQ_OP_PRI_RESP || op == CMDQ_OP_ATC_INV) {
            rig.smmu.connect((int) get(genmask(63, 32), w0), rig.requester);
        }
        return new long[] {w0, w1};
    }

    private static long genmask(int hi, int lo) {
        return Field.genmask(hi, lo);
    }

    // =========================================================================================================
    // 3. Out-of-range pointers (§3.4.3)
    // =========================================================================================================

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void outOfRangePointers(String name, SmmuConfig config) {
        SplittableRandom r = rng("outOfRangePointers", name);
        FuzzRig rig = new FuzzRig(config, seed);
        Anchors anchors = new Anchors(rig);
        PointerFuzz p = new PointerFuzz(rig, anchors, r);
        int[] count = new int[PointerFuzz.SCENARIOS];
        for (int i = 0; i < CASES; i++) {
            int s = r.nextInt(PointerFuzz.SCENARIOS);
            p.where = where("outOfRangePointers", name, i) + " scenario " + s;
            if (p.run(s)) {
                count[s]++;
            }
        }
        assertNull(rig.canaryDamage(), where("outOfRangePointers", name, CASES));
        System.out.printf("outOfRangePointers[%s]: %d cases, per scenario %s%n", name, CASES,
                java.util.Arrays.toString(count));
    }

    // =========================================================================================================
    // 4. Queue indexes past the end
    // =========================================================================================================

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void queueIndices(String name, SmmuConfig config) {
        SplittableRandom r = rng("queueIndices", name);
        FuzzRig rig = new FuzzRig(config, seed);
        rig.linearStreamTable(8);
        rig.queues(4, 4, 4);
        rig.w32(ARM_SMMU_CR2, CR2_RECINVSID);
        rig.cr0(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
        long commands = 0;
        long records = 0;
        for (int i = 0; i < CASES; i++) {
            String where = where("queueIndices", name, i);
            switch (r.nextInt(3)) {
                case 0 -> commands += commandQueueCase(rig, r, where);
                case 1 -> records += eventQueueCase(rig, r, where);
                default -> priQueueIndexCase(rig, r, where);
            }
        }
        assertNull(rig.canaryDamage(), where("queueIndices", name, CASES));
        System.out.printf("queueIndices[%s]: %d cases, %d commands consumed, %d event records written%n", name, CASES,
                commands, records);
    }

    /** A random LOG2SIZE (0..31) written to a queue's BASE at its region. */
    private static void randomBase(FuzzRig rig, SplittableRandom r, int baseOffset, long region) {
        int log2 = r.nextInt(4) == 0 ? r.nextInt(32) : r.nextInt(9);
        rig.w64(baseOffset, region + (r.nextInt(4) == 0 ? r.nextLong(0x1_0000L) & ~0x1fL : 0) | log2
                | (r.nextBoolean() ? Q_BASE_RWA : 0));
        assertEquals(log2, rig.r64(baseOffset) & Q_BASE_LOG2SIZE, "LOG2SIZE reads back as written (§6.3.26)");
    }

    /** An index register holds the index and wrap bits of the effective size and its flag bits only. */
    private static void checkIndex(FuzzRig rig, int offset, int baseOffset, int written, long flags, String what) {
        int eff = rig.log2(baseOffset);
        int v = rig.r32(offset);
        int mask = wrapMask(eff);
        assertEquals(written & mask, v & mask, what + String.format(": index bits of 0x%08x read 0x%08x", written, v));
        assertEquals(0, v & ~mask & ~(int) flags, what + String.format(
                ": 0x%08x read 0x%08x, bits above the wrap bit of a 2^%d queue", written, v, eff));
    }

    private static long commandQueueCase(FuzzRig rig, SplittableRandom r, String where) {
        rig.recoverCommandError();
        rig.cr0Clear(CR0_CMDQEN);
        randomBase(rig, r, ARM_SMMU_CMDQ_BASE, CMDQ);
        int prod = r.nextInt();
        int cons = r.nextInt();
        rig.w32(ARM_SMMU_CMDQ_CONS, cons);
        rig.w32(ARM_SMMU_CMDQ_PROD, prod);
        checkIndex(rig, ARM_SMMU_CMDQ_PROD, ARM_SMMU_CMDQ_BASE, prod, 0, where + ": CMDQ_PROD");
        checkIndex(rig, ARM_SMMU_CMDQ_CONS, ARM_SMMU_CMDQ_BASE, cons, CMDQ_CONS_ERR, where + ": CMDQ_CONS");
        if (r.nextInt(4) == 0) {
            // §6.3.28: a smaller LOG2SIZE truncates RD; bits above the new wrap bit read as zero.
            int old = rig.log2(ARM_SMMU_CMDQ_BASE);
            rig.w64(ARM_SMMU_CMDQ_BASE, (rig.r64(ARM_SMMU_CMDQ_BASE) & ~Q_BASE_LOG2SIZE) | r.nextInt(old + 1));
            int truncated = cons & wrapMask(old);
            checkIndex(rig, ARM_SMMU_CMDQ_CONS, ARM_SMMU_CMDQ_BASE, truncated, CMDQ_CONS_ERR,
                    where + ": CMDQ_CONS after LOG2SIZE " + old + " -> " + rig.log2(ARM_SMMU_CMDQ_BASE));
            prod = rig.r32(ARM_SMMU_CMDQ_PROD);
            cons = rig.r32(ARM_SMMU_CMDQ_CONS) & ~(int) CMDQ_CONS_ERR;
        }
        int log2 = rig.log2(ARM_SMMU_CMDQ_BASE);
        int mask = wrapMask(log2);
        int pending = ((prod & mask) - (cons & mask)) & mask;
        if (pending > 4096) { // a CONS near PROD, random above the index, to keep each case short
            cons = (r.nextInt() & ~mask) | ((prod - r.nextInt(4096)) & mask);
            rig.w32(ARM_SMMU_CMDQ_CONS, cons);
            checkIndex(rig, ARM_SMMU_CMDQ_CONS, ARM_SMMU_CMDQ_BASE, cons, CMDQ_CONS_ERR, where + ": CMDQ_CONS");
            pending = ((prod & mask) - (cons & mask)) & mask;
        }
        // Fill what is between CONS and PROD: mostly good commands, a few bad ones.
        int p = cons & mask;
        for (int k = 0; k < pending && k < 4096; k++) {
            long a = rig.cmdEntry(p);
            long[] cmd = r.nextInt(8) == 0 ? new long[] {r.nextLong(), r.nextLong()}
                    : r.nextBoolean() ? Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0) : Commands.tlbiNsnhAll();
            if ((cmd[0] & 0xff) == CMDQ_OP_CMD_SYNC) {
                cmd[1] = 0;
            }
            rig.mem.write64(a, cmd[0]);
            rig.mem.write64(a + 8, cmd[1]);
            p = (p + 1) & mask;
        }
        rig.cr0Set(CR0_CMDQEN);
        int guard = 0;
        while (rig.globalError(GERROR_CMDQ_ERR)) {
            rig.recoverCommandError();
            assertTrue(++guard <= pending + 1, where + ": more command errors than commands");
        }
        assertEquals(prod & mask, rig.r32(ARM_SMMU_CMDQ_CONS) & mask, where + ": CMDQ not drained");
        checkIndex(rig, ARM_SMMU_CMDQ_CONS, ARM_SMMU_CMDQ_BASE, prod, CMDQ_CONS_ERR, where + ": CMDQ_CONS after");
        return pending;
    }

    private static long eventQueueCase(FuzzRig rig, SplittableRandom r, String where) {
        rig.ackGlobalErrors();
        rig.cr0Clear(CR0_EVTQEN);
        randomBase(rig, r, ARM_SMMU_EVTQ_BASE, EVTQ);
        int prod = r.nextInt();
        int cons = r.nextInt();
        rig.w32(ARM_SMMU_EVTQ_PROD, prod);
        rig.w32(ARM_SMMU_EVTQ_CONS, cons);
        checkIndex(rig, ARM_SMMU_EVTQ_PROD & 0xffff, ARM_SMMU_EVTQ_BASE, prod, Q_OVERFLOW_FLAG, where + ": EVTQ_PROD");
        checkIndex(rig, ARM_SMMU_EVTQ_PROD, ARM_SMMU_EVTQ_BASE, prod, Q_OVERFLOW_FLAG, where + ": EVTQ_PROD page 1");
        checkIndex(rig, ARM_SMMU_EVTQ_CONS, ARM_SMMU_EVTQ_BASE, cons, Q_OVERFLOW_FLAG, where + ": EVTQ_CONS page 1");
        rig.cr0Set(CR0_EVTQEN);
        int log2 = rig.log2(ARM_SMMU_EVTQ_BASE);
        int mask = wrapMask(log2);
        long written = 0;
        int sid = 0x100 + r.nextInt(256); // beyond the stream table: C_BAD_STREAMID, recorded with RECINVSID
        for (int k = 1 + r.nextInt(4); k > 0; k--) {
            int before = rig.r32(ARM_SMMU_EVTQ_PROD);
            int consNow = rig.r32(ARM_SMMU_EVTQ_CONS);
            boolean full = ((before ^ consNow) & mask) == (1 << log2);
            boolean overflowActive = ((before ^ consNow) & Q_OVERFLOW_FLAG) != 0;
            rig.smmu.translate(sid, DmaTarget.NO_SUBSTREAM, TARGET, Access.READ, new Translation());
            int after = rig.r32(ARM_SMMU_EVTQ_PROD);
            String what = String.format("%s: EVTQ 2^%d PROD 0x%x CONS 0x%x -> PROD 0x%x", where, log2, before, consNow,
                    after);
            if (full) {
                assertEquals(before & mask, after & mask, what + ": wrote into a full queue");
                int expected = overflowActive ? before & (int) Q_OVERFLOW_FLAG : ~before & (int) Q_OVERFLOW_FLAG;
                assertEquals(expected, after & (int) Q_OVERFLOW_FLAG, what + ": OVFLG (§7.4)");
            } else {
                assertEquals((before + 1) & mask, after & mask, what + ": PROD did not move on by one");
                long base = rig.r64(ARM_SMMU_EVTQ_BASE) & Q_BASE_ADDR_MASK & -(32L << log2);
                long a = base + (long) (before & ((1 << log2) - 1)) * 32;
                assertEquals(EVT_ID_BAD_STREAMID_CONFIG, Event.id(rig.mem.read64(a)), what + ": record at PROD");
                assertEquals(sid, get(EVTQ_0_SID, rig.mem.read64(a)), what);
                written++;
            }
        }
        return written;
    }

    private static void priQueueIndexCase(FuzzRig rig, SplittableRandom r, String where) {
        if (!rig.config.pri()) {
            return;
        }
        rig.cr0Clear(CR0_PRIQEN);
        randomBase(rig, r, ARM_SMMU_PRIQ_BASE, PRIQ);
        int prod = r.nextInt();
        int cons = r.nextInt();
        rig.w32(ARM_SMMU_PRIQ_PROD, prod);
        rig.w32(ARM_SMMU_PRIQ_CONS, cons);
        checkIndex(rig, ARM_SMMU_PRIQ_PROD, ARM_SMMU_PRIQ_BASE, prod, Q_OVERFLOW_FLAG, where + ": PRIQ_PROD");
        checkIndex(rig, ARM_SMMU_PRIQ_CONS, ARM_SMMU_PRIQ_BASE, cons, Q_OVERFLOW_FLAG, where + ": PRIQ_CONS");
        checkIndex(rig, ARM_SMMU_PRIQ_PROD & 0xffff, ARM_SMMU_PRIQ_BASE, prod, Q_OVERFLOW_FLAG, where + ": PRIQ_PROD page 0");
    }

    // =========================================================================================================
    // 5. Registers: guarded writes, every access size, reserved space
    // =========================================================================================================

    /** Offsets (4-byte words) that name a register: page 0 and the four page-1 queue indexes (§6.1). */
    static boolean implemented(long offset) {
        long o = offset & ~3L;
        if (o >= ARM_SMMU_PAGE1) {
            return o == ARM_SMMU_EVTQ_PROD || o == ARM_SMMU_EVTQ_CONS || o == ARM_SMMU_PRIQ_PROD || o == ARM_SMMU_PRIQ_CONS;
        }
        return o <= 0x1c || o == 0x20 || o == 0x24 || o == 0x28 || o == 0x2c || o == 0x40 || o == 0x44 || o == 0x48
                || o == 0x50 || o == 0x54 || (o >= 0x60 && o <= 0x74) || (o >= 0x80 && o <= 0x8c && o != 0x8c)
                || (o >= 0x90 && o <= 0xdc) || (o >= 0xfd0 && o <= 0xffc);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void registers(String name, SmmuConfig config) {
        SplittableRandom r = rng("registers", name);
        FuzzRig rig = new FuzzRig(config, seed);
        // Reserved space reads as zero, in both pages, at every word.
        for (long o = 0; o < ARM_SMMU_MMIO_SIZE; o += 4) {
            if (!implemented(o)) {
                assertEquals(0, rig.smmu.read(o, 4), String.format("seed=%d registers[%s]: reserved word 0x%05x", seed,
                        name, o));
                if ((o & 7) == 0 && !implemented(o + 4)) {
                    assertEquals(0, rig.smmu.read(o, 8), String.format("reserved doubleword 0x%05x", o));
                }
            }
        }
        // Fields a feature's absence makes RES0 (§6.3.9, §6.3.12) read as zero after writing ones.
        rig.w32(ARM_SMMU_CR2, -1);
        long cr2 = CR2_RECINVSID | (config.btm() ? CR2_PTM : 0) | (config.hyp() ? CR2_E2H : 0);
        assertEquals(cr2, rig.r32(ARM_SMMU_CR2) & 0xffff_ffffL, "seed=" + seed + " registers[" + name + "]: CR2");
        rig.w32(ARM_SMMU_CR0, -1);
        long cr0 = CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN | (config.pri() ? CR0_PRIQEN : 0) | (config.ats() ? CR0_ATSCHK : 0);
        assertEquals(cr0, rig.r32(ARM_SMMU_CR0) & 0xffff_ffffL, "seed=" + seed + " registers[" + name + "]: CR0");
        assertEquals(cr0, rig.r32(ARM_SMMU_CR0ACK) & 0xffff_ffffL, "seed=" + seed + " registers[" + name + "]: CR0ACK");
        rig.reset();
        for (int i = 0; i < CASES; i++) {
            String where = where("registers", name, i);
            guardedWrite(rig, r, where);
        }
        // Any size at any offset, random values: never an exception.
        for (int i = 0; i < CASES * 4; i++) {
            if (i % 1024 == 0) {
                rig.reset();
            }
            long offset = r.nextInt(4) == 0 ? r.nextInt(ARM_SMMU_MMIO_SIZE) : r.nextInt(0x100) + (r.nextBoolean() ? ARM_SMMU_PAGE1 : 0);
            int size = new int[] {1, 2, 4, 8}[r.nextInt(4)];
            if (r.nextBoolean()) {
                rig.smmu.read(offset, size);
            } else {
                rig.smmu.write(offset, size, r.nextLong());
            }
            if (r.nextInt(64) == 0) { // and sometimes a DMA or MSI aimed at the SMMU's own registers
                rig.smmu.write(r.nextInt(256), DmaTarget.NO_SUBSTREAM, SMMU_MMIO + (r.nextInt(0x100) & ~3),
                        0, new byte[] {(byte) r.nextInt(), 0, 0, 0}, 0, 4);
                rig.smmu.translate(r.nextInt(256), DmaTarget.NO_SUBSTREAM, r.nextLong(), Access.READ, new Translation());
            }
        }
        selfAimedMsis(rig, r, name);
        System.out.printf("registers[%s]: %d guarded writes, %d random accesses%n", name, CASES, CASES * 4);
    }

    /** A guarded register written while its enable is set keeps its value; written while clear, it changes. */
    private static void guardedWrite(FuzzRig rig, SplittableRandom r, String where) {
        SmmuConfig c = rig.config;
        record Guard(int offset, boolean wide, long enableOffset, long enableBit) { }
        List<Guard> guards = new ArrayList<>(List.of(
                new Guard(ARM_SMMU_STRTAB_BASE, true, ARM_SMMU_CR0, CR0_SMMUEN),
                new Guard(ARM_SMMU_STRTAB_BASE_CFG, false, ARM_SMMU_CR0, CR0_SMMUEN),
                new Guard(ARM_SMMU_CR1, false, ARM_SMMU_CR0, CR0_SMMUEN),
                new Guard(ARM_SMMU_CR1, false, ARM_SMMU_CR0, CR0_CMDQEN),
                new Guard(ARM_SMMU_CR1, false, ARM_SMMU_CR0, CR0_EVTQEN),
                new Guard(ARM_SMMU_CR2, false, ARM_SMMU_CR0, CR0_SMMUEN),
                new Guard(ARM_SMMU_CMDQ_BASE, true, ARM_SMMU_CR0, CR0_CMDQEN),
                new Guard(ARM_SMMU_CMDQ_CONS, false, ARM_SMMU_CR0, CR0_CMDQEN),
                new Guard(ARM_SMMU_EVTQ_BASE, true, ARM_SMMU_CR0, CR0_EVTQEN),
                new Guard(ARM_SMMU_EVTQ_PROD, false, ARM_SMMU_CR0, CR0_EVTQEN),
                new Guard(ARM_SMMU_GERROR_IRQ_CFG0, true, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN),
                new Guard(ARM_SMMU_GERROR_IRQ_CFG1, false, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN),
                new Guard(ARM_SMMU_GERROR_IRQ_CFG2, false, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN),
                new Guard(ARM_SMMU_EVTQ_IRQ_CFG0, true, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN),
                new Guard(ARM_SMMU_EVTQ_IRQ_CFG1, false, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN),
                new Guard(ARM_SMMU_EVTQ_IRQ_CFG2, false, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN)));
        if (c.pri()) {
            guards.addAll(List.of(
                    new Guard(ARM_SMMU_CR1, false, ARM_SMMU_CR0, CR0_PRIQEN),
                    new Guard(ARM_SMMU_PRIQ_BASE, true, ARM_SMMU_CR0, CR0_PRIQEN),
                    new Guard(ARM_SMMU_PRIQ_PROD, false, ARM_SMMU_CR0, CR0_PRIQEN),
                    new Guard(ARM_SMMU_PRIQ_IRQ_CFG0, true, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_PRIQ_IRQEN),
                    new Guard(ARM_SMMU_PRIQ_IRQ_CFG1, false, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_PRIQ_IRQEN),
                    new Guard(ARM_SMMU_PRIQ_IRQ_CFG2, false, ARM_SMMU_IRQ_CTRL, IRQ_CTRL_PRIQ_IRQEN)));
        }
        Guard g = guards.get(r.nextInt(guards.size()));
        String what = String.format("%s: register 0x%x guarded by 0x%x bit 0x%x", where, g.offset, g.enableOffset,
                g.enableBit);
        rig.cr0(0);
        rig.w32(ARM_SMMU_IRQ_CTRL, 0);
        rig.queues(2, 2, 2); // valid queues, so that enabling them is harmless
        rig.linearStreamTable(4);
        // Enable: the write is ignored, whatever its width or half.
        rig.w32((int) g.enableOffset, g.enableBit);
        long before = g.wide ? rig.r64(g.offset) : rig.r32(g.offset) & 0xffff_ffffL;
        long value = r.nextLong();
        switch (g.wide ? r.nextInt(3) : 0) {
            case 0 -> rig.smmu.write(g.offset, g.wide ? 8 : 4, g.wide ? value : value & 0xffff_ffffL);
            case 1 -> rig.w32(g.offset, value);
            default -> rig.w32(g.offset + 4, value);
        }
        long after = g.wide ? rig.r64(g.offset) : rig.r32(g.offset) & 0xffff_ffffL;
        assertEquals(before, after, what + String.format(": written with 0x%x while enabled", value));
        // Disabled: the write takes effect (so this test can fail).
        rig.w32((int) g.enableOffset, 0);
        long probe = g.offset == ARM_SMMU_STRTAB_BASE_CFG ? 3 : g.offset == ARM_SMMU_CR1 ? 1 : g.offset == ARM_SMMU_CR2 ? 2
                : g.offset == ARM_SMMU_GERROR_IRQ_CFG2 || g.offset == ARM_SMMU_EVTQ_IRQ_CFG2
                || g.offset == ARM_SMMU_PRIQ_IRQ_CFG2 ? 1 : g.offset == ARM_SMMU_CMDQ_CONS
                || g.offset == ARM_SMMU_EVTQ_PROD || g.offset == ARM_SMMU_PRIQ_PROD ? 1 : 0x40;
        if (g.offset == ARM_SMMU_CMDQ_BASE || g.offset == ARM_SMMU_EVTQ_BASE || g.offset == ARM_SMMU_PRIQ_BASE) {
            probe = 0x1000 | 2;
        }
        if (g.wide) {
            rig.w64(g.offset, probe);
            assertEquals(probe, rig.r64(g.offset), what + ": write while disabled");
        } else {
            rig.w32(g.offset, probe);
            assertEquals(probe, rig.r32(g.offset) & 0xffff_ffffL, what + ": write while disabled");
        }
    }

    /** MSIs of the event queue, GERROR and CMD_SYNC aimed at the SMMU's own registers: re-entry, no exception. */
    private static void selfAimedMsis(FuzzRig rig, SplittableRandom r, String name) {
        int[] targets = {ARM_SMMU_CMDQ_PROD, ARM_SMMU_CMDQ_CONS, ARM_SMMU_CR0, ARM_SMMU_GERRORN, ARM_SMMU_EVTQ_CONS,
                ARM_SMMU_EVTQ_PROD & 0xffff, ARM_SMMU_IRQ_CTRL, ARM_SMMU_CMDQ_BASE, ARM_SMMU_GBPA};
        for (int i = 0; i < CASES / 4; i++) {
            rig.reset();
            rig.queues(2, 1, 1);
            rig.linearStreamTable(4);
            long target = SMMU_MMIO + targets[r.nextInt(targets.length)];
            int data = r.nextBoolean() ? r.nextInt(16) : r.nextInt();
            rig.w64(ARM_SMMU_GERROR_IRQ_CFG0, target);
            rig.w32(ARM_SMMU_GERROR_IRQ_CFG1, data);
            rig.w64(ARM_SMMU_EVTQ_IRQ_CFG0, target);
            rig.w32(ARM_SMMU_EVTQ_IRQ_CFG1, data);
            rig.w32(ARM_SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN);
            rig.cr0(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
            for (int k = 0; k < 4; k++) {
                long[] cmd = switch (r.nextInt(3)) {
                    case 0 -> Commands.sync(CMDQ_SYNC_0_CS_IRQ, target, data);
                    case 1 -> new long[] {r.nextLong() & ~0xffL, 0}; // opcode 0: CERROR_ILL, GERROR MSI
                    default -> Commands.tlbiNsnhAll();
                };
                rig.submit(cmd);
                rig.smmu.translate(r.nextInt(32), DmaTarget.NO_SUBSTREAM, TARGET, Access.READ, new Translation());
                rig.recoverCommandError();
            }
        }
    }

    // =========================================================================================================
    // 6. Page requests
    // =========================================================================================================

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void pageRequests(String name, SmmuConfig config) {
        SplittableRandom r = rng("pageRequests", name);
        FuzzRig rig = new FuzzRig(config, seed);
        PriFuzz p = new PriFuzz(rig, r);
        for (int i = 0; i < CASES; i++) {
            p.where = where("pageRequests", name, i);
            if (i % 1000 == 0 || r.nextInt(16) == 0) {
                p.newState(i % 1000 == 0);
            }
            p.request();
        }
        assertNull(rig.canaryDamage(), where("pageRequests", name, CASES));
        System.out.printf("pageRequests[%s]: %d requests, %d written, %d automatic responses, %d overflows%n", name,
                CASES, p.written, p.autoResponses, p.overflows);
    }

}

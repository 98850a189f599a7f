package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Field;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.jiommu.spec.smmuv3.Cd.CTXDESC_L1_DESC_L2PTR_MASK;
import static dev.jiommu.spec.smmuv3.Cd.CTXDESC_L1_DESC_V;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_SYNC_0_CS_NONE;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_L1_DESC_L2PTR_MASK;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_L1_DESC_SPAN;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_0_S1FMT_64K_L2;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_0_S1FMT_LINEAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A minimal SMMUv3 driver for the conformance suite: it reaches the SMMU only
 * through its registers ({@link MmioDevice}) and the structures it writes to
 * memory, the way Linux's arm-smmu-v3 does. It never touches the model's
 * classes.
 *
 * <p>What it does: allocates the stream table (linear, or 2-level with
 * SPLIT = 8 and level-2 tables made on demand), CD tables (linear, or 2-level
 * with 64 KiB leaves as STE.S1Fmt = 64K_L2), and the three queues; brings the
 * SMMU up with the CR0/CR0ACK handshake; writes STEs and CDs dword 0 last;
 * submits commands by writing them at CMDQ_PROD and moving PROD; drains the
 * event and PRI queues by moving CONS.
 *
 * <p>Every register access checks nothing but what software could observe;
 * assertion failures name what the SMMU failed to do.
 */
final class SmmuDriver {

    /** log2 of the number of StreamIDs the stream table covers (STRTAB_BASE_CFG.LOG2SIZE). */
    static final int STREAM_BITS = 12;
    /** STRTAB_BASE_CFG.SPLIT of the 2-level table (Linux's value). */
    static final int SPLIT = 8;
    static final int CMDQ_LOG2 = 8;
    static final int PRIQ_LOG2 = 4;

    final PhysicalMemory memory;
    final MmioDevice regs;
    final FrameAllocator frames;
    final boolean twoLevelStreamTable;
    final int evtqLog2;

    long strtab;
    final Map<Integer, Long> l2Tables = new HashMap<>();
    long cmdq;
    long evtq;
    long priq;
    /** Software's copy of CMDQ_PROD (index and wrap bits). */
    int cmdProd;

    SmmuDriver(PhysicalMemory memory, MmioDevice regs, FrameAllocator frames, boolean twoLevelStreamTable,
               int evtqLog2) {
        this.memory = memory;
        this.regs = regs;
        this.frames = frames;
        this.twoLevelStreamTable = twoLevelStreamTable;
        this.evtqLog2 = evtqLog2;
    }

    // ---- registers -------------------------------------------------------------------------------------------

    int read32(long offset) {
        return (int) regs.read(offset, 4);
    }

    void write32(long offset, long value) {
        regs.write(offset, 4, value & 0xffff_ffffL);
    }

    long read64(long offset) {
        return regs.read(offset, 8);
    }

    void write64(long offset, long value) {
        regs.write(offset, 8, value);
    }

    /** Writes CR0 and waits for CR0ACK to follow (§6.3.9, §6.3.10). */
    void writeCr0(long value) {
        write32(ARM_SMMU_CR0, value);
        assertEquals(value, read32(ARM_SMMU_CR0ACK) & 0xffff_ffffL, "CR0ACK follows CR0");
    }

    /** GERROR ^ GERRORN: the global errors that are active. */
    int activeGlobalErrors() {
        return read32(ARM_SMMU_GERROR) ^ read32(ARM_SMMU_GERRORN);
    }

    /** Acknowledges every active global error by making GERRORN equal GERROR (§7.5). */
    void acknowledgeGlobalErrors() {
        write32(ARM_SMMU_GERRORN, read32(ARM_SMMU_GERROR));
    }

    // ---- bring-up --------------------------------------------------------------------------------------------

    /**
     * Allocates tables and queues and enables the SMMU as Linux's
     * arm_smmu_device_reset does: CMDQEN, invalidate all, EVTQEN|PRIQEN,
     * IRQ_CTRL, SMMUEN.
     *
     * @param cr2 the SMMU_CR2 value (RECINVSID, PTM, E2H)
     */
    void reset(long cr2) {
        writeCr0(0);
        allocateStreamTable();
        write64(ARM_SMMU_STRTAB_BASE, STRTAB_BASE_RA | strtab);
        write32(ARM_SMMU_STRTAB_BASE_CFG, streamTableConfig());

        cmdq = frames.allocate(Math.max(4096, 16L << CMDQ_LOG2));
        evtq = frames.allocate(Math.max(4096, 32L << evtqLog2));
        priq = frames.allocate(Math.max(4096, 16L << PRIQ_LOG2));
        write64(ARM_SMMU_CMDQ_BASE, Q_BASE_RWA | cmdq | CMDQ_LOG2);
        write32(ARM_SMMU_CMDQ_PROD, 0);
        write32(ARM_SMMU_CMDQ_CONS, 0);
        cmdProd = 0;
        write64(ARM_SMMU_EVTQ_BASE, Q_BASE_RWA | evtq | evtqLog2);
        write32(ARM_SMMU_EVTQ_PROD, 0);
        write32(ARM_SMMU_EVTQ_CONS, 0);
        write64(ARM_SMMU_PRIQ_BASE, Q_BASE_RWA | priq | PRIQ_LOG2);
        write32(ARM_SMMU_PRIQ_PROD, 0);
        write32(ARM_SMMU_PRIQ_CONS, 0);

        write32(ARM_SMMU_CR1, Field.prep(CR1_TABLE_SH, ARM_SMMU_SH_ISH) | Field.prep(CR1_TABLE_OC, CR1_CACHE_WB)
                | Field.prep(CR1_TABLE_IC, CR1_CACHE_WB) | Field.prep(CR1_QUEUE_SH, ARM_SMMU_SH_ISH)
                | Field.prep(CR1_QUEUE_OC, CR1_CACHE_WB) | Field.prep(CR1_QUEUE_IC, CR1_CACHE_WB));
        write32(ARM_SMMU_CR2, cr2);

        writeCr0(CR0_CMDQEN);
        cmd(Commands.cfgiAll(), Commands.tlbiNsnhAll());
        int idr0 = read32(ARM_SMMU_IDR0);
        if ((idr0 & IDR0_HYP) != 0 && (idr0 & IDR0_S1P) != 0) {
            cmd(Commands.tlbiEl2All()); // a stage-1 command: CERROR_ILL on a stage 2-only SMMU (§4.4.2)
        }
        writeCr0(CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN);
        long irqs = IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_PRIQ_IRQEN;
        write32(ARM_SMMU_IRQ_CTRL, irqs);
        assertEquals(irqs, read32(ARM_SMMU_IRQ_CTRLACK) & 0xffff_ffffL, "IRQ_CTRLACK follows IRQ_CTRL");
        writeCr0(CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN | CR0_SMMUEN);
    }

    long streamTableConfig() {
        return twoLevelStreamTable
                ? Field.prep(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_2LVL) | Field.prep(STRTAB_BASE_CFG_SPLIT, SPLIT)
                        | Field.prep(STRTAB_BASE_CFG_LOG2SIZE, STREAM_BITS)
                : Field.prep(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_LINEAR)
                        | Field.prep(STRTAB_BASE_CFG_LOG2SIZE, STREAM_BITS);
    }

    private void allocateStreamTable() {
        if (twoLevelStreamTable) {
            strtab = frames.allocate(Math.max(4096, 8L << (STREAM_BITS - SPLIT)));
        } else {
            strtab = frames.allocate(64L << STREAM_BITS);
        }
        l2Tables.clear();
    }

    // ---- stream table ----------------------------------------------------------------------------------------

    /** Address of the L1 descriptor covering {@code sid} (2-level tables only). */
    long l1DescriptorAddress(int sid) {
        return strtab + 8L * (sid >>> SPLIT);
    }

    /** Address of the STE of {@code sid}; with a 2-level table, makes its level-2 table on first use. */
    long steAddress(int sid) {
        if (!twoLevelStreamTable) {
            return strtab + 64L * sid;
        }
        long l2 = l2Tables.computeIfAbsent(sid >>> SPLIT, i -> {
            long t = frames.allocate(64L << SPLIT);
            memory.write64(l1DescriptorAddress(sid), (t & STRTAB_L1_DESC_L2PTR_MASK)
                    | Field.prep(STRTAB_L1_DESC_SPAN, SPLIT + 1));
            return t;
        });
        return l2 + 64L * (sid & ((1 << SPLIT) - 1));
    }

    /** Writes an STE, dwords 1..7 first and dword 0 (with V) last, as for a new entry. */
    void writeSte(int sid, long[] words) {
        long a = steAddress(sid);
        for (int i = 1; i < 8; i++) {
            memory.write64(a + 8L * i, words[i]);
        }
        memory.write64(a, words[0]);
    }

    /** Writes an STE and invalidates any cached copy (CFGI_STE + CMD_SYNC). */
    void installSte(int sid, long[] words) {
        writeSte(sid, words);
        cmd(Commands.cfgiSte(sid, true));
    }

    // ---- CD tables -------------------------------------------------------------------------------------------

    /**
     * A table of {@code 2^cdMax} CDs, or one CD when {@code cdMax} is 0;
     * 2-level tables use 64 KiB leaves (S1Fmt = 64K_L2), made on demand.
     */
    CdTable cdTable(boolean twoLevel, int cdMax) {
        return new CdTable(twoLevel && cdMax > 0, cdMax);
    }

    final class CdTable {
        static final int L2_BITS = 10;
        final boolean twoLevel;
        final int cdMax;
        /** STE.S1ContextPtr. */
        final long pointer;
        private final Map<Integer, Long> leaves = new HashMap<>();

        private CdTable(boolean twoLevel, int cdMax) {
            this.twoLevel = twoLevel;
            this.cdMax = cdMax;
            long bytes = twoLevel ? Math.max(64, 8L << Math.max(0, cdMax - L2_BITS)) : 64L << cdMax;
            this.pointer = frames.allocate(Math.max(4096, Long.highestOneBit(bytes - 1) << 1));
        }

        /** STE.S1Fmt for this table. */
        long format() {
            return twoLevel ? STRTAB_STE_0_S1FMT_64K_L2 : STRTAB_STE_0_S1FMT_LINEAR;
        }

        long l1DescriptorAddress(int ssid) {
            return pointer + 8L * (ssid >>> L2_BITS);
        }

        /** Address of CD {@code ssid}; with a 2-level table, makes and links its leaf table on first use. */
        long cdAddress(int ssid) {
            if (!twoLevel) {
                return pointer + 64L * ssid;
            }
            long leaf = leaves.computeIfAbsent(ssid >>> L2_BITS, i -> {
                long t = frames.allocate(64L << L2_BITS);
                memory.write64(l1DescriptorAddress(ssid), (t & CTXDESC_L1_DESC_L2PTR_MASK) | CTXDESC_L1_DESC_V);
                return t;
            });
            return leaf + 64L * (ssid & ((1 << L2_BITS) - 1));
        }

        /** Writes CD {@code ssid}, dword 0 (with V) last. */
        void write(int ssid, long[] words) {
            long a = cdAddress(ssid);
            for (int i = 1; i < 8; i++) {
                memory.write64(a + 8L * i, words[i]);
            }
            memory.write64(a, words[0]);
        }
    }

    // ---- command queue ---------------------------------------------------------------------------------------

    private int cmdqWrapMask() {
        return (2 << CMDQ_LOG2) - 1;
    }

    /** Writes {@code cmds} at PROD and publishes them with one CMDQ_PROD write; does not wait. */
    void submit(long[]... cmds) {
        for (long[] c : cmds) {
            int cons = read32(ARM_SMMU_CMDQ_CONS) & cmdqWrapMask();
            int used = (cmdProd - cons) & cmdqWrapMask();
            assertTrue(used < (1 << CMDQ_LOG2), "command queue full: the SMMU stopped consuming");
            writeCommandAt(cmdProd, c);
            cmdProd = (cmdProd + 1) & cmdqWrapMask();
        }
        write32(ARM_SMMU_CMDQ_PROD, cmdProd);
    }

    /** Overwrites the queue slot of index {@code prodValue} (e.g. to replace a command CONS stopped at). */
    void writeCommandAt(int prodValue, long[] c) {
        long a = cmdq + 16L * (prodValue & ((1 << CMDQ_LOG2) - 1));
        memory.write64(a, c[0]);
        memory.write64(a + 8, c[1]);
    }

    /** CMDQ_CONS.RD with its wrap bit. */
    int cmdCons() {
        return read32(ARM_SMMU_CMDQ_CONS) & cmdqWrapMask();
    }

    /** CMDQ_CONS.ERR. */
    int cmdError() {
        return (int) Field.get(CMDQ_CONS_ERR, read32(ARM_SMMU_CMDQ_CONS) & 0xffff_ffffL);
    }

    /**
     * Submits {@code cmds} and a CMD_SYNC, and checks the SYNC was consumed
     * (CONS caught up with PROD) without a command error.
     */
    void cmd(long[]... cmds) {
        long[][] all = Arrays.copyOf(cmds, cmds.length + 1);
        all[cmds.length] = Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0);
        submit(all);
        assertEquals(0, activeGlobalErrors() & GERROR_CMDQ_ERR,
                () -> "command error " + cmdError() + " at CONS " + cmdCons());
        assertEquals(cmdProd, cmdCons(), "CMD_SYNC completes: CONS catches up with PROD");
    }

    // ---- event queue -----------------------------------------------------------------------------------------

    private int evtqWrapMask() {
        return (2 << evtqLog2) - 1;
    }

    /**
     * Reads every record between EVTQ_CONS and EVTQ_PROD and moves CONS past
     * them, leaving OVACKFLG as it was.
     */
    List<long[]> events() {
        return events(Integer.MAX_VALUE);
    }

    /** As {@link #events()}, but consumes at most {@code max} records. */
    List<long[]> events(int max) {
        int prod = read32(ARM_SMMU_EVTQ_PROD);
        int cons = read32(ARM_SMMU_EVTQ_CONS);
        int p = prod & evtqWrapMask();
        int c = cons & evtqWrapMask();
        List<long[]> out = new ArrayList<>();
        while (c != p && out.size() < max) {
            long a = evtq + 32L * (c & ((1 << evtqLog2) - 1));
            out.add(new long[] {memory.read64(a), memory.read64(a + 8), memory.read64(a + 16), memory.read64(a + 24)});
            c = (c + 1) & evtqWrapMask();
        }
        write32(ARM_SMMU_EVTQ_CONS, (cons & Q_OVERFLOW_FLAG) | c);
        return out;
    }

    /** EVTQ_PROD.OVFLG. */
    boolean eventOverflowFlag() {
        return (read32(ARM_SMMU_EVTQ_PROD) & Q_OVERFLOW_FLAG) != 0;
    }

    /** EVTQ_CONS.OVACKFLG. */
    boolean eventOverflowAckFlag() {
        return (read32(ARM_SMMU_EVTQ_CONS) & Q_OVERFLOW_FLAG) != 0;
    }

    /** Acknowledges an overflow: CONS.OVACKFLG := PROD.OVFLG (§7.4). */
    void acknowledgeEventOverflow() {
        int cons = read32(ARM_SMMU_EVTQ_CONS) & evtqWrapMask();
        write32(ARM_SMMU_EVTQ_CONS, (read32(ARM_SMMU_EVTQ_PROD) & Q_OVERFLOW_FLAG) | cons);
    }

    // ---- PRI queue -------------------------------------------------------------------------------------------

    /** Reads every PRI queue entry between CONS and PROD and moves CONS past them. */
    List<long[]> pageRequests() {
        int mask = (2 << PRIQ_LOG2) - 1;
        int prod = read32(ARM_SMMU_PRIQ_PROD);
        int cons = read32(ARM_SMMU_PRIQ_CONS);
        int c = cons & mask;
        List<long[]> out = new ArrayList<>();
        while (c != (prod & mask)) {
            long a = priq + 16L * (c & ((1 << PRIQ_LOG2) - 1));
            out.add(new long[] {memory.read64(a), memory.read64(a + 8)});
            c = (c + 1) & mask;
        }
        write32(ARM_SMMU_PRIQ_CONS, (cons & Q_OVERFLOW_FLAG) | c);
        return out;
    }
}

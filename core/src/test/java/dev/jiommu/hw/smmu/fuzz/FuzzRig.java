package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.hw.bus.InterruptLine;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.smmu.Interrupts;
import dev.jiommu.hw.bus.Requester;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.MemoryRegion;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.Field;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * A machine for fuzzing the SMMU model through its public surface only: RAM
 * laid out in regions (queues, tables, translation targets) separated by
 * canaries, the SMMU's register block and an MSI sink on the bus, and
 * driver-like helpers (queue setup, command submission, event draining).
 *
 * <p>Memory map (RAM at {@link #RAM_BASE}, 256 MiB, and the targets at
 * {@link #TARGET}, 1 GiB): every region the model may legitimately write — the
 * three queues, the translation targets, the table pool (hardware
 * access/dirty updates) and the MSI page — lies between canaries that no test
 * step ever points the model at. Every byte of a canary has bit 0 clear, so
 * read as a descriptor, STE or CD any of its words is invalid: a mutated
 * pointer that lands in one cannot make the model update it legitimately.
 */
final class FuzzRig {

    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 0x1000_0000L;
    static final long RAM_END = RAM_BASE + RAM_SIZE;

    /** 8 MiB, aligned to the largest command queue (2^19 × 16 bytes). */
    static final long CMDQ = RAM_BASE + 0x0080_0000L;
    static final long CMDQ_REGION = 0x0080_0000L;
    /** 16 MiB, aligned to the largest event queue (2^19 × 32 bytes). */
    static final long EVTQ = RAM_BASE + 0x0200_0000L;
    static final long EVTQ_REGION = 0x0100_0000L;
    /** 8 MiB, aligned to the largest PRI queue. */
    static final long PRIQ = RAM_BASE + 0x0380_0000L;
    static final long PRIQ_REGION = 0x0080_0000L;
    /** Linear stream table (2^16 STEs) or level-1 table. */
    static final long STRTAB = RAM_BASE + 0x0410_0000L;
    static final long STRTAB_REGION = 0x0040_0000L;
    /** Level-2 stream tables: 16 slots of 64 KiB; the last is the anchors'. */
    static final long L2STE = RAM_BASE + 0x0450_0000L;
    static final long L2STE_SLOT = 0x1_0000L;
    static final long ANCHOR_L2STE = L2STE + 15 * L2STE_SLOT;
    /** CD tables, level-1 CD tables and level-2 CD tables; the last 64 KiB is the anchors'. */
    static final long CDS = RAM_BASE + 0x0460_0000L;
    static final long CDS_REGION = 0x0020_0000L;
    static final long ANCHOR_CD = CDS + CDS_REGION - 0x1_0000L;
    /** Frames of the reference (io-pgtable) translation tables. */
    static final long FRAMES = RAM_BASE + 0x0480_0000L;
    static final long FRAMES_SIZE = 0x0080_0000L;
    /** Pool of 64 KiB pages of random descriptors. */
    static final long POOL = RAM_BASE + 0x0500_0000L;
    static final int POOL_PAGES = 32;
    static final long POOL_PAGE = 0x1_0000L;
    /**
     * Where translations lead: DMA writes land here. A RAM region of its own,
     * 1 GiB and aligned to it, so that a block descriptor of any size the
     * model walks (at most 1 GiB) whose output is a target maps targets only.
     */
    static final long TARGET = 0xc000_0000L;
    static final long TARGET_SIZE = 0x4000_0000L;
    /** RAM that CMD_SYNC and interrupt MSIs may write. */
    static final long MSI_RAM = RAM_BASE + 0x0c00_0000L;

    static final long CANARY_SIZE = 0x1_0000L;
    static final long[] CANARIES = {
        RAM_BASE, RAM_BASE + 0x0100_0000L, RAM_BASE + 0x0300_0000L, RAM_BASE + 0x0400_0000L,
        RAM_BASE + 0x0600_0000L, RAM_BASE + 0x0c01_0000L, RAM_END - CANARY_SIZE,
    };

    /** The SMMU's register block on the bus (so that MSIs can be aimed at it). */
    static final long SMMU_MMIO = 0x0900_0000L;
    /** A device that counts the 32-bit writes it receives: an interrupt controller's doorbell. */
    static final long MSI_SINK = 0x0800_0000L;

    /** Every architected event number (Event.EVT_ID_* but the IMPLEMENTATION DEFINED range bounds). */
    static final TreeSet<Integer> EVENT_IDS = eventIds();

    final SmmuConfig config;
    final PhysicalMemory mem;
    final SystemBus bus;
    final long oasMask;
    Smmu smmu;
    final Recorder requester = new Recorder();
    final MsiSink sink = new MsiSink();
    long wiredInterrupts;
    private final byte[] canaryPattern = new byte[(int) CANARY_SIZE];
    private final byte[] scratch = new byte[(int) CANARY_SIZE];

    FuzzRig(SmmuConfig config, long seed) {
        this.config = config;
        this.mem = new PhysicalMemory(List.of(MemoryRegion.ram("ram", RAM_BASE, RAM_SIZE),
                MemoryRegion.ram("targets", TARGET, TARGET_SIZE)));
        this.bus = new SystemBus(mem);
        this.oasMask = config.oasBits() == 64 ? -1L : (1L << config.oasBits()) - 1;
        bus.map("smmu", SMMU_MMIO, ARM_SMMU_MMIO_SIZE, new MmioDevice() {
            @Override
            public long read(long offset, int size) {
                return smmu.read(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                smmu.write(offset, size, value);
            }
        });
        bus.map("msi-sink", MSI_SINK, 0x1_0000L, sink);
        new SplittableRandom(seed ^ 0xCA4A_27L).nextBytes(canaryPattern);
        for (int i = 0; i < canaryPattern.length; i++) {
            canaryPattern[i] &= (byte) 0xfe;
        }
        for (long c : CANARIES) {
            mem.writeBytes(c, canaryPattern, 0, canaryPattern.length);
        }
        reset();
    }

    /** A fresh SMMU (reset state) on the same memory. */
    Smmu reset() {
        InterruptLine line = () -> wiredInterrupts++;
        smmu = new Smmu(config, bus, new Interrupts(line, line, line, line));
        requester.clear();
        return smmu;
    }

    // ---- canaries --------------------------------------------------------------------------------------------

    /** Null when every canary is intact, else where the first damage is. */
    String canaryDamage() {
        for (long c : CANARIES) {
            mem.readBytes(c, scratch, 0, scratch.length);
            for (int i = 0; i < scratch.length; i++) {
                if (scratch[i] != canaryPattern[i]) {
                    return String.format("canary at PA 0x%x overwritten (byte 0x%02x, expected 0x%02x)", c + i,
                            scratch[i], canaryPattern[i]);
                }
            }
        }
        return null;
    }

    /** True when {@code [pa, pa + len)}, widened by 64 KiB each side, meets RAM or a device. */
    boolean nearDecoded(long pa, long len) {
        long from = pa - 0x1_0000L;
        long span = len + 0x2_0000L;
        return overlaps(from, span, RAM_BASE, RAM_SIZE) || overlaps(from, span, TARGET, TARGET_SIZE)
                || overlaps(from, span, MSI_SINK, 0x1_0000L) || overlaps(from, span, SMMU_MMIO, ARM_SMMU_MMIO_SIZE);
    }

    /** True when {@code [pa, pa + len)} and {@code [base, base + size)} share a byte (addresses unsigned). */
    static boolean overlaps(long pa, long len, long base, long size) {
        return Long.compareUnsigned(pa - base, size) < 0 || Long.compareUnsigned(base - pa, len) < 0;
    }

    static boolean within(long pa, long len, long base, long size) {
        return pa >= base && len >= 0 && pa - base <= size - len;
    }

    /**
     * An address within {@code [0, 2^oas)} that neither RAM nor a device decodes.
     */
    long unmappedBelowOas(SplittableRandom r) {
        for (;;) {
            long a = r.nextLong() & oasMask;
            if (r.nextInt(4) == 0) {
                a &= 0xffff_ffffL; // often near the RAM, where a truncation could land
            }
            if (!nearDecoded(a, 64)) {
                return a;
            }
        }
    }

    /**
     * An address with bits above OAS (but within the 52 bits address fields hold) set, whose truncation to OAS
     * is not RAM or a device either. Only for an OAS below 52 bits.
     */
    long beyondOas(SplittableRandom r, long alignMask) {
        for (;;) {
            long low = unmappedBelowOas(r) & alignMask;
            int top = config.oasBits() >= 52 ? 52 : config.oasBits();
            long high = (1L + r.nextLong(((1L << (52 - top)) - 1))) << top;
            long a = (high | low) & Field.genmask(51, 0);
            if ((a & ~oasMask) != 0 && !nearDecoded(a & oasMask, 0x4000)) {
                return a;
            }
        }
    }

    // ---- registers -------------------------------------------------------------------------------------------

    int r32(int offset) {
        return (int) smmu.read(offset, 4);
    }

    long r64(int offset) {
        return smmu.read(offset, 8);
    }

    void w32(int offset, long value) {
        smmu.write(offset, 4, value & 0xffff_ffffL);
    }

    void w64(int offset, long value) {
        smmu.write(offset, 8, value);
    }

    boolean globalError(long bit) {
        return ((r32(ARM_SMMU_GERROR) ^ r32(ARM_SMMU_GERRORN)) & bit) != 0;
    }

    /** Acknowledges every active global error. */
    void ackGlobalErrors() {
        w32(ARM_SMMU_GERRORN, r32(ARM_SMMU_GERROR));
    }

    void ackGlobalError(long bit) {
        int n = r32(ARM_SMMU_GERRORN);
        int g = r32(ARM_SMMU_GERROR);
        w32(ARM_SMMU_GERRORN, (n & ~(int) bit) | (g & (int) bit));
    }

    /** CR0 with the given bits, the rest cleared. */
    void cr0(long bits) {
        w32(ARM_SMMU_CR0, bits);
    }

    void cr0Set(long bits) {
        w32(ARM_SMMU_CR0, r32(ARM_SMMU_CR0) | bits);
    }

    void cr0Clear(long bits) {
        w32(ARM_SMMU_CR0, r32(ARM_SMMU_CR0) & ~bits);
    }

    /** The three queues at their regions with the given sizes (clamped to IDR1), indexes zero; queues disabled. */
    void queues(int cmdLog2, int evtLog2, int priLog2) {
        cr0Clear(CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN);
        w64(ARM_SMMU_CMDQ_BASE, CMDQ | Math.min(cmdLog2, config.cmdqLog2()));
        w32(ARM_SMMU_CMDQ_PROD, 0);
        w32(ARM_SMMU_CMDQ_CONS, 0);
        w64(ARM_SMMU_EVTQ_BASE, EVTQ | Math.min(evtLog2, config.evtqLog2()));
        w32(ARM_SMMU_EVTQ_PROD, 0);
        w32(ARM_SMMU_EVTQ_CONS, 0);
        if (config.pri()) {
            w64(ARM_SMMU_PRIQ_BASE, PRIQ | Math.min(priLog2, config.priqLog2()));
            w32(ARM_SMMU_PRIQ_PROD, 0);
            w32(ARM_SMMU_PRIQ_CONS, 0);
        }
    }

    /** Effective LOG2SIZE of a queue whose BASE register is at {@code baseOffset}. */
    int log2(int baseOffset) {
        int max = baseOffset == ARM_SMMU_CMDQ_BASE ? config.cmdqLog2()
                : baseOffset == ARM_SMMU_EVTQ_BASE ? config.evtqLog2() : config.priqLog2();
        return Math.min((int) (r64(baseOffset) & Q_BASE_LOG2SIZE), max);
    }

    static int wrapMask(int log2) {
        return (2 << log2) - 1;
    }

    // ---- command queue ---------------------------------------------------------------------------------------

    /** Address of the command queue entry at index {@code value}. */
    long cmdEntry(int value) {
        int log2 = log2(ARM_SMMU_CMDQ_BASE);
        long base = r64(ARM_SMMU_CMDQ_BASE) & Q_BASE_ADDR_MASK & oasMask & -(16L << log2);
        return base + (long) (value & ((1 << log2) - 1)) * 16;
    }

    /**
     * Writes one command at PROD and moves PROD on, as a driver would.
     *
     * @return true when it was consumed without a command error
     */
    boolean submit(long w0, long w1) {
        int log2 = log2(ARM_SMMU_CMDQ_BASE);
        int prod = r32(ARM_SMMU_CMDQ_PROD) & wrapMask(log2);
        int cons = r32(ARM_SMMU_CMDQ_CONS) & wrapMask(log2);
        if ((prod ^ cons) == (1 << log2)) {
            return false; // full: the SMMU is not consuming
        }
        long a = cmdEntry(prod);
        mem.write64(a, w0);
        mem.write64(a + 8, w1);
        int next = (prod + 1) & wrapMask(log2);
        w32(ARM_SMMU_CMDQ_PROD, next);
        return (r32(ARM_SMMU_CMDQ_CONS) & wrapMask(log2)) == next && !globalError(GERROR_CMDQ_ERR);
    }

    boolean submit(long[] cmd) {
        return submit(cmd[0], cmd[1]);
    }

    /**
     * Recovers from a command error as Linux does: the faulting command is
     * replaced by a CMD_SYNC and the error acknowledged; consumption resumes.
     */
    void recoverCommandError() {
        if (!globalError(GERROR_CMDQ_ERR)) {
            return;
        }
        long a = cmdEntry(r32(ARM_SMMU_CMDQ_CONS));
        mem.write64(a, dev.jiommu.spec.smmuv3.Cmd.CMDQ_OP_CMD_SYNC);
        mem.write64(a + 8, 0);
        ackGlobalError(GERROR_CMDQ_ERR);
    }

    // ---- event queue -----------------------------------------------------------------------------------------

    /** Reads and consumes every record between EVTQ_CONS and EVTQ_PROD, acknowledging an overflow. */
    List<long[]> drainEvents() {
        List<long[]> out = new ArrayList<>();
        int log2 = log2(ARM_SMMU_EVTQ_BASE);
        int mask = wrapMask(log2);
        int prod = r32(ARM_SMMU_EVTQ_PROD);
        int cons = r32(ARM_SMMU_EVTQ_CONS);
        long base = r64(ARM_SMMU_EVTQ_BASE) & Q_BASE_ADDR_MASK & oasMask & -(32L << log2);
        int guard = 0;
        while ((cons & mask) != (prod & mask) && guard++ <= (1 << log2)) {
            long a = base + (long) (cons & ((1 << log2) - 1)) * 32;
            if (mem.isRam(a, 32)) {
                out.add(new long[] {mem.read64(a), mem.read64(a + 8), mem.read64(a + 16), mem.read64(a + 24)});
            }
            cons = (cons & ~mask) | ((cons + 1) & mask);
        }
        w32(ARM_SMMU_EVTQ_CONS, (cons & mask) | (prod & (int) Q_OVERFLOW_FLAG));
        return out;
    }

    // ---- stream table ----------------------------------------------------------------------------------------

    /** A linear stream table of 2^log2 STEs at {@link #STRTAB}; SMMU disabled while it is written. */
    void linearStreamTable(int log2) {
        boolean on = (r32(ARM_SMMU_CR0) & CR0_SMMUEN) != 0;
        cr0Clear(CR0_SMMUEN);
        w64(ARM_SMMU_STRTAB_BASE, STRTAB);
        w32(ARM_SMMU_STRTAB_BASE_CFG, Field.prep(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_LINEAR)
                | Field.prep(STRTAB_BASE_CFG_LOG2SIZE, log2));
        if (on) {
            cr0Set(CR0_SMMUEN);
        }
    }

    /** A 2-level stream table: level 1 at {@link #STRTAB}. */
    void twoLevelStreamTable(int log2, int split) {
        boolean on = (r32(ARM_SMMU_CR0) & CR0_SMMUEN) != 0;
        cr0Clear(CR0_SMMUEN);
        w64(ARM_SMMU_STRTAB_BASE, STRTAB);
        w32(ARM_SMMU_STRTAB_BASE_CFG, Field.prep(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_2LVL)
                | Field.prep(STRTAB_BASE_CFG_SPLIT, split) | Field.prep(STRTAB_BASE_CFG_LOG2SIZE, log2));
        if (on) {
            cr0Set(CR0_SMMUEN);
        }
    }

    void writeWords(long pa, long[] words) {
        for (int i = 0; i < words.length; i++) {
            mem.write64(pa + 8L * i, words[i]);
        }
    }

    // ---- the device side -------------------------------------------------------------------------------------

    /** What the SMMU sent back to the devices. */
    static final class Recorder implements Requester {
        final List<int[]> stalls = new ArrayList<>();
        final List<int[]> responses = new ArrayList<>();
        long atcInvalidations;

        @Override
        public void stallCompleted(int stag, int status) {
            stalls.add(new int[] {stag, status});
        }

        @Override
        public void pageResponse(int substreamId, int prgIndex, int response) {
            responses.add(new int[] {substreamId, prgIndex, response});
        }

        @Override
        public void atcInvalidate(int substreamId, long address, int size, boolean global) {
            atcInvalidations++;
        }

        void clear() {
            stalls.clear();
            responses.clear();
        }
    }

    /** Counts 32-bit MSI writes. */
    static final class MsiSink implements MmioDevice {
        long writes;
        long lastData;

        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            writes++;
            lastData = value;
        }
    }

    private static TreeSet<Integer> eventIds() {
        TreeSet<Integer> ids = new TreeSet<>();
        for (java.lang.reflect.Field f : Event.class.getFields()) {
            if (f.getName().startsWith("EVT_ID_") && !f.getName().startsWith("EVT_ID_IMPDEF")
                    && Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                try {
                    ids.add(f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return ids;
    }
}

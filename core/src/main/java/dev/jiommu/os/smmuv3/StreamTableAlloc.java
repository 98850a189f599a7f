package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Field;

/**
 * The stream table in driver memory (IHI 0070 §3.3, §5.1, §5.2), as Linux's
 * {@code arm_smmu_init_strtab_linear}, {@code arm_smmu_init_strtab_2lvl},
 * {@code arm_smmu_init_l2_strtab} and {@code arm_smmu_write_strtab} lay it out.
 *
 * <p>Linear: {@code 2^sidBits} STEs. Two-level: SPLIT = {@link
 * dev.jiommu.spec.smmuv3.Ste#STRTAB_SPLIT} (8), an L1 table of
 * {@code min(2^(sidBits-8), STRTAB_MAX_L1_ENTRIES)} descriptors (so LOG2SIZE
 * may cover fewer StreamIDs than SIDSIZE, logged as Linux warns), and a 256-STE
 * L2 table allocated the first time a StreamID of its range is used, whose L1
 * descriptor (Span = SPLIT + 1, L2Ptr) is written with one 64-bit store after
 * the L2 table is initialised.
 *
 * <p>Every fresh STE is Linux's abort STE (V = 1, Config = abort: traffic
 * terminates without an event), as {@code arm_smmu_init_initial_stes} makes
 * them with {@code disable_bypass}. Invariant: {@link #steAddress} returns a PA
 * only for a StreamID inside the table, and the returned STE stays at that PA
 * for the table's life.
 */
final class StreamTableAlloc {

    /** The largest single allocation the frame allocator can make. */
    private static final long MAX_FRAME = 1L << 30;

    private final PhysicalMemory memory;
    private final FrameAllocator frames;
    private final DriverLog log;
    final boolean twoLevel;
    final long base;
    final long baseBytes;
    /** Linear: STEs; 2-level: L1 descriptors. */
    final long numEnts;
    private final long[] l2;

    private StreamTableAlloc(PhysicalMemory memory, FrameAllocator frames, DriverLog log, boolean twoLevel,
                             long base, long baseBytes, long numEnts) {
        this.memory = memory;
        this.frames = frames;
        this.log = log;
        this.twoLevel = twoLevel;
        this.base = base;
        this.baseBytes = baseBytes;
        this.numEnts = numEnts;
        this.l2 = twoLevel ? new long[(int) numEnts] : null;
    }

    /** @return the table, or null when memory ran out (-ENOMEM), logged */
    static StreamTableAlloc create(Features f, PhysicalMemory memory, FrameAllocator frames, DriverLog log) {
        if (f.twoLevelStrtab()) {
            long lastSidIdx = ((1L << f.sidBits()) - 1) >>> STRTAB_SPLIT;
            long num = Math.min(lastSidIdx + 1, STRTAB_MAX_L1_ENTRIES);
            if (num <= lastSidIdx) {
                log.warn("2-level strtab only covers %d/%d bits of SID",
                        63 - Long.numberOfLeadingZeros(num * STRTAB_NUM_L2_STES), f.sidBits());
            }
            long size = num * 8;
            long pa = alloc(frames, size);
            if (pa == FrameAllocator.NO_FRAME) {
                log.err("failed to allocate l1 stream table (%d bytes)", size);
                return null;
            }
            return new StreamTableAlloc(memory, frames, log, true, pa, frame(size), num);
        }
        long num = 1L << f.sidBits();
        long size = num * (STRTAB_STE_DWORDS * 8L);
        long pa = alloc(frames, size);
        if (pa == FrameAllocator.NO_FRAME) {
            log.err("failed to allocate linear stream table (%d bytes)", size);
            return null;
        }
        StreamTableAlloc t = new StreamTableAlloc(memory, frames, log, false, pa, frame(size), num);
        initialStes(memory, pa, num);
        return t;
    }

    private static long frame(long size) {
        return Math.max(PhysicalMemory.PAGE_SIZE, Long.highestOneBit(size - 1) << 1);
    }

    private static long alloc(FrameAllocator frames, long size) {
        long frame = frame(size);
        return frame > MAX_FRAME ? FrameAllocator.NO_FRAME : frames.allocate(frame);
    }

    /** {@code arm_smmu_init_initial_stes} with {@code disable_bypass}: every STE aborts. */
    private static void initialStes(PhysicalMemory memory, long pa, long count) {
        long abort = STRTAB_STE_0_V | Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
        for (long i = 0; i < count; i++) {
            memory.write64(pa + i * STRTAB_STE_DWORDS * 8, abort);
        }
    }

    /** {@code arm_smmu_sid_in_range}. */
    boolean sidInRange(int sid) {
        long s = Integer.toUnsignedLong(sid);
        return twoLevel ? (s >>> STRTAB_SPLIT) < numEnts : s < numEnts;
    }

    /**
     * The PA of the STE of {@code sid}, allocating and installing its L2 table
     * on first use.
     *
     * @return the PA, or {@code -ERANGE} for a StreamID outside the table,
     *         {@code -ENOMEM} when the L2 table cannot be allocated
     */
    long steAddress(int sid) {
        if (!sidInRange(sid)) {
            return -Errno.ERANGE;
        }
        long s = Integer.toUnsignedLong(sid);
        if (!twoLevel) {
            return base + s * STRTAB_STE_DWORDS * 8;
        }
        int l1 = (int) (s >>> STRTAB_SPLIT);
        if (l2[l1] == 0) {
            long size = (long) STRTAB_NUM_L2_STES * STRTAB_STE_DWORDS * 8;
            long pa = frames.allocate(size);
            if (pa == FrameAllocator.NO_FRAME) {
                log.err("failed to allocate l2 stream table for SID %d", sid);
                return -Errno.ENOMEM;
            }
            initialStes(memory, pa, STRTAB_NUM_L2_STES);
            memory.write64(base + 8L * l1, Field.prep(STRTAB_L1_DESC_SPAN, STRTAB_SPLIT + 1)
                    | (pa & STRTAB_L1_DESC_L2PTR_MASK));
            l2[l1] = pa;
        }
        return l2[l1] + (s & (STRTAB_NUM_L2_STES - 1)) * STRTAB_STE_DWORDS * 8;
    }

    /** Whether the L2 table covering {@code sid} exists (always true when linear and in range). */
    boolean hasL2(int sid) {
        if (!sidInRange(sid)) {
            return false;
        }
        return !twoLevel || l2[(int) (Integer.toUnsignedLong(sid) >>> STRTAB_SPLIT)] != 0;
    }

    /** The STRTAB_BASE register value: RA and the table's address. */
    long strtabBase() {
        return (base & STRTAB_BASE_ADDR_MASK) | STRTAB_BASE_RA;
    }

    /** The STRTAB_BASE_CFG register value, as {@code arm_smmu_write_strtab}. */
    int strtabBaseCfg(int sidBits) {
        if (twoLevel) {
            return (int) (Field.prep(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_2LVL)
                    | Field.prep(STRTAB_BASE_CFG_LOG2SIZE, Long.numberOfTrailingZeros(numEnts) + STRTAB_SPLIT)
                    | Field.prep(STRTAB_BASE_CFG_SPLIT, STRTAB_SPLIT));
        }
        return (int) (Field.prep(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_LINEAR)
                | Field.prep(STRTAB_BASE_CFG_LOG2SIZE, sidBits));
    }
}

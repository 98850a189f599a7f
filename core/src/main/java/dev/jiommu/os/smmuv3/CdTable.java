package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_0_S1FMT_64K_L2;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_0_S1FMT_LINEAR;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;

/**
 * The context descriptor table of one master (IHI 0070 §3.4, §5.3, §5.4):
 * Linux's {@code struct arm_smmu_ctx_desc_cfg}, laid out by
 * {@code arm_smmu_alloc_cd_tables}.
 *
 * <p>Format: linear with {@code 2^s1cdmax} CDs when the SMMU has no 2-level CD
 * tables (IDR0.CD2L) or they fit one leaf ({@code <= CTXDESC_L2_ENTRIES});
 * otherwise 2-level with 64 KiB leaves of 1024 CDs (STE.S1Fmt = 64K_L2) and an
 * L1 table of {@code ceil(2^s1cdmax / 1024)} descriptors. A leaf is allocated
 * the first time one of its SubstreamIDs is asked for
 * ({@code arm_smmu_alloc_cd_ptr}): the leaf is zeroed (every CD invalid), its
 * L1 descriptor written (L2Ptr | V) with one 64-bit store, and — since an
 * invalid L1 descriptor may be cached — CMD_CFGI_CD (leaf = 0) for every
 * StreamID of the master, with a CMD_SYNC.
 *
 * <p>Invariants: a CD's PA never changes while the table lives; after
 * {@link #free} every address is gone back to the allocator and
 * {@link #cdAddress} returns {@code -ENODEV}.
 */
public final class CdTable {

    private final ArmSmmuV3 smmu;
    private final PhysicalMemory memory;
    private final FrameAllocator frames;
    private final int[] sids;
    private final int s1cdmax;
    private final long s1fmt;
    private final long cdtabDma;
    private final long cdtabBytes;
    private final long[] l2ptrs;
    private boolean freed;

    private CdTable(ArmSmmuV3 smmu, PhysicalMemory memory, FrameAllocator frames, int[] sids, int s1cdmax,
                    long s1fmt, long cdtabDma, long cdtabBytes, int l1Ents) {
        this.smmu = smmu;
        this.memory = memory;
        this.frames = frames;
        this.sids = sids.clone();
        this.s1cdmax = s1cdmax;
        this.s1fmt = s1fmt;
        this.cdtabDma = cdtabDma;
        this.cdtabBytes = cdtabBytes;
        this.l2ptrs = s1fmt == STRTAB_STE_0_S1FMT_64K_L2 ? new long[l1Ents] : null;
    }

    /** @return the table, or null when memory ran out */
    static CdTable allocate(ArmSmmuV3 smmu, PhysicalMemory memory, FrameAllocator frames, boolean twoLevel,
                            int ssidBits, int[] sids) {
        long maxContexts = 1L << ssidBits;
        if (!twoLevel || maxContexts <= CTXDESC_L2_ENTRIES) {
            long bytes = frame(maxContexts * CTXDESC_CD_DWORDS * 8);
            long pa = frames.allocate(bytes);
            return pa == FrameAllocator.NO_FRAME ? null
                    : new CdTable(smmu, memory, frames, sids, ssidBits, STRTAB_STE_0_S1FMT_LINEAR, pa, bytes, 0);
        }
        int l1 = (int) ((maxContexts + CTXDESC_L2_ENTRIES - 1) / CTXDESC_L2_ENTRIES);
        long bytes = frame((long) l1 * CTXDESC_L1_DESC_DWORDS * 8);
        long pa = frames.allocate(bytes);
        return pa == FrameAllocator.NO_FRAME ? null
                : new CdTable(smmu, memory, frames, sids, ssidBits, STRTAB_STE_0_S1FMT_64K_L2, pa, bytes, l1);
    }

    private static long frame(long size) {
        return Math.max(PhysicalMemory.PAGE_SIZE, Long.highestOneBit(size - 1) << 1);
    }

    /** STE.S1ContextPtr: the linear table or the L1 table. */
    public long cdtabDma() {
        return cdtabDma;
    }

    /** STE.S1Fmt: {@code STRTAB_STE_0_S1FMT_LINEAR} or {@code STRTAB_STE_0_S1FMT_64K_L2}. */
    public long s1fmt() {
        return s1fmt;
    }

    /** STE.S1CDMax: log2 of the number of CDs. */
    public int s1cdmax() {
        return s1cdmax;
    }

    /** The StreamIDs of the master: the ones CFGI_CD is sent for. */
    public int[] sids() {
        return sids.clone();
    }

    /** Whether the table has two levels. */
    public boolean twoLevel() {
        return l2ptrs != null;
    }

    /**
     * The PA of CD {@code ssid}, allocating its leaf on first use
     * ({@code arm_smmu_alloc_cd_ptr}).
     *
     * @return the PA; {@code -ERANGE} for an SSID beyond S1CDMax; {@code -ENOMEM}
     *         when the leaf cannot be allocated; {@code -ENODEV} after {@link #free}
     */
    public long cdAddress(int ssid) {
        return address(ssid, true);
    }

    /**
     * The PA of CD {@code ssid} without allocating ({@code arm_smmu_get_cd_ptr}).
     *
     * @return the PA; {@code -ENOENT} when its leaf does not exist; the errors of {@link #cdAddress}
     */
    public long existingCdAddress(int ssid) {
        return address(ssid, false);
    }

    private long address(int ssid, boolean allocate) {
        long check = check(ssid);
        if (check != 0) {
            return check;
        }
        if (l2ptrs == null) {
            return cdtabDma + (long) ssid * CTXDESC_CD_DWORDS * 8;
        }
        int idx = ssid >>> CTXDESC_SPLIT;
        if (l2ptrs[idx] == 0) {
            if (!allocate) {
                return -Errno.ENOENT;
            }
            long bytes = (long) CTXDESC_L2_ENTRIES * CTXDESC_CD_DWORDS * 8;
            long pa = frames.allocate(bytes);
            if (pa == FrameAllocator.NO_FRAME) {
                return -Errno.ENOMEM;
            }
            l2ptrs[idx] = pa;
            memory.write64(cdtabDma + 8L * idx, (pa & CTXDESC_L1_DESC_L2PTR_MASK) | CTXDESC_L1_DESC_V);
            smmu.syncCdTable(this, ssid, false);
        }
        return leafAddress(idx, ssid);
    }

    private long check(int ssid) {
        if (freed) {
            return -Errno.ENODEV;
        }
        if (ssid < 0 || (long) ssid >= 1L << s1cdmax) {
            return -Errno.ERANGE;
        }
        return 0;
    }

    private long leafAddress(int idx, int ssid) {
        return l2ptrs[idx] + (long) (ssid & (CTXDESC_L2_ENTRIES - 1)) * CTXDESC_CD_DWORDS * 8;
    }

    /** Leaves allocated so far (0 for a linear table). */
    public int leaves() {
        int n = 0;
        if (l2ptrs != null) {
            for (long p : l2ptrs) {
                n += p != 0 ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * {@code arm_smmu_free_cd_tables}: returns the leaves and the table to the
     * allocator. The caller has made sure no STE points here any more.
     */
    public void free() {
        if (freed) {
            return;
        }
        freed = true;
        if (l2ptrs != null) {
            for (int i = 0; i < l2ptrs.length; i++) {
                if (l2ptrs[i] != 0) {
                    frames.free(l2ptrs[i], (long) CTXDESC_L2_ENTRIES * CTXDESC_CD_DWORDS * 8);
                    l2ptrs[i] = 0;
                }
            }
        }
        frames.free(cdtabDma, cdtabBytes);
    }

    public boolean freed() {
        return freed;
    }
}

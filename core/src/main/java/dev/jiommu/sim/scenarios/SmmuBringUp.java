package dev.jiommu.sim.scenarios;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.CdView;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.SteView;

import java.util.ArrayList;
import java.util.List;

import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Field.prep;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * What a scenario needs to bring an SMMU up the way firmware or a minimal
 * driver does, through the register block on the bus and structures in
 * memory only: a 2-level stream table, command and event queues, STEs and
 * linear CD tables, commands followed by CMD_SYNC, and draining the event
 * and PRI queues (the PRI queue when IDR0.PRI says there is one). (The Linux-like driver with its hitless update sequence is
 * {@code os.smmuv3}'s job; this is the bare minimum for a demonstration.)
 */
public final class SmmuBringUp {

    static final int QUEUE_LOG2 = 6;
    static final int SPLIT = 8;

    private final SystemBus bus;
    private final PhysicalMemory mem;
    private final long regs;
    private final FrameAllocator frames;
    private final long strtab;
    private final long cmdq;
    private final long evtq;
    /** The PRI queue, or 0 when the SMMU has no PRI. */
    private final long priq;
    private int cmdProd;
    private int evtCons;
    private int priCons;

    /**
     * @param regs   base of the SMMU register block on {@code bus}
     * @param frames where tables and queues come from
     */
    public SmmuBringUp(SystemBus bus, long regs, FrameAllocator frames, int sidBits) {
        this.bus = bus;
        this.mem = bus.memory();
        this.regs = regs;
        this.frames = frames;
        int l1Entries = 1 << Math.max(0, sidBits - SPLIT);
        strtab = frames.allocate(Math.max(4096, l1Entries * 8L));
        cmdq = frames.allocate(4096);
        evtq = frames.allocate(4096);
        write32(ARM_SMMU_CR0, 0);
        write64(ARM_SMMU_STRTAB_BASE, strtab);
        write32(ARM_SMMU_STRTAB_BASE_CFG, (int) (prep(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_2LVL)
                | prep(STRTAB_BASE_CFG_SPLIT, SPLIT) | prep(STRTAB_BASE_CFG_LOG2SIZE, sidBits)));
        write64(ARM_SMMU_CMDQ_BASE, cmdq | QUEUE_LOG2);
        write64(ARM_SMMU_EVTQ_BASE, evtq | QUEUE_LOG2);
        boolean pri = (read32(ARM_SMMU_IDR0) & IDR0_PRI) != 0;
        priq = pri ? frames.allocate(4096) : 0;
        int queues = (int) (CR0_CMDQEN | CR0_EVTQEN | (pri ? CR0_PRIQEN : 0));
        if (pri) {
            write64(ARM_SMMU_PRIQ_BASE, priq | QUEUE_LOG2);
        }
        write32(ARM_SMMU_IRQ_CTRL, (int) (IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN
                | (pri ? IRQ_CTRL_PRIQ_IRQEN : 0)));
        // As Linux: record C_BAD_STREAMID for out-of-range StreamIDs (§7.3.3), private TLB maintenance.
        write32(ARM_SMMU_CR2, (int) (CR2_RECINVSID | CR2_PTM));
        write32(ARM_SMMU_CR0, queues | (int) CR0_SMMUEN);
        if (read32(ARM_SMMU_CR0ACK) != (queues | (int) CR0_SMMUEN)) {
            throw new IllegalStateException("SMMU did not acknowledge CR0");
        }
    }

    public int read32(int off) {
        return (int) bus.read(regs + off, 4);
    }

    public void write32(int off, int v) {
        bus.write(regs + off, 4, v & 0xffff_ffffL);
    }

    public void write64(int off, long v) {
        bus.write(regs + off, 8, v);
    }

    /** The STE of {@code sid}, its level-2 table allocated on first use. */
    public SteView ste(int sid) {
        long l1 = strtab + (long) (sid >>> SPLIT) * 8;
        long desc = mem.read64(l1);
        if (get(STRTAB_L1_DESC_SPAN, desc) == 0) {
            long l2 = frames.allocate((1L << SPLIT) * SteView.SIZE);
            mem.write64(l1, l2 | prep(STRTAB_L1_DESC_SPAN, SPLIT + 1));
            desc = mem.read64(l1);
        }
        return SteView.wrap(mem, (desc & STRTAB_L1_DESC_L2PTR_MASK) + (long) (sid & ((1 << SPLIT) - 1)) * SteView.SIZE);
    }

    /** A linear CD table of {@code 2^log2Cds} entries. */
    public long cdTable(int log2Cds) {
        return frames.allocate(Math.max(4096, (1L << log2Cds) * CdView.SIZE));
    }

    public CdView cd(long table, int ssid) {
        return CdView.wrap(mem, table + (long) ssid * CdView.SIZE);
    }

    /** Pushes commands and a CMD_SYNC; returns false when the SMMU stopped on a command error. */
    public boolean submit(long[]... commands) {
        List<long[]> all = new ArrayList<>(List.of(commands));
        all.add(Commands.sync(0, 0, 0));
        int size = 1 << QUEUE_LOG2;
        for (long[] c : all) {
            long slot = cmdq + (long) (cmdProd & (size - 1)) * 16;
            mem.write64(slot, c[0]);
            mem.write64(slot + 8, c[1]);
            cmdProd = (cmdProd + 1) & (2 * size - 1);
        }
        write32(ARM_SMMU_CMDQ_PROD, cmdProd);
        return (read32(ARM_SMMU_CMDQ_CONS) & ((2 * size) - 1)) == cmdProd;
    }

    /** Every event record written since the last drain, oldest first. */
    public List<long[]> drainEvents() {
        List<long[]> events = new ArrayList<>();
        int size = 1 << QUEUE_LOG2;
        int prod = read32(ARM_SMMU_EVTQ_PROD) & (2 * size - 1);
        while (evtCons != prod) {
            long slot = evtq + (long) (evtCons & (size - 1)) * 32;
            long[] r = new long[4];
            for (int i = 0; i < 4; i++) {
                r[i] = mem.read64(slot + 8L * i);
            }
            events.add(r);
            evtCons = (evtCons + 1) & (2 * size - 1);
        }
        write32(ARM_SMMU_EVTQ_CONS, evtCons);
        return events;
    }

    /** Every PRI queue entry (two dwords) written since the last drain, oldest first; none without PRI. */
    public List<long[]> drainPageRequests() {
        List<long[]> entries = new ArrayList<>();
        if (priq == 0) {
            return entries;
        }
        int size = 1 << QUEUE_LOG2;
        int prod = read32(ARM_SMMU_PRIQ_PROD) & (2 * size - 1);
        while (priCons != prod) {
            long slot = priq + (long) (priCons & (size - 1)) * 16;
            entries.add(new long[] {mem.read64(slot), mem.read64(slot + 8)});
            priCons = (priCons + 1) & (2 * size - 1);
        }
        write32(ARM_SMMU_PRIQ_CONS, priCons);
        return entries;
    }

    public static int eventId(long[] record) {
        return (int) get(Event.EVTQ_0_ID, record[0]);
    }
}

package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Registers.*;

import dev.jiommu.Errno;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Cd;
import dev.jiommu.spec.smmuv3.Cmd;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.PriQueueEntry;

import java.util.List;
import java.util.function.Consumer;

/**
 * One SMMUv3 as its driver sees it: Linux's {@code struct arm_smmu_device} and
 * the device half of {@code arm-smmu-v3.c} — probe, reset, command
 * submission, interrupt handlers, stream and CD tables, invalidation.
 *
 * <p><b>Probe</b> ({@link #probe}, {@code arm_smmu_device_probe}): checks the
 * register block is there and large enough (-ENODEV, -EINVAL), reads
 * IDR0/1/3/5 into {@link Features} and refuses what Linux refuses (-ENXIO:
 * big-endian-only tables, no translation stage, no AArch64 tables, embedded
 * implementations with preset tables or queues, a command queue of 64 entries
 * or fewer), allocates the queues and the stream table (-ENOMEM), and resets
 * the device.
 *
 * <p><b>Reset</b> ({@code arm_smmu_device_reset}): GBPA.ABORT (so that
 * incoming traffic aborts while the SMMU is off), CR0 = 0 with CR0ACK, CR1
 * (inner-shareable write-back tables and queues), CR2 (PTM, RECINVSID, E2H
 * when used), STRTAB_BASE/_CFG, CMDQ_BASE/PROD/CONS and CMDQEN; CFGI_ALL,
 * TLBI_EL2_ALL (with HYP) and TLBI_NSNH_ALL, each with a CMD_SYNC; the event
 * queue and EVTQEN; the PRI queue and PRIQEN (with PRI); ATSCHK (with ATS);
 * interrupts (IRQ_CTRL = 0 with its ack, MSI addresses cleared, MSIs from the
 * {@link IrqSetup} programmed into *_IRQ_CFG0/1/2 with Device-nGnRE, then the
 * IRQ enables with their ack); finally SMMUEN. Each CR0/IRQ_CTRL write waits
 * for its acknowledgement, at most {@link Options#pollTimeoutUs} reads, else
 * -ETIMEDOUT.
 *
 * <p><b>Interrupts</b>: vector 0 runs the event queue thread, 1 the GERROR
 * handler, 2 the PRI queue thread, each from its LPI. Without MSIs (no IDR0.MSI,
 * or the domain gave none) no interrupt reaches the driver, and whoever
 * drives the system calls {@link #serviceInterrupts} as a combined wired
 * interrupt would run them.
 *
 * <p><b>Errors</b> are errno results, counters ({@link #stats()}) and log
 * lines ({@link #log()}); nothing the hardware does throws.
 */
public final class ArmSmmuV3 {

    /** No SubstreamID / PASID: commands go with SSV = 0. */
    public static final int NO_SSID = CmdqEnt.NO_SSID;

    /** MSI vector indexes, Linux's {@code EVTQ_MSI_INDEX}, {@code GERROR_MSI_INDEX}, {@code PRIQ_MSI_INDEX}. */
    public static final int EVTQ_MSI_INDEX = 0;
    public static final int GERROR_MSI_INDEX = 1;
    public static final int PRIQ_MSI_INDEX = 2;

    /** Linux's {@code ARM_SMMU_POLL_TIMEOUT_US}. */
    public static final long ARM_SMMU_POLL_TIMEOUT_US = 1_000_000;

    /**
     * Driver and kernel choices that are not in the hardware.
     *
     * @param pollTimeoutUs register polls before -ETIMEDOUT (one read per modelled microsecond)
     * @param msiPolling    complete CMD_SYNC by MSI when the SMMU can ({@code !disable_msipolling})
     * @param vhe           the kernel runs at EL2 ({@code is_kernel_in_hyp_mode()})
     * @param broadcastTlb  use the CPUs' broadcast TLB maintenance for SVA when the SMMU has BTM (the PCIe
     *                      SVM series: CR2.PTM = 0, SVA CDs with ASET = 0, no TLBI commands for notifier
     *                      invalidations); false does as mainline Linux (PTM = 1, TLBI commands)
     */
    public record Options(long pollTimeoutUs, boolean msiPolling, boolean vhe, boolean broadcastTlb) {
        public Options {
            if (pollTimeoutUs < 1) {
                throw new IllegalArgumentException("pollTimeoutUs must be positive");
            }
        }

        /** Linux's defaults on a non-VHE kernel, with broadcast TLB maintenance where the SMMU has it. */
        public static Options defaults() {
            return new Options(ARM_SMMU_POLL_TIMEOUT_US, true, false, true);
        }

        public Options withPollTimeoutUs(long us) {
            return new Options(us, msiPolling, vhe, broadcastTlb);
        }

        public Options withMsiPolling(boolean on) {
            return new Options(pollTimeoutUs, on, vhe, broadcastTlb);
        }

        public Options withVhe(boolean on) {
            return new Options(pollTimeoutUs, msiPolling, on, broadcastTlb);
        }

        public Options withBroadcastTlb(boolean on) {
            return new Options(pollTimeoutUs, msiPolling, vhe, on);
        }
    }

    /** What {@link #probe} gives: the device, or the negative errno, with the log that explains it. */
    public record Probe(ArmSmmuV3 smmu, int error, DriverLog log) {
        public boolean ok() {
            return smmu != null;
        }
    }

    private final SmmuRegs regs;
    private final PhysicalMemory memory;
    private final FrameAllocator frames;
    private final IrqSetup irqSetup;
    private final Options options;
    private final Features features;
    private final DriverLog log;
    private final DriverStats stats = new DriverStats();
    private final StreamTableAlloc strtab;
    private final CommandQueueDriver cmdq;
    private final DriverQueue evtqQueue;
    private final DriverQueue priqQueue;
    private final EventQueueDriver evtq;
    private final PriQueueDriver priq;
    private final GlobalErrorHandler gerror;
    private boolean msis;
    private boolean enabled;

    private ArmSmmuV3(SmmuRegs regs, PhysicalMemory memory, FrameAllocator frames, IrqSetup irqSetup,
                      Options options, Features features, DriverLog log, StreamTableAlloc strtab,
                      DriverQueue cmdqQueue, DriverQueue evtqQueue, DriverQueue priqQueue) {
        this.regs = regs;
        this.memory = memory;
        this.frames = frames;
        this.irqSetup = irqSetup;
        this.options = options;
        this.features = features;
        this.log = log;
        this.strtab = strtab;
        this.evtqQueue = evtqQueue;
        this.priqQueue = priqQueue;
        this.cmdq = new CommandQueueDriver(regs, memory, cmdqQueue, features.msiPoll(), log, stats);
        this.gerror = new GlobalErrorHandler(regs, cmdq, this::deviceDisable, log, stats);
        cmdq.gerrorHandler(gerror);
        this.evtq = new EventQueueDriver(new QueueReader(regs, memory, evtqQueue), cmdq, log, stats);
        this.priq = priqQueue == null ? null
                : new PriQueueDriver(new QueueReader(regs, memory, priqQueue), cmdq, log, stats);
    }

    // ---- probe --------------------------------------------------------------------------------------------

    /** {@link #probe(SystemBus, long, PhysicalMemory, FrameAllocator, IrqSetup, Options)} with Linux's defaults. */
    public static Probe probe(SystemBus bus, long base, PhysicalMemory memory, FrameAllocator frames,
                              IrqSetup irqs) {
        return probe(bus, base, memory, frames, irqs, Options.defaults());
    }

    /**
     * Probes and enables the SMMU whose register block is at {@code base}.
     *
     * @param frames where the stream table, CD tables and queues are allocated
     * @param irqs   the MSI domain; {@link IrqSetup#NONE} for none
     * @return the device, or the errno: -ENODEV (nothing at {@code base}),
     *         -EINVAL (block smaller than two 64 KiB pages), -ENXIO (hardware Linux
     *         does not support), -ENOMEM, -ETIMEDOUT (an acknowledgement never came)
     */
    public static Probe probe(SystemBus bus, long base, PhysicalMemory memory, FrameAllocator frames,
                              IrqSetup irqs, Options options) {
        DriverLog log = new DriverLog();
        SystemBus.Mapping m = bus.deviceAt(base);
        if (m == null) {
            log.err("no register block at 0x%x", base);
            return new Probe(null, -Errno.ENODEV, log);
        }
        if (m.base() + m.size() - base < ARM_SMMU_MMIO_SIZE) {
            log.err("MMIO region too small (0x%x bytes at 0x%x)", m.base() + m.size() - base, base);
            return new Probe(null, -Errno.EINVAL, log);
        }
        SmmuRegs regs = new SmmuRegs(bus, base, options.pollTimeoutUs());
        Features f = Features.decode(regs.read32(ARM_SMMU_IDR0), regs.read32(ARM_SMMU_IDR1),
                regs.read32(ARM_SMMU_IDR3), regs.read32(ARM_SMMU_IDR5), options.vhe(), options.msiPolling(), log);
        if (f == null) {
            return new Probe(null, -Errno.ENXIO, log);
        }
        log.info("ias %d-bit, oas %d-bit (%s)", f.ias(), f.oas(), f);

        DriverQueue cq = DriverQueue.allocate(frames, "cmdq", CMDQ_ENT_DWORDS, f.cmdqMaxLog2(), ARM_SMMU_CMDQ_PROD,
                ARM_SMMU_CMDQ_CONS, log);
        DriverQueue eq = cq == null ? null : DriverQueue.allocate(frames, "evtq", Event.EVTQ_ENT_DWORDS,
                f.evtqMaxLog2(), ARM_SMMU_EVTQ_PROD, ARM_SMMU_EVTQ_CONS, log);
        DriverQueue pq = eq == null || !f.pri() ? null : DriverQueue.allocate(frames, "priq",
                PriQueueEntry.PRIQ_ENT_DWORDS, f.priqMaxLog2(), ARM_SMMU_PRIQ_PROD, ARM_SMMU_PRIQ_CONS, log);
        StreamTableAlloc st = eq == null || (f.pri() && pq == null) ? null
                : StreamTableAlloc.create(f, memory, frames, log);
        if (st == null) {
            freeQueues(frames, cq, eq, pq);
            return new Probe(null, -Errno.ENOMEM, log);
        }
        ArmSmmuV3 smmu = new ArmSmmuV3(regs, memory, frames, irqs, options, f, log, st, cq, eq, pq);
        int ret = smmu.deviceReset();
        if (ret != 0) {
            smmu.irqSetup.freeMsis();
            freeQueues(frames, cq, eq, pq);
            frames.free(st.base, st.baseBytes);
            return new Probe(null, ret, log);
        }
        return new Probe(smmu, 0, log);
    }

    private static void freeQueues(FrameAllocator frames, DriverQueue... qs) {
        for (DriverQueue q : qs) {
            if (q != null) {
                frames.free(q.baseDma, q.allocated);
            }
        }
    }

    // ---- reset ----------------------------------------------------------------------------------------------

    /** {@code arm_smmu_update_gbpa}: waits for UPDATE clear, writes with UPDATE, waits again. */
    private int updateGbpa(int set, int clr) {
        int ret = regs.poll(ARM_SMMU_GBPA, v -> (v & GBPA_UPDATE) == 0);
        if (ret != 0) {
            return ret;
        }
        int reg = (regs.read32(ARM_SMMU_GBPA) & ~clr) | set;
        regs.write32(ARM_SMMU_GBPA, reg | (int) GBPA_UPDATE);
        ret = regs.poll(ARM_SMMU_GBPA, v -> (v & GBPA_UPDATE) == 0);
        if (ret != 0) {
            log.err("GBPA not responding to update");
        }
        return ret;
    }

    /** {@code arm_smmu_device_disable}: CR0 = 0 with its acknowledgement. */
    private int deviceDisableSync() {
        int ret = regs.writeSync(ARM_SMMU_CR0, ARM_SMMU_CR0ACK, 0);
        if (ret != 0) {
            log.err("failed to clear cr0");
        }
        enabled = false;
        return ret;
    }

    private void deviceDisable() {
        deviceDisableSync();
    }

    private int deviceReset() {
        if ((regs.read32(ARM_SMMU_CR0) & CR0_SMMUEN) != 0) {
            log.warn("SMMU currently enabled! Resetting...");
        }
        int ret = updateGbpa((int) GBPA_ABORT, 0);
        if (ret != 0) {
            return ret;
        }
        ret = deviceDisableSync();
        if (ret != 0) {
            return ret;
        }
        regs.write32(ARM_SMMU_CR1, (int) (prep(CR1_TABLE_SH, ARM_SMMU_SH_ISH) | prep(CR1_TABLE_OC, CR1_CACHE_WB)
                | prep(CR1_TABLE_IC, CR1_CACHE_WB) | prep(CR1_QUEUE_SH, ARM_SMMU_SH_ISH)
                | prep(CR1_QUEUE_OC, CR1_CACHE_WB) | prep(CR1_QUEUE_IC, CR1_CACHE_WB)));
        regs.write32(ARM_SMMU_CR2, (int) ((usesBroadcastTlb() ? 0 : CR2_PTM) | CR2_RECINVSID
                | (features.e2h() ? CR2_E2H : 0)));

        regs.write64(ARM_SMMU_STRTAB_BASE, strtab.strtabBase());
        regs.write32(ARM_SMMU_STRTAB_BASE_CFG, strtab.strtabBaseCfg(features.sidBits()));

        DriverQueue cq = cmdq.q;
        regs.write64(ARM_SMMU_CMDQ_BASE, cq.qBase());
        regs.write32(ARM_SMMU_CMDQ_PROD, cq.prod);
        regs.write32(ARM_SMMU_CMDQ_CONS, cq.cons);
        int enables = (int) CR0_CMDQEN;
        if ((ret = enable(enables, "failed to enable command queue")) != 0) {
            return ret;
        }
        if ((ret = cmdq.issueWithSync(new CmdqEnt.CfgiAll())) != 0) {
            return ret;
        }
        if (features.hyp() && (ret = cmdq.issueWithSync(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_EL2_ALL, 0, 0))) != 0) {
            return ret;
        }
        if ((ret = cmdq.issueWithSync(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_NSNH_ALL, 0, 0))) != 0) {
            return ret;
        }

        regs.write64(ARM_SMMU_EVTQ_BASE, evtqQueue.qBase());
        regs.write32(ARM_SMMU_EVTQ_PROD, evtqQueue.prod);
        regs.write32(ARM_SMMU_EVTQ_CONS, evtqQueue.cons);
        enables |= (int) CR0_EVTQEN;
        if ((ret = enable(enables, "failed to enable event queue")) != 0) {
            return ret;
        }
        if (priqQueue != null) {
            regs.write64(ARM_SMMU_PRIQ_BASE, priqQueue.qBase());
            regs.write32(ARM_SMMU_PRIQ_PROD, priqQueue.prod);
            regs.write32(ARM_SMMU_PRIQ_CONS, priqQueue.cons);
            enables |= (int) CR0_PRIQEN;
            if ((ret = enable(enables, "failed to enable PRI queue")) != 0) {
                return ret;
            }
        }
        if (features.ats()) {
            enables |= (int) CR0_ATSCHK;
            if ((ret = enable(enables, "failed to enable ATS check")) != 0) {
                return ret;
            }
        }
        if ((ret = setupIrqs()) != 0) {
            log.err("failed to setup irqs");
            return ret;
        }
        enables |= (int) CR0_SMMUEN;
        if ((ret = enable(enables, "failed to enable SMMU interface")) != 0) {
            return ret;
        }
        enabled = true;
        return 0;
    }

    private int enable(int enables, String failure) {
        int ret = regs.writeSync(ARM_SMMU_CR0, ARM_SMMU_CR0ACK, enables);
        if (ret != 0) {
            log.err(failure);
        }
        return ret;
    }

    private static long prep(long mask, long value) {
        return dev.jiommu.spec.smmuv3.Field.prep(mask, value);
    }

    /** {@code arm_smmu_setup_irqs} with {@code arm_smmu_setup_msis}. */
    private int setupIrqs() {
        int ret = regs.writeSync(ARM_SMMU_IRQ_CTRL, ARM_SMMU_IRQ_CTRLACK, 0);
        if (ret != 0) {
            log.err("failed to disable irqs");
            return ret;
        }
        regs.write64(ARM_SMMU_GERROR_IRQ_CFG0, 0);
        regs.write64(ARM_SMMU_EVTQ_IRQ_CFG0, 0);
        int nvec = 3;
        if (features.pri()) {
            regs.write64(ARM_SMMU_PRIQ_IRQ_CFG0, 0);
        } else {
            nvec--;
        }
        if (features.msi()) {
            Runnable[] handlers = {this::evtqIrq, this::gerrorIrq, this::priqIrq};
            IrqSetup.MsiMessage[] msgs = irqSetup.allocateMsis(nvec, handlers);
            if (msgs == null) {
                log.warn("failed to allocate MSIs - falling back to wired irqs");
            } else {
                writeMsiMsg(msgs[EVTQ_MSI_INDEX], ARM_SMMU_EVTQ_IRQ_CFG0, ARM_SMMU_EVTQ_IRQ_CFG1,
                        ARM_SMMU_EVTQ_IRQ_CFG2);
                writeMsiMsg(msgs[GERROR_MSI_INDEX], ARM_SMMU_GERROR_IRQ_CFG0, ARM_SMMU_GERROR_IRQ_CFG1,
                        ARM_SMMU_GERROR_IRQ_CFG2);
                if (features.pri()) {
                    writeMsiMsg(msgs[PRIQ_MSI_INDEX], ARM_SMMU_PRIQ_IRQ_CFG0, ARM_SMMU_PRIQ_IRQ_CFG1,
                            ARM_SMMU_PRIQ_IRQ_CFG2);
                }
                msis = true;
            }
        }
        int irqen = (int) (IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN | (features.pri() ? IRQ_CTRL_PRIQ_IRQEN : 0));
        if (regs.writeSync(ARM_SMMU_IRQ_CTRL, ARM_SMMU_IRQ_CTRLACK, irqen) != 0) {
            log.warn("failed to enable irqs");
        }
        return 0;
    }

    /** {@code arm_smmu_write_msi_msg}. */
    private void writeMsiMsg(IrqSetup.MsiMessage msg, int cfg0, int cfg1, int cfg2) {
        regs.write64(cfg0, msg.address() & MSI_CFG0_ADDR_MASK);
        regs.write32(cfg1, msg.data());
        regs.write32(cfg2, (int) ARM_SMMU_MEMATTR_DEVICE_nGnRE);
    }

    private void evtqIrq() {
        evtq.thread();
    }

    private void gerrorIrq() {
        stats.gerrorIrqs++;
        gerror.handle();
    }

    private void priqIrq() {
        if (priq != null) {
            priq.thread();
        }
    }

    /**
     * Runs every interrupt handler once, as Linux's combined interrupt does
     * ({@code arm_smmu_combined_irq_handler} then its thread): GERROR, the
     * event queue, the PRI queue. For SMMUs without MSIs, and for polling.
     */
    public void serviceInterrupts() {
        gerrorIrq();
        evtqIrq();
        priqIrq();
    }

    /**
     * {@code arm_smmu_device_remove}: disables the SMMU (CR0 = 0, GBPA left
     * aborting) and releases the MSIs. Tables and queues stay allocated.
     *
     * @return 0 or -ETIMEDOUT
     */
    public int remove() {
        int ret = deviceDisableSync();
        irqSetup.freeMsis();
        msis = false;
        return ret;
    }

    // ---- observation -----------------------------------------------------------------------------------------

    public Features features() {
        return features;
    }

    public Options options() {
        return options;
    }

    /**
     * Whether SVA relies on the CPUs' broadcast TLB maintenance: the SMMU has
     * BTM, {@link Options#broadcastTlb} asks for it, and the kernel is not
     * VHE (the model's broadcasts, {@code hw.bus.Dvm}, carry the EL1&amp;0
     * regime only, so an EL2-E2H kernel's TLBIs would not be modelled). Then
     * CR2.PTM = 0 and the caller's memory manager must broadcast its TLBIs
     * to the SMMU.
     */
    public boolean usesBroadcastTlb() {
        return features.btm() && options.broadcastTlb() && !options.vhe();
    }

    public DriverStats stats() {
        return stats;
    }

    public DriverLog log() {
        return log;
    }

    /** Whether the SMMU was enabled by reset and not disabled since. */
    public boolean enabled() {
        return enabled;
    }

    /** Whether interrupts come as MSIs (false: call {@link #serviceInterrupts}). */
    public boolean msiInterrupts() {
        return msis;
    }

    /** Whether CMD_SYNC completes by MSI write (else by polling CMDQ_CONS). */
    public boolean msiPolling() {
        return cmdq.msiPoll();
    }

    public boolean twoLevelStreamTable() {
        return strtab.twoLevel;
    }

    /** The stream table (linear) or its L1 table (2-level). */
    public long strtabAddress() {
        return strtab.base;
    }

    /** Whether the StreamID's L2 stream table exists yet (always, for a linear table, when in range). */
    public boolean hasL2StreamTable(int sid) {
        return strtab.hasL2(sid);
    }

    public int cmdqEntries() {
        return cmdq.q.entries();
    }

    public int evtqEntries() {
        return evtqQueue.entries();
    }

    /** PRI queue entries; 0 without PRI. */
    public int priqEntries() {
        return priqQueue == null ? 0 : priqQueue.entries();
    }

    // ---- consumers ---------------------------------------------------------------------------------------------

    /** Receives every event record; null forgets the consumer. A stalled event must be answered with {@link #resume}. */
    public void onEvent(Consumer<SmmuEvent> consumer) {
        evtq.consumer(consumer);
    }

    /** Receives every PRI queue entry; null forgets it. Each group must be answered with {@link #priResponse}. */
    public void onPriRequest(Consumer<PriRequest> consumer) {
        if (priq != null) {
            priq.consumer(consumer);
        }
    }

    // ---- stream table ------------------------------------------------------------------------------------------

    /**
     * The PA of the STE of {@code sid}; with a 2-level table its L2 table is
     * allocated and its L1 descriptor written on first use.
     *
     * @return the PA, or -ERANGE (StreamID beyond the table), -ENOMEM
     */
    public long steAddress(int sid) {
        return strtab.steAddress(sid);
    }

    /**
     * A store over the STE of {@code sid} whose sync is CFGI_STE + CMD_SYNC.
     *
     * @return the store, or null when {@link #steAddress} fails
     */
    public DriverEntryStore steStore(int sid) {
        long pa = steAddress(sid);
        return pa < 0 ? null : new DriverEntryStore(memory, pa, () -> syncSte(sid));
    }

    /** {@code arm_smmu_sync_ste_for_sid}: CMD_CFGI_STE (leaf) and CMD_SYNC. */
    public int syncSte(int sid) {
        return cmdq.issueWithSync(new CmdqEnt.CfgiSte(sid, true));
    }

    // ---- CD tables --------------------------------------------------------------------------------------------

    /**
     * Allocates the CD table of a master with StreamIDs {@code sids} whose
     * function supports {@code pasidBits} PASID bits: S1CDMax is the smaller
     * of that and SSIDSIZE, and without 2-level CD tables at most
     * {@code CTXDESC_LINEAR_CDMAX} ({@code arm_smmu_probe_device},
     * {@code arm_smmu_alloc_cd_tables}).
     *
     * @return the table, or null when memory ran out (-ENOMEM) or {@code sids} is empty
     */
    public CdTable allocCdTable(int pasidBits, int... sids) {
        if (sids.length == 0) {
            return null;
        }
        int bits = Math.max(0, Math.min(pasidBits, features.ssidBits()));
        if (!features.twoLevelCdtab()) {
            bits = Math.min(bits, Cd.CTXDESC_LINEAR_CDMAX);
        }
        CdTable t = CdTable.allocate(this, memory, frames, features.twoLevelCdtab(), bits, sids);
        if (t == null) {
            log.err("failed to allocate context descriptor table");
        }
        return t;
    }

    /**
     * A store over CD {@code ssid} of {@code table} whose sync is CFGI_CD (leaf)
     * for every StreamID of the master + CMD_SYNC.
     *
     * @return the store, or null when {@link CdTable#cdAddress} fails
     */
    public DriverEntryStore cdStore(CdTable table, int ssid) {
        long pa = table.cdAddress(ssid);
        return pa < 0 ? null : new DriverEntryStore(memory, pa, () -> syncCdTable(table, ssid, true));
    }

    /** {@code arm_smmu_sync_cd} for one StreamID: CMD_CFGI_CD and CMD_SYNC. */
    public int syncCd(int sid, int ssid, boolean leaf) {
        return cmdq.issueWithSync(new CmdqEnt.CfgiCd(sid, ssid, leaf));
    }

    /** {@code arm_smmu_sync_cd}: CMD_CFGI_CD for every StreamID of the table's master, one CMD_SYNC. */
    int syncCdTable(CdTable table, int ssid, boolean leaf) {
        CommandQueueDriver.Batch b = cmdq.batch();
        for (int sid : table.sids()) {
            b.add(new CmdqEnt.CfgiCd(sid, ssid, leaf));
        }
        return b.submit();
    }

    // ---- commands and invalidation ------------------------------------------------------------------------------

    /** Issues one command without CMD_SYNC ({@code arm_smmu_cmdq_issue_cmd}); 0, -EINVAL, -ETIMEDOUT. */
    public int issue(CmdqEnt ent) {
        return cmdq.issue(ent);
    }

    /** Issues one command and a CMD_SYNC and waits ({@code arm_smmu_cmdq_issue_cmd_with_sync}). */
    public int issueWithSync(CmdqEnt ent) {
        return cmdq.issueWithSync(ent);
    }

    /** Issues commands in batches and ends with one CMD_SYNC; the first error met, else 0. */
    public int issueAll(List<? extends CmdqEnt> ents) {
        CommandQueueDriver.Batch b = cmdq.batch();
        for (CmdqEnt e : ents) {
            b.add(e);
        }
        return b.submit();
    }

    /** A CMD_SYNC alone, waited for. */
    public int sync() {
        return cmdq.sync();
    }

    /**
     * {@code arm_smmu_tlb_inv_asid}: TLBI_NH_ASID (TLBI_EL2_ASID when the SMMU
     * tags stage 1 as EL2-E2H) and CMD_SYNC.
     */
    public int tlbiAsid(int asid) {
        int op = features.e2h() ? CMDQ_OP_TLBI_EL2_ASID : CMDQ_OP_TLBI_NH_ASID;
        return cmdq.issueWithSync(CmdqEnt.Tlbi.of(op, asid, 0));
    }

    /**
     * {@code arm_smmu_tlb_inv_range_asid} for a domain whose smallest page is
     * the kernel's choice: 4 KiB when the SMMU has it, else 16 KiB, else 64 KiB
     * (io-pgtable's preference for {@code PAGE_SIZE}).
     */
    public int tlbiVa(int asid, long iova, long size, long granule, boolean leaf) {
        int pgShift = features.gran4k() ? 12 : features.gran16k() ? 14 : 16;
        return tlbiVa(asid, iova, size, granule, leaf, pgShift);
    }

    /**
     * {@code arm_smmu_tlb_inv_range_asid}: TLBI_NH_VA (TLBI_EL2_VA with E2H)
     * commands over the range ({@link InvalidationCommands#tlbiRange}, range
     * encoding with IDR3.RIL), then CMD_SYNC.
     *
     * @param pgShift log2 of the domain's smallest page (12, 14, 16)
     * @return 0, -EINVAL (bad argument), -ETIMEDOUT
     */
    public int tlbiVa(int asid, long iova, long size, long granule, boolean leaf, int pgShift) {
        if (!validGranule(granule, pgShift)) {
            return -Errno.EINVAL;
        }
        int op = features.e2h() ? CMDQ_OP_TLBI_EL2_VA : CMDQ_OP_TLBI_NH_VA;
        CommandQueueDriver.Batch b = cmdq.batch();
        InvalidationCommands.tlbiRange(op, asid, 0, leaf, iova, size, granule, features.ril(), pgShift, b);
        return b.submit();
    }

    /** {@code arm_smmu_tlb_inv_context} for a stage-2 domain: TLBI_S12_VMALL and CMD_SYNC. */
    public int tlbiS2(int vmid) {
        return cmdq.issueWithSync(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_S12_VMALL, 0, vmid));
    }

    /** {@code arm_smmu_tlb_inv_range_domain} for a stage-2 domain: TLBI_S2_IPA over the range, CMD_SYNC. */
    public int tlbiS2Ipa(int vmid, long ipa, long size, long granule, boolean leaf, int pgShift) {
        if (!validGranule(granule, pgShift)) {
            return -Errno.EINVAL;
        }
        CommandQueueDriver.Batch b = cmdq.batch();
        InvalidationCommands.tlbiRange(CMDQ_OP_TLBI_S2_IPA, 0, vmid, leaf, ipa, size, granule, features.ril(),
                pgShift, b);
        return b.submit();
    }

    /** TLBI_NSNH_ALL (and TLBI_EL2_ALL with HYP), each with CMD_SYNC, as reset issues them. */
    public int tlbiAll() {
        if (features.hyp()) {
            int ret = cmdq.issueWithSync(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_EL2_ALL, 0, 0));
            if (ret != 0) {
                return ret;
            }
        }
        return cmdq.issueWithSync(CmdqEnt.Tlbi.of(CMDQ_OP_TLBI_NSNH_ALL, 0, 0));
    }

    private static boolean validGranule(long granule, int pgShift) {
        return (pgShift == 12 || pgShift == 14 || pgShift == 16) && Long.bitCount(granule) == 1
                && granule >= 1L << pgShift;
    }

    /**
     * {@code arm_smmu_atc_inv_master} for one StreamID: CMD_ATC_INV covering
     * {@code [iova, iova + size)} as {@link InvalidationCommands#atcInv}
     * encodes it ({@code size == 0}: everything), then CMD_SYNC. Without ATS
     * there is nothing to invalidate and nothing is issued
     * ({@code arm_smmu_atc_inv_domain}).
     *
     * @param ssid the PASID, or {@link #NO_SSID}
     */
    public int atcInv(int sid, int ssid, long iova, long size) {
        if (!features.ats()) {
            return 0;
        }
        return cmdq.issueAtcInvWithSync(sid, ssid, InvalidationCommands.atcInvAddress(iova, size),
                InvalidationCommands.atcInvSize(iova, size));
    }

    /** The whole ATC of the StreamID (for the PASID, or every entry with {@link #NO_SSID}): ATC_INV size 52. */
    public int atcInvAll(int sid, int ssid) {
        return atcInv(sid, ssid, 0, 0);
    }

    // ---- fault responses ---------------------------------------------------------------------------------------

    /**
     * CMD_PRI_RESP for page request group {@code prgIndex} ({@code arm_smmu_page_response}
     * for PRI); no CMD_SYNC, as Linux: a response is fire and forget.
     *
     * @param ssid     the PASID the request carried, or {@link #NO_SSID}
     * @param response {@code PRI_RESP_DENY}, {@code _FAIL} or {@code _SUCC}
     * @return 0, -EINVAL (bad response code or field), -ETIMEDOUT
     */
    public int priResponse(int sid, int ssid, int prgIndex, int response) {
        return cmdq.issuePriResp(sid, ssid, prgIndex, response);
    }

    /** {@link #priResponse(int, int, int, int)} for the group {@code request} closes. */
    public int priResponse(PriRequest request, int response) {
        return priResponse(request.sid(), request.pasidValid() ? request.pasid() : NO_SSID, request.prgIndex(),
                response);
    }

    /**
     * CMD_RESUME of the stalled transaction {@code stag} ({@code arm_smmu_page_response}
     * for stalls): RETRY, or ABORT (Linux's answer to a failed fault); no CMD_SYNC.
     */
    public int resume(int sid, int stag, boolean retry) {
        return cmdq.issueResume(sid, stag,
                (int) (retry ? Cmd.CMDQ_RESUME_0_RESP_RETRY : Cmd.CMDQ_RESUME_0_RESP_ABORT));
    }
}

package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.AtsCompletion;
import dev.jiommu.hw.bus.Dvm;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.hw.bus.Requester;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.mem.PhysicalMemory;

import java.util.HashMap;
import java.util.Map;

import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * An Arm SMMUv3 (IHI 0070): the non-secure register page pair software
 * programs, and the translation of the transactions devices send through it.
 *
 * <p>Software reaches the model only as {@link MmioDevice} — register reads
 * and writes — and through the structures it places in memory: stream table,
 * context descriptors, queues, translation tables. Devices reach it as a
 * {@link TranslationAgent}: ordinary and Translated transactions, ATS
 * Translation Requests ({@link Ats}) and PRI page requests. With IDR0.BTM the
 * PEs' broadcast TLB maintenance reaches it as a {@link Dvm.Participant}. Every mistake software makes is answered as the
 * architecture answers it (an event record, a GERROR bit, CMDQ_CONS.ERR, an
 * ignored write); no exception escapes either interface.
 *
 * <p>Register rules (§6.2, §6.3): 32-bit registers take 32-bit accesses;
 * 64-bit registers take one 64-bit or two 32-bit accesses; a 64-bit access to a
 * pair of 32-bit registers acts on both; 8- and 16-bit accesses read as zero and
 * are ignored. Registers whose enable is set (STRTAB_* and CR1/CR2 while
 * SMMUEN, a queue's BASE while its enable is set, an IRQ_CFG while its IRQEN is
 * set) ignore writes; the ignored writes are counted. The page-1 queue index
 * registers are also decoded at their page-0 offsets (0xa8/0xac/0xc8/0xcc), as
 * on implementations with Linux's ARM_SMMU_OPT_PAGE0_REGS_ONLY and as QEMU
 * does.
 */
public final class Smmu implements MmioDevice, TranslationAgent, Dvm.Participant {

    final SmmuConfig config;
    final SystemBus bus;
    final PhysicalMemory memory;
    final Interrupts lines;
    /** Addresses the SMMU can emit: [OAS-1:0]. */
    final long oasMask;

    int cr0;
    int cr1;
    int cr2;
    int gbpa = (int) GBPA_ABORT;
    int irqCtrl;
    int gerror;
    int gerrorn;
    long strtabBase;
    int strtabBaseCfg;

    final Interrupts.Msi gerrorMsi = new Interrupts.Msi();
    final Interrupts.Msi evtqMsi = new Interrupts.Msi();
    final Interrupts.Msi priqMsi = new Interrupts.Msi();

    final CommandQueue cmdq;
    final EventQueue evtq;
    final PriQueue priq;
    final Translator translator;
    final Ats ats;
    final StallTable stalls;
    final Map<Integer, Requester> requesters = new HashMap<>();
    /** The StreamID {@link #requester} answered last (-1: none since the last connect) and its answer. */
    private int lastRequesterSid = -1;
    private Requester lastRequester;
    /** The DeviceID on the SMMU's own MSI writes; none until the platform gives one. */
    int msiDeviceId = MmioDevice.NO_DEVICE_ID;

    private final SmmuStats stats = new SmmuStats();
    private final Invalidations broadcastTlbi = new Invalidations(this);
    private long broadcastTlbis;
    private long broadcastTlbisIgnored;

    public Smmu(SmmuConfig config, SystemBus bus, Interrupts lines) {
        this.config = config;
        this.bus = bus;
        this.memory = bus.memory();
        this.lines = lines;
        this.oasMask = config.oasBits() == 64 ? -1 : (1L << config.oasBits()) - 1;
        long qMask = Q_BASE_ADDR_MASK & oasMask;
        this.cmdq = new CommandQueue(this, new Queue("CMDQ", 16, config.cmdqLog2(), qMask));
        this.evtq = new EventQueue(this, new Queue("EVTQ", 32, config.evtqLog2(), qMask));
        this.priq = new PriQueue(this, new Queue("PRIQ", 16, config.priqLog2(), qMask));
        this.stalls = new StallTable(IdRegisters.STALL_MAX);
        this.translator = new Translator(this);
        this.ats = new Ats(this, translator);
    }

    public Smmu(SmmuConfig config, SystemBus bus) {
        this(config, bus, Interrupts.NONE);
    }

    /**
     * A PE's broadcast TLBI (§3.17). Without IDR0.BTM the SMMU takes no part;
     * with CR2.PTM = 1 it ignores the message, as Arm strongly recommends.
     * Otherwise the TLB entries the operation matches go, whether or not
     * SMMUEN is set.
     */
    @Override
    public void tlbiBroadcast(Dvm.TlbiOp op, int vmid, int asid, long va) {
        if (!config.btm()) {
            return;
        }
        if ((cr2 & CR2_PTM) != 0) {
            broadcastTlbisIgnored++;
            return;
        }
        broadcastTlbis++;
        broadcastTlbi.broadcast(op, vmid, asid, va);
    }

    long broadcastTlbis() {
        return broadcastTlbis;
    }

    long broadcastTlbisIgnored() {
        return broadcastTlbisIgnored;
    }

    public SmmuConfig config() {
        return config;
    }

    /** Counters of everything the model did, for reports and tests. */
    public SmmuStats stats() {
        stats.capture(this);
        return stats;
    }

    /**
     * Connects the device side of a stream, which receives what the SMMU sends
     * back: resumed stalled transactions, PRI responses, ATC invalidations.
     */
    @Override
    public void connect(int streamId, Requester requester) {
        requesters.put(streamId, requester);
        lastRequesterSid = -1;
    }

    /**
     * Sets the DeviceID the interconnect attaches to the SMMU's own MSI
     * writes (the ID an IORT SMMUv3 node maps them to), so an ITS can tell
     * them apart. Translated device MSIs carry their StreamID instead.
     */
    public void msiDeviceId(int deviceId) {
        this.msiDeviceId = deviceId;
    }

    /** The device side of {@code sid}, or {@link Requester#NONE}; the last one asked for is remembered. */
    Requester requester(int sid) {
        if (sid != lastRequesterSid) {
            lastRequester = requesters.getOrDefault(sid, Requester.NONE);
            lastRequesterSid = sid;
        }
        return lastRequester;
    }

    boolean enabled() {
        return (cr0 & CR0_SMMUEN) != 0;
    }

    // ---- MMIO ------------------------------------------------------------------------------------------------

    @Override
    public long read(long offset, int size) {
        if (size == 8) {
            if (is64(offset)) {
                return read64(offset);
            }
            return (read32(offset) & 0xffff_ffffL) | ((long) read32(offset + 4) << 32);
        }
        if (size != 4 || (offset & 3) != 0) {
            stats.badAccesses++;
            return 0;
        }
        if (is64(offset & ~7L)) {
            long v = read64(offset & ~7L);
            return (offset & 4) == 0 ? v & 0xffff_ffffL : v >>> 32;
        }
        return read32(offset) & 0xffff_ffffL;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 8) {
            if (is64(offset)) {
                write64(offset, value);
            } else {
                write32(offset, (int) value);
                write32(offset + 4, (int) (value >>> 32));
            }
            return;
        }
        if (size != 4 || (offset & 3) != 0) {
            stats.badAccesses++;
            return;
        }
        long base = offset & ~7L;
        if (is64(base)) {
            long old = read64(base);
            long v = (offset & 4) == 0 ? (old & ~0xffff_ffffL) | (value & 0xffff_ffffL)
                    : (old & 0xffff_ffffL) | (value << 32);
            write64(base, v);
            return;
        }
        write32(offset, (int) value);
    }

    /**
     * The page-0 offset a register offset decodes to, or -1 for reserved space:
     * page 1 holds only the event and PRI queue PROD/CONS registers (§6.1), and
     * nothing lies outside the two 64 KiB pages.
     */
    private static long page0(long offset) {
        if (offset >= ARM_SMMU_PAGE1 && offset < 2L * ARM_SMMU_PAGE1) {
            long o = offset & ~3L;
            boolean queueIndex = o == ARM_SMMU_EVTQ_PROD || o == ARM_SMMU_EVTQ_CONS || o == ARM_SMMU_PRIQ_PROD
                    || o == ARM_SMMU_PRIQ_CONS;
            return queueIndex ? offset - ARM_SMMU_PAGE1 : -1;
        }
        return offset >= 0 && offset < ARM_SMMU_PAGE1 ? offset : -1;
    }

    private static boolean is64(long offset) {
        long o = page0(offset);
        return o == ARM_SMMU_STRTAB_BASE || o == ARM_SMMU_CMDQ_BASE || o == ARM_SMMU_EVTQ_BASE
                || o == ARM_SMMU_PRIQ_BASE || o == ARM_SMMU_GERROR_IRQ_CFG0 || o == ARM_SMMU_EVTQ_IRQ_CFG0
                || o == ARM_SMMU_PRIQ_IRQ_CFG0;
    }

    private long read64(long offset) {
        long o = page0(offset);
        if (o == ARM_SMMU_STRTAB_BASE) {
            return strtabBase;
        } else if (o == ARM_SMMU_CMDQ_BASE) {
            return cmdq.queue.base;
        } else if (o == ARM_SMMU_EVTQ_BASE) {
            return evtq.queue.base;
        } else if (o == ARM_SMMU_PRIQ_BASE) {
            return priq.queue.base;
        } else if (o == ARM_SMMU_GERROR_IRQ_CFG0) {
            return gerrorMsi.address;
        } else if (o == ARM_SMMU_EVTQ_IRQ_CFG0) {
            return evtqMsi.address;
        } else {
            return priqMsi.address;
        }
    }

    private int read32(long offset) {
        int o = (int) page0(offset);
        return switch (o) {
            case ARM_SMMU_IDR0 -> IdRegisters.idr0(config);
            case ARM_SMMU_IDR1 -> IdRegisters.idr1(config);
            case ARM_SMMU_IDR3 -> IdRegisters.idr3(config);
            case ARM_SMMU_IDR5 -> IdRegisters.idr5(config);
            case ARM_SMMU_AIDR -> IdRegisters.aidr();
            case ARM_SMMU_CR0, ARM_SMMU_CR0ACK -> cr0;
            case ARM_SMMU_CR1 -> cr1;
            case ARM_SMMU_CR2 -> cr2;
            case ARM_SMMU_GBPA -> gbpa;
            case ARM_SMMU_IRQ_CTRL, ARM_SMMU_IRQ_CTRLACK -> irqCtrl;
            case ARM_SMMU_GERROR -> gerror;
            case ARM_SMMU_GERRORN -> gerrorn;
            case ARM_SMMU_GERROR_IRQ_CFG1 -> gerrorMsi.data;
            case ARM_SMMU_GERROR_IRQ_CFG2 -> gerrorMsi.attributes;
            case ARM_SMMU_STRTAB_BASE_CFG -> strtabBaseCfg;
            case ARM_SMMU_CMDQ_PROD -> cmdq.queue.visible(cmdq.queue.prod, 0);
            case ARM_SMMU_CMDQ_CONS -> cmdq.queue.visible(cmdq.queue.cons, CMDQ_CONS_ERR);
            case ARM_SMMU_EVTQ_PROD & 0xffff -> evtq.queue.visible(evtq.queue.prod, Q_OVERFLOW_FLAG);
            case ARM_SMMU_EVTQ_CONS & 0xffff -> evtq.queue.visible(evtq.queue.cons, Q_OVERFLOW_FLAG);
            case ARM_SMMU_EVTQ_IRQ_CFG1 -> evtqMsi.data;
            case ARM_SMMU_EVTQ_IRQ_CFG2 -> evtqMsi.attributes;
            case ARM_SMMU_PRIQ_PROD & 0xffff -> priq.queue.visible(priq.queue.prod, Q_OVERFLOW_FLAG);
            case ARM_SMMU_PRIQ_CONS & 0xffff -> priq.queue.visible(priq.queue.cons, Q_OVERFLOW_FLAG);
            case ARM_SMMU_PRIQ_IRQ_CFG1 -> priqMsi.data;
            case ARM_SMMU_PRIQ_IRQ_CFG2 -> priqMsi.attributes;
            default -> 0;
        };
    }

    private void write64(long offset, long value) {
        long o = page0(offset);
        if (o == ARM_SMMU_STRTAB_BASE) {
            if (guard(!enabled())) {
                strtabBase = value & (STRTAB_BASE_ADDR_MASK | STRTAB_BASE_RA);
            }
        } else if (o == ARM_SMMU_CMDQ_BASE) {
            if (guard((cr0 & CR0_CMDQEN) == 0)) {
                cmdq.queue.base = value & (Q_BASE_ADDR_MASK | Q_BASE_RWA | Q_BASE_LOG2SIZE);
            }
        } else if (o == ARM_SMMU_EVTQ_BASE) {
            if (guard((cr0 & CR0_EVTQEN) == 0)) {
                evtq.queue.base = value & (Q_BASE_ADDR_MASK | Q_BASE_RWA | Q_BASE_LOG2SIZE);
            }
        } else if (o == ARM_SMMU_PRIQ_BASE) {
            if (guard((cr0 & CR0_PRIQEN) == 0 && config.pri())) {
                priq.queue.base = value & (Q_BASE_ADDR_MASK | Q_BASE_RWA | Q_BASE_LOG2SIZE);
            }
        } else if (o == ARM_SMMU_GERROR_IRQ_CFG0) {
            if (guard((irqCtrl & IRQ_CTRL_GERROR_IRQEN) == 0)) {
                gerrorMsi.address = value & MSI_CFG0_ADDR_MASK;
            }
        } else if (o == ARM_SMMU_EVTQ_IRQ_CFG0) {
            if (guard((irqCtrl & IRQ_CTRL_EVTQ_IRQEN) == 0)) {
                evtqMsi.address = value & MSI_CFG0_ADDR_MASK;
            }
        } else if (o == ARM_SMMU_PRIQ_IRQ_CFG0) {
            if (guard((irqCtrl & IRQ_CTRL_PRIQ_IRQEN) == 0)) {
                priqMsi.address = value & MSI_CFG0_ADDR_MASK;
            }
        }
    }

    private void write32(long offset, int value) {
        int o = (int) page0(offset);
        switch (o) {
            case ARM_SMMU_CR0 -> writeCr0(value);
            case ARM_SMMU_CR1 -> {
                if (guard(!enabled() && (cr0 & (CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN)) == 0)) {
                    cr1 = value & 0xfff;
                }
            }
            case ARM_SMMU_CR2 -> {
                if (guard(!enabled())) {
                    // §6.3.12: PTM is RES0 without BTM, E2H without Hyp.
                    cr2 = value & (int) (CR2_RECINVSID | (config.btm() ? CR2_PTM : 0) | (config.hyp() ? CR2_E2H : 0));
                    translator.forgetStreams(); // E2H changes how EL2 translations are tagged
                }
            }
            case ARM_SMMU_GBPA -> {
                // §6.3.14: a write with UPDATE = 1 applies the other fields; the update completes at once.
                if ((value & GBPA_UPDATE) != 0) {
                    gbpa = value & (int) (GBPA_ABORT | GBPA_INSTCFG | GBPA_PRIVCFG | GBPA_SHCFG | GBPA_ALLOCCFG
                            | GBPA_MTCFG | GBPA_MEMATTR);
                } else {
                    stats.ignoredWrites++;
                }
            }
            case ARM_SMMU_IRQ_CTRL -> irqCtrl = value & (int) (IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_PRIQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
            case ARM_SMMU_GERRORN -> {
                int before = gerror ^ gerrorn;
                gerrorn = value & (int) GERROR_ERR_MASK;
                if ((before & GERROR_CMDQ_ERR) != 0 && ((gerror ^ gerrorn) & GERROR_CMDQ_ERR) == 0) {
                    cmdq.process();
                }
            }
            case ARM_SMMU_GERROR_IRQ_CFG1 -> {
                if (guard((irqCtrl & IRQ_CTRL_GERROR_IRQEN) == 0)) {
                    gerrorMsi.data = value;
                }
            }
            case ARM_SMMU_GERROR_IRQ_CFG2 -> {
                if (guard((irqCtrl & IRQ_CTRL_GERROR_IRQEN) == 0)) {
                    gerrorMsi.attributes = value & (int) (MSI_CFG2_SH | MSI_CFG2_MEMATTR);
                }
            }
            case ARM_SMMU_STRTAB_BASE_CFG -> {
                if (guard(!enabled())) {
                    strtabBaseCfg = value & (int) (STRTAB_BASE_CFG_FMT | STRTAB_BASE_CFG_SPLIT | STRTAB_BASE_CFG_LOG2SIZE);
                }
            }
            case ARM_SMMU_CMDQ_PROD -> {
                cmdq.queue.prod = cmdq.queue.indexBits(value);
                cmdq.process();
            }
            case ARM_SMMU_CMDQ_CONS -> {
                if (guard((cr0 & CR0_CMDQEN) == 0)) {
                    cmdq.queue.cons = (value & (int) CMDQ_CONS_ERR) | cmdq.queue.indexBits(value);
                }
            }
            case ARM_SMMU_EVTQ_PROD & 0xffff -> {
                if (guard((cr0 & CR0_EVTQEN) == 0)) {
                    evtq.queue.prod = (value & (int) Q_OVERFLOW_FLAG) | evtq.queue.indexBits(value);
                }
            }
            case ARM_SMMU_EVTQ_CONS & 0xffff -> evtq.queue.cons = (value & (int) Q_OVERFLOW_FLAG) | evtq.queue.indexBits(value);
            case ARM_SMMU_EVTQ_IRQ_CFG1 -> {
                if (guard((irqCtrl & IRQ_CTRL_EVTQ_IRQEN) == 0)) {
                    evtqMsi.data = value;
                }
            }
            case ARM_SMMU_EVTQ_IRQ_CFG2 -> {
                if (guard((irqCtrl & IRQ_CTRL_EVTQ_IRQEN) == 0)) {
                    evtqMsi.attributes = value & (int) (MSI_CFG2_SH | MSI_CFG2_MEMATTR);
                }
            }
            case ARM_SMMU_PRIQ_PROD & 0xffff -> {
                if (guard((cr0 & CR0_PRIQEN) == 0)) {
                    priq.queue.prod = (value & (int) Q_OVERFLOW_FLAG) | priq.queue.indexBits(value);
                }
            }
            case ARM_SMMU_PRIQ_CONS & 0xffff -> {
                priq.queue.cons = (value & (int) Q_OVERFLOW_FLAG) | priq.queue.indexBits(value);
            }
            case ARM_SMMU_PRIQ_IRQ_CFG1 -> {
                if (guard((irqCtrl & IRQ_CTRL_PRIQ_IRQEN) == 0)) {
                    priqMsi.data = value;
                }
            }
            case ARM_SMMU_PRIQ_IRQ_CFG2 -> {
                if (guard((irqCtrl & IRQ_CTRL_PRIQ_IRQEN) == 0)) {
                    priqMsi.attributes = value & (int) (MSI_CFG2_SH | MSI_CFG2_MEMATTR);
                }
            }
            default -> stats.ignoredWrites++;
        }
    }

    /** True when a guarded register may be written now; counts the write as ignored otherwise. */
    private boolean guard(boolean writable) {
        if (!writable) {
            stats.ignoredWrites++;
        }
        return writable;
    }

    /**
     * CR0 (§6.3.9): the enables take effect at once and CR0ACK follows. PRIQEN
     * is RES0 without PRI. Turning CMDQEN on starts consumption of anything
     * already between CONS and PROD.
     */
    private void writeCr0(int value) {
        int mask = (int) (CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN);
        if (config.ats()) {
            mask |= (int) CR0_ATSCHK; // §6.3.9: RES0 without ATS
        }
        if (config.pri()) {
            mask |= (int) CR0_PRIQEN;
        }
        int old = cr0;
        cr0 = value & mask;
        if ((old & CR0_SMMUEN) != 0 && (cr0 & CR0_SMMUEN) == 0) {
            // Stalled transactions cannot outlive translation: they are terminated.
            stalls.terminateAll(this);
        }
        if ((old & CR0_CMDQEN) == 0 && (cr0 & CR0_CMDQEN) != 0) {
            cmdq.process();
        }
    }

    // ---- global errors and interrupts -----------------------------------------------------------------------

    /** Activates a GERROR bit (§7.5): toggled so it differs from GERRORN; interrupts if newly active. */
    void raiseGlobalError(long bit) {
        if (!activate((int) bit)) {
            return;
        }
        if ((irqCtrl & IRQ_CTRL_GERROR_IRQEN) != 0
                && !gerrorMsi.signal(this, MSI_CFG0_ADDR_MASK & oasMask, lines.gerror())) {
            activate((int) GERROR_MSI_GERROR_ABT_ERR);
        }
    }

    private boolean activate(int bit) {
        if (((gerror ^ gerrorn) & bit) != 0) {
            return false;
        }
        gerror ^= bit;
        stats.globalErrors++;
        return true;
    }

    boolean globalErrorActive(long bit) {
        return ((gerror ^ gerrorn) & bit) != 0;
    }

    // ---- DMA ---------------------------------------------------------------------------------------------------

    /** A write is always a Data access (§13.1.2): an instruction attribute on it is dropped. */
    @Override
    public int write(int streamId, int substreamId, long address, int attrs, byte[] src, int off, int len) {
        if ((attrs & TRANSLATED) != 0) {
            return ats.translated(streamId, address, true, src, off, len);
        }
        return translator.transfer(streamId, substreamId, address,
                (attrs & ~dev.jiommu.pgtable.Access.EXEC) | dev.jiommu.pgtable.Access.WRITE, src, off, len, null);
    }

    @Override
    public int read(int streamId, int substreamId, long address, int attrs, byte[] dst, int off, int len) {
        if ((attrs & TRANSLATED) != 0) {
            return ats.translated(streamId, address, false, dst, off, len);
        }
        return translator.transfer(streamId, substreamId, address, attrs | dev.jiommu.pgtable.Access.READ, dst, off,
                len, null);
    }

    /**
     * Translated copies the ATS checks pass without the stream table
     * (CR0.ATSCHK = 0) move memory to memory; everything else is the read
     * and the write of {@link DmaTarget#copy}.
     */
    @Override
    public int copy(int streamId, int substreamId, long src, long dst, int attrs, byte[] scratch, int off, int len) {
        if ((attrs & TRANSLATED) != 0 && ats.copyUnchecked(src, dst, len)) {
            return OK;
        }
        return TranslationAgent.super.copy(streamId, substreamId, src, dst, attrs, scratch, off, len);
    }

    /**
     * Translates one address without transferring data, exactly as a
     * transaction would be translated (caches, events, stalls).
     *
     * @param access {@link dev.jiommu.pgtable.Access} bits
     * @param out    receives the outcome; reused, nothing allocated on a TLB hit
     * @return {@code out.status()}
     */
    public int translate(int streamId, int substreamId, long address, int access, Translation out) {
        return translator.translate(streamId, substreamId, address, access, out);
    }

    /**
     * An ATS Translation Request (§3.9.1.2); see {@link Ats} for every answer.
     * Completes synchronously; nothing is allocated.
     */
    @Override
    public int translationRequest(int streamId, int substreamId, long address, boolean noWrite, int attrs,
                                  AtsCompletion out) {
        return ats.translationRequest(streamId, substreamId, address, noWrite, attrs, out);
    }

    /**
     * A page request from a PCIe function (PRI, §8): written to the PRI queue
     * as a PRIQ entry, or handled as the architecture says when the queue is
     * disabled or full.
     */
    @Override
    public void pageRequest(PageRequest request) {
        priq.request(request);
    }
}

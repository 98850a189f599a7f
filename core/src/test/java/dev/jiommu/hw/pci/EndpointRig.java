package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.irq.GitsRegs;
import dev.jiommu.hw.irq.Its;
import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.sim.scenarios.SmmuBringUp;
import dev.jiommu.spec.smmuv3.CdView;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.SteView;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.jiommu.hw.pci.PciRegs.*;
import static dev.jiommu.spec.smmuv3.Cd.ARM_LPAE_TCR_PS_48_BIT;
import static dev.jiommu.spec.smmuv3.Cd.ARM_LPAE_TCR_TG0_4K;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code virt} machine with a full-featured SMMUv3, an ITS and DMA engines,
 * driven only through what software sees: the SMMU's registers and queues
 * ({@link SmmuBringUp}), configuration space through the ECAM, the engines'
 * BARs, and memory. One process-like address space (stage-1 tables shared by
 * every PASID it is bound to); non-PASID traffic (rings) bypasses stage 1.
 *
 * <p>Engines come from the machine's {@code jiommu-dma} model
 * ({@link DmaEngine.Options#full()}), or, to choose their options, are built
 * here and plugged into the root bus at the next free slot, as a board with a
 * differently configured part would be.
 */
final class EndpointRig {

    /** Where tests put a source buffer, a destination buffer and completion records, in the PASID's space. */
    static final long SRC = 0x10_0000_0000L;
    static final long DST = 0x10_0010_0000L;
    static final long REC = 0x10_0020_0000L;

    static final long BAR_WINDOW = VirtMachine.PCIE_MMIO_BASE;
    static final int ASID = 5;
    static final int PASID = 7;
    static final int CD_BITS = 4;
    /** GITS_TRANSLATER as a bus master sees it: the ITS's MSI doorbell. */
    static final long ITS_DOORBELL = Its.VIRT_GIC_ITS + GitsRegs.GITS_TRANSLATER;

    final VirtMachine machine;
    final SystemBus bus;
    final PhysicalMemory memory;
    final FrameAllocator frames;
    final SmmuBringUp smmu;
    final IoPageTable tables;
    final long cdTable;
    private final List<DmaEngine> engines;

    /** A PRI queue software placed itself ({@link #resizePriq}), or 0 while SmmuBringUp's is in use. */
    private long priq;
    private int priqLog2;
    private int priqCons;

    EndpointRig(int engines) {
        this(engines, SmmuConfig.full());
    }

    EndpointRig(int engines, SmmuConfig config) {
        this(Collections.nCopies(engines, null), config);
    }

    /**
     * One engine per element of {@code options}, in that order. All nulls: the
     * machine's own jiommu-dma devices; otherwise each engine is built here
     * (null meaning {@link DmaEngine.Options#full()}) and plugged into the root
     * bus at the next free slot.
     */
    EndpointRig(List<DmaEngine.Options> options, SmmuConfig config) {
        VirtMachine.Builder b = VirtMachine.builder().ramBytes(256L << 20).iommu(IommuFactory.smmuv3(config));
        boolean custom = options.stream().anyMatch(o -> o != null);
        if (!custom) {
            for (int i = 0; i < options.size(); i++) {
                b.device("jiommu-dma");
            }
        }
        machine = b.build();
        bus = machine.bus();
        memory = machine.memory();
        List<DmaEngine> list = new ArrayList<>();
        if (custom) {
            TranslationAgent agent = (TranslationAgent) machine.iommu().orElseThrow().dma();
            for (DmaEngine.Options o : options) {
                DmaEngine e = new DmaEngine(agent, machine.scheduler(), o != null ? o : DmaEngine.Options.full());
                PciBus root = machine.pciHost().rootBus();
                root.attach(PciBus.devfn(root.firstFreeSlot(), 0), e);
                list.add(e);
            }
        } else {
            machine.devices().forEach(f -> list.add((DmaEngine) f));
        }
        this.engines = List.copyOf(list);
        frames = new FrameAllocator(memory, VirtMachine.RAM_BASE + (128L << 20), 128L << 20);
        smmu = new SmmuBringUp(bus, VirtMachine.SMMU_BASE, frames, 16);
        tables = IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
        cdTable = smmu.cdTable(CD_BITS);
        for (int i = 0; i < this.engines.size(); i++) {
            DmaEngine e = engine(i);
            setUpFunction(e, i);
            stream(e.requesterId(), STRTAB_STE_1_EATS_TRANS);
        }
        cd(PASID, ASID, tables);
    }

    DmaEngine engine(int i) {
        return engines.get(i);
    }

    int engines() {
        return engines.size();
    }

    /** The SMMU's counters (observation only: nothing is driven through them). */
    SmmuStats smmuStats() {
        return ((Smmu) machine.iommu().orElseThrow().dma()).stats();
    }

    /** A stage-1 STE with substreams for the engine; no-PASID traffic bypasses stage 1 (S1DSS). */
    void stream(int sid, long eats) {
        stream(sid, eats, STRTAB_STE_1_S1DSS_BYPASS);
    }

    /** A stage-1 STE over the rig's CD table with the given EATS and S1DSS. */
    void stream(int sid, long eats, long s1dss) {
        SteView ste = smmu.ste(sid).clear();
        ste.setS1ContextPtr(cdTable).setS1CdMax(CD_BITS).setS1Dss(s1dss).setEats(eats)
                .setConfig(STRTAB_STE_0_CFG_S1_TRANS).setValid(true);
        assertTrue(smmu.submit(Commands.cfgiSte(sid, true)));
    }

    /** Makes CD {@code ssid} of the rig's table a valid 48-bit, 4 KiB-granule context over {@code t}. */
    CdView cd(int ssid, int asid, IoPageTable t) {
        CdView cd = smmu.cd(cdTable, ssid).clear();
        cd.setT0sz(16).setTg0(ARM_LPAE_TCR_TG0_4K).setEpd1(true).setIps(ARM_LPAE_TCR_PS_48_BIT).setAa64(true)
                .setR(true).setA(true).setAsid(asid).setTtb0(t.root()).setValid(true);
        return cd;
    }

    /** A fresh, empty stage-1 address space. */
    IoPageTable newTables() {
        return IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
    }

    /** CMD_CFGI_CD for every engine's stream (after a CD changed). */
    void invalidateCd(int ssid) {
        for (DmaEngine e : engines) {
            assertTrue(smmu.submit(Commands.cfgiCd(e.requesterId(), ssid, true)));
        }
    }

    // ---- configuration space, through the ECAM ------------------------------------------------------------

    long ecam(DmaEngine e, int offset) {
        return VirtMachine.PCIE_ECAM_BASE + ((long) e.requesterId() << 12) + offset;
    }

    int cfgRead(DmaEngine e, int offset, int size) {
        return (int) bus.read(ecam(e, offset), size);
    }

    void cfgWrite(DmaEngine e, int offset, int size, long value) {
        bus.write(ecam(e, offset), size, value);
    }

    /** Offset of extended capability {@code id}, found by walking the list from 0x100; -1 when absent. */
    int findExtCap(DmaEngine e, int id) {
        for (int at = 0x100; at != 0; ) {
            int header = cfgRead(e, at, 4);
            if (header == 0) {
                return -1;
            }
            if ((header & 0xffff) == id) {
                return at;
            }
            at = header >>> 20;
        }
        return -1;
    }

    /** Offset of extended capability {@code id}. */
    int extCap(DmaEngine e, int id) {
        int at = findExtCap(e, id);
        if (at < 0) {
            throw new AssertionError("no extended capability 0x" + Integer.toHexString(id));
        }
        return at;
    }

    /** Offset of standard capability {@code id}. */
    int cap(DmaEngine e, int id) {
        for (int at = cfgRead(e, PCI_CAPABILITY_LIST, 1); at != 0; at = cfgRead(e, at + 1, 1)) {
            if (cfgRead(e, at, 1) == id) {
                return at;
            }
        }
        throw new AssertionError("no capability 0x" + Integer.toHexString(id));
    }

    long bar0(int i) {
        return BAR_WINDOW + 0x10000L * i;
    }

    long bar2(int i) {
        return bar0(i) + 0x8000;
    }

    private void setUpFunction(DmaEngine e, int i) {
        cfgWrite(e, PCI_BASE_ADDRESS_0, 4, bar0(i));
        cfgWrite(e, PCI_BASE_ADDRESS_0 + 8, 4, bar2(i));
        cfgWrite(e, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    }

    /** Engine {@code i} with PASID, ATS and PRI (allocation 32) enabled, in the order Linux enables them. */
    DmaEngine atsPriEngine(int i) {
        DmaEngine e = atsEngine(i);
        enablePri(e, 32);
        return e;
    }

    /** Engine {@code i} with PASID and ATS enabled, PRI not. */
    DmaEngine atsEngine(int i) {
        DmaEngine e = engine(i);
        enablePasid(e);
        enableAts(e);
        return e;
    }

    void enablePasid(DmaEngine e) {
        int at = extCap(e, PCI_EXT_CAP_ID_PASID);
        cfgWrite(e, at + PCI_PASID_CTRL, 2, PCI_PASID_CTRL_ENABLE);
    }

    void enableAts(DmaEngine e) {
        int at = extCap(e, PCI_EXT_CAP_ID_ATS);
        cfgWrite(e, at + PCI_ATS_CTRL, 2, PCI_ATS_CTRL_ENABLE);
    }

    void enablePri(DmaEngine e, int allocation) {
        int at = extCap(e, PCI_EXT_CAP_ID_PRI);
        cfgWrite(e, at + PCI_PRI_ALLOC_REQ, 4, allocation);
        cfgWrite(e, at + PCI_PRI_CTRL, 2, PCI_PRI_CTRL_ENABLE);
    }

    /** As Linux's pci_reset_pri then pci_enable_pri: disable, Reset, enable again (clears a Response Failure). */
    void restartPri(DmaEngine e) {
        int at = extCap(e, PCI_EXT_CAP_ID_PRI);
        cfgWrite(e, at + PCI_PRI_CTRL, 2, 0);
        cfgWrite(e, at + PCI_PRI_CTRL, 2, PCI_PRI_CTRL_RESET);
        cfgWrite(e, at + PCI_PRI_CTRL, 2, PCI_PRI_CTRL_ENABLE);
    }

    // ---- MSI-X and the ITS ----------------------------------------------------------------------------------

    /** GITS_CTLR.Enabled, written on the bus as the GIC driver does. */
    void enableIts() {
        bus.write(Its.VIRT_GIC_ITS + GitsRegs.GITS_CTLR, 4, GitsRegs.GITS_CTLR_ENABLE);
    }

    /** Programs MSI-X table entry 0 of engine {@code i} through BAR2, unmasked, and sets MSI-X Enable. */
    void msix(int i, long address, int data) {
        long entry = bar2(i);
        bus.write(entry + PCI_MSIX_ENTRY_LOWER_ADDR, 4, address & 0xffff_ffffL);
        bus.write(entry + PCI_MSIX_ENTRY_UPPER_ADDR, 4, address >>> 32);
        bus.write(entry + PCI_MSIX_ENTRY_DATA, 4, data & 0xffff_ffffL);
        bus.write(entry + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
        DmaEngine e = engine(i);
        int at = cap(e, PCI_CAP_ID_MSIX);
        cfgWrite(e, at + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    }

    // ---- the engine's registers and ring --------------------------------------------------------------------

    int reg(int engine, int offset) {
        return (int) bus.read(bar0(engine) + offset, 4);
    }

    void setReg(int engine, int offset, long value) {
        bus.write(bar0(engine) + offset, 4, value);
    }

    /** A ring of 2^log2 descriptors at a physical page (non-PASID traffic bypasses stage 1: IOVA = PA). */
    long ring(int engine, int log2) {
        long ring = frames.allocate(Math.max(4096, DmaDescriptor.SIZE << log2));
        program(engine, ring, log2);
        return ring;
    }

    /** Points engine {@code engine} at the ring at {@code ring} and enables it with interrupts. */
    void program(int engine, long ring, int log2) {
        setReg(engine, DmaEngine.REG_RING_BASE_LO, ring & 0xffff_ffffL);
        setReg(engine, DmaEngine.REG_RING_BASE_HI, ring >>> 32);
        setReg(engine, DmaEngine.REG_RING_SIZE, log2);
        setReg(engine, DmaEngine.REG_CTRL, DmaEngine.CTRL_ENABLE | DmaEngine.CTRL_IRQ_EN);
    }

    /** Writes {@code descriptors} at ring slots from the current TAIL and moves TAIL past them. */
    void submit(int engine, long ring, DmaDescriptor... descriptors) {
        byte[][] raw = new byte[descriptors.length][];
        for (int i = 0; i < descriptors.length; i++) {
            raw[i] = descriptors[i].encode();
        }
        submitRaw(engine, ring, raw);
    }

    /** Writes raw 64-byte descriptors at ring slots from the current TAIL and moves TAIL past them. */
    void submitRaw(int engine, long ring, byte[]... descriptors) {
        int tail = reg(engine, DmaEngine.REG_TAIL);
        int mask = (1 << reg(engine, DmaEngine.REG_RING_SIZE)) - 1;
        for (byte[] d : descriptors) {
            memory.writeBytes(ring + (long) tail * DmaDescriptor.SIZE, d, 0, DmaDescriptor.SIZE);
            tail = (tail + 1) & mask;
        }
        setReg(engine, DmaEngine.REG_TAIL, tail);
    }

    void run() {
        long ran = machine.scheduler().runUntilIdle(1_000_000);
        assertTrue(ran < 1_000_000, "the machine went idle");
    }

    /** Runs at most {@code tasks} scheduler tasks; returns how many ran. */
    long runAtMost(long tasks) {
        return machine.scheduler().runUntilIdle(tasks);
    }

    // ---- the address space --------------------------------------------------------------------------------

    /** Maps {@code pages} fresh pages at {@code va}; returns the first page's PA (pages are contiguous). */
    long map(long va, int pages, int prot) {
        return map(tables, va, pages, prot);
    }

    /** Maps {@code pages} fresh pages at {@code va} in {@code t}; returns the first page's PA. */
    long map(IoPageTable t, long va, int pages, int prot) {
        long pa = frames.allocate(Long.highestOneBit(4096L * pages * 2 - 1));
        assertEquals(0, t.mapPages(va, pa, 4096, pages, prot | Prot.CACHE));
        return pa;
    }

    void tlbiAndAtcInvalidate(DmaEngine e, long va, int pasid) {
        assertTrue(smmu.submit(Commands.tlbiNhVa(0, ASID, va, true),
                Commands.atcInv(e.requesterId(), pasid, va, 0, false)));
    }

    List<long[]> pageRequests() {
        return priq != 0 ? drainPriq() : smmu.drainPageRequests();
    }

    // ---- a PRI queue of software's choosing -------------------------------------------------------------------

    /**
     * Moves the PRI queue to a fresh one of {@code 2^log2} entries, through the
     * registers as a driver does (SMMUv3 §6.3.34: PRIQ_BASE, PROD and CONS are
     * written while CR0.PRIQEN is 0, then PRIQEN is set and CR0ACK awaited).
     * From then on {@link #pageRequests()} drains this queue.
     */
    void resizePriq(int log2) {
        int cr0 = smmu.read32(ARM_SMMU_CR0);
        smmu.write32(ARM_SMMU_CR0, cr0 & ~(int) CR0_PRIQEN);
        assertEquals(cr0 & ~(int) CR0_PRIQEN, smmu.read32(ARM_SMMU_CR0ACK));
        priq = frames.allocate(4096);
        priqLog2 = log2;
        priqCons = 0;
        smmu.write64(ARM_SMMU_PRIQ_BASE, priq | log2);
        smmu.write32(ARM_SMMU_PRIQ_PROD, 0);
        smmu.write32(ARM_SMMU_PRIQ_CONS, 0);
        smmu.write32(ARM_SMMU_CR0, cr0);
        assertEquals(cr0, smmu.read32(ARM_SMMU_CR0ACK));
    }

    /** Whether PRIQ_PROD.OVFLG differs from PRIQ_CONS.OVACKFLG: an overflow software has not acknowledged. */
    boolean priqOverflowActive() {
        return ((smmu.read32(ARM_SMMU_PRIQ_PROD) ^ smmu.read32(ARM_SMMU_PRIQ_CONS)) & (int) Q_OVERFLOW_FLAG) != 0;
    }

    /**
     * Consumes every entry of the queue set by {@link #resizePriq} and writes
     * CONS with OVACKFLG = OVFLG, as Linux's {@code queue_sync_cons_ovf} does:
     * that acknowledges an overflow, after which the SMMU writes entries again.
     */
    private List<long[]> drainPriq() {
        List<long[]> entries = new ArrayList<>();
        int size = 1 << priqLog2;
        int prod = smmu.read32(ARM_SMMU_PRIQ_PROD);
        int wrapMask = 2 * size - 1;
        while ((priqCons & wrapMask) != (prod & wrapMask)) {
            long slot = priq + (long) (priqCons & (size - 1)) * 16;
            entries.add(new long[] {memory.read64(slot), memory.read64(slot + 8)});
            priqCons = (priqCons + 1) & wrapMask;
        }
        smmu.write32(ARM_SMMU_PRIQ_CONS, (prod & (int) Q_OVERFLOW_FLAG) | priqCons);
        return entries;
    }

    // ---- descriptors and records --------------------------------------------------------------------------------

    static DmaDescriptor copy(int pasid, long src, long dst, long len, long completion) {
        return new DmaDescriptor(DmaDescriptor.OP_COPY, DmaDescriptor.FLAG_IRQ, pasid, len, src, dst, completion);
    }

    /** {@code n} bytes that differ from one seed to another and along the buffer. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 29 + (i >>> 12));
        }
        return b;
    }

    static int status(PhysicalMemory m, long record) {
        return m.read8(record) & 0xff;
    }

    static final int NO_PASID = DmaTarget.NO_SUBSTREAM;
}

package dev.jiommu.os.smmuv3;

import static dev.jiommu.hw.pci.PciRegs.*;
import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Field.prep;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.irq.GitsRegs;
import dev.jiommu.hw.irq.Its;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.PciBus;
import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code virt} machine with an SMMUv3 model, the ITS, and optionally DMA
 * engines, with the driver probed on it: what the driver tests share. STEs and
 * CDs are written through the driver's entry stores (qwords 1..7, then qword
 * 0, then sync) — a test-only stand-in for the hitless writer.
 */
final class DriverRig {

    static final int FIRST_LPI = GitsRegs.MIN_LPI + 64;
    static final int ASID = 3;
    static final int PASID = 5;
    static final long SRC = 0x10_0000_0000L;
    static final long DST = 0x10_0010_0000L;
    static final long REC = 0x10_0020_0000L;

    final VirtMachine machine;
    final SystemBus bus;
    final PhysicalMemory memory;
    final FrameAllocator frames;
    final ItsIrqSetup irqs;
    final ArmSmmuV3.Probe probe;
    final ArmSmmuV3 smmu;
    final List<DmaEngine> engines = new ArrayList<>();
    /** Frames for data pages and page tables (not the driver's). */
    final FrameAllocator dataFrames;

    DriverRig(SmmuConfig config) {
        this(config, List.of(), ArmSmmuV3.Options.defaults());
    }

    /** One engine per element of {@code engineOptions}, each at the next free slot of bus 0. */
    DriverRig(SmmuConfig config, List<DmaEngine.Options> engineOptions, ArmSmmuV3.Options options) {
        machine = VirtMachine.builder().ramBytes(256L << 20).iommu(IommuFactory.smmuv3(config)).build();
        bus = machine.bus();
        memory = machine.memory();
        TranslationAgent agent = (TranslationAgent) machine.iommu().orElseThrow().dma();
        for (DmaEngine.Options o : engineOptions) {
            DmaEngine e = new DmaEngine(agent, machine.scheduler(), o);
            PciBus root = machine.pciHost().rootBus();
            root.attach(PciBus.devfn(root.firstFreeSlot(), 0), e);
            engines.add(e);
        }
        frames = new FrameAllocator(memory, VirtMachine.RAM_BASE + (128L << 20), 64L << 20);
        dataFrames = new FrameAllocator(memory, VirtMachine.RAM_BASE + (192L << 20), 64L << 20);
        irqs = new ItsIrqSetup(machine.its(), Its.VIRT_GIC_ITS, VirtMachine.SMMU_MSI_DEVICE_ID, FIRST_LPI);
        probe = ArmSmmuV3.probe(bus, VirtMachine.SMMU_BASE, memory, frames, irqs, options);
        smmu = probe.smmu();
        for (int i = 0; i < engines.size(); i++) {
            setUpFunction(engines.get(i), i);
        }
    }

    Smmu model() {
        return (Smmu) machine.iommu().orElseThrow().registers();
    }

    int reg32(int offset) {
        return (int) bus.read(VirtMachine.SMMU_BASE + offset, 4);
    }

    long reg64(int offset) {
        return bus.read(VirtMachine.SMMU_BASE + offset, 8);
    }

    /** Runs the machine (devices and LPI deliveries) until idle. */
    void run() {
        long ran = machine.scheduler().runUntilIdle(1_000_000);
        assertTrue(ran < 1_000_000, "the machine went idle");
    }

    // ---- STEs and CDs, written directly through the stores ------------------------------------------------

    /** Writes {@code qwords} (8) into the store: 1..7 first, then 0, then syncs. */
    static void install(DriverEntryStore store, long[] qwords) {
        assertNotNull(store);
        for (int i = 1; i < 8; i++) {
            store.write(i, qwords[i]);
        }
        store.write(0, qwords[0]);
        store.sync();
        assertEquals(0, store.lastSyncResult());
    }

    /** A stage-1 STE over {@code table}; non-PASID traffic bypasses stage 1. */
    static long[] s1Ste(CdTable table, long eats) {
        long[] q = new long[8];
        q[0] = STRTAB_STE_0_V | prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS)
                | prep(STRTAB_STE_0_S1FMT, table.s1fmt()) | (table.cdtabDma() & STRTAB_STE_0_S1CTXPTR_MASK)
                | prep(STRTAB_STE_0_S1CDMAX, table.s1cdmax());
        q[1] = prep(STRTAB_STE_1_S1DSS, STRTAB_STE_1_S1DSS_BYPASS) | prep(STRTAB_STE_1_EATS, eats);
        return q;
    }

    /** A 48-bit, 4 KiB-granule stage-1 CD over {@code tables}; faults recorded, stalling when {@code stall}. */
    static long[] cd(IoPageTable tables, int asid, boolean stall) {
        long[] q = new long[8];
        q[0] = prep(CTXDESC_CD_0_TCR_T0SZ, 16) | prep(CTXDESC_CD_0_TCR_TG0, ARM_LPAE_TCR_TG0_4K)
                | CTXDESC_CD_0_TCR_EPD1 | prep(CTXDESC_CD_0_TCR_IPS, ARM_LPAE_TCR_PS_48_BIT) | CTXDESC_CD_0_AA64
                | CTXDESC_CD_0_R | CTXDESC_CD_0_A | (stall ? CTXDESC_CD_0_S : 0) | prep(CTXDESC_CD_0_ASID, asid)
                | CTXDESC_CD_0_V;
        q[1] = tables.root() & CTXDESC_CD_1_TTB0_MASK;
        return q;
    }

    IoPageTable newTables() {
        return IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, dataFrames);
    }

    /** Maps {@code pages} fresh contiguous pages at {@code va}; returns the first PA. */
    long map(IoPageTable t, long va, int pages) {
        long pa = dataFrames.allocate(Long.highestOneBit(4096L * pages * 2 - 1));
        assertEquals(0, t.mapPages(va, pa, 4096, pages, Prot.READ | Prot.WRITE | Prot.CACHE));
        return pa;
    }

    /**
     * Engine {@code i}'s stream as Linux's SVA set-up leaves it: a CD table of
     * {@code pasidBits}, CD {@link #PASID} over {@code tables}, a stage-1 STE.
     */
    CdTable attach(int i, IoPageTable tables, boolean stall, long eats) {
        int sid = engines.get(i).requesterId();
        CdTable t = smmu.allocCdTable(8, sid);
        assertNotNull(t);
        install(smmu.cdStore(t, PASID), cd(tables, ASID, stall));
        install(smmu.steStore(sid), s1Ste(t, eats));
        return t;
    }

    // ---- engines -----------------------------------------------------------------------------------------------

    long ecam(DmaEngine e, int offset) {
        return VirtMachine.PCIE_ECAM_BASE + ((long) e.requesterId() << 12) + offset;
    }

    long bar0(int i) {
        return VirtMachine.PCIE_MMIO_BASE + 0x10000L * i;
    }

    private void setUpFunction(DmaEngine e, int i) {
        bus.write(ecam(e, PCI_BASE_ADDRESS_0), 4, bar0(i));
        bus.write(ecam(e, PCI_BASE_ADDRESS_0 + 8), 4, bar0(i) + 0x8000);
        bus.write(ecam(e, PCI_COMMAND), 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    }

    private int extCap(DmaEngine e, int id) {
        for (int at = 0x100; at != 0; ) {
            int header = (int) bus.read(ecam(e, at), 4);
            if ((header & 0xffff) == id) {
                return at;
            }
            at = header >>> 20;
        }
        throw new AssertionError("no extended capability 0x" + Integer.toHexString(id));
    }

    void enablePasid(DmaEngine e) {
        bus.write(ecam(e, extCap(e, PCI_EXT_CAP_ID_PASID) + PCI_PASID_CTRL), 2, PCI_PASID_CTRL_ENABLE);
    }

    void enableAtsPri(DmaEngine e) {
        int pri = extCap(e, PCI_EXT_CAP_ID_PRI);
        bus.write(ecam(e, pri + PCI_PRI_ALLOC_REQ), 4, 32);
        bus.write(ecam(e, pri + PCI_PRI_CTRL), 2, PCI_PRI_CTRL_ENABLE);
        bus.write(ecam(e, extCap(e, PCI_EXT_CAP_ID_ATS) + PCI_ATS_CTRL), 2, PCI_ATS_CTRL_ENABLE);
    }

    int engineReg(int i, int offset) {
        return (int) bus.read(bar0(i) + offset, 4);
    }

    /** A 16-descriptor ring for engine {@code i} at a physical page (non-PASID traffic bypasses). */
    long ring(int i) {
        long ring = dataFrames.allocate(4096);
        bus.write(bar0(i) + DmaEngine.REG_RING_BASE_LO, 4, ring & 0xffff_ffffL);
        bus.write(bar0(i) + DmaEngine.REG_RING_BASE_HI, 4, ring >>> 32);
        bus.write(bar0(i) + DmaEngine.REG_RING_SIZE, 4, 4);
        bus.write(bar0(i) + DmaEngine.REG_CTRL, 4, DmaEngine.CTRL_ENABLE);
        return ring;
    }

    void submit(int i, long ring, DmaDescriptor d) {
        int tail = engineReg(i, DmaEngine.REG_TAIL);
        memory.writeBytes(ring + (long) tail * DmaDescriptor.SIZE, d.encode(), 0, DmaDescriptor.SIZE);
        bus.write(bar0(i) + DmaEngine.REG_TAIL, 4, (tail + 1) & 15);
    }

    /** One COPY of {@code len} bytes on engine 0's ring, completion record at {@link #REC}, run until idle. */
    void copyAndRun(long src, long dst, long len) {
        long ring = ring(0);
        submit(0, ring, copy(src, dst, len, REC));
        run();
    }

    static DmaDescriptor copy(long src, long dst, long len, long rec) {
        return new DmaDescriptor(DmaDescriptor.OP_COPY, 0, PASID, len, src, dst, rec);
    }
}

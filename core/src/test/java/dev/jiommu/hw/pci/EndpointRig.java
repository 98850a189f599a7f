package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.sim.scenarios.SmmuBringUp;
import dev.jiommu.spec.smmuv3.CdView;
import dev.jiommu.spec.smmuv3.SteView;

import java.util.List;

import static dev.jiommu.hw.pci.PciRegs.*;
import static dev.jiommu.spec.smmuv3.Cd.ARM_LPAE_TCR_PS_48_BIT;
import static dev.jiommu.spec.smmuv3.Cd.ARM_LPAE_TCR_TG0_4K;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code virt} machine with a full-featured SMMUv3, an ITS and DMA engines,
 * driven only through what software sees: the SMMU's registers and queues
 * ({@link SmmuBringUp}), configuration space through the ECAM, the engines'
 * BARs, and memory. One process-like address space (stage-1 tables shared by
 * every PASID it is bound to); non-PASID traffic (rings) bypasses stage 1.
 */
final class EndpointRig {

    static final long BAR_WINDOW = VirtMachine.PCIE_MMIO_BASE;
    static final int ASID = 5;
    static final int PASID = 7;
    static final int CD_BITS = 4;

    final VirtMachine machine;
    final SystemBus bus;
    final PhysicalMemory memory;
    final FrameAllocator frames;
    final SmmuBringUp smmu;
    final IoPageTable tables;
    final long cdTable;

    EndpointRig(int engines) {
        this(engines, SmmuConfig.full());
    }

    EndpointRig(int engines, SmmuConfig config) {
        VirtMachine.Builder b = VirtMachine.builder().ramBytes(256L << 20).iommu(IommuFactory.smmuv3(config));
        for (int i = 0; i < engines; i++) {
            b.device("jiommu-dma");
        }
        machine = b.build();
        bus = machine.bus();
        memory = machine.memory();
        frames = new FrameAllocator(memory, VirtMachine.RAM_BASE + (128L << 20), 128L << 20);
        smmu = new SmmuBringUp(bus, VirtMachine.SMMU_BASE, frames, 16);
        tables = IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
        cdTable = smmu.cdTable(CD_BITS);
        for (int i = 0; i < engines; i++) {
            DmaEngine e = engine(i);
            setUpFunction(e, i);
            stream(e.requesterId(), STRTAB_STE_1_EATS_TRANS);
        }
        CdView cd = smmu.cd(cdTable, PASID).clear();
        cd.setT0sz(16).setTg0(ARM_LPAE_TCR_TG0_4K).setEpd1(true).setIps(ARM_LPAE_TCR_PS_48_BIT).setAa64(true)
                .setR(true).setA(true).setAsid(ASID).setTtb0(tables.root()).setValid(true);
    }

    DmaEngine engine(int i) {
        return (DmaEngine) machine.devices().get(i);
    }

    /** A stage-1 STE with substreams for the engine; no-PASID traffic bypasses stage 1 (S1DSS). */
    void stream(int sid, long eats) {
        SteView ste = smmu.ste(sid).clear();
        ste.setS1ContextPtr(cdTable).setS1CdMax(CD_BITS).setS1Dss(STRTAB_STE_1_S1DSS_BYPASS).setEats(eats)
                .setConfig(STRTAB_STE_0_CFG_S1_TRANS).setValid(true);
        assertTrue(smmu.submit(dev.jiommu.spec.smmuv3.Commands.cfgiSte(sid, true)));
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

    /** Offset of extended capability {@code id}, found by walking the list from 0x100. */
    int extCap(DmaEngine e, int id) {
        for (int at = 0x100; at != 0; ) {
            int header = cfgRead(e, at, 4);
            if ((header & 0xffff) == id) {
                return at;
            }
            at = header >>> 20;
        }
        throw new AssertionError("no extended capability 0x" + Integer.toHexString(id));
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
        setReg(engine, DmaEngine.REG_RING_BASE_LO, ring & 0xffff_ffffL);
        setReg(engine, DmaEngine.REG_RING_BASE_HI, ring >>> 32);
        setReg(engine, DmaEngine.REG_RING_SIZE, log2);
        setReg(engine, DmaEngine.REG_CTRL, DmaEngine.CTRL_ENABLE | DmaEngine.CTRL_IRQ_EN);
        return ring;
    }

    /** Writes {@code descriptors} at ring slots from the current TAIL and moves TAIL past them. */
    void submit(int engine, long ring, DmaDescriptor... descriptors) {
        int tail = reg(engine, DmaEngine.REG_TAIL);
        int mask = (1 << reg(engine, DmaEngine.REG_RING_SIZE)) - 1;
        for (DmaDescriptor d : descriptors) {
            memory.writeBytes(ring + (long) tail * DmaDescriptor.SIZE, d.encode(), 0, DmaDescriptor.SIZE);
            tail = (tail + 1) & mask;
        }
        setReg(engine, DmaEngine.REG_TAIL, tail);
    }

    void run() {
        long ran = machine.scheduler().runUntilIdle(1_000_000);
        assertTrue(ran < 1_000_000, "the machine went idle");
    }

    // ---- the address space --------------------------------------------------------------------------------

    /** Maps {@code pages} fresh pages at {@code va}; returns the first page's PA (pages are contiguous). */
    long map(long va, int pages, int prot) {
        long pa = frames.allocate(Long.highestOneBit(4096L * pages * 2 - 1));
        assertEquals(0, tables.mapPages(va, pa, 4096, pages, prot | Prot.CACHE));
        return pa;
    }

    void tlbiAndAtcInvalidate(DmaEngine e, long va, int pasid) {
        assertTrue(smmu.submit(dev.jiommu.spec.smmuv3.Commands.tlbiNhVa(0, ASID, va, true),
                dev.jiommu.spec.smmuv3.Commands.atcInv(e.requesterId(), pasid, va, 0, false)));
    }

    List<long[]> pageRequests() {
        return smmu.drainPageRequests();
    }

    static DmaDescriptor copy(int pasid, long src, long dst, long len, long completion) {
        return new DmaDescriptor(DmaDescriptor.OP_COPY, DmaDescriptor.FLAG_IRQ, pasid, len, src, dst, completion);
    }

    static int status(PhysicalMemory m, long record) {
        return m.read8(record) & 0xff;
    }

    static final int NO_PASID = DmaTarget.NO_SUBSTREAM;
}

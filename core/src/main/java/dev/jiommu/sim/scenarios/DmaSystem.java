package dev.jiommu.sim.scenarios;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
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
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.SteView;

import static dev.jiommu.hw.pci.PciRegs.*;
import static dev.jiommu.spec.smmuv3.Cd.ARM_LPAE_TCR_PS_48_BIT;
import static dev.jiommu.spec.smmuv3.Cd.ARM_LPAE_TCR_TG0_4K;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * A {@code virt} machine with an SMMUv3 and DMA engines, set up the way
 * firmware and a minimal driver would — through the SMMU's registers and
 * queues, configuration space through the ECAM, the engines' BARs, and
 * memory — for scenarios and benchmarks.
 *
 * <p>One address space (stage-1 tables, 4 KiB pages) is shared by every
 * engine under {@link #PASID} with {@link #ASID}; traffic without a PASID
 * (descriptor rings, MSIs) bypasses stage 1 (STE.S1DSS = bypass), so rings
 * live at physical addresses. Tables and rings come from the top half of RAM.
 */
public final class DmaSystem {

    public static final int PASID = 1;
    public static final int ASID = 1;
    static final int CD_BITS = 4;

    private final VirtMachine machine;
    private final SystemBus bus;
    private final FrameAllocator frames;
    private final SmmuBringUp smmu;
    private final IoPageTable tables;
    private final long cdTable;
    private final long[] rings;

    /**
     * @param ramBytes RAM, at least 64 MiB; the bottom half is for data, the top half for tables and rings
     * @param engines  DMA engines, each at the next free slot of bus 0
     * @param options  what each engine is built with
     * @param ats      enable ATS (and PASID, and PRI when {@code pri}) in every engine's configuration space,
     *                 and STE.EATS
     */
    public DmaSystem(long ramBytes, SmmuConfig config, int engines, DmaEngine.Options options, boolean ats,
                     boolean pri) {
        VirtMachine.Builder b = VirtMachine.builder().ramBytes(ramBytes).iommu(IommuFactory.smmuv3(config));
        for (int i = 0; i < engines; i++) {
            b.device("jiommu-dma", c -> new DmaEngine(c.dma(), c.scheduler(), options));
        }
        machine = b.build();
        bus = machine.bus();
        frames = new FrameAllocator(machine.memory(), VirtMachine.RAM_BASE + ramBytes / 2, ramBytes / 2);
        smmu = new SmmuBringUp(bus, VirtMachine.SMMU_BASE, frames, 16);
        tables = IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
        cdTable = smmu.cdTable(CD_BITS);
        smmu.cd(cdTable, PASID).clear().setT0sz(16).setTg0(ARM_LPAE_TCR_TG0_4K).setEpd1(true)
                .setIps(ARM_LPAE_TCR_PS_48_BIT).setAa64(true).setR(true).setA(true).setAsid(ASID)
                .setTtb0(tables.root()).setValid(true);
        rings = new long[engines];
        for (int i = 0; i < engines; i++) {
            DmaEngine e = engine(i);
            SteView ste = smmu.ste(e.requesterId()).clear();
            ste.setS1ContextPtr(cdTable).setS1CdMax(CD_BITS).setS1Dss(STRTAB_STE_1_S1DSS_BYPASS)
                    .setEats(ats ? STRTAB_STE_1_EATS_TRANS : STRTAB_STE_1_EATS_ABT)
                    .setConfig(STRTAB_STE_0_CFG_S1_TRANS).setValid(true);
            if (!smmu.submit(Commands.cfgiSte(e.requesterId(), true))) {
                throw new IllegalStateException("the SMMU refused CMD_CFGI_STE");
            }
            enableFunction(i, ats, pri);
            rings[i] = frames.allocate(DmaDescriptor.SIZE << 6);
            setReg(i, DmaEngine.REG_RING_BASE_LO, rings[i] & 0xffff_ffffL);
            setReg(i, DmaEngine.REG_RING_BASE_HI, rings[i] >>> 32);
            setReg(i, DmaEngine.REG_RING_SIZE, 6);
            setReg(i, DmaEngine.REG_CTRL, DmaEngine.CTRL_ENABLE | DmaEngine.CTRL_IRQ_EN);
        }
    }

    public VirtMachine machine() {
        return machine;
    }

    public PhysicalMemory memory() {
        return machine.memory();
    }

    public SmmuBringUp smmu() {
        return smmu;
    }

    public IoPageTable tables() {
        return tables;
    }

    public DmaEngine engine(int i) {
        return (DmaEngine) machine.devices().get(i);
    }

    private long ecam(DmaEngine e, int offset) {
        return VirtMachine.PCIE_ECAM_BASE + ((long) e.requesterId() << 12) + offset;
    }

    private int extCap(DmaEngine e, int id) {
        for (int at = 0x100; at != 0; ) {
            int header = (int) bus.read(ecam(e, at), 4);
            if ((header & 0xffff) == id) {
                return at;
            }
            at = header >>> 20;
        }
        throw new IllegalStateException("no extended capability 0x" + Integer.toHexString(id) + " on " + e);
    }

    /** BARs, bus mastering, and (as asked) PASID, ATS and PRI, in the order Linux enables them. */
    private void enableFunction(int i, boolean ats, boolean pri) {
        DmaEngine e = engine(i);
        long bar0 = VirtMachine.PCIE_MMIO_BASE + 0x10000L * i;
        bus.write(ecam(e, PCI_BASE_ADDRESS_0), 4, bar0);
        bus.write(ecam(e, PCI_BASE_ADDRESS_0 + 8), 4, bar0 + 0x8000);
        bus.write(ecam(e, PCI_COMMAND), 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        if (!ats) {
            return;
        }
        bus.write(ecam(e, extCap(e, PCI_EXT_CAP_ID_PASID) + PCI_PASID_CTRL), 2, PCI_PASID_CTRL_ENABLE);
        if (pri) {
            int at = extCap(e, PCI_EXT_CAP_ID_PRI);
            bus.write(ecam(e, at + PCI_PRI_ALLOC_REQ), 4, bus.read(ecam(e, at + PCI_PRI_MAX_REQ), 4));
            bus.write(ecam(e, at + PCI_PRI_CTRL), 2, PCI_PRI_CTRL_ENABLE);
        }
        bus.write(ecam(e, extCap(e, PCI_EXT_CAP_ID_ATS) + PCI_ATS_CTRL), 2, PCI_ATS_CTRL_ENABLE);
    }

    /**
     * Points MSI-X vector 0 of engine {@code i} at {@code address} with {@code data}, unmasks it and
     * enables MSI-X, as a driver does: the table through BAR2, the enable through configuration space.
     */
    public void enableMsix(int i, long address, int data) {
        DmaEngine e = engine(i);
        long table = bar0(i) + 0x8000;
        bus.write(table + PCI_MSIX_ENTRY_LOWER_ADDR, 4, address & 0xffff_ffffL);
        bus.write(table + PCI_MSIX_ENTRY_UPPER_ADDR, 4, address >>> 32);
        bus.write(table + PCI_MSIX_ENTRY_DATA, 4, data & 0xffff_ffffL);
        bus.write(table + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
        int at = (int) bus.read(ecam(e, PCI_CAPABILITY_LIST), 1);
        while (at != 0 && bus.read(ecam(e, at), 1) != PCI_CAP_ID_MSIX) {
            at = (int) bus.read(ecam(e, at + 1), 1);
        }
        if (at == 0) {
            throw new IllegalStateException("no MSI-X capability on " + e);
        }
        bus.write(ecam(e, at + PCI_MSIX_FLAGS), 2, PCI_MSIX_FLAGS_ENABLE);
    }

    /** The SMMU model behind the registers, for its counters. */
    public Smmu smmuModel() {
        return (Smmu) machine.iommu().orElseThrow().registers();
    }

    public long bar0(int i) {
        return VirtMachine.PCIE_MMIO_BASE + 0x10000L * i;
    }

    public int reg(int engine, int offset) {
        return (int) bus.read(bar0(engine) + offset, 4);
    }

    public void setReg(int engine, int offset, long value) {
        bus.write(bar0(engine) + offset, 4, value);
    }

    /** Writes {@code descriptors} into the engine's 64-entry ring from TAIL and rings the doorbell. */
    public void submit(int engine, DmaDescriptor... descriptors) {
        int tail = reg(engine, DmaEngine.REG_TAIL);
        for (DmaDescriptor d : descriptors) {
            machine.memory().writeBytes(rings[engine] + (long) tail * DmaDescriptor.SIZE, d.encode(), 0,
                    DmaDescriptor.SIZE);
            tail = (tail + 1) & 63;
        }
        setReg(engine, DmaEngine.REG_TAIL, tail);
    }

    /** Runs the machine until nothing is left to do; false if it was still busy after {@code limit} tasks. */
    public boolean run(long limit) {
        machine.scheduler().runUntilIdle(limit);
        return machine.scheduler().pending() == 0;
    }

    /** Maps {@code pages} 4 KiB pages at {@code va} to {@code pa} one page at a time (no blocks). */
    public void mapPages(long va, long pa, long pages, int prot) {
        for (long i = 0; i < pages; i++) {
            int r = tables.map(va + 4096 * i, pa + 4096 * i, 4096, prot | Prot.CACHE);
            if (r != 0) {
                throw new IllegalStateException("map of 0x" + Long.toHexString(va + 4096 * i) + " failed: " + r);
            }
        }
    }
}

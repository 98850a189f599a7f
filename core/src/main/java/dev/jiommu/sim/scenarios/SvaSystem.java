package dev.jiommu.sim.scenarios;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.irq.GitsRegs;
import dev.jiommu.hw.irq.Its;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.PciBus;
import dev.jiommu.hw.pci.PciRegs;
import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.os.iommu.Device;
import dev.jiommu.os.iommu.Domain;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.os.iommu.IommuCore;
import dev.jiommu.os.mm.MemoryManager;
import dev.jiommu.os.pci.PciDev;
import dev.jiommu.os.smmuv3.ArmSmmuV3;
import dev.jiommu.os.smmuv3.ArmSmmuV3Iommu;
import dev.jiommu.os.smmuv3.ItsIrqSetup;
import dev.jiommu.pgtable.Prot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The whole SVA stack on a {@code virt} machine: jiommu-dma engines behind
 * the SMMUv3 model, driven by the OS layer — {@link ArmSmmuV3} probed through
 * the SMMU's registers, {@link ArmSmmuV3Iommu} registered with an
 * {@link IommuCore}, a {@link MemoryManager} for processes — with every engine
 * set up as Linux would: BARs and bus mastering through the ECAM, PASID then
 * ATS then PRI enabled where the engine has them, added to the IOMMU core,
 * and its descriptor ring reachable by traffic without a PASID. The memory
 * manager's TLB maintenance goes to the machine's broadcast ({@link
 * VirtMachine#dvm()}), so with an SMMU that has BTM the driver relies on it
 * for SVA, as the PCIe SVM series does.
 *
 * <p>RAM layout (256 MiB or more at {@link VirtMachine#RAM_BASE}): 64 MiB
 * spare, then 32 MiB each of kernel frames (rings, DMA buffers), driver frames
 * (stream table, queues, CD tables, domain page tables) and process page
 * tables, then the rest for process data pages.
 *
 * <p>Rings: with an IDENTITY default domain traffic without a PASID bypasses
 * translation and the ring sits at its physical address; with a DMA default
 * domain the ring is mapped in the domain at {@link #RING_IOVA} + 64 KiB per
 * engine. Each ring has {@link #RING_SLOTS} slots.
 */
public final class SvaSystem {

    /** The first LPI the driver's interrupts (event, PRI, GERROR queues) use. */
    public static final int FIRST_LPI = GitsRegs.MIN_LPI + 64;
    /** Ring slots per engine. */
    public static final int RING_SLOTS = 16;
    /** Where the ring of engine 0 sits in a DMA default domain. */
    public static final long RING_IOVA = 0x10_0000L;
    /** Process page-table bits: 48-bit addresses, 16-bit ASIDs. */
    private static final int OAS = 48;
    private static final int ASID_BITS = 16;
    private static final long MIB = 1L << 20;

    private final VirtMachine machine;
    private final PhysicalMemory memory;
    private final FrameAllocator kernelFrames;
    private final FrameAllocator driverFrames;
    private final ArmSmmuV3 smmu;
    private final IommuCore core;
    private final ArmSmmuV3Iommu driver;
    private final MemoryManager mm;
    private final List<DmaEngine> engines = new ArrayList<>();
    private final List<Device> devices = new ArrayList<>();
    private final long[] rings;

    /** {@link #SvaSystem(long, SmmuConfig, List, boolean, DomainType)} with {@link SmmuConfig#full()}. */
    public SvaSystem(long ramBytes, List<DmaEngine.Options> engineOptions, boolean canStall,
                     DomainType defaultDomain) {
        this(ramBytes, SmmuConfig.full(), engineOptions, canStall, defaultDomain);
    }

    /**
     * Builds and brings up the machine and the stack.
     *
     * @param ramBytes      RAM, at least 256 MiB
     * @param config        the SMMU's features (with PASIDs, and stage 1; ATS and PRI for ATS engines)
     * @param engineOptions one engine per entry, each at the next free slot of bus 0
     * @param canStall      whether the devices may stall (the SMMU's stall model serves engines without PRI)
     * @param defaultDomain IDENTITY or DMA: the domain traffic without a PASID gets
     * @throws IllegalStateException when a step of the bring-up fails, with the step and the driver's log
     */
    public SvaSystem(long ramBytes, SmmuConfig config, List<DmaEngine.Options> engineOptions, boolean canStall,
                     DomainType defaultDomain) {
        if (ramBytes < 256 * MIB) {
            throw new IllegalArgumentException("ramBytes below 256 MiB: " + ramBytes);
        }
        if (defaultDomain != DomainType.IDENTITY && defaultDomain != DomainType.DMA) {
            throw new IllegalArgumentException("default domain must be IDENTITY or DMA: " + defaultDomain);
        }
        core = new IommuCore(defaultDomain, IommuCore.DEFAULT_PASID_BITS);
        machine = VirtMachine.builder().ramBytes(ramBytes).iommu(IommuFactory.smmuv3(config)).build();
        memory = machine.memory();
        TranslationAgent agent = (TranslationAgent) machine.iommu().orElseThrow().dma();
        PciBus root = machine.pciHost().rootBus();
        for (DmaEngine.Options o : engineOptions) {
            DmaEngine e = new DmaEngine(agent, machine.scheduler(), o);
            root.attach(PciBus.devfn(root.firstFreeSlot(), 0), e);
            engines.add(e);
        }
        long base = VirtMachine.RAM_BASE;
        kernelFrames = new FrameAllocator(memory, base + 64 * MIB, 32 * MIB);
        driverFrames = new FrameAllocator(memory, base + 96 * MIB, 32 * MIB);
        FrameAllocator tableFrames = new FrameAllocator(memory, base + 128 * MIB, 32 * MIB);
        FrameAllocator dataFrames = new FrameAllocator(memory, base + 160 * MIB, ramBytes - 160 * MIB);
        ItsIrqSetup irqs = new ItsIrqSetup(machine.its(), Its.VIRT_GIC_ITS, VirtMachine.SMMU_MSI_DEVICE_ID, FIRST_LPI);
        ArmSmmuV3.Probe probe = ArmSmmuV3.probe(machine.bus(), VirtMachine.SMMU_BASE, memory, driverFrames, irqs);
        if (!probe.ok()) {
            throw new IllegalStateException("SMMUv3 probe failed: " + probe.log());
        }
        smmu = probe.smmu();
        driver = new ArmSmmuV3Iommu("smmu0", smmu, core, driverFrames);
        check(core.registerDriver(driver), "register the SMMUv3 driver");
        mm = new MemoryManager(memory, tableFrames, dataFrames, OAS, ASID_BITS);
        mm.broadcastTlbMaintenance(machine.dvm());
        rings = new long[engines.size()];
        for (int i = 0; i < engines.size(); i++) {
            devices.add(addDevice(i, canStall));
            rings[i] = ring(i, defaultDomain);
        }
    }

    /** {@code engines} engines with ATS, PRI and 20-bit PASIDs, an IDENTITY default domain, 256 MiB. */
    public static SvaSystem withPri(int engines) {
        return new SvaSystem(256 * MIB, List.of(nCopies(engines, DmaEngine.Options.full())), false,
                DomainType.IDENTITY);
    }

    /** {@code engines} engines without ATS or PRI (20-bit PASIDs) that stall on faults, an IDENTITY default domain, 256 MiB. */
    public static SvaSystem withStall(int engines) {
        return new SvaSystem(256 * MIB, List.of(nCopies(engines, new DmaEngine.Options(0, 0, 20))), true,
                DomainType.IDENTITY);
    }

    private static DmaEngine.Options[] nCopies(int n, DmaEngine.Options o) {
        DmaEngine.Options[] a = new DmaEngine.Options[n];
        Arrays.fill(a, o);
        return a;
    }

    private Device addDevice(int i, boolean canStall) {
        DmaEngine e = engines.get(i);
        PciDev pci = new PciDev(machine.bus(), VirtMachine.PCIE_ECAM_BASE, e.requesterId());
        pci.writeConfig(PciRegs.PCI_BASE_ADDRESS_0, 4, (int) bar0(i));
        pci.writeConfig(PciRegs.PCI_BASE_ADDRESS_0 + 8, 4, (int) (bar0(i) + 0x8000));
        pci.enableMemoryAndBusMaster();
        Device dev = Device.builder("dma" + i).streamIds(e.requesterId())
                .pasidBits(pci.maxPasids() > 0 ? Integer.numberOfTrailingZeros(pci.maxPasids()) : 0)
                .ats(pci.atsSupported()).pri(pci.priSupported()).canStall(canStall).build();
        check(core.addDevice(dev), "add " + dev.name() + " to the IOMMU core");
        // Linux: PASID before ATS (pci_enable_pasid must precede pci_enable_ats), then PRI.
        if (pci.maxPasids() > 0) {
            check(pci.enablePasid(0), "enable PASID on " + dev.name());
        }
        if (dev.features().ats()) {
            check(pci.enableAts(12), "enable ATS on " + dev.name());
        }
        if (dev.features().pri()) {
            check(pci.enablePri(32), "enable PRI on " + dev.name());
        }
        return dev;
    }

    private long ring(int i, DomainType defaultDomain) {
        long ring = kernelFrames.allocate(4096);
        long ringAddress = ring;
        if (defaultDomain == DomainType.DMA) {
            ringAddress = RING_IOVA + 0x1_0000L * i;
            Domain domain = core.group(devices.get(i)).defaultDomain();
            check(core.map(domain, ringAddress, ring, 4096, Prot.READ | Prot.WRITE), "map the ring of engine " + i);
        }
        SystemBus bus = machine.bus();
        bus.write(bar0(i) + DmaEngine.REG_RING_BASE_LO, 4, ringAddress & 0xffff_ffffL);
        bus.write(bar0(i) + DmaEngine.REG_RING_BASE_HI, 4, ringAddress >>> 32);
        bus.write(bar0(i) + DmaEngine.REG_RING_SIZE, 4, Integer.numberOfTrailingZeros(RING_SLOTS));
        bus.write(bar0(i) + DmaEngine.REG_CTRL, 4, DmaEngine.CTRL_ENABLE);
        return ring;
    }

    private void check(int errno, String step) {
        if (errno != 0) {
            throw new IllegalStateException(step + " failed: errno " + errno + "; driver log: " + smmuLog());
        }
    }

    private String smmuLog() {
        return smmu == null ? "(no driver)" : smmu.log().toString();
    }

    /** Where engine {@code i}'s BAR 0 sits in the PCIe MMIO window. */
    public long bar0(int i) {
        return VirtMachine.PCIE_MMIO_BASE + 0x10000L * i;
    }

    /** Puts {@code d} at engine {@code i}'s tail and rings its doorbell; the machine runs it on {@link #run}. */
    public void submit(int i, DmaDescriptor d) {
        SystemBus bus = machine.bus();
        int tail = (int) bus.read(bar0(i) + DmaEngine.REG_TAIL, 4);
        memory.writeBytes(rings[i] + (long) tail * DmaDescriptor.SIZE, d.encode(), 0, DmaDescriptor.SIZE);
        bus.write(bar0(i) + DmaEngine.REG_TAIL, 4, (tail + 1) % RING_SLOTS);
    }

    /**
     * Runs the machine until nothing is left to do, or {@code maxEvents} events.
     *
     * @return whether the machine went idle
     */
    public boolean run(long maxEvents) {
        return machine.scheduler().runUntilIdle(maxEvents) < maxEvents;
    }

    /** A 32-bit register of engine {@code i}'s BAR 0, read over the bus. */
    public int engineReg(int i, int offset) {
        return (int) machine.bus().read(bar0(i) + offset, 4);
    }

    public VirtMachine machine() {
        return machine;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    /** Frames for kernel buffers (rings, DMA-domain buffers). */
    public FrameAllocator kernelFrames() {
        return kernelFrames;
    }

    /** Frames of the SMMU driver: stream table, queues, CD tables and leaves, DMA-domain page tables. */
    public FrameAllocator driverFrames() {
        return driverFrames;
    }

    public ArmSmmuV3 smmu() {
        return smmu;
    }

    /** The hardware model behind {@link #smmu()}, for its statistics. */
    public Smmu smmuModel() {
        return (Smmu) machine.iommu().orElseThrow().registers();
    }

    public IommuCore core() {
        return core;
    }

    public ArmSmmuV3Iommu driver() {
        return driver;
    }

    public MemoryManager mm() {
        return mm;
    }

    public DmaEngine engine(int i) {
        return engines.get(i);
    }

    public Device device(int i) {
        return devices.get(i);
    }

    public int engines() {
        return engines.size();
    }
}

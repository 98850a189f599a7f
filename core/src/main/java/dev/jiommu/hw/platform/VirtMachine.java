package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.DirectDma;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.Dvm;
import dev.jiommu.hw.bus.Scheduler;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.irq.Its;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.pci.IommuTestDevice;
import dev.jiommu.hw.pci.PciBus;
import dev.jiommu.hw.pci.PciFunction;
import dev.jiommu.hw.pci.PciHost;
import dev.jiommu.mem.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * QEMU's Arm {@code virt} machine, as far as devices behind an IOMMU need it
 * ({@code hw/arm/virt.c}, {@code base_memmap} and {@code extended_memmap};
 * {@code hw/pci-host/gpex.c}):
 *
 * <pre>
 *  0x00_0808_0000  +0x2_0000      GICv3 ITS (its doorbell GITS_TRANSLATER at +0x1_0040)
 *  0x00_0905_0000  +0x2_0000      SMMUv3 (only with an IOMMU)
 *  0x00_1000_0000  +0x2eff_0000   PCIe 32-bit MMIO window (CPU address = PCI address)
 *  0x00_4000_0000  +RAM           RAM (default 128 MiB, at most 255 GiB here)
 *  0x40_1000_0000  +0x1000_0000   PCIe ECAM, 256 buses ("high ECAM"; QEMU maps
 *                                 only this one when highmem is on)
 * </pre>
 *
 * The PIO window (0x3eff_0000), the low ECAM (0x3f00_0000), the 64-bit MMIO
 * window (0x80_0000_0000) and the other platform devices (GIC distributor and
 * redistributors, UART, RTC, ...) are
 * not modelled; accesses there are unassigned.
 *
 * <p>PCI: the host bridge's function at 00:00.0, then each requested device at
 * the first free slot (QEMU's automatic placement) or at the devfn given.
 * Every function's DMA goes to the IOMMU when there is one, else straight to
 * memory ({@link DirectDma}); requester ID = {@code bus << 8 | devfn}.
 */
public final class VirtMachine implements Machine {

    public static final long RAM_BASE = 0x4000_0000L;
    /** QEMU's default RAM size for {@code virt} (the machine core's default). */
    public static final long DEFAULT_RAM_BYTES = 128L << 20;
    /** RAM must end below the high ECAM's 256 GiB region. */
    public static final long MAX_RAM_BYTES = 0x40_0000_0000L - RAM_BASE;
    public static final long SMMU_BASE = 0x0905_0000L;
    /** The DeviceID of the SMMU's own MSIs at the ITS (above the root bus's requester IDs in use). */
    public static final int SMMU_MSI_DEVICE_ID = 0xffff;
    public static final long SMMU_SIZE = 0x2_0000L;
    public static final long PCIE_MMIO_BASE = 0x1000_0000L;
    public static final long PCIE_MMIO_SIZE = 0x2eff_0000L;
    public static final long PCIE_ECAM_BASE = 0x40_1000_0000L;
    public static final long PCIE_ECAM_SIZE = 0x1000_0000L;

    /** The devices {@link Builder#device} knows, by QEMU's {@code -device} name. */
    public static final Map<String, PciDeviceModel> DEVICE_MODELS = Map.of(
            "iommu-testdev", c -> new IommuTestDevice(c.dma(), c.memory()),
            "jiommu-dma", c -> new DmaEngine(c.dma(), c.scheduler(), DmaEngine.Options.full()));

    private final SystemBus bus;
    private final Scheduler scheduler = new Scheduler();
    private final Dvm dvm = new Dvm();
    private final Its its;
    private final PciHost pci;
    private final Iommu iommu;
    private final List<PciFunction> devices;

    private VirtMachine(Builder b) {
        PhysicalMemory memory = PhysicalMemory.ram(RAM_BASE, b.ramBytes);
        this.bus = new SystemBus(memory);
        this.pci = new PciHost();
        bus.map("pcie-mmio", PCIE_MMIO_BASE, PCIE_MMIO_SIZE, pci.memoryWindow(PCIE_MMIO_BASE));
        bus.map("pcie-ecam", PCIE_ECAM_BASE, PCIE_ECAM_SIZE, pci.ecam());
        this.its = new Its(scheduler);
        bus.map("gic-its", Its.VIRT_GIC_ITS, Its.REGION_SIZE, its);
        this.iommu = b.iommu == null ? null : b.iommu.create(bus);
        if (iommu != null) {
            bus.map(iommu.name(), SMMU_BASE, SMMU_SIZE, iommu.registers());
            if (iommu.dvm() != null) {
                dvm.join(iommu.dvm());
            }
        }
        DmaTarget target = iommu != null ? iommu.dma() : new DirectDma(memory);
        TranslationAgent dma = target instanceof TranslationAgent agent ? agent : TranslationAgent.withoutAts(target);
        PciDeviceModel.Context context = new PciDeviceModel.Context(dma, memory, scheduler);
        List<PciFunction> added = new ArrayList<>();
        for (Request r : b.requests) {
            PciFunction f = r.factory().create(context);
            int devfn = r.devfn();
            if (devfn < 0) {
                int slot = pci.rootBus().firstFreeSlot();
                if (slot < 0) {
                    throw new IllegalArgumentException("no free PCI slot for device '" + r.model() + "'");
                }
                devfn = PciBus.devfn(slot, 0);
            }
            pci.rootBus().attach(devfn, f);
            added.add(f);
        }
        this.devices = List.copyOf(added);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "virt";
    }

    @Override
    public Optional<SystemBus> cpuBus() {
        return Optional.of(bus);
    }

    public SystemBus bus() {
        return bus;
    }

    /** The interrupt controller's ITS: MSIs written to its doorbell become LPIs delivered through the scheduler. */
    public Its its() {
        return its;
    }

    /** The machine's work queue: devices post what they do later; whoever drives the machine runs it. */
    public Scheduler scheduler() {
        return scheduler;
    }

    public PhysicalMemory memory() {
        return bus.memory();
    }

    public PciHost pciHost() {
        return pci;
    }

    /** The broadcast of the PEs' TLB maintenance; the IOMMU has joined it when it takes part. */
    public Dvm dvm() {
        return dvm;
    }

    /** The IOMMU, when the machine has one. */
    public Optional<Iommu> iommu() {
        return Optional.ofNullable(iommu);
    }

    /** The requested devices, in the order they were asked for (the host bridge is not one). */
    public List<PciFunction> devices() {
        return devices;
    }

    private record Request(String model, PciDeviceModel factory, int devfn) {}

    /** Assembles a {@link VirtMachine}; every setter validates its argument at once. */
    public static final class Builder {
        private long ramBytes = DEFAULT_RAM_BYTES;
        private IommuFactory iommu;
        private final List<Request> requests = new ArrayList<>();

        private Builder() {}

        /**
         * @throws IllegalArgumentException unless 4 KiB aligned and in (0, {@link #MAX_RAM_BYTES}]
         */
        public Builder ramBytes(long bytes) {
            if (bytes <= 0 || bytes > MAX_RAM_BYTES || (bytes & (PhysicalMemory.PAGE_SIZE - 1)) != 0) {
                throw new IllegalArgumentException(String.format(
                        "RAM size 0x%x must be a multiple of 4 KiB between 4 KiB and %d GiB", bytes, MAX_RAM_BYTES >> 30));
            }
            this.ramBytes = bytes;
            return this;
        }

        /** Puts an IOMMU in front of the PCI host and maps its registers at {@link #SMMU_BASE}; null for none. */
        public Builder iommu(IommuFactory factory) {
            this.iommu = factory;
            return this;
        }

        /** Adds a device at the first free slot of bus 0 when the machine is built. */
        public Builder device(String model) {
            return device(model, -1);
        }

        /**
         * Adds a device at {@code devfn} of bus 0 (-1: first free slot).
         *
         * @throws IllegalArgumentException for an unknown model or a devfn out of range
         */
        public Builder device(String model, int devfn) {
            if (!DEVICE_MODELS.containsKey(model)) {
                throw new IllegalArgumentException("unknown device '" + model + "'; known devices: "
                        + String.join(", ", new TreeMap<>(DEVICE_MODELS).keySet()));
            }
            if (devfn < -1 || devfn >= PciBus.DEVFNS) {
                throw new IllegalArgumentException("devfn " + devfn + " is out of range");
            }
            requests.add(new Request(model, DEVICE_MODELS.get(model), devfn));
            return this;
        }

        /**
         * Adds a device made by {@code factory} (a model with options the named models do not
         * offer) at the first free slot of bus 0.
         */
        public Builder device(String name, PciDeviceModel factory) {
            requests.add(new Request(name, java.util.Objects.requireNonNull(factory), -1));
            return this;
        }

        /**
         * @throws IllegalArgumentException when two devices claim one devfn, or no slot is free
         */
        public VirtMachine build() {
            return new VirtMachine(this);
        }
    }
}

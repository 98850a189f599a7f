package dev.jiommu.os;

import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.irq.GitsRegs;
import dev.jiommu.hw.irq.Its;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.PciBus;
import dev.jiommu.hw.pci.PciRegs;
import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.os.iommu.Device;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.os.iommu.IommuCore;
import dev.jiommu.os.iommu.IopfStats;
import dev.jiommu.os.iommu.Result;
import dev.jiommu.os.iommu.SvaHandle;
import dev.jiommu.os.mm.MemoryManager;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.mm.Mman;
import dev.jiommu.os.pci.PciDev;
import dev.jiommu.os.smmuv3.ArmSmmuV3;
import dev.jiommu.os.smmuv3.ArmSmmuV3Iommu;
import dev.jiommu.os.smmuv3.ItsIrqSetup;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * SVA through the whole stack on the hardware model: two processes share
 * their address spaces with jiommu-dma engines behind an SMMUv3, through
 * {@link IommuCore#bind}, {@link ArmSmmuV3Iommu} and the process model. The
 * buffers are mapped but never touched by the CPU before the DMA, so every
 * page the engines use arrives by a recoverable fault (PRI page requests, or
 * stalls) resolved by demand paging in the process; the CPU then reads the
 * results back through its own page tables.
 */
class SvaEndToEndTest {

    private static final int FIRST_LPI = GitsRegs.MIN_LPI + 64;
    private static final int PAGES = 3;
    private static final long LEN = PAGES * 4096L;
    private static final long PATTERN_A = 0x4141_a1a1_0000_0001L;
    private static final long PATTERN_B = 0x4242_b2b2_0000_0002L;
    /** A: src, two dst, records; B: src, dst, records. */
    private static final long DEVICE_FAULTS = 5L * PAGES + 2;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    /** The machine, the driver stack and two engines. */
    private static final class Stack {
        final VirtMachine machine;
        final PhysicalMemory memory;
        final FrameAllocator kernelFrames;
        final ArmSmmuV3 smmu;
        final IommuCore core;
        final ArmSmmuV3Iommu driver;
        final MemoryManager mmgr;
        final List<DmaEngine> engines = new ArrayList<>();
        final List<Device> devices = new ArrayList<>();
        final List<Long> rings = new ArrayList<>();

        Stack(List<DmaEngine.Options> engineOptions, boolean stallDevices) {
            this(engineOptions, stallDevices, DomainType.IDENTITY);
        }

        Stack(List<DmaEngine.Options> engineOptions, boolean stallDevices, DomainType defaultDomain) {
            core = new IommuCore(defaultDomain, IommuCore.DEFAULT_PASID_BITS);
            machine = VirtMachine.builder().ramBytes(256L << 20).iommu(IommuFactory.smmuv3(SmmuConfig.full())).build();
            memory = machine.memory();
            TranslationAgent agent = (TranslationAgent) machine.iommu().orElseThrow().dma();
            PciBus root = machine.pciHost().rootBus();
            for (DmaEngine.Options o : engineOptions) {
                DmaEngine e = new DmaEngine(agent, machine.scheduler(), o);
                root.attach(PciBus.devfn(root.firstFreeSlot(), 0), e);
                engines.add(e);
            }
            long base = VirtMachine.RAM_BASE;
            kernelFrames = new FrameAllocator(memory, base + (64L << 20), 32L << 20);
            FrameAllocator driverFrames = new FrameAllocator(memory, base + (96L << 20), 32L << 20);
            FrameAllocator tableFrames = new FrameAllocator(memory, base + (128L << 20), 32L << 20);
            FrameAllocator dataFrames = new FrameAllocator(memory, base + (160L << 20), 96L << 20);
            ItsIrqSetup irqs = new ItsIrqSetup(machine.its(), Its.VIRT_GIC_ITS, VirtMachine.SMMU_MSI_DEVICE_ID,
                    FIRST_LPI);
            ArmSmmuV3.Probe probe = ArmSmmuV3.probe(machine.bus(), VirtMachine.SMMU_BASE, memory, driverFrames, irqs);
            assertTrue(probe.ok(), () -> probe.log().toString());
            smmu = probe.smmu();
            driver = new ArmSmmuV3Iommu("smmu0", smmu, core, driverFrames);
            assertEquals(0, core.registerDriver(driver));
            mmgr = new MemoryManager(memory, tableFrames, dataFrames, 48, 16);
            for (int i = 0; i < engines.size(); i++) {
                DmaEngine e = engines.get(i);
                PciDev pci = new PciDev(machine.bus(), VirtMachine.PCIE_ECAM_BASE, e.requesterId());
                pci.writeConfig(PciRegs.PCI_BASE_ADDRESS_0, 4, (int) bar0(i));
                pci.writeConfig(PciRegs.PCI_BASE_ADDRESS_0 + 8, 4, (int) (bar0(i) + 0x8000));
                pci.enableMemoryAndBusMaster();
                boolean ats = pci.atsSupported();
                Device dev = Device.builder("dma" + i).streamIds(e.requesterId()).pasidBits(pci.maxPasids() > 0 ? 20 : 0)
                        .ats(ats).pri(pci.priSupported()).canStall(stallDevices).build();
                assertEquals(0, core.addDevice(dev));
                // Linux: PASID before ATS (pci_enable_pasid must precede pci_enable_ats), then PRI.
                assertEquals(0, pci.enablePasid(0));
                if (dev.features().ats()) {
                    assertEquals(0, pci.enableAts(12));
                }
                if (dev.features().pri()) {
                    assertEquals(0, pci.enablePri(32));
                }
                devices.add(dev);
                if (defaultDomain == DomainType.IDENTITY) {
                    rings.add(ring(i));
                }
            }
        }

        long bar0(int i) {
            return VirtMachine.PCIE_MMIO_BASE + 0x10000L * i;
        }

        /** A 16-slot ring in kernel memory; the engines fetch it without PASID, which the identity domain bypasses. */
        long ring(int i) {
            long ring = kernelFrames.allocate(4096);
            var bus = machine.bus();
            bus.write(bar0(i) + DmaEngine.REG_RING_BASE_LO, 4, ring & 0xffff_ffffL);
            bus.write(bar0(i) + DmaEngine.REG_RING_BASE_HI, 4, ring >>> 32);
            bus.write(bar0(i) + DmaEngine.REG_RING_SIZE, 4, 4);
            bus.write(bar0(i) + DmaEngine.REG_CTRL, 4, DmaEngine.CTRL_ENABLE);
            return ring;
        }

        void submit(int i, DmaDescriptor d) {
            var bus = machine.bus();
            int tail = (int) bus.read(bar0(i) + DmaEngine.REG_TAIL, 4);
            memory.writeBytes(rings.get(i) + (long) tail * DmaDescriptor.SIZE, d.encode(), 0, DmaDescriptor.SIZE);
            bus.write(bar0(i) + DmaEngine.REG_TAIL, 4, (tail + 1) & 15);
        }

        void run() {
            long ran = machine.scheduler().runUntilIdle(5_000_000);
            assertTrue(ran < 5_000_000, "the machine went idle");
        }

        int engineReg(int i, int offset) {
            return (int) machine.bus().read(bar0(i) + offset, 4);
        }
    }

    private static DmaDescriptor fill(int pasid, long pattern, long dst, long rec) {
        return new DmaDescriptor(DmaDescriptor.OP_FILL, DmaDescriptor.FLAG_PASID, pasid, LEN, pattern, dst, rec);
    }

    private static DmaDescriptor copy(int pasid, long src, long dst, long rec) {
        return new DmaDescriptor(DmaDescriptor.OP_COPY, DmaDescriptor.FLAG_PASID, pasid, LEN, src, dst, rec);
    }

    /** Every 8 bytes of {@code [va, va + LEN)} as the process's CPU reads them. */
    private static void assertFilled(Mm mm, long va, long pattern) {
        for (long off = 0; off < LEN; off += 8) {
            assertEquals(pattern, mm.read64(va + off), "offset 0x" + Long.toHexString(off) + " of " + mm);
            assertEquals(0, mm.lastErrno());
        }
    }

    private static void assertRecord(Mm mm, long rec) {
        byte[] r = new byte[DmaDescriptor.RECORD_SIZE];
        assertEquals(0, mm.read(rec, r, 0, r.length));
        assertEquals(DmaDescriptor.STATUS_SUCCESS, r[0] & 0xff, () -> "record status " + DmaDescriptor.statusName(r[0] & 0xff));
    }

    /** Process A on engines 0 and 1 (one PASID), process B on engine 0 (another); returns {A's, B's} PASIDs. */
    private static void runTwoProcesses(Stack s) {
        Mm a = s.mmgr.createMm("A");
        Mm b = s.mmgr.createMm("B");
        MmAddressSpace asA = MmAddressSpace.of(a);
        MmAddressSpace asB = MmAddressSpace.of(b);
        long srcA = a.mmap(LEN, RW);
        long dstA0 = a.mmap(LEN, RW);
        long dstA1 = a.mmap(LEN, RW);
        long recA = a.mmap(4096, RW);
        long srcB = b.mmap(LEN, RW);
        long dstB = b.mmap(LEN, RW);
        long recB = b.mmap(4096, RW);
        assertTrue(srcA > 0 && dstA0 > 0 && dstA1 > 0 && recA > 0 && srcB > 0 && dstB > 0 && recB > 0);
        assertEquals(0, a.residentPages(), "A's buffers are untouched");
        assertEquals(0, b.residentPages(), "B's buffers are untouched");

        Result<SvaHandle> a0 = s.core.bind(s.devices.get(0), asA);
        Result<SvaHandle> a1 = s.core.bind(s.devices.get(1), asA);
        Result<SvaHandle> b0 = s.core.bind(s.devices.get(0), asB);
        assertTrue(a0.isOk() && a1.isOk() && b0.isOk(), () -> a0 + " " + a1 + " " + b0);
        int pasidA = a0.value().pasid();
        int pasidB = b0.value().pasid();
        assertEquals(pasidA, a1.value().pasid(), "one PASID per address space");
        assertNotEquals(pasidA, pasidB);
        long faultsBefore = s.mmgr.pageFaults();

        s.submit(0, fill(pasidA, PATTERN_A, srcA, recA));
        s.submit(0, copy(pasidA, srcA, dstA0, recA + 32));
        s.submit(0, fill(pasidB, PATTERN_B, srcB, recB));
        s.submit(0, copy(pasidB, srcB, dstB, recB + 32));
        s.run();
        s.submit(1, copy(pasidA, srcA, dstA1, recA + 64));
        s.run();

        assertEquals(5, s.engineReg(0, DmaEngine.REG_COMPLETED) + s.engineReg(1, DmaEngine.REG_COMPLETED));
        assertEquals(0, s.engineReg(0, DmaEngine.REG_ERRORS) + s.engineReg(1, DmaEngine.REG_ERRORS));
        assertEquals(DEVICE_FAULTS, s.mmgr.pageFaults() - faultsBefore,
                "every buffer page and both record pages were demand-paged for the devices, once each");
        assertEquals(3L * PAGES + 1, a.residentPages(), "A: src, two dst, records");
        assertEquals(2L * PAGES + 1, b.residentPages(), "B: src, dst, records");

        long cpuFaults = s.mmgr.pageFaults();
        assertFilled(a, srcA, PATTERN_A);
        assertFilled(a, dstA0, PATTERN_A);
        assertFilled(a, dstA1, PATTERN_A);
        assertFilled(b, srcB, PATTERN_B);
        assertFilled(b, dstB, PATTERN_B);
        assertEquals(cpuFaults, s.mmgr.pageFaults(), "the CPU finds the pages the devices faulted in");
        assertRecord(a, recA);
        assertRecord(a, recA + 32);
        assertRecord(a, recA + 64);
        assertRecord(b, recB);
        assertRecord(b, recB + 32);

        IopfStats st = s.driver.iopfQueue().stats();
        assertTrue(st.groups() > 0);
        assertEquals(st.groups(), st.success(), () -> "every group answered SUCCESS: " + st);
        assertEquals(0, st.invalid() + st.failure() + st.failedFaults());

        assertEquals(0, s.core.unbind(b0.value()));
        assertEquals(0, s.core.unbind(a1.value()));
        assertEquals(0, s.core.unbind(a0.value()));
        assertEquals(0, s.driver.unrecoverableFaults());
    }

    @Test
    void twoProcessesShareTheirBuffersWithTwoEnginesThroughPriAndDemandPaging() {
        Stack s = new Stack(List.of(DmaEngine.Options.full(), DmaEngine.Options.full()), false);
        assertTrue(s.devices.get(0).features().pri() && s.devices.get(0).features().ats());
        assertEquals(20, s.devices.get(0).features().pasidBits());

        runTwoProcesses(s);

        assertEquals(DEVICE_FAULTS, s.driver.priRequests(), "one page request per page");
        assertEquals(s.driver.priRequests(), s.smmu.stats().priRequests);
        assertEquals(0, s.smmu.stats().priDenied);
        assertEquals(0, s.driver.stallFaults());
    }

    @Test
    void theSameWithStallingEnginesWithoutAtsOrPri() {
        DmaEngine.Options noAts = new DmaEngine.Options(0, 0, 20);
        Stack s = new Stack(List.of(noAts, noAts), true);
        assertTrue(s.devices.get(0).features().stall());
        assertFalse(s.devices.get(0).features().pri());

        runTwoProcesses(s);

        assertEquals(DEVICE_FAULTS, s.driver.stallFaults(), "one stall per page");
        assertEquals(s.driver.stallFaults(), s.smmu.stats().stallEvents);
        assertEquals(0, s.smmu.stats().stallsAborted);
        assertEquals(0, s.driver.priRequests());
    }

    @Test
    void aDmaDefaultDomainTranslatesPasidlessTrafficThroughCdZeroAndUnmapRevokesIt() {
        Stack s = new Stack(List.of(DmaEngine.Options.full()), false, DomainType.DMA);
        Device dev = s.devices.get(0);
        var domain = s.core.group(dev).defaultDomain();
        long ringIova = 0x10_0000L, src = 0x20_0000L, dst = 0x30_0000L, rec = 0x40_0000L;
        long ringPa = s.kernelFrames.allocate(4096), srcPa = s.kernelFrames.allocate(4096);
        long dstPa = s.kernelFrames.allocate(4096), recPa = s.kernelFrames.allocate(4096);
        int prot = Prot.READ | Prot.WRITE | Prot.CACHE;
        for (long[] m : new long[][] {{ringIova, ringPa}, {src, srcPa}, {dst, dstPa}, {rec, recPa}}) {
            assertEquals(0, s.core.map(domain, m[0], m[1], 4096, prot));
        }
        s.memory.write64(srcPa, 0x5a5a_0000_1234_5678L);
        var bus = s.machine.bus();
        bus.write(s.bar0(0) + DmaEngine.REG_RING_BASE_LO, 4, ringIova);
        bus.write(s.bar0(0) + DmaEngine.REG_RING_BASE_HI, 4, 0);
        bus.write(s.bar0(0) + DmaEngine.REG_RING_SIZE, 4, 4);
        bus.write(s.bar0(0) + DmaEngine.REG_CTRL, 4, DmaEngine.CTRL_ENABLE);
        s.rings.add(ringPa);

        s.submit(0, new DmaDescriptor(DmaDescriptor.OP_COPY, 0, DmaTarget.NO_SUBSTREAM, 8, src, dst, rec));
        s.run();
        assertEquals(0x5a5a_0000_1234_5678L, s.memory.read64(dstPa), "copied through the IOVA mappings");
        assertEquals(DmaDescriptor.STATUS_SUCCESS, s.memory.read8(recPa) & 0xff);

        assertEquals(4096, s.core.unmap(domain, dst, 4096));
        s.memory.write64(srcPa, 0x7777L);
        s.submit(0, new DmaDescriptor(DmaDescriptor.OP_COPY, 0, DmaTarget.NO_SUBSTREAM, 8, src, dst, rec));
        s.run();
        assertEquals(0x5a5a_0000_1234_5678L, s.memory.read64(dstPa), "no stale IOTLB or ATC entry let the write through");
        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, s.memory.read8(recPa) & 0xff);
        assertEquals(1, s.engineReg(0, DmaEngine.REG_ERRORS));
    }
}

package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.Errno;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.irq.GitsRegs;
import dev.jiommu.hw.irq.Its;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Field;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * Probe and reset on several SMMU configurations (arm_smmu_device_hw_probe,
 * arm_smmu_device_reset): the features read, the choices made from them, the
 * registers as reset leaves them, and what is refused.
 */
class ProbeTest {

    @Test
    void aFullFeaturedSmmuIsProbedAndEnabledWithEveryQueueAndMsis() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        assertTrue(rig.probe.ok(), () -> rig.probe.log().entries().toString());
        Features f = rig.smmu.features();
        assertTrue(f.s1p() && f.s2p() && f.nesting() && f.ats() && f.pri() && f.stalls() && !f.stallForce());
        assertTrue(f.httuHa() && f.httuHd() && f.btm() && f.msi() && f.msiPoll() && f.ril() && f.hyp());
        assertFalse(f.e2h(), "a non-VHE kernel does not use E2H");
        assertEquals(16, f.asidBits());
        assertEquals(16, f.vmidBits());
        assertEquals(16, f.sidBits());
        assertEquals(20, f.ssidBits());
        assertEquals(48, f.oas());
        assertTrue(f.gran4k() && f.gran16k() && f.gran64k());
        assertTrue(f.twoLevelStrtab() && f.twoLevelCdtab());
        assertEquals(256, f.stallMax());

        int cr0 = rig.reg32(ARM_SMMU_CR0);
        assertEquals(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN | CR0_ATSCHK, cr0 & 0xffffffffL);
        assertEquals(cr0, rig.reg32(ARM_SMMU_CR0ACK));
        assertEquals(IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_PRIQ_IRQEN | IRQ_CTRL_GERROR_IRQEN, rig.reg32(ARM_SMMU_IRQ_CTRL));
        assertTrue((rig.reg32(ARM_SMMU_GBPA) & GBPA_ABORT) != 0, "GBPA aborts while the SMMU is off");
        assertTrue(rig.smmu.usesBroadcastTlb());
        assertEquals(CR2_RECINVSID, rig.reg32(ARM_SMMU_CR2), "PTM clear: the SMMU takes broadcast TLBIs");
        long cfg = rig.reg32(ARM_SMMU_STRTAB_BASE_CFG);
        assertEquals(STRTAB_BASE_CFG_FMT_2LVL, get(STRTAB_BASE_CFG_FMT, cfg));
        assertEquals(8, get(STRTAB_BASE_CFG_SPLIT, cfg));
        assertEquals(16, get(STRTAB_BASE_CFG_LOG2SIZE, cfg));
        assertEquals(rig.smmu.strtabAddress() | STRTAB_BASE_RA, rig.reg64(ARM_SMMU_STRTAB_BASE));
        assertEquals(8, get(Q_BASE_LOG2SIZE, rig.reg64(ARM_SMMU_CMDQ_BASE)), "IDR1.CMDQS caps the queue");
        assertEquals(256, rig.smmu.cmdqEntries());
        assertEquals(256, rig.smmu.evtqEntries());
        assertEquals(256, rig.smmu.priqEntries());

        long doorbell = Its.VIRT_GIC_ITS + GitsRegs.GITS_TRANSLATER;
        assertTrue(rig.smmu.msiInterrupts());
        assertEquals(doorbell, rig.reg64(ARM_SMMU_EVTQ_IRQ_CFG0));
        assertEquals(ArmSmmuV3.EVTQ_MSI_INDEX, rig.reg32(ARM_SMMU_EVTQ_IRQ_CFG1));
        assertEquals(doorbell, rig.reg64(ARM_SMMU_GERROR_IRQ_CFG0));
        assertEquals(ArmSmmuV3.GERROR_MSI_INDEX, rig.reg32(ARM_SMMU_GERROR_IRQ_CFG1));
        assertEquals(doorbell, rig.reg64(ARM_SMMU_PRIQ_IRQ_CFG0));
        assertEquals(ArmSmmuV3.PRIQ_MSI_INDEX, rig.reg32(ARM_SMMU_PRIQ_IRQ_CFG1));
        assertEquals(ARM_SMMU_MEMATTR_DEVICE_nGnRE, rig.reg32(ARM_SMMU_EVTQ_IRQ_CFG2));
        assertTrue(rig.machine.its().enabled());
        assertEquals(3, rig.smmu.stats().syncs, "CFGI_ALL, TLBI_EL2_ALL and TLBI_NSNH_ALL, each synced");
        assertEquals(0, rig.smmu.stats().cmdqErrorsTotal());
        assertTrue(rig.probe.log().contains(DriverLog.Level.INFO, "allocated 256 entries for cmdq"));
    }

    @Test
    void fewStreamIdBitsGiveALinearTableEvenWhenTwoLevelsAreOffered() {
        SmmuConfig c = SmmuConfig.full();
        SmmuConfig small = new SmmuConfig(true, true, true, true, 8, 0, false, false, 1, 0, true, true, true,
                false, false, false, true, false, false, 44, 8, 8, 8, 64, 64, c.replacement());
        DriverRig rig = new DriverRig(small);
        assertTrue(rig.probe.ok(), () -> rig.probe.log().entries().toString());
        assertFalse(rig.smmu.twoLevelStreamTable(), "sid_bits <= STRTAB_SPLIT: linear");
        long cfg = rig.reg32(ARM_SMMU_STRTAB_BASE_CFG);
        assertEquals(STRTAB_BASE_CFG_FMT_LINEAR, get(STRTAB_BASE_CFG_FMT, cfg));
        assertEquals(8, get(STRTAB_BASE_CFG_LOG2SIZE, cfg));
        assertEquals(0, rig.smmu.priqEntries(), "no PRI, no PRI queue");
        assertEquals(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN, rig.reg32(ARM_SMMU_CR0) & 0xffffffffL);
        assertEquals(IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN, rig.reg32(ARM_SMMU_IRQ_CTRL));
        assertEquals(2, rig.smmu.stats().syncs, "no HYP: CFGI_ALL and TLBI_NSNH_ALL");
    }

    @Test
    void withoutTwoLevelSupportTheTableIsLinearOverAllStreamIds() {
        SmmuConfig c = SmmuConfig.full();
        SmmuConfig linear = new SmmuConfig(true, true, false, false, 10, 4, true, true, 0, 0, true, true, true,
                true, true, true, true, true, true, 48, 8, 8, 8, 64, 64, c.replacement());
        DriverRig rig = new DriverRig(linear);
        assertTrue(rig.probe.ok());
        assertFalse(rig.smmu.twoLevelStreamTable());
        assertEquals(10, get(STRTAB_BASE_CFG_LOG2SIZE, rig.reg32(ARM_SMMU_STRTAB_BASE_CFG)));
        assertEquals(rig.smmu.strtabAddress() + 1023 * 64, rig.smmu.steAddress(1023));
        assertEquals(-Errno.ERANGE, rig.smmu.steAddress(1024));
        assertEquals(STRTAB_BASE_CFG_FMT_LINEAR, get(STRTAB_BASE_CFG_FMT, rig.reg32(ARM_SMMU_STRTAB_BASE_CFG)));
    }

    @Test
    void withoutMsiTheDriverPollsConsAndLeavesTheMsiAddressesClear() {
        SmmuConfig c = SmmuConfig.qemuVirt();
        DriverRig rig = new DriverRig(c);
        assertTrue(rig.probe.ok());
        assertFalse(rig.smmu.features().msi());
        assertFalse(rig.smmu.msiInterrupts());
        assertFalse(rig.smmu.msiPolling());
        assertEquals(0, rig.reg64(ARM_SMMU_EVTQ_IRQ_CFG0));
        assertEquals(0, rig.reg64(ARM_SMMU_GERROR_IRQ_CFG0));
        assertEquals(1 << 16, rig.smmu.cmdqEntries(), "IDR1.CMDQS 19 capped at CMDQ_MAX_SZ_SHIFT");
        assertEquals(1 << 15, rig.smmu.evtqEntries(), "IDR1.EVTQS 19 capped at EVTQ_MAX_SZ_SHIFT");
        assertFalse(rig.machine.its().enabled(), "nobody asked the ITS for anything");
    }

    @Test
    void msiPollingCanBeTurnedOffAndSyncsThenPollCons() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(),
                ArmSmmuV3.Options.defaults().withMsiPolling(false));
        assertTrue(rig.probe.ok());
        assertTrue(rig.smmu.msiInterrupts());
        assertFalse(rig.smmu.msiPolling());
        assertEquals(0, rig.smmu.sync());
    }

    @Test
    void aVheKernelUsesE2hWhenTheSmmuHasHyp() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(), ArmSmmuV3.Options.defaults().withVhe(true));
        assertTrue(rig.smmu.features().e2h());
        assertFalse(rig.smmu.usesBroadcastTlb(), "the model broadcasts the EL1&0 regime only");
        assertEquals(CR2_PTM | CR2_RECINVSID | CR2_E2H, rig.reg32(ARM_SMMU_CR2));
    }

    @Test
    void withoutBtmOrWithBroadcastsTurnedOffTheSmmuIgnoresBroadcastsAndTheDriverSendsTlbis() {
        DriverRig noBtm = new DriverRig(SmmuConfig.full().withBtm(false));
        assertFalse(noBtm.smmu.features().btm());
        assertFalse(noBtm.smmu.usesBroadcastTlb());
        assertEquals(CR2_RECINVSID, noBtm.reg32(ARM_SMMU_CR2), "the driver wrote PTM, which is RES0 without BTM");
        DriverRig off = new DriverRig(SmmuConfig.full(), List.of(), ArmSmmuV3.Options.defaults().withBroadcastTlb(false));
        assertFalse(off.smmu.usesBroadcastTlb());
        assertEquals(CR2_PTM | CR2_RECINVSID, off.reg32(ARM_SMMU_CR2));
    }

    @Test
    void aCommandQueueOf64EntriesIsRefused() {
        PhysicalMemory mem = PhysicalMemory.ram(VirtMachine.RAM_BASE, 64L << 20);
        SystemBus bus = new SystemBus(mem);
        Smmu model = new Smmu(SmmuConfig.full().withQueues(6, 8, 8), bus);
        bus.map("smmu", VirtMachine.SMMU_BASE, VirtMachine.SMMU_SIZE, model);
        FrameAllocator frames = new FrameAllocator(mem, VirtMachine.RAM_BASE, 64L << 20);
        ArmSmmuV3.Probe p = ArmSmmuV3.probe(bus, VirtMachine.SMMU_BASE, mem, frames, IrqSetup.NONE);
        assertFalse(p.ok());
        assertEquals(-Errno.ENXIO, p.error());
        assertTrue(p.log().contains(DriverLog.Level.ERR, "command queue size <= 64 entries not supported"));
        assertEquals(0, frames.bytesInUse(), "nothing allocated");
        assertEquals(0, model.read(ARM_SMMU_CR0, 4), "the device was not touched");
    }

    /** A register block that only answers the ID registers, with values a test chooses. */
    private static ArmSmmuV3.Probe probeIds(int idr0, int idr1) {
        PhysicalMemory mem = PhysicalMemory.ram(VirtMachine.RAM_BASE, 64L << 20);
        SystemBus bus = new SystemBus(mem);
        bus.map("fake", VirtMachine.SMMU_BASE, VirtMachine.SMMU_SIZE, new MmioDevice() {
            @Override
            public long read(long offset, int size) {
                return offset == ARM_SMMU_IDR0 ? idr0 & 0xffffffffL : offset == ARM_SMMU_IDR1 ? idr1 : 0;
            }

            @Override
            public void write(long offset, int size, long value) {
            }
        });
        FrameAllocator frames = new FrameAllocator(mem, VirtMachine.RAM_BASE, 64L << 20);
        return ArmSmmuV3.probe(bus, VirtMachine.SMMU_BASE, mem, frames, IrqSetup.NONE);
    }

    private static final int GOOD_IDR0 = (int) (IDR0_S1P | Field.prep(IDR0_TTF, IDR0_TTF_AARCH64)
            | Field.prep(IDR0_TTENDIAN, IDR0_TTENDIAN_LE));
    private static final int GOOD_IDR1 = (int) (Field.prep(IDR1_CMDQS, 8) | Field.prep(IDR1_EVTQS, 8)
            | Field.prep(IDR1_SIDSIZE, 8));

    @Test
    void hardwareLinuxDoesNotSupportIsRefusedWithEnxio() {
        assertEquals(-Errno.ENXIO, probeIds(GOOD_IDR0 & ~(int) IDR0_S1P, GOOD_IDR1).error(), "no stage");
        assertEquals(-Errno.ENXIO, probeIds(GOOD_IDR0 & ~(int) IDR0_TTF | (int) Field.prep(IDR0_TTF,
                IDR0_TTF_AARCH32), GOOD_IDR1).error(), "AArch32 tables only");
        assertEquals(-Errno.ENXIO, probeIds(GOOD_IDR0 & ~(int) IDR0_TTENDIAN | (int) Field.prep(IDR0_TTENDIAN,
                IDR0_TTENDIAN_BE), GOOD_IDR1).error(), "big-endian tables only");
        assertEquals(-Errno.ENXIO, probeIds(GOOD_IDR0, GOOD_IDR1 | (int) IDR1_TABLES_PRESET).error(),
                "embedded implementation");
        ArmSmmuV3.Probe p = probeIds(GOOD_IDR0, GOOD_IDR1 | (int) IDR1_QUEUES_PRESET);
        assertTrue(p.log().contains(DriverLog.Level.ERR, "embedded implementation not supported"));
        ArmSmmuV3.Probe noStage = probeIds(GOOD_IDR0 & ~(int) IDR0_S1P, GOOD_IDR1);
        assertTrue(noStage.log().contains(DriverLog.Level.ERR, "no translation support"));
    }

    @Test
    void aRegisterBlockWhoseCr0ackStaysZeroTimesOutEnablingTheCommandQueue() {
        ArmSmmuV3.Probe p = probeIds(GOOD_IDR0, GOOD_IDR1);
        assertEquals(-Errno.ETIMEDOUT, p.error(), "CR0ACK never showed CMDQEN");
        assertTrue(p.log().contains(DriverLog.Level.ERR, "failed to enable command queue"));
    }

    @Test
    void anAcknowledgementThatNeverComesForTheCommandQueueIsEtimedout() {
        PhysicalMemory mem = PhysicalMemory.ram(VirtMachine.RAM_BASE, 64L << 20);
        SystemBus bus = new SystemBus(mem);
        Smmu model = new Smmu(SmmuConfig.full(), bus);
        // CR0ACK follows CR0 except that it never shows CMDQEN: the queue "does not start".
        bus.map("smmu", VirtMachine.SMMU_BASE, VirtMachine.SMMU_SIZE, new MmioDevice() {
            @Override
            public long read(long offset, int size) {
                long v = model.read(offset, size);
                return offset == ARM_SMMU_CR0ACK ? v & ~CR0_CMDQEN : v;
            }

            @Override
            public void write(long offset, int size, long value) {
                model.write(offset, size, value);
            }
        });
        FrameAllocator frames = new FrameAllocator(mem, VirtMachine.RAM_BASE, 64L << 20);
        ArmSmmuV3.Probe p = ArmSmmuV3.probe(bus, VirtMachine.SMMU_BASE, mem, frames, IrqSetup.NONE,
                ArmSmmuV3.Options.defaults().withPollTimeoutUs(500));
        assertEquals(-Errno.ETIMEDOUT, p.error());
        assertTrue(p.log().contains(DriverLog.Level.ERR, "failed to enable command queue"));
        assertEquals(0, frames.bytesInUse(), "queues and stream table given back");
    }

    @Test
    void nothingAtTheBaseIsEnodevAndATooSmallBlockIsEinval() {
        PhysicalMemory mem = PhysicalMemory.ram(VirtMachine.RAM_BASE, 64L << 20);
        SystemBus bus = new SystemBus(mem);
        FrameAllocator frames = new FrameAllocator(mem, VirtMachine.RAM_BASE, 64L << 20);
        assertEquals(-Errno.ENODEV, ArmSmmuV3.probe(bus, VirtMachine.SMMU_BASE, mem, frames, IrqSetup.NONE).error());
        bus.map("small", VirtMachine.SMMU_BASE, 0x10000, new Smmu(SmmuConfig.full(), bus));
        assertEquals(-Errno.EINVAL, ArmSmmuV3.probe(bus, VirtMachine.SMMU_BASE, mem, frames, IrqSetup.NONE).error());
    }

    @Test
    void anItsThatCannotMapTheSmmuLeavesTheDriverWithoutMsis() {
        VirtMachine m = VirtMachine.builder().iommu(dev.jiommu.hw.platform.IommuFactory.smmuv3(SmmuConfig.full()))
                .build();
        m.its().mapDevice(VirtMachine.SMMU_MSI_DEVICE_ID, 1); // someone else holds the DeviceID
        FrameAllocator frames = new FrameAllocator(m.memory(), VirtMachine.RAM_BASE + (64L << 20), 32L << 20);
        ArmSmmuV3.Probe p = ArmSmmuV3.probe(m.bus(), VirtMachine.SMMU_BASE, m.memory(), frames,
                new ItsIrqSetup(m.its(), Its.VIRT_GIC_ITS, VirtMachine.SMMU_MSI_DEVICE_ID, DriverRig.FIRST_LPI));
        assertTrue(p.ok());
        assertFalse(p.smmu().msiInterrupts());
        assertTrue(p.log().contains(DriverLog.Level.WARN, "falling back to wired irqs"));
        assertEquals(0, m.bus().read(VirtMachine.SMMU_BASE + ARM_SMMU_EVTQ_IRQ_CFG0, 8));
    }

    @Test
    void removeDisablesTheSmmuAndReleasesTheMsis() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        assertEquals(0, rig.smmu.remove());
        assertEquals(0, rig.reg32(ARM_SMMU_CR0));
        assertFalse(rig.smmu.enabled());
        assertFalse(rig.machine.its().unmapDevice(VirtMachine.SMMU_MSI_DEVICE_ID), "the DeviceID was unmapped");
    }
}

package dev.jiommu.hw.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.pci.IommuTestDevice;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.MemoryRegion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code virt} memory map, IOMMU wiring and device placement; the {@code none} machine. */
class VirtMachineTest {

    /** An IOMMU that records what reaches it and aborts every DMA. */
    static final class FakeIommu implements MmioDevice, DmaTarget {
        final List<String> seen = new ArrayList<>();
        SystemBus bus;

        @Override
        public long read(long offset, int size) {
            seen.add("read " + Long.toHexString(offset) + "/" + size);
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            seen.add("write " + Long.toHexString(offset) + "/" + size + "=" + Long.toHexString(value));
        }

        @Override
        public int write(int sid, int ssid, long address, int attrs, byte[] src, int off, int len) {
            seen.add("dma write sid " + sid + " at " + Long.toHexString(address));
            return ABORTED;
        }

        @Override
        public int read(int sid, int ssid, long address, int attrs, byte[] dst, int off, int len) {
            return ABORTED;
        }
    }

    @Test
    void memoryMapAsQemuVirtWithHighEcam() {
        VirtMachine m = VirtMachine.builder().ramBytes(512L << 20).device("iommu-testdev").build();
        MemoryRegion ram = m.memory().regionAt(0x4000_0000L);
        assertEquals(0x4000_0000L, ram.base());
        assertEquals(0x2000_0000L, ram.size());
        List<String> map = m.bus().mappings().stream()
                .map(b -> b.name() + " " + Long.toHexString(b.base()) + " " + Long.toHexString(b.size())).toList();
        assertEquals(List.of("gic-its 8080000 20000", "pcie-mmio 10000000 2eff0000", "pcie-ecam 4010000000 10000000"),
                map);
        assertEquals(0x0005_1b36L, m.bus().read(0x40_1000_8000L, 4), "iommu-testdev at 00:01.0");
        assertNull(m.bus().deviceAt(0x3f00_0000L), "the low ECAM is not mapped");
        assertNull(m.bus().deviceAt(VirtMachine.SMMU_BASE), "no SMMU without an IOMMU");
        assertEquals("virt", m.name());
        assertSame(m.bus(), m.cpuBus().orElseThrow());
        assertTrue(m.iommu().isEmpty());
    }

    @Test
    void anSmmuWithBtmJoinsTheBroadcastOfTlbMaintenanceAndOneWithoutDoesNot() {
        VirtMachine with = VirtMachine.builder().iommu(IommuFactory.smmuv3(SmmuConfig.full())).build();
        assertEquals(1, with.dvm().participants());
        VirtMachine without = VirtMachine.builder().iommu(IommuFactory.smmuv3(SmmuConfig.full().withBtm(false)))
                .build();
        assertEquals(0, without.dvm().participants());
        assertEquals(0, VirtMachine.builder().build().dvm().participants());
    }

    @Test
    void defaultRamIs128MiB() {
        VirtMachine m = VirtMachine.builder().build();
        assertEquals(128L << 20, m.memory().regionAt(0x4000_0000L).size());
        assertTrue(m.devices().isEmpty());
    }

    @Test
    void ramReadsBackThroughTheBus() {
        VirtMachine m = VirtMachine.builder().ramBytes(512L << 20).build();
        m.bus().write(0x4e17_8fc0L, 4, 0xc000_0010L);
        assertEquals(0xc000_0010L, m.bus().read(0x4e17_8fc0L, 4));
    }

    @Test
    void theIommuIsMappedAt0x0905_0000AndDevicesDmaThroughIt() {
        FakeIommu smmu = new FakeIommu();
        VirtMachine m = VirtMachine.builder().iommu(bus -> {
            smmu.bus = bus;
            return new Iommu("smmuv3", smmu, smmu);
        }).device("iommu-testdev").build();
        assertSame(m.bus(), smmu.bus);
        SystemBus.Mapping regs = m.bus().deviceAt(0x0905_0044L);
        assertEquals("smmuv3", regs.name());
        assertEquals(0x0905_0000L, regs.base());
        assertEquals(0x2_0000L, regs.size());
        m.bus().write(0x0905_0044L, 4, 0x8000_0000L);
        m.bus().write(0x0905_0080L, 8, 0x4e17_9000L);
        assertEquals(List.of("write 44/4=80000000", "write 80/8=4e179000"), smmu.seen);

        IommuTestDevice dev = (IommuTestDevice) m.devices().getFirst();
        m.bus().write(0x40_1000_8004L, 2, 7);
        m.bus().write(0x40_1000_8010L, 4, 0x1000_0000L);
        m.bus().write(0x1000_0004L, 4, 0x8060_4567L);
        m.bus().write(0x1000_0008L, 4, 0x80);
        m.bus().write(0x1000_000cL, 4, 4);
        m.bus().write(0x1000_0014L, 4, 1);
        assertEquals(0, m.bus().read(0x1000_0000L, 4));
        assertEquals(0xdead_0002L, m.bus().read(0x1000_0010L, 4));
        assertEquals("dma write sid 8 at 8080604567", smmu.seen.getLast());
        assertEquals(IommuTestDevice.ERR_TX_FAIL, dev.result());
    }

    @Test
    void devicesTakeTheFirstFreeSlotOrTheDevfnGiven() {
        VirtMachine m = VirtMachine.builder().device("iommu-testdev", 0x18).device("iommu-testdev")
                .device("iommu-testdev").build();
        assertEquals(List.of(0x18, 0x08, 0x10), m.devices().stream().map(f -> f.requesterId()).toList());
        assertInstanceOf(IommuTestDevice.class, m.pciHost().function(0, 0x10));
    }

    @Test
    void badRequestsAreRefusedWithAMessage() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> VirtMachine.builder().device("e1000"));
        assertTrue(unknown.getMessage().contains("iommu-testdev"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VirtMachine.builder().device("iommu-testdev", 256));
        assertThrows(IllegalArgumentException.class,
                () -> VirtMachine.builder().device("iommu-testdev", 0).build(), "00:00.0 is the host bridge");
        assertThrows(IllegalArgumentException.class, () -> VirtMachine.builder().ramBytes(0));
        assertThrows(IllegalArgumentException.class, () -> VirtMachine.builder().ramBytes(4097));
        assertThrows(IllegalArgumentException.class, () -> VirtMachine.builder().ramBytes(256L << 30));
    }

    @Test
    void theNoneMachineHasRamOnlyWhenAsked() {
        assertTrue(new NoneMachine(0).cpuBus().isEmpty());
        SystemBus bus = new NoneMachine(1 << 20).cpuBus().orElseThrow();
        bus.write(0xff000, 8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, bus.read(0xff000, 8));
        assertTrue(bus.mappings().isEmpty());
        assertEquals("none", new NoneMachine(0).name());
    }
}

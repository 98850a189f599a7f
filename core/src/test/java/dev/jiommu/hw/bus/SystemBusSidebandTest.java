package dev.jiommu.hw.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jiommu.mem.MemoryFault;
import dev.jiommu.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** {@link SystemBus#write(long, int, long, int)}: the DeviceID rides with the write to a device; RAM ignores it. */
class SystemBusSidebandTest {

    private static final long RAM = 0x4000_0000L;
    private static final long DEV = 0x0900_0000L;

    /** A device that records what it was written. */
    private static class Recorder implements MmioDevice {
        final List<String> writes = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            writes.add(String.format("plain 0x%x/%d=0x%x", offset, size, value));
        }
    }

    /** A device that sees the sideband. */
    private static final class SidebandRecorder extends Recorder {
        @Override
        public void write(long offset, int size, long value, int deviceId) {
            writes.add(String.format("dev %d 0x%x/%d=0x%x", deviceId, offset, size, value));
        }
    }

    private final SystemBus bus = new SystemBus(PhysicalMemory.ram(RAM, 1 << 20));

    @Test
    void aDeviceThatReadsTheSidebandGetsTheDeviceId() {
        SidebandRecorder d = new SidebandRecorder();
        bus.map("d", DEV, 0x1000, d);

        bus.write(DEV + 0x40, 4, 0x12, 0x0108);
        bus.write(DEV + 0x40, 2, 0x34, MmioDevice.NO_DEVICE_ID);
        bus.write(DEV + 0x40, 4, 0x56);

        assertEquals(List.of("dev 264 0x40/4=0x12", "dev -1 0x40/2=0x34", "plain 0x40/4=0x56"), d.writes);
    }

    @Test
    void aDeviceThatIgnoresTheSidebandTakesAPlainWrite() {
        Recorder d = new Recorder();
        bus.map("d", DEV, 0x1000, d);

        bus.write(DEV + 8, 8, 0xabcdL, 7);

        assertEquals(List.of("plain 0x8/8=0xabcd"), d.writes);
    }

    @Test
    void ramTakesAPlainWrite() {
        bus.write(RAM + 0x10, 4, 0x1234_5678L, 0x0108);
        bus.write(RAM + 0x18, 8, 0x1122_3344_5566_7788L, 0x0108);
        bus.write(RAM + 0x20, 2, 0xbeefL, 1);
        bus.write(RAM + 0x22, 1, 0x7fL, 1);

        assertEquals(0x1234_5678L, bus.read(RAM + 0x10, 4));
        assertEquals(0x1122_3344_5566_7788L, bus.read(RAM + 0x18, 8));
        assertEquals(0xbeefL, bus.read(RAM + 0x20, 2));
        assertEquals(0x7fL, bus.read(RAM + 0x22, 1));
    }

    @Test
    void nothingDecodedIsAMemoryFaultAsForAPlainWrite() {
        assertThrows(MemoryFault.class, () -> bus.write(0x1000, 4, 1, 0x0108));
        assertThrows(MemoryFault.class, () -> bus.write(0x1000, 4, 1));
    }
}

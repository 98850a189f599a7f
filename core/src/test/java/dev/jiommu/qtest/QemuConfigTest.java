package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.platform.Iommu;
import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.NoneMachine;
import dev.jiommu.hw.platform.VirtMachine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** QEMU command lines as libqtest builds them, and the ones {@code jiommu qtest} refuses. */
class QemuConfigTest {

    private static List<String> words(String commandLine) {
        return List.of(commandLine.trim().split("\\s+"));
    }

    private static final String LIBQTEST = "-qtest unix:/tmp/qtest-42.sock -qtest-log /dev/null "
            + "-chardev socket,path=/tmp/qtest-42.qmp,id=char0 -mon chardev=char0,mode=control "
            + "-display none -audio none -run-with exit-with-parent=on ";

    @Test
    void theProbeInstance() {
        QemuConfig c = QemuConfig.parse(words("-trace foo* " + LIBQTEST + "-machine none -accel qtest"));
        assertEquals(new QemuConfig.UnixSocket(Path.of("/tmp/qtest-42.sock")), c.qtest());
        assertEquals("/dev/null", c.qtestLog());
        assertEquals(List.of(Path.of("/tmp/qtest-42.qmp")), c.qmpSockets());
        assertEquals("none", c.machine());
        assertEquals(QemuConfig.Request.RUN, c.request());
        assertInstanceOf(NoneMachine.class, c.createMachine(Map.of()));
    }

    @Test
    void theTestCaseInstance() {
        QemuConfig c = QemuConfig.parse(words(LIBQTEST + "-machine virt,acpi=off,gic-version=3,iommu=smmuv3 -smp 1 "
                + "-m 512 -cpu max -net none -device iommu-testdev -accel qtest"));
        assertEquals("virt", c.machine());
        assertEquals("smmuv3", c.machineOptions().get("iommu"));
        assertEquals(512L << 20, c.ramBytes());
        assertEquals(List.of(new QemuConfig.Device("iommu-testdev", -1)), c.devices());
        int[] made = {0};
        IommuFactory smmu = bus -> {
            made[0]++;
            return new Iommu("smmuv3", new VirtMachineFake(), new VirtMachineFake());
        };
        VirtMachine m = (VirtMachine) c.createMachine(Map.of("smmuv3", smmu));
        assertEquals(1, made[0]);
        assertEquals(8, m.devices().getFirst().requesterId());
        assertEquals(0x2000_0000L, m.memory().regionAt(0x4000_0000L).size());
        QemuUsageException none = assertThrows(QemuUsageException.class, () -> c.createMachine(Map.of()));
        assertEquals("-machine virt,iommu=smmuv3: no smmuv3 model is wired into this build", none.getMessage());
    }

    /** Registers that read 0 and a DMA port that aborts. */
    static final class VirtMachineFake implements dev.jiommu.hw.bus.MmioDevice, dev.jiommu.hw.bus.DmaTarget {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {}

        @Override
        public int write(int sid, int ssid, long address, int attrs, byte[] src, int off, int len) {
            return ABORTED;
        }

        @Override
        public int read(int sid, int ssid, long address, int attrs, byte[] dst, int off, int len) {
            return ABORTED;
        }
    }

    @Test
    void olderLibqtestAndDoubleDashSpellingsAndMergedMachineOptions() {
        QemuConfig c = QemuConfig.parse(List.of("--qtest", "stdio", "-M", "virt-10.2", "--machine", "iommu=none",
                "-device", "iommu-testdev,addr=03.2,id=itd,bus=pcie.0", "disk.img", "-nographic", "-S"));
        assertInstanceOf(QemuConfig.Stdio.class, c.qtest());
        assertEquals("virt", c.machine());
        assertEquals("none", c.machineOptions().get("iommu"));
        assertEquals(List.of(new QemuConfig.Device("iommu-testdev", 3 << 3 | 2)), c.devices());
        assertEquals(null, c.qtestLog());
        VirtMachine m = (VirtMachine) c.createMachine(Map.of());
        assertTrue(m.iommu().isEmpty());
    }

    @Test
    void qmpShorthandAndCommasInPaths() {
        QemuConfig c = QemuConfig.parse(List.of("-qmp", "unix:/tmp/a,,b.qmp,wait=off", "-machine", "none"));
        assertEquals(List.of(Path.of("/tmp/a,b.qmp")), c.qmpSockets());
        assertInstanceOf(QemuConfig.Stdio.class, c.qtest(), "stdio is the default");
    }

    @ParameterizedTest
    @CsvSource({"512, 536870912", "512M, 536870912", "1G, 1073741824", "1g, 1073741824", "size=256M, 268435456",
        "'2G,slots=4,maxmem=8G', 2147483648", "1.5G, 1610612736", "4096K, 4194304", "100000B, 106496",
        "0x20, 33554432"})
    void memorySizesAsQemuReadsThem(String value, long bytes) {
        assertEquals(bytes, QemuConfig.parse(List.of("-m", value)).ramBytes());
    }

    @Test
    void helpAndVersion() {
        assertEquals(QemuConfig.Request.HELP, QemuConfig.parse(List.of("-machine", "virt", "-help")).request());
        assertEquals(QemuConfig.Request.HELP, QemuConfig.parse(List.of("--help")).request());
        assertEquals(QemuConfig.Request.VERSION, QemuConfig.parse(List.of("-version")).request());
        assertEquals(QemuConfig.Request.RUN, QemuConfig.parse(List.of("-name", "-h")).request(), "-h is -name's value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-m", "-machine pc", "-m 0", "-m lots", "-m size=", "-m slots=2", "-qtest tcp:localhost:1",
        "-qtest unix:/tmp/x,server=on", "-qmp stdio", "-mon chardev=nope,mode=control",
        "-chardev socket,path=/tmp/q,id=c -mon chardev=c", "-chardev socket,path=/tmp/q,id=c,server=on -mon chardev=c,mode=control",
        "-chardev stdio,id=c -mon chardev=c,mode=control", "-chardev socket,path=/tmp/q",
        "-chardev socket,path=/tmp/q,id=c -chardev socket,path=/tmp/r,id=c", "-device e1000",
        "-device iommu-testdev,addr=20.0", "-device iommu-testdev,addr=1.8", "-device iommu-testdev,bus=pcie.1",
        "-device iommu-testdev,x-foo=1", "-machine virt,,", "-machine virt,iommu=smmuv3,iommu=none"})
    void unsupportedCommandLinesAreUsageErrors(String commandLine) {
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> QemuConfig.parse(words(commandLine)));
        assertEquals(1, e.getMessage().lines().count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-machine none -device iommu-testdev", "-machine none,iommu=smmuv3",
        "-machine virt,iommu=intel", "-machine virt -m 256G", "-machine virt -device iommu-testdev,addr=0"})
    void machinesThatCannotBeBuiltAreUsageErrors(String commandLine) {
        QemuConfig c = QemuConfig.parse(commandLine.isEmpty() ? List.of() : words(commandLine));
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> c.createMachine(Map.of()));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}

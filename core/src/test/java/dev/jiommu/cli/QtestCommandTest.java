package dev.jiommu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jiommu qtest} in-process (stdin/stdout sessions, sockets with QMP
 * {@code quit}, usage errors) and through {@code bin/qemu-system-aarch64}.
 */
@Timeout(120)
class QtestCommandTest {

    record Result(int status, String out, String err) {}

    /** Runs {@code jiommu qtest ARGS} with {@code stdin} as standard input. */
    private static Result qtest(String stdin, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        String[] argv = new String[args.length + 1];
        argv[0] = "qtest";
        System.arraycopy(args, 0, argv, 1, args.length);
        InputStream saved = System.in;
        int status;
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8);
                var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            status = Main.execute(o, e, false, argv);
        } finally {
            System.setIn(saved);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final String SESSION = """
            endianness
            read 0x4010008000 0x4
            write 0x4010008004 0x2 0x0600
            write 0x4010008010 0x4 0x00000010
            writel 0x40001000 0x12345678
            write 0x10000004 0x4 0x00100040
            write 0x1000001c 0x4 0x00100040
            write 0x1000000c 0x4 0x04000000
            write 0x10000014 0x4 0x01000000
            read 0x10000000 0x4
            read 0x10000010 0x4
            read 0x40001000 0x8
            frob
            readl
            """;

    @Test
    void aScriptedSessionOnStdinRunsTheTestDeviceWithoutAnIommu() {
        Result r = qtest(SESSION, "-machine", "virt", "-m", "512M", "-device", "iommu-testdev", "-qtest-log", "none");
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("OK little", "OK 0x361b0500", "OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK 0x00000000",
                "OK 0x00000000", "OK 0x7856341200000000", "FAIL Unknown command 'frob'",
                "ERR missing argument: readl ADDR"), r.out().lines().toList());
        assertEquals("", r.err());
    }

    /**
     * A qtest written as QEMU's own would be: enable the testdev, build a
     * linear stream table whose STE 8 points at one CD (ASID 1, 48-bit VA,
     * 4K granule) with a four-level table mapping IOVA 0x8000_1000 to PA
     * 0x4300_0000, enable the SMMU, DMA through the testdev and read the
     * bytes back; then a DMA to an unmapped IOVA fails and leaves one
     * F_TRANSLATION record for StreamID 8 in the event queue.
     */
    private static final String SMMU_SESSION = """
            write 0x4010008004 0x2 0x0600
            write 0x4010008010 0x4 0x00000010
            writeq 0x41000200 0x4100100b
            writeq 0x41001000 0x16205c0000010
            writeq 0x41001008 0x42000000
            writeq 0x42000000 0x42001003
            writeq 0x42001010 0x42002003
            writeq 0x42002000 0x42003003
            writeq 0x42003008 0x43000763
            writeq 0x9050080 0x41000000
            writel 0x9050088 0x5
            writeq 0x9050090 0x41002005
            writeq 0x90500a0 0x41003005
            writel 0x9050020 0xd
            readl 0x9050024
            write 0x10000004 0x4 0x34120080
            write 0x10000008 0x4 0x00000000
            write 0x1000001c 0x4 0x34020043
            write 0x10000020 0x4 0x00000000
            write 0x1000000c 0x4 0x04000000
            write 0x10000018 0x4 0x0a000000
            write 0x10000014 0x4 0x01000000
            read 0x10000000 0x4
            read 0x10000010 0x4
            read 0x43000234 0x4
            readl 0x90600a8
            write 0x10000004 0x4 0x00500080
            write 0x10000014 0x4 0x01000000
            read 0x10000000 0x4
            read 0x10000010 0x4
            readl 0x90600a8
            readq 0x41003000
            readq 0x41003010
            """;

    @Test
    void aScriptedSessionProgramsTheSmmuAndDmasThroughAStage1Context() {
        Result r = qtest(SMMU_SESSION, "-machine", "virt,iommu=smmuv3", "-m", "512M", "-device", "iommu-testdev",
                "-qtest-log", "none");
        assertEquals(0, r.status(), r.err());
        List<String> replies = r.out().lines().toList();
        assertEquals(33, replies.size(), r.out());
        assertTrue(replies.subList(0, 14).stream().allMatch("OK"::equals), r.out());
        assertEquals("OK 0x000000000000000d", replies.get(14), "CR0ACK follows CR0");
        assertEquals("OK 0x00000000", replies.get(22), "TRIGGERING read");
        assertEquals("OK 0x00000000", replies.get(23), "RESULT: the DMA succeeded");
        assertEquals("OK 0x78563412", replies.get(24), "the pattern landed at PA 0x4300_0234");
        assertEquals("OK 0x0000000000000000", replies.get(25), "no event so far");
        assertEquals("OK 0x0200adde", replies.get(29), "RESULT dead0002: the unmapped IOVA faulted");
        assertEquals("OK 0x0000000000000001", replies.get(30), "one event record written");
        assertEquals("OK 0x0000000800000010", replies.get(31), "F_TRANSLATION from StreamID 8");
        assertEquals("OK 0x0000000080005000", replies.get(32), "its input address");
    }

    @Test
    void withoutQtestLogTheLogGoesToStderrAsInQemu() {
        Result r = qtest("endianness\n", "-machine", "none");
        assertEquals(0, r.status());
        assertEquals("OK little\n", r.out());
        List<String> log = r.err().lines().toList();
        assertEquals(4, log.size(), r.err());
        assertTrue(log.get(1).matches("\\[R \\+\\d+\\.\\d{6}] endianness"), r.err());
        assertTrue(log.get(2).matches("\\[S \\+\\d+\\.\\d{6}] OK little"), r.err());
    }

    @Test
    void theLogGoesToTheFileNamed(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("qtest.log");
        Result r = qtest("readl 0x9000000\n", "-machine", "virt", "-qtest-log", log.toString());
        assertEquals(0, r.status());
        assertEquals("", r.err());
        String text = Files.readString(log);
        assertTrue(text.contains("] readl 0x9000000\n"), text);
        assertTrue(text.contains("unassigned read of 0x4 bytes at 0x9000000"), text);
        assertTrue(text.contains("] OK 0x0000000000000000\n"), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-machine pc", "-machine virt -device e1000", "-machine virt,iommu=smmuv3x", "-m",
        "-machine virt -m 0", "-qtest tcp:localhost:4444 -machine none", "", "-machine none -device iommu-testdev"})
    void unusableCommandLinesAreUsageErrorsOnOneLine(String args) {
        Result r = qtest("", args.isEmpty() ? new String[0] : args.split(" "));
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("jiommu qtest: "), r.err());
        assertTrue(r.err().strip().endsWith("(see 'jiommu qtest --help')"), r.err());
        assertEquals("", r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "-help"})
    void helpGoesToStdout(String option) {
        Result r = qtest("", option);
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("Usage: jiommu qtest [QEMU-OPTION...]"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void versionNamesQemuAndJiommu() {
        Result r = qtest("", "-version");
        assertEquals(0, r.status());
        assertTrue(r.out().matches("QEMU emulator version 10\\.2\\.0 \\(jiommu \\S+\\)\\n"), r.out());
    }

    @Test
    void anUnconnectableSocketIsStatus1OnOneLine(@TempDir Path dir) {
        Result r = qtest("", "-machine", "none", "-qtest", "unix:" + dir.resolve("nobody-listens"));
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("jiommu qtest: cannot connect to -qtest socket "), r.err());
    }

    @Test
    void overSocketsQmpQuitEndsTheSessionWithStatus0AndNothingOnStdout(@TempDir Path dir) throws Exception {
        Path qtestPath = dir.resolve("q.sock");
        Path qmpPath = dir.resolve("q.qmp");
        try (ServerSocketChannel qtestListen = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                ServerSocketChannel qmpListen = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            qtestListen.bind(UnixDomainSocketAddress.of(qtestPath), 1);
            qmpListen.bind(UnixDomainSocketAddress.of(qmpPath), 1);
            CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> qtest("", "-qtest", "unix:" + qtestPath,
                    "-qtest-log", "/dev/null", "-chardev", "socket,path=" + qmpPath + ",id=char0", "-mon",
                    "chardev=char0,mode=control", "-machine", "virt", "-accel", "qtest"));
            try (SocketChannel qtest = qtestListen.accept(); SocketChannel qmp = qmpListen.accept()) {
                var qtestIn = new BufferedReader(new InputStreamReader(Channels.newInputStream(qtest), StandardCharsets.UTF_8));
                var qmpIn = new BufferedReader(new InputStreamReader(Channels.newInputStream(qmp), StandardCharsets.UTF_8));
                var qtestOut = Channels.newOutputStream(qtest);
                var qmpOut = Channels.newOutputStream(qmp);
                qtestOut.write("writel 0x40000000 0x5\nreadl 0x40000000\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("OK", qtestIn.readLine());
                assertEquals("OK 0x0000000000000005", qtestIn.readLine());
                assertTrue(qmpIn.readLine().startsWith("{\"QMP\": "));
                qmpOut.write("{\"execute\": \"qmp_capabilities\"}\n{\"execute\": \"quit\"}\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("{\"return\": {}}", qmpIn.readLine());
                assertEquals("{\"return\": {}}", qmpIn.readLine());
                assertTrue(qmpIn.readLine().contains("\"SHUTDOWN\""));
                Result r = run.get(30, TimeUnit.SECONDS);
                assertEquals(0, r.status(), r.err());
                assertEquals("", r.out());
                assertEquals("", r.err());
            }
        }
    }

    @Test
    void theLauncherServesStdinAndExitsZeroAtEndOfInput() throws Exception {
        Path launcher = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && launcher == null; d = d.getParent()) {
            Path l = d.resolve("bin/qemu-system-aarch64");
            launcher = Files.isExecutable(l) ? l : null;
        }
        assertTrue(launcher != null, "bin/qemu-system-aarch64 not found");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "-machine", "virt", "-m", "512",
                "-device", "iommu-testdev", "-qtest-log", "none", "-display", "none", "-nographic");
        pb.environment().put("JIOMMU_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("JIOMMU_JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(SESSION.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertEquals(14, out.lines().count(), out);
        assertTrue(out.startsWith("OK little\nOK 0x361b0500\n"), out);
        assertEquals("", err);
    }
}

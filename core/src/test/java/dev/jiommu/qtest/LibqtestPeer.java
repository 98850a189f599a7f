package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * libqtest's side of a QEMU instance, as QEMU's {@code tests/qtest/libqtest.c}
 * plays it (docs/qtest.md): listens on two Unix sockets, starts the binary
 * through {@code /bin/sh -c "exec BINARY ARGS"}, accepts the qtest socket and
 * then the QMP socket (50 s each), deletes both socket files, performs the
 * handshake, and at the end sends SIGTERM and waits up to 30 s for the exit
 * status. The binary is {@code bin/qemu-system-aarch64}, run on the test's own
 * class path and JDK ({@code JIOMMU_CLASSPATH}, {@code JIOMMU_JAVA_HOME}).
 */
final class LibqtestPeer implements AutoCloseable {

    /** libqtest's fixed part of the argument string (newest form, without -trace). */
    static String arguments(Path qtestSocket, Path qmpSocket, String extra) {
        return "-qtest unix:" + qtestSocket + " -qtest-log /dev/null -chardev socket,path=" + qmpSocket
                + ",id=char0 -mon chardev=char0,mode=control -display none -audio none"
                + " -run-with exit-with-parent=on " + extra + " -accel qtest";
    }

    /** The QEMU arguments of the test-case instances of {@code iommu-smmuv3-test}. */
    static final String TEST_CASE_MACHINE =
            "-machine virt,acpi=off,gic-version=3,iommu=smmuv3 -smp 1 -m 512 -cpu max -net none -device iommu-testdev";

    private final Path dir;
    private final Path stdout;
    private final Path stderr;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Process process;
    private OutputStream qtestOut;
    private BufferedReader qtestIn;
    private OutputStream qmpOut;
    private BufferedReader qmpIn;
    /** Every qtest request sent, for failure messages. */
    final List<String> transcript = new ArrayList<>();

    private LibqtestPeer() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jq");
        stdout = dir.resolve("stdout");
        stderr = dir.resolve("stderr");
    }

    private void launch(String extra) throws Exception {
        Path qtestPath = dir.resolve("qtest-" + ProcessHandle.current().pid() + ".sock");
        Path qmpPath = dir.resolve("qtest-" + ProcessHandle.current().pid() + ".qmp");
        ServerSocketChannel qtestListen = listen(qtestPath);
        ServerSocketChannel qmpListen = listen(qmpPath);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c",
                "exec " + launcher() + " " + arguments(qtestPath, qmpPath, extra));
        pb.environment().put("JIOMMU_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("JIOMMU_JAVA_HOME", System.getProperty("java.home"));
        pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        process = pb.start();
        SocketChannel qtest = accept(qtestListen);
        SocketChannel qmp = accept(qmpListen);
        Files.delete(qtestPath);
        Files.delete(qmpPath);
        qtestOut = Channels.newOutputStream(qtest);
        qtestIn = new BufferedReader(new InputStreamReader(Channels.newInputStream(qtest), StandardCharsets.ISO_8859_1));
        qmpOut = Channels.newOutputStream(qmp);
        qmpIn = new BufferedReader(new InputStreamReader(Channels.newInputStream(qmp), StandardCharsets.UTF_8));
    }

    /** Starts the binary with {@code extra} as libqtest's {@code <EXTRA>} and does libqtest's handshake. */
    static LibqtestPeer start(String extra) throws Exception {
        LibqtestPeer p = new LibqtestPeer();
        try {
            p.launch(extra);
            p.expect("endianness", "OK little");
            String greeting = p.qmpIn.readLine();
            assertTrue(greeting != null && greeting.startsWith("{\"QMP\": ") && !greeting.contains("\"event\""),
                    "QMP greeting: " + greeting);
            assertEquals("{\"return\": {}}", p.qmp("{\"execute\": \"qmp_capabilities\"}"));
            return p;
        } catch (Exception | AssertionError e) {
            p.close();
            throw e;
        }
    }

    /** The repository's {@code bin/qemu-system-aarch64}, found upwards from the working directory. */
    static Path launcher() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path l = d.resolve("bin/qemu-system-aarch64");
            if (Files.isExecutable(l)) {
                return l;
            }
        }
        throw new IllegalStateException("bin/qemu-system-aarch64 not found above " + Path.of("").toAbsolutePath());
    }

    private ServerSocketChannel listen(Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        closeables.add(s);
        s.bind(UnixDomainSocketAddress.of(path), 1);
        return s;
    }

    /** libqtest's accept with its 50 s limit; fails at once when the process has exited. */
    private SocketChannel accept(ServerSocketChannel listen) throws Exception {
        CompletableFuture<SocketChannel> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                f.complete(listen.accept());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
        while (System.nanoTime() < deadline) {
            try {
                SocketChannel ch = f.get(100, TimeUnit.MILLISECONDS);
                closeables.add(ch);
                return ch;
            } catch (TimeoutException e) {
                if (!process.isAlive()) {
                    throw new AssertionError("exited with status " + process.exitValue()
                            + " before connecting; stderr: " + stderrText());
                }
            }
        }
        throw new AssertionError("no connection within 50 s; stderr: " + stderrText());
    }

    /** One qtest request and its reply (asynchronous {@code IRQ} lines skipped, as libqtest does). */
    String qtest(String request) throws IOException {
        transcript.add(request);
        qtestOut.write((request + "\n").getBytes(StandardCharsets.ISO_8859_1));
        qtestOut.flush();
        String line;
        do {
            line = qtestIn.readLine();
        } while (line != null && line.startsWith("IRQ "));
        if (line == null) {
            throw new AssertionError("qtest channel closed after '" + request + "'; stderr: " + stderrText());
        }
        return line;
    }

    void expect(String request, String reply) throws IOException {
        assertEquals(reply, qtest(request), request);
    }

    /** One QMP command and its reply (events skipped, as libqtest does). */
    String qmp(String json) throws IOException {
        qmpOut.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        qmpOut.flush();
        String line;
        do {
            line = qmpIn.readLine();
        } while (line != null && line.contains("\"event\""));
        if (line == null) {
            throw new AssertionError("QMP channel closed after " + json + "; stderr: " + stderrText());
        }
        return line;
    }

    /** libqtest's {@code qtest_quit}: SIGTERM, then the exit status within 30 s (-1: still running). */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    String stdoutText() throws IOException {
        return Files.readString(stdout, StandardCharsets.ISO_8859_1);
    }

    String stderrText() {
        try {
            return Files.readString(stderr, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

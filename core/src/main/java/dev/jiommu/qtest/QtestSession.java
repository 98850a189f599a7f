package dev.jiommu.qtest;

import dev.jiommu.hw.platform.Machine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One run of the qtest stand-in: the machine, the qtest server on its channel
 * and a QMP server per monitor socket, each on its own daemon thread.
 *
 * <p>Start-up follows libqtest's expectations (see docs/qtest.md): connect as
 * a client to the qtest socket, then to each QMP socket, sending the QMP
 * greeting as soon as a QMP socket is connected. The session ends (status 0)
 * at end of stream on the qtest channel or when a QMP client sends
 * {@code quit}; end of stream on a QMP channel ends only that monitor, as in
 * QEMU. Only the qtest thread touches the machine.
 */
public final class QtestSession implements AutoCloseable {

    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    private final List<SocketChannel> channels = new ArrayList<>();
    private final QtestLog log;

    private QtestSession(QtestLog log) {
        this.log = log;
    }

    /**
     * Opens the log, connects the channels and starts serving.
     *
     * @param stdin     the qtest input when {@code config.qtest()} is stdio
     * @param stdout    the qtest output when stdio; never written otherwise
     * @param errorLog  where the qtest log goes when {@code -qtest-log} is not given
     * @throws IOException when the log cannot be created or a socket cannot be connected
     *                     (the message names the path)
     */
    public static QtestSession start(QemuConfig config, Machine machine, InputStream stdin, OutputStream stdout,
            PrintWriter errorLog) throws IOException {
        QtestLog log;
        try {
            log = QtestLog.open(config.qtestLog(), errorLog);
        } catch (IOException e) {
            throw new IOException("-qtest-log " + config.qtestLog() + ": " + e.getMessage(), e);
        }
        QtestSession s = new QtestSession(log);
        try {
            InputStream in = stdin;
            OutputStream out = stdout;
            if (config.qtest() instanceof QemuConfig.UnixSocket(Path path)) {
                SocketChannel ch = s.connect("-qtest", path);
                in = Channels.newInputStream(ch);
                out = Channels.newOutputStream(ch);
            }
            List<SocketChannel> qmp = new ArrayList<>();
            for (Path p : config.qmpSockets()) {
                qmp.add(s.connect("QMP", p));
            }
            for (int k = 0; k < qmp.size(); k++) {
                SocketChannel ch = qmp.get(k);
                Qmp monitor = new Qmp(() -> s.done.complete(0));
                s.thread("qmp-" + k, () -> {
                    try {
                        monitor.serve(Channels.newInputStream(ch), Channels.newOutputStream(ch));
                    } catch (IOException e) {
                        log.note("QMP channel closed: " + e.getMessage());
                    }
                });
            }
            QtestServer server = new QtestServer(machine, log);
            InputStream qin = in;
            OutputStream qout = out;
            s.thread("qtest", () -> {
                try {
                    server.serve(qin, qout);
                } catch (IOException e) {
                    log.note("qtest channel failed: " + e.getMessage());
                }
                s.done.complete(0);
            });
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private SocketChannel connect(String what, Path path) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        channels.add(ch);
        try {
            ch.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            throw new IOException("cannot connect to " + what + " socket " + path + ": " + e.getMessage(), e);
        }
        return ch;
    }

    private void thread(String name, Runnable body) {
        Thread t = Thread.ofPlatform().name(name).daemon().unstarted(() -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        t.start();
    }

    /**
     * Blocks until the session ends.
     *
     * @return the exit status: 0
     * @throws RuntimeException what escaped a server thread (a bug in a model)
     */
    public int await() throws InterruptedException {
        try {
            return done.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Closes the sockets and the log; the server threads then end. */
    @Override
    public void close() {
        for (SocketChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing a socket that failed: nothing left to do
            }
        }
        log.close();
    }
}

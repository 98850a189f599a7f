package dev.jiommu.cli;

import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.Machine;
import dev.jiommu.qtest.QemuConfig;
import dev.jiommu.qtest.QemuUsageException;
import dev.jiommu.qtest.QtestSession;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code jiommu qtest [QEMU-OPTION...]}: jiommu as {@code qemu-system-aarch64
 * -accel qtest}, for QEMU's qtest programs (launched as
 * {@code bin/qemu-system-aarch64}) and for scripted sessions on stdin/stdout.
 *
 * <p>Every argument is a QEMU option ({@link QemuConfig#parse}); picocli only
 * collects them, so QEMU's single-dash long options pass through untouched.
 * Exit status: 0 when the qtest channel reaches end of stream, on QMP
 * {@code quit}, and on SIGTERM, SIGINT or SIGHUP (QEMU exits 0 on these too,
 * and libqtest aborts on any other status); 1 when a socket cannot be
 * connected or the log cannot be created; 2 for a command line it cannot run.
 */
@Command(
        name = "qtest",
        description = {
            "Act as qemu-system-aarch64 -accel qtest, so QEMU's qtest programs drive jiommu.",
            "Serves QEMU's qtest protocol and QMP on a virt or none machine. QEMU options:",
            "  -qtest unix:PATH | stdio    qtest channel (default: stdio)",
            "  -qtest-log PATH             request log; none: no log (default: stderr)",
            "  -chardev socket,path=PATH,id=ID -mon chardev=ID,mode=control",
            "  -qmp unix:PATH              QMP on a socket",
            "  -machine virt[,iommu=smmuv3] | none",
            "  -m SIZE                     RAM; MiB, or K, M, G suffix (virt default: 128M)",
            "  -device iommu-testdev[,addr=SLOT.FN]",
            "  -h, -version                help, QEMU-style version",
            "Other options are accepted and ignored (see docs/qtest.md). Sockets are",
            "connected to as a client; in socket mode nothing is written to stdout.",
        },
        customSynopsis = "jiommu qtest [QEMU-OPTION...]",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:end of the qtest stream, QMP quit, or SIGTERM/SIGINT/SIGHUP",
            " 1:a socket could not be connected, or the log could not be created",
            " 2:usage error (unknown machine or device, bad value, unsupported option)",
            "70:internal error",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  printf 'readl 0x40000000\\n' | jiommu qtest -machine virt -qtest-log none",
            "  jiommu qtest -machine virt -device iommu-testdev < session.qtest",
            "  QTEST_QEMU_BINARY=bin/qemu-system-aarch64 ./iommu-smmuv3-test",
        })
final class QtestCommand implements Callable<Integer> {

    /** The IOMMU models {@code -machine virt,iommu=NAME} may ask for, by name. */
    private final Map<String, IommuFactory> iommus;

    @Spec
    CommandSpec spec;

    @Unmatched
    List<String> qemuArgs = new ArrayList<>();

    /** @param iommus the IOMMU models by QEMU's {@code iommu=} value; {@link Main} supplies them */
    QtestCommand(Map<String, IommuFactory> iommus) {
        this.iommus = Map.copyOf(iommus);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintStream out = Main.root(spec).out;
        PrintWriter err = spec.commandLine().getErr();
        QemuConfig config;
        Machine machine;
        try {
            config = QemuConfig.parse(qemuArgs);
            switch (config.request()) {
                case HELP -> {
                    spec.commandLine().usage(out);
                    return Main.EXIT_OK;
                }
                case VERSION -> {
                    out.println("QEMU emulator version 10.2.0 (jiommu " + VersionProvider.projectVersion() + ")");
                    return Main.EXIT_OK;
                }
                case RUN -> { }
            }
            machine = config.createMachine(iommus);
        } catch (QemuUsageException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        // The JVM runs shutdown hooks on SIGTERM, SIGINT and SIGHUP; halting from one makes the
        // exit status 0 instead of 128 + signal. The hook is removed before a normal return, so
        // it never overrides the status of an ordinary exit.
        Thread onSignal = new Thread(() -> Runtime.getRuntime().halt(Main.EXIT_OK), "qtest-signal");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try (QtestSession session = QtestSession.start(config, machine, System.in, out, err)) {
            return session.await();
        } catch (IOException e) {
            err.println("jiommu qtest: " + e.getMessage());
            err.flush();
            return Main.EXIT_FAILED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running: it ends the process with status 0
            }
        }
    }
}

package dev.jiommu.qtest;

import dev.jiommu.hw.platform.IommuFactory;
import dev.jiommu.hw.platform.Machine;
import dev.jiommu.hw.platform.NoneMachine;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.pci.PciBus;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code qemu-system-aarch64} command line, as far as {@code jiommu qtest}
 * acts on it; see {@link #parse} for the options.
 *
 * @param qtest          where the qtest protocol runs
 * @param qtestLog       {@code -qtest-log} value; null when not given (log to stderr, as QEMU does)
 * @param qmpSockets     Unix sockets to connect to and speak QMP on
 * @param machine        {@code virt}, {@code none}, or null when no {@code -machine} was given
 * @param machineOptions the {@code -machine} parameters other than the type, merged over all {@code -machine}s
 * @param ramBytes       {@code -m}, rounded up to 8 KiB as QEMU does; 0 when not given
 * @param devices        the {@code -device}s, in order
 * @param request        what the command line asks for
 */
public record QemuConfig(Endpoint qtest, String qtestLog, List<Path> qmpSockets, String machine,
        Map<String, String> machineOptions, long ramBytes, List<Device> devices, Request request) {

    /** Run a machine, or print help or the version. */
    public enum Request { RUN, HELP, VERSION }

    /** Where a protocol runs. */
    public sealed interface Endpoint permits Stdio, UnixSocket {}

    /** The process's standard input and output. */
    public record Stdio() implements Endpoint {}

    /** A Unix stream socket that a peer listens on; {@code jiommu qtest} connects as the client. */
    public record UnixSocket(Path path) implements Endpoint {}

    /** A {@code -device}: the model name and its devfn on bus 0, -1 for the first free slot. */
    public record Device(String model, int devfn) {}

    /** QEMU options that take no value. Every other option takes exactly one. */
    static final Set<String> FLAGS = Set.of("-h", "-help", "-version", "-S", "-s", "-snapshot", "-nographic",
            "-no-reboot", "-no-shutdown", "-daemonize", "-enable-kvm", "-no-user-config", "-nodefaults",
            "-full-screen", "-preconfig", "-only-migratable", "-semihosting", "-usb", "-win2k-hack", "-no-hpet",
            "-no-fd-bootchk", "-alt-grab", "-ctrl-grab", "-enable-sync-profile", "-xen-attach", "-old-param",
            "-no-acpi", "-curses", "-portrait", "-singlestep", "-no-quit", "-enable-fips", "-nodefconfig");

    /** The machine types {@code -machine} accepts, with the QEMU version alias. */
    static final Map<String, String> MACHINES = Map.of("virt", "virt", "virt-10.2", "virt", "none", "none");

    private static final Pattern SIZE = Pattern.compile(
            "(0[xX][0-9a-fA-F]+|[0-9]+(?:\\.[0-9]*)?)\\s*([bBkKmMgGtTpPeE]?)");
    private static final Pattern PCI_ADDR = Pattern.compile("([0-9a-fA-F]{1,2})(?:\\.([0-7]))?");

    /**
     * Reads a QEMU argument list. Acted on:
     * <ul>
     *   <li>{@code -qtest unix:PATH[,...]} (connect to PATH) or {@code -qtest stdio}; default stdio;</li>
     *   <li>{@code -qtest-log PATH} ({@code none}, {@code /dev/null}: no log);</li>
     *   <li>{@code -chardev socket,id=ID,path=PATH[,...]} with {@code -mon chardev=ID,mode=control},
     *       and {@code -qmp unix:PATH}: QMP, connecting to PATH;</li>
     *   <li>{@code -machine|-M TYPE[,iommu=none|smmuv3][,...]}, TYPE {@code virt}, {@code virt-10.2}
     *       or {@code none}; other parameters are ignored;</li>
     *   <li>{@code -m [size=]SIZE[,...]}: MiB without a suffix, or with B, K, M, G, T, P, E;</li>
     *   <li>{@code -device iommu-testdev[,addr=SLOT[.FN]][,id=ID][,bus=pcie.0]};</li>
     *   <li>{@code -h}, {@code -help}, {@code -version}.</li>
     * </ul>
     * Options may also be spelled with two dashes. Options in {@link #FLAGS}
     * take no value and are ignored; every other option takes one value and is
     * ignored; words that are not options (QEMU's disk image) are ignored.
     *
     * @throws QemuUsageException for a missing or bad value, or an option that cannot be honoured
     */
    public static QemuConfig parse(List<String> args) {
        Endpoint qtest = new Stdio();
        String log = null;
        List<Path> qmp = new ArrayList<>();
        Map<String, QemuOpts> chardevs = new LinkedHashMap<>();
        List<QemuOpts> monitors = new ArrayList<>();
        String machine = null;
        Map<String, String> machineOptions = new LinkedHashMap<>();
        long ram = 0;
        List<Device> devices = new ArrayList<>();
        Request request = Request.RUN;
        for (int k = 0; k < args.size(); k++) {
            String arg = args.get(k);
            if (!arg.startsWith("-") || arg.equals("-")) {
                continue;
            }
            String name = arg.startsWith("--") ? arg.substring(1) : arg;
            if (FLAGS.contains(name)) {
                switch (name) {
                    case "-h", "-help" -> request = Request.HELP;
                    case "-version" -> request = request == Request.HELP ? request : Request.VERSION;
                    default -> { }
                }
                continue;
            }
            if (k + 1 >= args.size()) {
                throw new QemuUsageException(name + " requires an argument");
            }
            String v = args.get(++k);
            switch (name) {
                case "-qtest" -> qtest = endpoint(name, v, true);
                case "-qtest-log" -> log = v;
                case "-qmp", "-qmp-pretty" -> qmp.add(((UnixSocket) endpoint(name, v, false)).path());
                case "-chardev" -> {
                    QemuOpts c = QemuOpts.parse(name, v, "backend");
                    String id = c.get("id");
                    if (id == null) {
                        throw new QemuUsageException(name + " " + v + ": parameter 'id' is missing");
                    }
                    if (chardevs.put(id, c) != null) {
                        throw new QemuUsageException(name + " " + v + ": duplicate chardev id '" + id + "'");
                    }
                }
                case "-mon" -> monitors.add(QemuOpts.parse(name, v, "chardev"));
                case "-machine", "-M" -> {
                    QemuOpts m = QemuOpts.parse(name, v, "type");
                    for (var e : m.values().entrySet()) {
                        if (e.getKey().equals("type")) {
                            machine = machineType(name, e.getValue());
                        } else {
                            machineOptions.put(e.getKey(), e.getValue());
                        }
                    }
                }
                case "-m" -> ram = ramSize(name, v);
                case "-device" -> devices.add(device(name, v));
                default -> { }
            }
        }
        for (QemuOpts mon : monitors) {
            qmp.add(monitorSocket(mon, chardevs));
        }
        return new QemuConfig(qtest, log, List.copyOf(qmp), machine, Map.copyOf(machineOptions), ram,
                List.copyOf(devices), request);
    }

    private static Endpoint endpoint(String option, String v, boolean stdioAllowed) {
        if (stdioAllowed && v.equals("stdio")) {
            return new Stdio();
        }
        if (!v.startsWith("unix:") || v.length() == 5) {
            throw new QemuUsageException(option + " " + v + ": only " + (stdioAllowed ? "'stdio' and " : "")
                    + "'unix:PATH' are supported");
        }
        QemuOpts o = QemuOpts.parse(option, v.substring(5), "path");
        if (o.flag("server", false)) {
            throw new QemuUsageException(option + " " + v + ": server sockets are not supported;"
                    + " jiommu qtest connects to a listening socket");
        }
        return new UnixSocket(Path.of(o.get("path")));
    }

    private static Path monitorSocket(QemuOpts mon, Map<String, QemuOpts> chardevs) {
        String id = mon.get("chardev");
        QemuOpts c = id == null ? null : chardevs.get(id);
        if (c == null) {
            throw new QemuUsageException("-mon: chardev '" + id + "' not found");
        }
        String mode = mon.values().getOrDefault("mode", "readline");
        if (!mode.equals("control")) {
            throw new QemuUsageException("-mon chardev=" + id + ",mode=" + mode
                    + ": only mode=control (QMP) is supported");
        }
        if (!"socket".equals(c.get("backend")) || c.get("path") == null) {
            throw new QemuUsageException("-chardev id=" + id + ": a QMP monitor needs a Unix socket (socket,path=PATH)");
        }
        if (c.flag("server", false)) {
            throw new QemuUsageException("-chardev id=" + id + ": server sockets are not supported;"
                    + " jiommu qtest connects to a listening socket");
        }
        return Path.of(c.get("path"));
    }

    private static String machineType(String option, String type) {
        String t = MACHINES.get(type);
        if (t == null) {
            throw new QemuUsageException(option + " " + type + ": unsupported machine type; supported: "
                    + String.join(", ", new TreeSet<>(MACHINES.keySet())));
        }
        return t;
    }

    /** QEMU's {@code -m} ({@code system/vl.c parse_memory_options}): MiB by default, rounded up to 8 KiB. */
    static long ramSize(String option, String v) {
        QemuOpts o = QemuOpts.parse(option, v, "size");
        String size = o.get("size");
        if (size == null) {
            throw new QemuUsageException(option + " " + v + ": missing 'size' option value");
        }
        long bytes = parseSize(option, size);
        if (bytes <= 0) {
            throw new QemuUsageException(option + " " + v + ": RAM size must be positive");
        }
        long rounded = bytes + 8191 & ~8191L;
        if (rounded <= 0) {
            throw new QemuUsageException(option + " " + v + ": RAM size is too large");
        }
        return rounded;
    }

    private static long parseSize(String option, String s) {
        Matcher m = SIZE.matcher(s.strip());
        if (!m.matches()) {
            throw new QemuUsageException(option + " " + s + ": not a size (a number with an optional B, K, M, G, T, P, E)");
        }
        String num = m.group(1);
        int shift = switch (m.group(2).toUpperCase()) {
            case "" -> 20;
            case "B" -> 0;
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            case "P" -> 50;
            default -> 60;
        };
        BigDecimal value = num.startsWith("0x") || num.startsWith("0X")
                ? new BigDecimal(new java.math.BigInteger(num.substring(2), 16)) : new BigDecimal(num);
        BigDecimal bytes = value.multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new QemuUsageException(option + " " + s + ": size too large");
        }
        return bytes.longValue();
    }

    private static Device device(String option, String v) {
        QemuOpts o = QemuOpts.parse(option, v, "driver");
        String model = o.get("driver");
        if (model == null || !VirtMachine.DEVICE_MODELS.containsKey(model)) {
            throw new QemuUsageException(option + " " + v + ": unknown device '" + model + "'; supported: "
                    + String.join(", ", new TreeSet<>(VirtMachine.DEVICE_MODELS.keySet())));
        }
        int devfn = -1;
        for (var e : o.values().entrySet()) {
            switch (e.getKey()) {
                case "driver", "id" -> { }
                case "bus" -> {
                    if (!e.getValue().equals("pcie.0")) {
                        throw new QemuUsageException(option + " " + v + ": bus '" + e.getValue() + "' not found");
                    }
                }
                case "addr" -> {
                    Matcher m = PCI_ADDR.matcher(e.getValue());
                    int slot = m.matches() ? Integer.parseInt(m.group(1), 16) : PciBus.SLOTS;
                    if (slot >= PciBus.SLOTS) {
                        throw new QemuUsageException(option + " " + v + ": addr '" + e.getValue()
                                + "' is not SLOT[.FUNCTION] (hex slot below 0x20, function 0-7)");
                    }
                    devfn = PciBus.devfn(slot, m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
                }
                default -> throw new QemuUsageException(option + " " + v + ": property '" + model + "."
                        + e.getKey() + "' not found");
            }
        }
        return new Device(model, devfn);
    }

    /**
     * Builds the machine this command line describes.
     *
     * @param iommus the IOMMU models {@code -machine virt,iommu=NAME} may name
     * @throws QemuUsageException when no machine was given, the IOMMU is not
     *                            available, a device does not fit, or the RAM size is out of range
     */
    public Machine createMachine(Map<String, IommuFactory> iommus) {
        if (machine == null) {
            throw new QemuUsageException("no machine given; use -machine virt or -machine none");
        }
        try {
            return machine.equals("none") ? noneMachine() : virtMachine(iommus);
        } catch (QemuUsageException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new QemuUsageException("-machine " + machine + ": " + e.getMessage());
        }
    }

    private Machine noneMachine() {
        if (!devices.isEmpty()) {
            throw new QemuUsageException("-device " + devices.getFirst().model() + ": machine 'none' has no PCI bus");
        }
        if (machineOptions.containsKey("iommu")) {
            throw new QemuUsageException("-machine none: property 'iommu' not found");
        }
        return new NoneMachine(ramBytes);
    }

    private Machine virtMachine(Map<String, IommuFactory> iommus) {
        VirtMachine.Builder b = VirtMachine.builder();
        if (ramBytes != 0) {
            b.ramBytes(ramBytes);
        }
        String iommu = machineOptions.getOrDefault("iommu", "none");
        if (!iommu.equals("none")) {
            if (!iommu.equals("smmuv3")) {
                throw new QemuUsageException("-machine virt,iommu=" + iommu + ": invalid iommu value; use none or smmuv3");
            }
            IommuFactory f = iommus.get(iommu);
            if (f == null) {
                throw new QemuUsageException("-machine virt,iommu=" + iommu + ": no " + iommu
                        + " model is wired into this build");
            }
            b.iommu(f);
        }
        for (Device d : devices) {
            b.device(d.model(), d.devfn());
        }
        return b.build();
    }
}

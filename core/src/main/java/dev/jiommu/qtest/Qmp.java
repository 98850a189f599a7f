package dev.jiommu.qtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The QEMU Machine Protocol ({@code docs/interop/qmp-spec.rst}), as much of
 * it as a qtest client uses.
 *
 * <p>On connection the server sends its greeting unasked. Until
 * {@code qmp_capabilities} every other command is refused
 * ({@code CommandNotFound}). Then it knows:
 * <ul>
 *   <li>{@code query-machines}: {@code virt-10.2} (alias {@code virt}) and {@code none};</li>
 *   <li>{@code query-version}: QEMU 10.2.0, the version this stand-in follows;</li>
 *   <li>{@code quit}: replies {@code {"return": {}}}, sends the {@code SHUTDOWN}
 *       event, and ends the session ({@code onQuit}).</li>
 * </ul>
 * Any other command is {@code CommandNotFound}. Input that is not a JSON
 * object, or lacks {@code execute}, or carries unknown members or arguments,
 * is answered {@code GenericError} with QEMU's wording; a request's {@code id}
 * is echoed in its reply. Messages are JSON values one after another, with
 * any white space between them; each reply or event is one line ended by
 * {@code \r\n}. A message longer than {@value #MAX_MESSAGE} characters is
 * refused. Nothing a client sends ends the session but {@code quit} and end of
 * stream.
 */
public final class Qmp {

    static final int MAX_MESSAGE = 1 << 20;

    /** The QEMU version whose behaviour this server follows. */
    static final Map<String, Object> VERSION = map("qemu", map("micro", 0L, "minor", 2L, "major", 10L),
            "package", "");

    private final Runnable onQuit;
    private boolean negotiated;
    private boolean quit;

    /** @param onQuit run once after the reply to {@code quit} has been sent */
    public Qmp(Runnable onQuit) {
        this.onQuit = onQuit;
    }

    static String greeting() {
        return Json.write(map("QMP", map("version", VERSION, "capabilities", List.of("oob"))));
    }

    /**
     * Sends the greeting, then answers messages from {@code in} until end of
     * stream or {@code quit}.
     *
     * @throws IOException when the channel fails
     */
    public void serve(InputStream in, OutputStream out) throws IOException {
        send(out, List.of(greeting()));
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        StringBuilder msg = new StringBuilder();
        int depth = 0;
        char quote = 0;
        boolean escape = false;
        int c;
        while ((c = reader.read()) >= 0) {
            char ch = (char) c;
            boolean complete;
            if (quote != 0) {
                msg.append(ch);
                if (escape) {
                    escape = false;
                } else if (ch == '\\') {
                    escape = true;
                } else if (ch == quote) {
                    quote = 0;
                }
                complete = false;
            } else if (Character.isWhitespace(ch)) {
                complete = depth == 0 && !msg.isEmpty();
                if (depth > 0) {
                    msg.append(ch);
                }
            } else {
                msg.append(ch);
                switch (ch) {
                    case '"', '\'' -> quote = ch;
                    case '{', '[' -> depth++;
                    case '}', ']' -> depth--;
                    default -> { }
                }
                complete = depth <= 0 && (ch == '}' || ch == ']');
            }
            if (!complete && msg.length() > MAX_MESSAGE) {
                send(out, List.of(error(null, "GenericError", "JSON parse error, message longer than "
                        + MAX_MESSAGE + " characters")));
                msg.setLength(0);
                depth = 0;
                quote = 0;
                escape = false;
                continue;
            }
            if (complete) {
                List<String> replies = handle(msg.toString());
                msg.setLength(0);
                depth = 0;
                send(out, replies);
                if (quit) {
                    onQuit.run();
                    return;
                }
            }
        }
    }

    private static void send(OutputStream out, List<String> lines) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** True once {@code quit} was answered. */
    boolean quitRequested() {
        return quit;
    }

    /** Answers one message: the reply line, then any event lines. */
    List<String> handle(String message) {
        Object parsed;
        try {
            parsed = Json.parse(message);
        } catch (Json.JsonException e) {
            return List.of(error(null, "GenericError", "JSON parse error, " + e.getMessage()));
        }
        if (!(parsed instanceof Map<?, ?> request)) {
            return List.of(error(null, "GenericError", "QMP input must be a JSON object"));
        }
        Object id = request.get("id");
        boolean hasId = request.containsKey("id");
        for (var e : request.entrySet()) {
            String key = String.valueOf(e.getKey());
            switch (key) {
                case "execute", "exec-oob" -> {
                    if (!(e.getValue() instanceof String)) {
                        return List.of(error(id, hasId, "GenericError", "QMP input member '" + key + "' must be a string"));
                    }
                }
                case "arguments" -> {
                    if (!(e.getValue() instanceof Map)) {
                        return List.of(error(id, hasId, "GenericError", "QMP input member 'arguments' must be an object"));
                    }
                }
                case "id" -> { }
                default -> {
                    return List.of(error(id, hasId, "GenericError", "QMP input member '" + key + "' is unexpected"));
                }
            }
        }
        if (request.containsKey("exec-oob")) {
            return List.of(error(id, hasId, "GenericError", "The command " + request.get("exec-oob")
                    + " does not support OOB"));
        }
        if (!(request.get("execute") instanceof String command)) {
            return List.of(error(id, hasId, "GenericError", "QMP input lacks member 'execute'"));
        }
        Map<?, ?> args = request.get("arguments") instanceof Map<?, ?> a ? a : Map.of();
        return execute(command, args, id, hasId);
    }

    private List<String> execute(String command, Map<?, ?> args, Object id, boolean hasId) {
        if (!negotiated && !command.equals("qmp_capabilities")) {
            return List.of(error(id, hasId, "CommandNotFound",
                    "Expecting capabilities negotiation with 'qmp_capabilities'"));
        }
        String unexpected = unexpectedArgument(command, args);
        if (unexpected != null) {
            return List.of(error(id, hasId, "GenericError", "Parameter '" + unexpected + "' is unexpected"));
        }
        return switch (command) {
            case "qmp_capabilities" -> {
                if (negotiated) {
                    yield List.of(error(id, hasId, "CommandNotFound",
                            "Capabilities negotiation is already complete, command ignored"));
                }
                String refused = refusedCapability(args.get("enable"));
                if (refused != null) {
                    yield List.of(error(id, hasId, "GenericError", refused));
                }
                negotiated = true;
                yield List.of(reply(Map.of(), id, hasId));
            }
            case "query-machines" -> List.of(reply(machines(), id, hasId));
            case "query-version" -> List.of(reply(VERSION, id, hasId));
            case "quit" -> {
                quit = true;
                yield List.of(reply(Map.of(), id, hasId), shutdownEvent());
            }
            default -> List.of(error(id, hasId, "CommandNotFound", "The command " + command + " has not been found"));
        };
    }

    /** The first argument {@code command} does not take, or null. */
    private static String unexpectedArgument(String command, Map<?, ?> args) {
        List<String> allowed = switch (command) {
            case "qmp_capabilities" -> List.of("enable");
            case "query-machines" -> List.of("compat-props");
            default -> List.of();
        };
        for (Object k : args.keySet()) {
            if (!allowed.contains(String.valueOf(k))) {
                return String.valueOf(k);
            }
        }
        return null;
    }

    /** Why {@code qmp_capabilities} refuses {@code enable}, or null when it is fine. */
    private static String refusedCapability(Object enable) {
        if (enable == null) {
            return null;
        }
        if (!(enable instanceof List<?> list)) {
            return "Invalid parameter type for 'enable', expected: array";
        }
        for (Object cap : list) {
            if (!"oob".equals(cap)) {
                return "Capability '" + cap + "' not available";
            }
        }
        return null;
    }

    /** QAPI {@code MachineInfo} for the two machine types {@code jiommu qtest} models. */
    static List<Object> machines() {
        Map<String, Object> virt = map("name", "virt-10.2", "alias", "virt", "cpu-max", 512L,
                "hotpluggable-cpus", false, "numa-mem-supported", true, "deprecated", false, "acpi", true,
                "default-ram-id", "mach-virt.ram");
        Map<String, Object> none = map("name", "none", "cpu-max", 1L, "hotpluggable-cpus", false,
                "numa-mem-supported", false, "deprecated", false, "acpi", false);
        return List.of(virt, none);
    }

    private static String shutdownEvent() {
        long micros = System.currentTimeMillis() * 1000;
        return Json.write(map("timestamp", map("seconds", micros / 1_000_000, "microseconds", micros % 1_000_000),
                "event", "SHUTDOWN", "data", map("guest", false, "reason", "host-qmp-quit")));
    }

    private static String reply(Object value, Object id, boolean hasId) {
        Map<String, Object> m = map("return", value);
        if (hasId) {
            m.put("id", id);
        }
        return Json.write(m);
    }

    private static String error(Object id, String cls, String desc) {
        return error(id, false, cls, desc);
    }

    private static String error(Object id, boolean hasId, String cls, String desc) {
        Map<String, Object> m = map("error", map("class", cls, "desc", desc));
        if (hasId) {
            m.put("id", id);
        }
        return Json.write(m);
    }

    /** An insertion-ordered map of alternating keys and values. */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) {
            m.put((String) kv[k], kv[k + 1]);
        }
        return m;
    }
}

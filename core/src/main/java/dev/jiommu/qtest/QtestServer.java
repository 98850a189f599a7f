package dev.jiommu.qtest;

import dev.jiommu.hw.platform.Machine;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The qtest text protocol of QEMU's {@code system/qtest.c}, served over a
 * byte stream (a connected socket or stdin/stdout).
 *
 * <p>Each request is one line ending in {@code \n} (a trailing {@code \r} is
 * dropped), split on single spaces; numbers are C base-0 numbers
 * ({@link Numbers}). Each request gets exactly one reply line; blank lines are
 * skipped without one. Replies, as QEMU words them:
 *
 * <pre>
 * endianness                     OK little
 * read ADDR SIZE                 OK 0x&lt;2·SIZE lower-case hex digits, memory order&gt;
 * write ADDR SIZE 0xDATA         OK          (missing data bytes are zero)
 * b64read ADDR SIZE              OK &lt;base64&gt;
 * b64write ADDR SIZE B64DATA     OK          (short data is zero-filled; the mismatch is logged)
 * memset ADDR SIZE BYTE          OK          (SIZE 0 does nothing)
 * readb|readw|readl|readq ADDR   OK 0x&lt;16 hex digits&gt;
 * writeb|writew|writel|writeq ADDR VALUE   OK   (VALUE truncated to the width)
 * clock_step [NS]                OK &lt;virtual ns&gt;, or FAIL ... (no timers: a step to the next deadline fails)
 * clock_set NS                   OK NS, or FAIL &lt;now&gt; when NS lies in the past
 * anything else                  FAIL Unknown command '&lt;word&gt;'
 * </pre>
 *
 * Where QEMU would abort on a malformed request (a missing argument, a word
 * that is not a number, {@code read} of 0 bytes), this server answers one
 * {@code ERR <reason>} line and carries on; {@code write} data shorter than 3
 * characters gives QEMU's own {@code ERR invalid argument size}. An exception
 * escaping a device model (a bug) is answered {@code FAIL internal error: ...}.
 * No request closes the channel.
 *
 * <p>Memory accesses go through {@link CpuPort}. Limits of this server: a
 * request line of at most {@value #MAX_LINE} bytes (longer ones are answered
 * {@code ERR} and skipped), {@code read}/{@code b64read} of at most
 * {@value #MAX_READ} bytes.
 */
public final class QtestServer {

    static final int MAX_LINE = 64 << 20;
    static final int MAX_READ = 16 << 20;

    private static final HexFormat HEX = HexFormat.of();

    private final CpuPort cpu;
    private final QtestLog log;
    private long clockNs;

    public QtestServer(Machine machine, QtestLog log) {
        this.log = log;
        this.cpu = new CpuPort(machine.cpuBus().orElse(null), log);
    }

    /**
     * Serves requests from {@code in} until end of stream, writing each reply
     * line to {@code out} and flushing it. A last line without {@code \n} is
     * not a request.
     *
     * @throws IOException when the channel fails (not for any request)
     */
    public void serve(InputStream in, OutputStream out) throws IOException {
        log.opened();
        InputStream input = new BufferedInputStream(in);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean overlong = false;
        int c;
        while ((c = input.read()) >= 0) {
            if (c != '\n') {
                if (line.size() < MAX_LINE) {
                    line.write(c);
                } else {
                    overlong = true;
                }
                continue;
            }
            String reply = overlong ? "ERR request longer than " + MAX_LINE + " bytes"
                    : handle(line.toString(StandardCharsets.ISO_8859_1));
            if (overlong) {
                log.reply(reply);
            }
            line.reset();
            overlong = false;
            if (reply != null) {
                out.write((reply + "\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        }
        log.closed();
    }

    /**
     * Carries out one request line (without its {@code \n}) and returns the
     * reply line without {@code \n}, or null for a blank line.
     */
    public String handle(String line) {
        String request = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (request.isEmpty()) {
            return null;
        }
        String[] words = request.split(" ", -1);
        log.request(words);
        String reply;
        try {
            reply = dispatch(words);
        } catch (BadRequest e) {
            reply = "ERR " + e.getMessage();
        } catch (RuntimeException e) {
            reply = "FAIL internal error: " + String.valueOf(e).replaceAll("\\s+", " ");
        }
        log.reply(reply);
        return reply;
    }

    private String dispatch(String[] w) {
        return switch (w[0]) {
            case "endianness" -> "OK little";
            case "read" -> read(w);
            case "write" -> write(w);
            case "b64read" -> b64read(w);
            case "b64write" -> b64write(w);
            case "memset" -> memset(w);
            case "readb" -> readValue(w, 1);
            case "readw" -> readValue(w, 2);
            case "readl" -> readValue(w, 4);
            case "readq" -> readValue(w, 8);
            case "writeb" -> writeValue(w, 1);
            case "writew" -> writeValue(w, 2);
            case "writel" -> writeValue(w, 4);
            case "writeq" -> writeValue(w, 8);
            case "clock_step" -> clockStep(w);
            case "clock_set" -> clockSet(w);
            default -> "FAIL Unknown command '" + w[0] + "'";
        };
    }

    private static void need(String[] w, int args, String usage) {
        if (w.length < args + 1) {
            throw new BadRequest("missing argument: " + usage);
        }
    }

    private static long address(String[] w) {
        return Numbers.parseU64("address", w[1]);
    }

    /** A size for a request that builds its reply in memory. */
    private static int readSize(String[] w) {
        long len = Numbers.parseU64("size", w[2]);
        if (len == 0) {
            throw new BadRequest(w[0] + " of zero bytes");
        }
        if (len < 0 || len > MAX_READ) {
            throw new BadRequest(w[0] + " of 0x" + Long.toHexString(len) + " bytes is more than this server's 0x"
                    + Integer.toHexString(MAX_READ));
        }
        return (int) len;
    }

    private static long writeSize(String[] w) {
        long len = Numbers.parseU64("size", w[2]);
        if (len < 0) {
            throw new BadRequest(w[0] + " of 0x" + Long.toUnsignedString(len, 16) + " bytes is too large");
        }
        return len;
    }

    private String read(String[] w) {
        need(w, 2, "read ADDR SIZE");
        long addr = address(w);
        byte[] data = new byte[readSize(w)];
        cpu.read(addr, data, 0, data.length);
        return "OK 0x" + HEX.formatHex(data);
    }

    private String b64read(String[] w) {
        need(w, 2, "b64read ADDR SIZE");
        long addr = address(w);
        byte[] data = new byte[readSize(w)];
        cpu.read(addr, data, 0, data.length);
        return "OK " + Base64.getEncoder().encodeToString(data);
    }

    private String write(String[] w) {
        need(w, 3, "write ADDR SIZE 0xDATA");
        long addr = address(w);
        long len = writeSize(w);
        String hex = w[3];
        if (hex.length() < 3) {
            throw new BadRequest("invalid argument size");
        }
        if (!hex.startsWith("0x") && !hex.startsWith("0X") || hex.length() % 2 != 0) {
            throw new BadRequest("write data must be 0x and an even number of hex digits, got '" + hex + "'");
        }
        byte[] data;
        try {
            data = HexFormat.of().parseHex(hex, 2, hex.length());
        } catch (IllegalArgumentException e) {
            throw new BadRequest("write data '" + hex + "' is not hex");
        }
        store(addr, len, data);
        return "OK";
    }

    private String b64write(String[] w) {
        need(w, 3, "b64write ADDR SIZE B64DATA");
        long addr = address(w);
        long len = writeSize(w);
        if (w[3].length() < 3) {
            throw new BadRequest("invalid argument size");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(w[3]);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("b64write data is not base64: " + e.getMessage());
        }
        if (data.length != len && log.enabled()) {
            log.note("b64write: data length mismatch (told " + Long.toUnsignedString(len) + ", found " + data.length + ")");
        }
        store(addr, len, data);
        return "OK";
    }

    /** Writes {@code len} bytes: {@code data} truncated to {@code len}, then zeros. */
    private void store(long addr, long len, byte[] data) {
        int n = (int) Math.min(len, data.length);
        cpu.write(addr, data, 0, n);
        if (len > n) {
            cpu.fill(addr + n, len - n, (byte) 0);
        }
    }

    private String memset(String[] w) {
        need(w, 3, "memset ADDR SIZE BYTE");
        long addr = address(w);
        long len = writeSize(w);
        long pattern = Numbers.parseU64("value", w[3]);
        cpu.fill(addr, len, (byte) pattern);
        return "OK";
    }

    private String readValue(String[] w, int size) {
        need(w, 1, w[0] + " ADDR");
        long v = cpu.readValue(address(w), size);
        return String.format("OK 0x%016x", v);
    }

    private String writeValue(String[] w, int size) {
        need(w, 2, w[0] + " ADDR VALUE");
        long addr = address(w);
        long v = Numbers.parseU64("value", w[2]);
        cpu.writeValue(addr, size, v);
        return "OK";
    }

    /** QEMU's virtual clock under qtest: it moves only when told to; there are no timers in this model. */
    private String clockStep(String[] w) {
        if (w.length < 2) {
            return "FAIL cannot advance clock to the next deadline because there is no pending deadline";
        }
        long ns = Numbers.parseI64("ns", w[1]);
        long target = clockNs + ns;
        if (ns <= 0 || target < clockNs) {
            return "FAIL could not advance time";
        }
        clockNs = target;
        return "OK " + clockNs;
    }

    private String clockSet(String[] w) {
        need(w, 1, "clock_set NS");
        long ns = Numbers.parseI64("ns", w[1]);
        if (ns > clockNs) {
            clockNs = ns;
        }
        return (clockNs == ns ? "OK " : "FAIL ") + clockNs;
    }
}

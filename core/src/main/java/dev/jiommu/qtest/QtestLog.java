package dev.jiommu.qtest;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code -qtest-log} record of a qtest session, in QEMU's format
 * ({@code system/qtest.c}): seconds since the channel opened, six decimals.
 *
 * <pre>
 * [I 0.000000] OPENED
 * [R +0.000812] read 0x4010000000 0x2
 * [S +0.000840] OK 0x361b
 * [I +1.234567] CLOSED
 * </pre>
 *
 * {@code R} lines are requests (the words as split), {@code S} lines replies.
 * jiommu adds {@code I} lines of its own for accesses nothing decodes, which
 * QEMU does not log. Every line is flushed at once, so the log is complete
 * when the process is killed. Lines from several threads do not interleave.
 *
 * <p>Where it goes, as QEMU decides: no {@code -qtest-log} option means the
 * error stream; {@code none} and {@code /dev/null} mean no log; anything else
 * is a file path, truncated when opened.
 */
public final class QtestLog implements AutoCloseable {

    private static final QtestLog NONE = new QtestLog(null, false);

    private final PrintWriter out;
    private final boolean owned;
    private long openedAt = System.nanoTime();

    private QtestLog(PrintWriter out, boolean owned) {
        this.out = out;
        this.owned = owned;
    }

    /** A log that records nothing. */
    public static QtestLog none() {
        return NONE;
    }

    /** A log written to {@code out}, which the log does not close. */
    public static QtestLog to(PrintWriter out) {
        return new QtestLog(out, false);
    }

    /**
     * Opens the log {@code -qtest-log path} names.
     *
     * @param path     the option's value; null when the option was not given
     * @param errorLog where the log goes without the option
     * @throws IOException when the file cannot be created
     */
    public static QtestLog open(String path, PrintWriter errorLog) throws IOException {
        if (path == null) {
            return to(errorLog);
        }
        if (path.equals("none") || path.equals("/dev/null")) {
            return none();
        }
        var w = new OutputStreamWriter(new FileOutputStream(path), StandardCharsets.ISO_8859_1);
        return new QtestLog(new PrintWriter(w, false), true);
    }

    public boolean enabled() {
        return out != null;
    }

    /** The channel opened: starts the clock. */
    public void opened() {
        openedAt = System.nanoTime();
        line(String.format(Locale.ROOT, "[I %.06f] OPENED", seconds()));
    }

    public void closed() {
        line(String.format(Locale.ROOT, "[I +%.06f] CLOSED", seconds()));
    }

    public void request(String[] words) {
        if (out == null) {
            return;
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "[R +%.06f]", seconds()));
        for (String w : words) {
            s.append(' ').append(w);
        }
        line(s.toString());
    }

    public void reply(String reply) {
        line(String.format(Locale.ROOT, "[S +%.06f] %s", seconds(), reply));
    }

    /** A remark of the server's own (not a request or reply). */
    public void note(String text) {
        line(String.format(Locale.ROOT, "[I +%.06f] %s", seconds(), text));
    }

    private double seconds() {
        return (System.nanoTime() - openedAt) / 1e9;
    }

    /** Whole lines: the QMP threads may note things while the qtest thread logs. */
    private synchronized void line(String s) {
        if (out != null) {
            out.print(s);
            out.print('\n');
            out.flush();
        }
    }

    @Override
    public void close() {
        if (out != null) {
            if (owned) {
                out.close();
            } else {
                out.flush();
            }
        }
    }
}

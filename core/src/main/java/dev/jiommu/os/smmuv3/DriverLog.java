package dev.jiommu.os.smmuv3;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver's kernel log: what Linux's SMMUv3 driver prints with
 * {@code dev_err}, {@code dev_warn} and {@code dev_info}, kept as lines.
 *
 * <p>Invariants: at most {@link #CAPACITY} lines are kept, the oldest dropped
 * first (as a ring buffer would); {@link #count(Level)} counts every line ever
 * logged at that level, dropped or not.
 */
public final class DriverLog {

    /** Severity, as the kernel's printk levels the driver uses. */
    public enum Level { ERR, WARN, INFO }

    /** One logged line. */
    public record Entry(Level level, String message) {
        @Override
        public String toString() {
            return level + ": " + message;
        }
    }

    /** Lines kept. */
    public static final int CAPACITY = 512;

    private final ArrayDeque<Entry> lines = new ArrayDeque<>();
    private final long[] counts = new long[Level.values().length];

    void err(String format, Object... args) {
        add(Level.ERR, format, args);
    }

    void warn(String format, Object... args) {
        add(Level.WARN, format, args);
    }

    void info(String format, Object... args) {
        add(Level.INFO, format, args);
    }

    private void add(Level level, String format, Object... args) {
        if (lines.size() == CAPACITY) {
            lines.removeFirst();
        }
        lines.addLast(new Entry(level, args.length == 0 ? format : String.format(format, args)));
        counts[level.ordinal()]++;
    }

    /** The kept lines, oldest first. */
    public List<Entry> entries() {
        return new ArrayList<>(lines);
    }

    /** Lines ever logged at {@code level}. */
    public long count(Level level) {
        return counts[level.ordinal()];
    }

    /** Whether a kept line at {@code level} contains {@code text}. */
    public boolean contains(Level level, String text) {
        for (Entry e : lines) {
            if (e.level() == level && e.message().contains(text)) {
                return true;
            }
        }
        return false;
    }
}

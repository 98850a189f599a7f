package dev.jiommu.sim;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for reports: a header, rows, columns padded to their
 * widest cell; numeric-looking cells are right-aligned.
 */
public final class TextTable {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    public TextTable(String... header) {
        this.header = header.clone();
    }

    /** Adds a row; {@code cells} are rendered with {@link String#valueOf(Object)}. */
    public TextTable row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, header has " + header.length);
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    public void print(PrintStream out, String indent) {
        int[] w = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            w[i] = header[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        line(out, indent, header, w, false);
        StringBuilder rule = new StringBuilder(indent);
        for (int i = 0; i < w.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
        }
        out.println(rule);
        for (String[] r : rows) {
            line(out, indent, r, w, true);
        }
    }

    private static void line(PrintStream out, String indent, String[] cells, int[] w, boolean alignNumbers) {
        StringBuilder s = new StringBuilder(indent);
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            boolean right = alignNumbers && i > 0 && c.matches("[-+]?[0-9][0-9.,]*( ?[KMGT]i?B|%|x)?");
            String pad = " ".repeat(w[i] - c.length());
            s.append(i == 0 ? "" : "  ").append(right ? pad + c : c + (i == cells.length - 1 ? "" : pad));
        }
        out.println(s.toString().stripTrailing());
    }

    /** 4096 → "4 KiB", 2097152 → "2 MiB"; exact binary units only, bytes otherwise. */
    public static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double v = bytes;
        while (u < units.length - 1 && v >= 1024) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format("%.1f", v)) + " " + units[u];
    }
}

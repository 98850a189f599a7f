package dev.jiommu.qtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU's option-value syntax ({@code util/qemu-option.c}): comma-separated
 * {@code key=value} pairs, a doubled comma standing for a literal one; the
 * first element may be a bare value for the option's implied key
 * ({@code -machine virt,...}: {@code type=virt}); a later bare {@code flag}
 * means {@code flag=on}.
 */
record QemuOpts(String option, Map<String, String> values) {

    /**
     * @param option     the option, for messages ({@code -machine})
     * @param impliedKey the key a leading bare value is for, or null when there is none
     * @throws QemuUsageException on an empty key or a key given twice
     */
    static QemuOpts parse(String option, String text, String impliedKey) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> parts = split(text);
        for (int k = 0; k < parts.size(); k++) {
            String p = parts.get(k);
            int eq = p.indexOf('=');
            String key;
            String value;
            if (eq < 0 && k == 0 && impliedKey != null) {
                key = impliedKey;
                value = p;
            } else if (eq < 0) {
                key = p;
                value = "on";
            } else {
                key = p.substring(0, eq);
                value = p.substring(eq + 1);
            }
            if (key.isEmpty()) {
                throw new QemuUsageException(option + " " + text + ": empty parameter name");
            }
            if (values.put(key, value) != null) {
                throw new QemuUsageException(option + " " + text + ": parameter '" + key + "' given twice");
            }
        }
        return new QemuOpts(option, values);
    }

    /** Splits on single commas; {@code ,,} is a literal comma. */
    static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == ',' && k + 1 < text.length() && text.charAt(k + 1) == ',') {
                cur.append(',');
                k++;
            } else if (c == ',') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    String get(String key) {
        return values.get(key);
    }

    /** QEMU's boolean spelling: on/yes/true/y or off/no/false/n. */
    boolean flag(String key, boolean otherwise) {
        String v = values.get(key);
        if (v == null) {
            return otherwise;
        }
        return switch (v) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw new QemuUsageException(option + ": parameter '" + key + "' expects 'on' or 'off', got '" + v + "'");
        };
    }
}

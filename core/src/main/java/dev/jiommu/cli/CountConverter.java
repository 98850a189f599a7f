package dev.jiommu.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses a non-negative count: decimal digits, optionally grouped with
 * {@code _}, optionally followed by a binary multiplier {@code K} (2^10),
 * {@code M} (2^20) or {@code G} (2^30), either case. {@code 1M} is 1048576.
 * Range checks belong to the option that uses it.
 */
final class CountConverter implements ITypeConverter<Long> {

    @Override
    public Long convert(String text) {
        return parse(text);
    }

    static long parse(String text) {
        String s = text.strip();
        int shift = 0;
        if (!s.isEmpty()) {
            switch (Character.toUpperCase(s.charAt(s.length() - 1))) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                default -> { }
            }
        }
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        if (!digits.matches("[0-9]+(_[0-9]+)*")) {
            throw new TypeConversionException("'" + text + "' is not a count"
                    + " (digits, optionally followed by K, M or G)");
        }
        try {
            long base = Long.parseLong(digits.replace("_", ""));
            if (base > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return base << shift;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is too large");
        }
    }
}

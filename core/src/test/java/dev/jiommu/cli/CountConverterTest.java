package dev.jiommu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class CountConverterTest {

    @Test
    void parsesDigitsSeparatorsAndBinarySuffixes() {
        assertEquals(0, CountConverter.parse("0"));
        assertEquals(1048576, CountConverter.parse("1048576"));
        assertEquals(1048576, CountConverter.parse("1_048_576"));
        assertEquals(65536, CountConverter.parse("64K"));
        assertEquals(65536, CountConverter.parse("64k"));
        assertEquals(16L << 20, CountConverter.parse("16M"));
        assertEquals(3L << 30, CountConverter.parse("3G"));
        assertEquals(Long.MAX_VALUE, CountConverter.parse(Long.toString(Long.MAX_VALUE)));
        assertEquals((Long.MAX_VALUE >> 30) << 30, CountConverter.parse((Long.MAX_VALUE >> 30) + "G"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "K", "-1", "+1", "1.5", "0x10", "1T", "1KB", "1__0", "_1", "1_", "12 3",
        "9223372036854775808", "8589934592G"})
    void rejectsAnythingElse(String text) {
        assertThrows(TypeConversionException.class, () -> CountConverter.parse(text));
    }
}

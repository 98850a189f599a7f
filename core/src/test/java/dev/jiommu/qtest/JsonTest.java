package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() throws Exception {
        Object v = Json.parse(" {\"s\": \"a\\\"\\u00e9\\n\", 'q': 'x', \"n\": [-1, 2.5e3, 9223372036854775808],"
                + " \"b\": [true, false, null], \"o\": {}} ");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "a\"\u00e9\n");
        expected.put("q", "x");
        expected.put("n", List.of(-1L, 2500.0, 9.223372036854775808E18));
        expected.put("b", Arrays.asList(true, false, null));
        expected.put("o", Map.of());
        assertEquals(expected, v);
    }

    @Test
    void writesInQmpStyle() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("return", List.of(Map.of("name", "a\"b\\c\u0001"), 1L, true));
        m.put("id", null);
        assertEquals("{\"return\": [{\"name\": \"a\\\"b\\\\c\\u0001\"}, 1, true], \"id\": null}", Json.write(m));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\"}", "{\"a\": }", "[1,]", "[1 2]", "\"abc", "\"\\q\"", "\"\\u12\"",
        "01", "1.", "-", "nul", "{} {}", "{a: 1}", "\"tab\there\""})
    void rejectsWhatIsNotOneJsonValue(String text) {
        assertThrows(Json.JsonException.class, () -> Json.parse(text));
    }

    @Test
    void nestingIsLimited() throws Exception {
        Json.parse("[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH));
        assertThrows(Json.JsonException.class,
                () -> Json.parse("[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2)));
    }
}

package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The QMP subset: greeting, negotiation, the commands, QEMU's error classes, and garbage. */
class QmpTest {

    private final AtomicInteger quits = new AtomicInteger();
    private final Qmp qmp = new Qmp(quits::incrementAndGet);

    private String one(String message) {
        List<String> r = qmp.handle(message);
        assertEquals(1, r.size(), r.toString());
        return r.getFirst();
    }

    private void negotiate() {
        assertEquals("{\"return\": {}}", one("{\"execute\": \"qmp_capabilities\"}"));
    }

    @Test
    void greetingHasNoEventKeyAndNamesQemu10_2() throws Exception {
        Object g = Json.parse(Qmp.greeting());
        Map<?, ?> qmpMember = (Map<?, ?>) ((Map<?, ?>) g).get("QMP");
        assertEquals(Map.of("micro", 0L, "minor", 2L, "major", 10L), ((Map<?, ?>) qmpMember.get("version")).get("qemu"));
        assertEquals(List.of("oob"), qmpMember.get("capabilities"));
        assertTrue(!((Map<?, ?>) g).containsKey("event"));
    }

    @Test
    void commandsBeforeNegotiationAreRefused() {
        assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                + "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}",
                one("{\"execute\": \"query-machines\"}"));
        negotiate();
        assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                + "\"Capabilities negotiation is already complete, command ignored\"}}",
                one("{\"execute\": \"qmp_capabilities\"}"));
    }

    @Test
    void queryMachinesListsVirtByAliasAndNone() throws Exception {
        negotiate();
        Map<?, ?> reply = (Map<?, ?>) Json.parse(one("{\"execute\": \"query-machines\"}"));
        List<?> machines = (List<?>) reply.get("return");
        Map<?, ?> virt = (Map<?, ?>) machines.getFirst();
        assertEquals("virt-10.2", virt.get("name"));
        assertEquals("virt", virt.get("alias"));
        assertEquals("none", ((Map<?, ?>) machines.get(1)).get("name"));
    }

    @Test
    void queryVersion() throws Exception {
        negotiate();
        Map<?, ?> reply = (Map<?, ?>) Json.parse(one("{'execute': 'query-version'}"));
        assertEquals(Qmp.VERSION, reply.get("return"));
    }

    @Test
    void idIsEchoed() {
        assertEquals("{\"return\": {}, \"id\": \"x1\"}", one("{\"execute\": \"qmp_capabilities\", \"id\": \"x1\"}"));
        assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command frob has not been found\"}, "
                + "\"id\": {\"n\": [1, 2.5, null, true]}}",
                one("{\"execute\": \"frob\", \"id\": {\"n\": [1, 2.5, null, true]}}"));
    }

    @Test
    void quitRepliesThenSendsTheShutdownEvent() throws Exception {
        negotiate();
        List<String> r = qmp.handle("{\"execute\": \"quit\"}");
        assertEquals("{\"return\": {}}", r.getFirst());
        Map<?, ?> event = (Map<?, ?>) Json.parse(r.get(1));
        assertEquals("SHUTDOWN", event.get("event"));
        assertEquals(Map.of("guest", false, "reason", "host-qmp-quit"), event.get("data"));
        assertTrue(qmp.quitRequested());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "}", "hello", "[1, 2]", "42", "\"text\"", "{\"execute\": 1}", "{\"exec\": \"quit\"}",
        "{\"execute\": \"quit\", \"arguments\": []}", "{\"execute\": \"quit\", \"arguments\": {\"now\": true}}",
        "{\"arguments\": {}}", "{\"execute\": \"quit\",}", "{'execute': 'quit'", "{\"a\": \"\\x\"}",
        "{\"exec-oob\": \"quit\"}", "{\"a\": 01}", "{\"a\": tru}"})
    void garbageIsAGenericErrorAndTheSessionGoesOn(String message) throws Exception {
        negotiate();
        Map<?, ?> reply = (Map<?, ?>) Json.parse(one(message));
        Map<?, ?> error = assertInstanceOf(Map.class, reply.get("error"), message);
        assertEquals("GenericError", error.get("class"), message);
        assertTrue(!qmp.quitRequested());
        assertTrue(one("{\"execute\": \"query-version\"}").startsWith("{\"return\": "));
    }

    @Test
    void onlyTheOobCapabilityCanBeEnabled() {
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Capability 'frob' not available\"}}",
                one("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"frob\"]}}"));
        assertEquals("{\"return\": {}}", one("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}"));
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertTrue(one(deep).contains("GenericError"));
    }

    @Test
    void serveSplitsMessagesAcrossLinesAndRunsUntilQuit() throws IOException {
        String input = "{\"execute\":\n \"qmp_capabilities\"}{\"execute\": \"query-version\"}\r\n"
                + "garbage\n{\"execute\": \"quit\"}\n{\"execute\": \"query-version\"}\n";
        var out = new ByteArrayOutputStream();
        qmp.serve(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out);
        List<String> lines = List.of(out.toString(StandardCharsets.UTF_8).split("\r\n"));
        assertTrue(lines.getFirst().startsWith("{\"QMP\": {\"version\""), lines.getFirst());
        assertEquals("{\"return\": {}}", lines.get(1));
        assertTrue(lines.get(2).startsWith("{\"return\": {\"qemu\""), lines.get(2));
        assertTrue(lines.get(3).contains("GenericError"), lines.get(3));
        assertEquals("{\"return\": {}}", lines.get(4));
        assertTrue(lines.get(5).contains("\"SHUTDOWN\""), lines.get(5));
        assertEquals(6, lines.size(), "nothing is read after quit");
        assertEquals(1, quits.get());
        assertTrue(out.toString(StandardCharsets.UTF_8).endsWith("\r\n"));
    }

    @Test
    void endOfStreamEndsTheMonitorWithoutQuit() throws IOException {
        var out = new ByteArrayOutputStream();
        qmp.serve(new ByteArrayInputStream(new byte[0]), out);
        assertEquals(0, quits.get());
        assertEquals(1, out.toString(StandardCharsets.UTF_8).split("\r\n").length);
    }
}

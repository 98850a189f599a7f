package dev.jiommu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drives {@link Main} in-process. Only paths that stop before a scenario or a
 * benchmark runs are exercised here (help, version, --list, usage errors).
 */
class MainTest {

    /** Exit status and captured output of one command line. */
    record Result(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private static Result jiommu(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status;
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8);
                var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.execute(o, e, false, args);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionNamesTheProjectVersionAndTheJavaRuntime() {
        Result r = jiommu("--version");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().matches("jiommu \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines.getFirst());
        assertTrue(lines.get(1).startsWith("Java " + Runtime.version().feature()), lines.get(1));
        assertEquals("", r.err());
    }

    @Test
    void listShowsSystemAsTheDefault() {
        Result r = jiommu("run", "--list");
        assertEquals(0, r.status(), r.err());
        String first = r.out().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("system "), first);
        assertTrue(first.endsWith("(default)"), first);
        assertEquals(1, r.out().lines().filter(l -> l.contains("(default)")).count(), r.out());
        assertEquals("", r.err());
    }

    @Test
    void listTakesNoScenarioName() {
        Result r = jiommu("run", "--list", "pgtable");
        assertEquals(2, r.status());
        assertEquals(1, r.errLines().size(), r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownScenarioIsAUsageErrorOnOneLineNamingTheKnownOnes() {
        Result r = jiommu("run", "no-such-scenario");
        assertEquals(2, r.status());
        assertEquals(1, r.errLines().size(), r.err());
        String line = r.errLines().getFirst();
        assertTrue(line.startsWith("jiommu run: unknown scenario 'no-such-scenario'"), line);
        assertTrue(line.contains("pgtable"), line);
        assertTrue(line.contains("jiommu run --help"), line);
        assertEquals("", r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--pages 0", "--pages 67108865", "--pages 65M", "--pages -1", "--pages many", "--pages 1.5",
        "--walks 0", "--walks 99999999999999999999", "--warmup -1", "--warmup x",
        "--pages", "--page 3", "extra",
    })
    void badBenchArgumentIsAUsageErrorOnOneLine(String args) {
        String[] argv = ("bench walk " + args).split(" ");
        Result r = jiommu(argv);
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().getFirst().startsWith("jiommu bench walk: "), r.err());
        assertTrue(r.err().contains("(see 'jiommu bench walk --help')"), r.err());
        assertEquals("", r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--pasids 0", "--pasids 4001", "--pasids -3", "--pasids lots", "--pasids", "extra"})
    void badPasidMemoryArgumentIsAUsageErrorOnOneLine(String args) {
        Result r = jiommu(("bench pasid-memory " + args).split(" "));
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().getFirst().startsWith("jiommu bench pasid-memory: "), r.err());
        assertEquals("", r.out());
    }

    @Test
    void noArgumentsPrintsUsageOnStderrAndExits2() {
        Result r = jiommu();
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("Usage: jiommu"), r.err());
        assertTrue(r.err().contains("run") && r.err().contains("bench"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void benchWithoutWorkloadPrintsItsUsageAndExits2() {
        Result r = jiommu("bench");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("Usage: jiommu bench"), r.err());
        assertTrue(r.err().contains("walk"), r.err());
    }

    @Test
    void unknownCommandIsAUsageErrorOnOneLine() {
        Result r = jiommu("xyzzy");
        assertEquals(2, r.status());
        assertEquals(List.of("jiommu: unknown command 'xyzzy'; commands: run, bench, qtest (see 'jiommu --help')"),
                r.errLines());
    }

    @Test
    void unknownOptionSuggestsTheNearestOne() {
        Result r = jiommu("bench", "walk", "--walk", "5");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("did you mean --walks"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "run --help", "bench --help", "bench walk --help", "-h", "bench walk -h"})
    void everyCommandHasHelpWithExamples(String args) {
        Result r = jiommu(args.split(" "));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Usage: jiommu"), r.out());
        assertTrue(r.out().contains("Examples:"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void benchWalkHelpShowsTheDefaults() {
        String help = jiommu("bench", "walk", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("Default: 1048576"), help);
        assertTrue(help.contains("Default: 16777216"), help);
        assertTrue(help.contains("Default: 3"), help);
    }

    @Test
    void runHelpNamesTheDefaultScenario() {
        String help = jiommu("run", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("Default: system"), help);
    }

    @Test
    void internalErrorIsOneLineWithoutDebug() {
        var sw = new StringWriter();
        int status = Main.internalError(new IllegalStateException("broken\ninvariant"), new PrintWriter(sw), false);
        assertEquals(70, status);
        assertEquals("jiommu: internal error: broken invariant" + System.lineSeparator(), sw.toString());
    }

    @Test
    void internalErrorWithoutMessageNamesTheExceptionClass() {
        var sw = new StringWriter();
        Main.internalError(new NullPointerException(), new PrintWriter(sw), false);
        assertEquals("jiommu: internal error: java.lang.NullPointerException", sw.toString().strip());
    }

    @Test
    void internalErrorWithDebugAddsTheStackTrace() {
        var sw = new StringWriter();
        Main.internalError(new IllegalStateException("broken"), new PrintWriter(sw), true);
        List<String> lines = sw.toString().lines().toList();
        assertEquals("jiommu: internal error: broken", lines.getFirst());
        assertEquals("java.lang.IllegalStateException: broken", lines.get(1));
        assertTrue(lines.get(2).strip().startsWith("at "), sw.toString());
    }
}

package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.platform.NoneMachine;
import dev.jiommu.hw.platform.VirtMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every qtest command's reply, as QEMU's {@code system/qtest.c} words it, and the ERR/FAIL paths. */
class QtestServerTest {

    private final StringWriter logText = new StringWriter();
    private final VirtMachine machine = VirtMachine.builder().ramBytes(512L << 20).device("iommu-testdev").build();
    private final QtestServer server = new QtestServer(machine, QtestLog.to(new PrintWriter(logText)));

    private String q(String request) {
        return server.handle(request);
    }

    @Test
    void endianness() {
        assertEquals("OK little", q("endianness"));
    }

    @Test
    void readRepliesLowerCaseHexInMemoryOrder() {
        assertEquals("OK", q("write 0x4ecba567 0x4 0xABcdEF01"));
        assertEquals("OK 0xabcdef01", q("read 0x4ecba567 0x4"));
        assertEquals("OK 0x00000000abcdef0100", q("read 0x4ecba563 0x9"));
        assertEquals("OK 0x0000000001efcdab", q("readl 0x4ecba567"));
    }

    @Test
    void scalarReadsAreSixteenDigitsAndWritesTruncateToTheirWidth() {
        assertEquals("OK", q("writeq 0x40000000 0x1122334455667788"));
        assertEquals("OK 0x1122334455667788", q("readq 0x40000000"));
        assertEquals("OK 0x0000000055667788", q("readl 0x40000000"));
        assertEquals("OK 0x0000000000007788", q("readw 0x40000000"));
        assertEquals("OK 0x0000000000000088", q("readb 0x40000000"));
        assertEquals("OK", q("writeb 0x40000000 0x1ff"));
        assertEquals("OK", q("writew 0x40000002 0xabcdef"));
        assertEquals("OK", q("writel 0x40000004 0x100000000"));
        assertEquals("OK 0x00000000cdef77ff", q("readl 0x40000000"));
        assertEquals("OK 0x0000000000000000", q("readl 0x40000004"));
        assertEquals("OK 0x00000000cdef77ff", q("readq 1073741824"), "a decimal address");
    }

    @Test
    void numbersAreCBaseZero() {
        assertEquals("OK", q("writeb 010000000000 0x7"));
        assertEquals("OK 0x0000000000000007", q("readb 0x40000000"));
        assertEquals("OK", q("writel 0x40000000 -1"));
        assertEquals("OK 0x00000000ffffffff", q("readl 0x40000000"));
        assertEquals("OK", q("writeq 0X40000008 0XFFFFFFFFFFFFFFFF"));
        assertEquals("OK 0xffffffffffffffff", q("readq 0x40000008"));
    }

    @Test
    void writePadsMissingBytesWithZerosAndIgnoresExtraOnes() {
        q("memset 0x40001000 0x10 0xee");
        assertEquals("OK", q("write 0x40001000 0x4 0x0102"));
        assertEquals("OK 0x01020000ee", q("read 0x40001000 0x5"));
        assertEquals("OK", q("write 0x40001000 0x2 0x0a0b0c0d"));
        assertEquals("OK 0x0a0b0000ee", q("read 0x40001000 0x5"));
    }

    @Test
    void memsetFillsAndAcceptsZeroLength() {
        assertEquals("OK", q("memset 0x4ecba567 0x4 0x00"));
        assertEquals("OK", q("memset 0x40000100 0x3 0x1a5"));
        assertEquals("OK 0xa5a5a500", q("read 0x40000100 0x4"));
        assertEquals("OK", q("memset 0x40000100 0 0x11"));
        assertEquals("OK 0xa5a5a500", q("read 0x40000100 0x4"));
    }

    @Test
    void base64ReadAndWrite() {
        assertEquals("OK", q("b64write 0x40002000 0x4 eFY0Eg=="));
        assertEquals("OK eFY0Eg==", q("b64read 0x40002000 0x4"));
        assertEquals("OK 0x78563412", q("read 0x40002000 0x4"));
        assertEquals("OK", q("b64write 0x40002000 0x6 eFY0Eg"));
        assertEquals("OK 0x785634120000", q("read 0x40002000 0x6"));
        assertTrue(logText.toString().contains("b64write: data length mismatch (told 6, found 4)"), logText.toString());
    }

    @Test
    void clockMovesOnlyWhenToldAndNeverBackwards() {
        assertEquals("FAIL cannot advance clock to the next deadline because there is no pending deadline",
                q("clock_step"));
        assertEquals("OK 100", q("clock_step 100"));
        assertEquals("OK 1000", q("clock_set 1000"));
        assertEquals("FAIL 1000", q("clock_set 10"));
        assertEquals("FAIL could not advance time", q("clock_step 0"));
        assertEquals("OK 1005", q("clock_step 5"));
    }

    @Test
    void unknownCommandsFailWithQemusWording() {
        assertEquals("FAIL Unknown command 'frob'", q("frob 1 2"));
        assertEquals("FAIL Unknown command 'READ'", q("READ 0x0 0x1"));
        assertEquals("FAIL Unknown command 'inb'", q("inb 0x10"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"read", "read 0x40000000", "read 0x40000000 0", "read zz 0x4", "read 0x40000000 0x",
        "read  0x40000000 0x4", "read 0x40000000 0x4g", "readl", "readl 0x1zz", "writel 0x40000000",
        "writel 0x40000000 0x10000000000000000", "write 0x40000000 0x4", "write 0x40000000 0x4 0x",
        "write 0x40000000 0x4 12345678", "write 0x40000000 0x4 0x123", "write 0x40000000 0x4 0x12zz",
        "memset 0x40000000 0x4", "memset 0x40000000 0x4 x", "b64write 0x40000000 0x4 ab",
        "b64write 0x40000000 0x4 !!!!", "clock_step x", "clock_set", "read 0x40000000 0x2000000",
        "memset 0x40000000 0xffffffffffffffff 0"})
    void malformedRequestsGetOneErrLine(String request) {
        String reply = q(request);
        assertTrue(reply.startsWith("ERR "), request + " -> " + reply);
        assertEquals(1, reply.lines().count());
        assertEquals("OK little", q("endianness"), "the server carries on");
    }

    @Test
    void writeDataShorterThanThreeCharactersIsQemusInvalidArgumentSize() {
        assertEquals("ERR invalid argument size", q("write 0x40000000 0x4 0x"));
    }

    @Test
    void unassignedAddressesReadZeroIgnoreWritesAndAreLogged() {
        assertEquals("OK 0x0000000000000000", q("readl 0x9000000"));
        assertEquals("OK", q("writel 0x9050044 0x80000000"), "no SMMU in this machine");
        assertEquals("OK 0x0000000000000000", q("readl 0x9050044"));
        assertEquals("OK 0x00000000", q("read 0xfffffffffffffffe 0x4"), "wrapping past 2^64");
        assertTrue(logText.toString().contains("unassigned read of 0x4 bytes at 0x9000000 (read as 0)"), logText.toString());
        assertTrue(logText.toString().contains("unassigned write of 0x4 bytes at 0x9050044 (ignored)"), logText.toString());
    }

    @Test
    void aRangeAcrossRamAndAHoleIsSplit() {
        long end = 0x4000_0000L + (512L << 20);
        q("memset 0x" + Long.toHexString(end - 2) + " 0x2 0x77");
        assertEquals("OK 0x77770000", q("read 0x" + Long.toHexString(end - 2) + " 0x4"));
    }

    @Test
    void mmioRangesAreSplitIntoNaturallyAlignedAccesses() {
        var seen = new java.util.ArrayList<String>();
        var bus = new dev.jiommu.hw.bus.SystemBus(dev.jiommu.mem.PhysicalMemory.ram(0x4000_0000L, 1 << 20));
        bus.map("probe", 0x1000, 0x100, new MmioDevice() {
            @Override
            public long read(long offset, int size) {
                seen.add("r" + size + "@" + offset);
                return 0x0807_0605_0403_0201L;
            }

            @Override
            public void write(long offset, int size, long value) {
                seen.add("w" + size + "@" + offset + "=" + Long.toHexString(value));
            }
        });
        CpuPort port = new CpuPort(bus, QtestLog.none());
        port.read(0x1001, new byte[15], 0, 15);
        assertEquals(List.of("r1@1", "r2@2", "r4@4", "r8@8"), seen);
        seen.clear();
        port.writeValue(0x1008, 8, 0x1122_3344_5566_7788L);
        port.fill(0x10fe, 4, (byte) 0xab);
        assertEquals(List.of("w8@8=1122334455667788", "w2@254=abab"), seen);
    }

    @Test
    void theNoneMachineWithoutRamIsAllUnassigned() {
        QtestServer none = new QtestServer(new NoneMachine(0), QtestLog.none());
        assertEquals("OK little", none.handle("endianness"));
        assertEquals("OK", none.handle("writeq 0x40000000 0x1"));
        assertEquals("OK 0x0000000000000000", none.handle("readq 0x40000000"));
        assertEquals("OK 0x0000", none.handle("read 0x0 0x2"));
    }

    @Test
    void theTestDeviceIsReachableOnceEnabled() {
        assertEquals("OK 0x361b", q("read 0x4010008000 0x2"));
        assertEquals("OK 0x0000", q("read 0x4010008004 0x2"));
        assertEquals("OK", q("write 0x4010008004 0x2 0x0700"));
        assertEquals("OK 0x0700", q("read 0x4010008004 0x2"));
        assertEquals("OK", q("write 0x4010008010 0x4 0xffffffff"));
        assertEquals("OK 0x00f0ffff", q("read 0x4010008010 0x4"));
        assertEquals("OK", q("write 0x4010008010 0x4 0x00000010"));
        assertEquals("OK 0xffffffff", q("read 0x10000010 0x4"));
    }

    @Test
    void blankLinesGetNoReplyAndCarriageReturnsAreDropped() {
        assertNull(q(""));
        assertNull(q("\r"));
        assertEquals("OK little", q("endianness\r"));
    }

    @Test
    void serveAnswersEachLineAndLogsInQemusFormat() throws IOException {
        var in = new ByteArrayInputStream("endianness\n\nreadb 0x40000000\nfrob\nreadb 0x4".getBytes(StandardCharsets.UTF_8));
        var out = new ByteArrayOutputStream();
        server.serve(in, out);
        assertEquals("OK little\nOK 0x0000000000000000\nFAIL Unknown command 'frob'\n",
                out.toString(StandardCharsets.UTF_8));
        List<String> log = logText.toString().lines().toList();
        assertTrue(log.getFirst().matches("\\[I 0\\.\\d{6}] OPENED"), log.getFirst());
        assertTrue(log.get(1).matches("\\[R \\+\\d+\\.\\d{6}] endianness"), log.get(1));
        assertTrue(log.get(2).matches("\\[S \\+\\d+\\.\\d{6}] OK little"), log.get(2));
        assertTrue(log.get(3).matches("\\[R \\+\\d+\\.\\d{6}] readb 0x40000000"), log.get(3));
        assertTrue(log.getLast().matches("\\[I \\+\\d+\\.\\d{6}] CLOSED"), log.getLast());
        assertEquals(8, log.size(), logText.toString());
    }

    @ParameterizedTest
    @CsvSource({"0x10, 16", "010, 8", "10, 10", "-1, -1", "0, 0", "' 0x10', 16", "+7, 7",
        "0xffffffffffffffff, -1", "18446744073709551615, -1"})
    void numbersParseAsStrtoullBaseZero(String text, long expected) {
        assertEquals(expected, Numbers.parseU64("n", text));
    }
}

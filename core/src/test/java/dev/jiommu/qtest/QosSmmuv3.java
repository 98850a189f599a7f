package dev.jiommu.qtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The qtest lines QEMU's {@code iommu-smmuv3-test} sends through libqos
 * ({@code generic-pcihost}, {@code pci}, {@code qos-iommu-testdev},
 * {@code qos-smmuv3}), in order, with the reply each must get
 * (docs/qtest.md, §3 to §5 of the interface notes).
 */
final class QosSmmuv3 {

    /** STE.Config and the S1 leaf of each test case. */
    enum Mode {
        S1_ONLY(0x4e17_8fcbL, 0x0400_0000_4ecb_a763L),
        S2_ONLY(0x4e17_8fcdL, 0x0400_0000_4ecb_a7e3L),
        NESTED(0x4e17_8fcfL, 0x0400_0000_4ecb_a763L);

        final long steWord0;
        final long s1Leaf;

        Mode(long steWord0, long s1Leaf) {
            this.steWord0 = steWord0;
            this.s1Leaf = s1Leaf;
        }
    }

    static final long ECAM = 0x40_1000_0000L;
    static final long BAR0 = 0x1000_0000L;
    static final long SMMU = 0x0905_0000L;
    static final long STRTAB = 0x4e17_9000L;
    static final long CD = STRTAB - 0x40;
    static final long VTTB = 0x4e4d_0000L;
    static final long IOVA = 0x80_8060_4567L;
    static final long TARGET = 0x4ecb_a567L;
    static final long TABLE = 0x8000_0000_0000_0003L;
    static final long S2_LEAF_RO = 0x0400_0000_0000_0763L;
    static final long S2_LEAF_RW = 0x0400_0000_0000_07e3L;

    private final LibqtestPeer qts;

    QosSmmuv3(LibqtestPeer qts) {
        this.qts = qts;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private void expect(String request, String reply) throws IOException {
        qts.expect(request, reply);
    }

    /** §3: enumeration, enable, BAR0 at 0x1000_0000. Returns the testdev's devfn. */
    int pciSetup() throws IOException {
        int found = -1;
        for (int devfn = 0; devfn < 256; devfn++) {
            long cfg = ECAM + ((long) devfn << 12);
            String vendor = qts.qtest("read " + hex(cfg) + " 0x2");
            if (vendor.equals("OK 0xffff")) {
                continue;
            }
            assertEquals(vendor, qts.qtest("read " + hex(cfg) + " 0x2"));
            if (vendor.equals("OK 0x361b") && qts.qtest("read " + hex(cfg + 2) + " 0x2").equals("OK 0x0500")) {
                found = devfn;
            }
        }
        assertEquals(8, found, "iommu-testdev at 00:01.0");
        long cfg = ECAM + ((long) found << 12);
        String cmd = qts.qtest("read " + hex(cfg + 4) + " 0x2");
        int value = Integer.parseInt(cmd.substring(7, 9) + cmd.substring(5, 7), 16) | 7;
        expect(String.format("write %s 0x2 0x%02x%02x", hex(cfg + 4), value & 0xff, value >> 8), "OK");
        assertEquals(7, Integer.parseInt(qts.qtest("read " + hex(cfg + 4) + " 0x2").substring(5, 7), 16) & 7);
        expect("write " + hex(cfg + 0x10) + " 0x4 0xffffffff", "OK");
        expect("read " + hex(cfg + 0x10) + " 0x4", "OK 0x00f0ffff");
        expect("write " + hex(cfg + 0x10) + " 0x4 0x00000010", "OK");
        return found;
    }

    /** §5: target cleared, STE, CD (with read-back), page tables. */
    void tables(Mode mode, int sid) throws IOException {
        expect("memset " + hex(TARGET) + " 0x4 0x00", "OK");
        long ste = STRTAB + 0x40L * sid;
        for (int w = 0; w < 16; w++) {
            long v = switch (w) {
                case 0 -> mode.steWord0;
                case 5 -> 0x000d_0094L;
                case 6 -> VTTB;
                default -> 0;
            };
            expect("writel " + hex(ste + 4L * w) + " " + hex(v), "OK");
        }
        if (mode != Mode.S2_ONLY) {
            long[] cd = {0xc000_0010L, 0x1e20_6204L, 0x4e4d_0001L, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
            for (int w = 0; w < 16; w++) {
                expect("writel " + hex(CD + 4L * w) + " " + hex(cd[w]), "OK");
                expect("readl " + hex(CD + 4L * w), String.format("OK 0x%016x", cd[w]));
            }
        }
        for (long[] e : pageTableWrites(mode)) {
            expect("writeq " + hex(e[0]) + " " + hex(e[1]), "OK");
        }
    }

    /**
     * The page-table writes in libqos's order: per S1 level, the S2 walk of that
     * level's descriptor address, then the descriptor; the S2 walk of the S1
     * output; for nested, the S2 walk of the CD.
     */
    static List<long[]> pageTableWrites(Mode mode) {
        List<long[]> w = new ArrayList<>();
        long table = VTTB;
        for (int level = 0; level < 4; level++) {
            long desc = table + 8 * index(IOVA, level);
            s2Walk(w, desc & ~0xfffL, S2_LEAF_RO);
            long next = VTTB + 0x1000L * (level + 1);
            w.add(new long[] {desc, level < 3 ? TABLE | next : mode.s1Leaf});
            table = next;
        }
        s2Walk(w, TARGET & ~0xfffL, S2_LEAF_RW);
        if (mode == Mode.NESTED) {
            s2Walk(w, CD & ~0xfffL, S2_LEAF_RO);
        }
        return w;
    }

    private static void s2Walk(List<long[]> w, long page, long leaf) {
        long table = VTTB;
        for (int level = 0; level < 3; level++) {
            long next = VTTB + 0x1000L * (level + 1);
            w.add(new long[] {table + 8 * index(page, level), TABLE | next});
            table = next;
        }
        w.add(new long[] {table + 8 * index(page, 3), leaf | page});
    }

    private static long index(long address, int level) {
        return address >>> (39 - 9 * level) & 0x1ff;
    }

    /** §5: the twelve SMMU register writes. */
    void smmuRegisters() throws IOException {
        String[] writes = {
            "writel 0x9050044 0x80000000", "writel 0x9050020 0x0", "writel 0x9050028 0xd75",
            "writeq 0x9050090 0x4e16b00a", "writel 0x905009c 0x0", "writel 0x9050098 0x0",
            "writeq 0x90500a0 0x4e17000a", "writel 0x90500a8 0x0", "writel 0x90500ac 0x0",
            "writel 0x9050088 0x5", "writeq 0x9050080 0x4e179000", "writel 0x9050020 0xd",
        };
        for (String w : writes) {
            expect(w, "OK");
        }
    }

    /** §4: program, arm, trigger; returns RESULT as libqos polls it. */
    long dma() throws IOException {
        expect("write 0x10000004 0x4 0x67456080", "OK");
        expect("write 0x10000008 0x4 0x80000000", "OK");
        expect("write 0x1000001c 0x4 0x67a5cb4e", "OK");
        expect("write 0x10000020 0x4 0x00000000", "OK");
        expect("write 0x1000000c 0x4 0x04000000", "OK");
        expect("write 0x10000018 0x4 0x0a000000", "OK");
        expect("write 0x10000014 0x4 0x01000000", "OK");
        expect("read 0x10000000 0x4", "OK 0x00000000");
        String r = qts.qtest("read 0x10000010 0x4");
        return Long.parseLong(r.substring(11, 13) + r.substring(9, 11) + r.substring(7, 9) + r.substring(5, 7), 16);
    }

    /** The final check of the target bytes. */
    String target() throws IOException {
        return qts.qtest("read 0x4ecba567 0x4");
    }
}

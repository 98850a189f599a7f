package dev.jiommu.sim.scenarios;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Descriptor;
import dev.jiommu.pgtable.FaultKind;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.WalkResult;
import dev.jiommu.pgtable.Walker;
import dev.jiommu.sim.Scenario;
import dev.jiommu.sim.TextTable;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The foundation flow: a process-like stage-1 address space and a guest's
 * stage-2 physical map, each mapped with mixed page sizes by
 * {@link IoPageTable#mapPages}, walked by the shared {@link Walker} with
 * random accesses and with directed probes for every fault kind and for the
 * hardware access/dirty updates; then everything is unmapped and the table
 * pages go back to the frame allocator.
 *
 * <p>Checks: every mapping succeeds, every probe ends as the architecture
 * says, and only the start tables remain after the unmap.
 */
public final class PageTableScenario implements Scenario {

    static final long SEED = 0x5EED_0001L;
    static final int RANDOM_WALKS = 400_000;
    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 4L << 30;
    static final long TABLES_SIZE = 256L << 20;
    static final long K = 1L << 10, M = 1L << 20, G = 1L << 30;

    /** One mapped range of an address space. */
    record Region(String name, long va, long size, long pa, int prot) {}

    /** One directed walk and the outcome the architecture requires (null: a translation). */
    record Probe(String name, long va, int access, int flags, FaultKind expected, int expectedLevel) {}

    @Override
    public String name() {
        return "pgtable";
    }

    @Override
    public String summary() {
        return "process-like stage-1 space and guest stage-2 map, mixed page sizes, walked; faults by kind, table memory";
    }

    @Override
    public int run(PrintStream out) {
        PhysicalMemory mem = PhysicalMemory.ram(RAM_BASE, RAM_SIZE);
        FrameAllocator frames = new FrameAllocator(mem, RAM_BASE, TABLES_SIZE);
        Walker walker = new Walker(mem);
        List<String> failures = new ArrayList<>();

        IoPageTable s1 = IoPageTable.create(Stage.STAGE1, Granule.G4K.pageSizeBitmap(false), 48, 48, 0, frames);
        List<Region> process = List.of(
                new Region("text", 0x40_0000L, 2 * M + 136 * K, 0x8020_0000L, Prot.READ | Prot.CACHE),
                new Region("rodata", 0x62_2000L, 60 * K, 0x8042_2000L, Prot.READ | Prot.NOEXEC | Prot.CACHE),
                new Region("data", 0x80_0000L, 1 * M, 0x8060_0000L, Prot.READ | Prot.WRITE | Prot.NOEXEC | Prot.CACHE),
                new Region("heap", 0x1000_0000L, 96 * M + 20 * K, 0x9000_0000L, Prot.READ | Prot.WRITE | Prot.NOEXEC | Prot.CACHE),
                new Region("shm", 0x40_0000_0000L, 1 * G, 0x1_0000_0000L, Prot.READ | Prot.WRITE | Prot.NOEXEC | Prot.CACHE),
                new Region("mmap", 0x7f00_0000_0000L, 300 * K, 0xa000_1000L, Prot.READ | Prot.WRITE | Prot.NOEXEC | Prot.CACHE),
                new Region("kernel", 0x7f00_1000_0000L, 8 * K, 0xa100_0000L, Prot.READ | Prot.PRIV | Prot.CACHE),
                new Region("far", 0x7f00_2000_0000L, 4 * K, 0x100_0000_0000L, Prot.READ | Prot.WRITE | Prot.NOEXEC),
                new Region("stack", 0x7fff_ff00_1000L, 8 * M - 4 * K, 0xa200_1000L, Prot.READ | Prot.WRITE | Prot.NOEXEC | Prot.CACHE));
        IoPageTable s2 = IoPageTable.create(Stage.STAGE2, Granule.G4K.pageSizeBitmap(false), 40, 48, 0, frames);
        List<Region> guest = List.of(
                new Region("flash", 0x0L, 128 * M, 0x2_0000_0000L, Prot.READ | Prot.CACHE),
                new Region("uart", 0x0900_0000L, 4 * K, 0x0900_0000L, Prot.READ | Prot.WRITE | Prot.MMIO | Prot.NOEXEC),
                new Region("ram", 0x4000_0000L, 3 * G + 6 * M, 0x2_4000_0000L, Prot.READ | Prot.WRITE | Prot.CACHE));

        long t0 = System.nanoTime();
        mapAll(s1, process, failures);
        mapAll(s2, guest, failures);
        long mapNanos = System.nanoTime() - t0;

        out.println("jiommu pgtable: VMSAv8-64 tables built with io-pgtable ops, walked by the shared walker");
        out.println();
        printLayout(out, "Stage 1, process address space: " + s1.format(), walker, s1, process);
        printLayout(out, "Stage 2, guest physical map: " + s2.format(), walker, s2, guest);

        // Random accesses over both spaces, then the directed probes.
        long w0 = walker.walks();
        t0 = System.nanoTime();
        Map<FaultKind, Long> randomFaults = randomWalks(walker, s1, process, s2, guest);
        long walkNanos = System.nanoTime() - t0;
        long randomWalks = walker.walks() - w0;

        prepareProbeTargets(mem, frames, s1, process);
        List<Probe> probes = probes(process);
        TextTable pt = new TextTable("probe", "VA", "access", "expected", "got", "check");
        Map<FaultKind, Long> probeFaults = new EnumMap<>(FaultKind.class);
        WalkResult r = new WalkResult();
        for (Probe p : probes) {
            walker.walk(p.name.startsWith("ADDRESS_SIZE") ? narrowOutput(s1.format()) : s1.format(),
                    s1.root(), p.va, p.access, p.flags, r);
            String expected = p.expected == null ? "translation" : p.expected + " L" + p.expectedLevel;
            String got = r.ok() ? "translation" : r.fault() + " L" + r.level();
            boolean good = expected.equals(got);
            if (!r.ok()) {
                probeFaults.merge(r.fault(), 1L, Long::sum);
            }
            if (!good) {
                failures.add("probe " + p.name + ": expected " + expected + ", got " + got);
            }
            pt.row(p.name, hex(p.va), accessName(p.access, p.flags), expected, got, good ? "ok" : "MISMATCH");
        }
        out.println("Directed probes (stage 1):");
        pt.print(out, "  ");
        out.println();

        TextTable ft = new TextTable("fault kind", "random walks", "probes");
        for (FaultKind k : FaultKind.values()) {
            ft.row(k, randomFaults.getOrDefault(k, 0L), probeFaults.getOrDefault(k, 0L));
        }
        out.println("Faults by kind:");
        ft.print(out, "  ");
        out.println();

        TextTable wt = new TextTable("walks", "count");
        wt.row("leaf listing (region tables above)", walker.walks() - randomWalks - probes.size());
        wt.row("random walks (both stages)", randomWalks);
        wt.row("directed probes", probes.size());
        wt.row("translated", walker.walks() - totalFaults(walker));
        wt.row("faulted", totalFaults(walker));
        wt.row("descriptor reads", walker.descriptorReads());
        wt.row("descriptor reads per walk", String.format("%.2f", walker.descriptorReads() / (double) walker.walks()));
        wt.row("hardware AF/dirty updates", walker.hardwareUpdates());
        out.println("Walks:");
        wt.print(out, "  ");
        out.printf("  host speed: %.1f M walks/s, %.0f ns per walk (random walks, JIT still warming); mapping took %.1f ms%n%n",
                randomWalks / (walkNanos / 1e3), walkNanos / (double) randomWalks, mapNanos / 1e6);

        TextTable mt = new TextTable("table memory", "stage 1", "stage 2");
        mt.row("table pages after mapping", s1.tablePages(), s2.tablePages());
        mt.row("table bytes after mapping", TextTable.size(s1.tableBytes()), TextTable.size(s2.tableBytes()));
        long peak = frames.peakBytesInUse();
        unmapAll(s1, process, failures);
        unmapAll(s2, guest, failures);
        mt.row("table pages after unmapping all", s1.tablePages(), s2.tablePages());
        out.println("Table memory:");
        mt.print(out, "  ");
        out.printf("  frame allocator: %s in use now, %s at peak; host memory touched: %s%n%n",
                TextTable.size(frames.bytesInUse()), TextTable.size(peak), TextTable.size(mem.bytesTouched()));
        if (s1.tablePages() != 1 || s2.tablePages() != 1) {
            failures.add("empty tables were not all freed: " + s1.tablePages() + " + " + s2.tablePages() + " pages remain");
        }

        if (failures.isEmpty()) {
            out.println("result: ok (" + probes.size() + " probes as the architecture requires; tables freed)");
            return 0;
        }
        out.println("result: FAILED");
        failures.forEach(f -> out.println("  " + f));
        return 1;
    }

    private static void mapAll(IoPageTable t, List<Region> regions, List<String> failures) {
        for (Region g : regions) {
            int err = t.mapPages(g.va, g.pa, 4 * K, g.size / (4 * K), g.prot);
            if (err != 0) {
                failures.add("map of " + g.name + " failed: " + Errno.name(err));
            }
        }
    }

    private static void unmapAll(IoPageTable t, List<Region> regions, List<String> failures) {
        for (Region g : regions) {
            long n = t.unmap(g.va, g.size);
            if (n != g.size) {
                failures.add("unmap of " + g.name + " returned " + n + ", expected " + g.size);
            }
        }
    }

    /** Lists each region with the leaves the walker finds in it. */
    private static void printLayout(PrintStream out, String title, Walker walker, IoPageTable t, List<Region> regions) {
        TextTable lt = new TextTable("region", "input range", "size", "prot", "4K pages", "2M blocks", "1G blocks");
        WalkResult r = new WalkResult();
        for (Region g : regions) {
            long[] bySize = new long[3];
            for (long a = g.va; a < g.va + g.size; ) {
                walker.walk(t.format(), t.root(), a, Access.NONE, 0, r);
                if (!r.ok()) {
                    throw new IllegalStateException("mapped region " + g.name + " does not translate at " + hex(a) + ": " + r);
                }
                bySize[3 - r.level()]++;
                a = (a & -r.blockSize()) + r.blockSize();
            }
            lt.row(g.name, hex(g.va) + "-" + hex(g.va + g.size - 1), TextTable.size(g.size), Prot.toString(g.prot),
                    bySize[0], bySize[1], bySize[2]);
        }
        out.println(title + ":");
        lt.print(out, "  ");
        out.println();
    }

    private static Map<FaultKind, Long> randomWalks(Walker walker, IoPageTable s1, List<Region> process,
                                                    IoPageTable s2, List<Region> guest) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        Map<FaultKind, Long> faults = new EnumMap<>(FaultKind.class);
        WalkResult r = new WalkResult();
        int[] accesses = {Access.READ, Access.WRITE, Access.EXEC, Access.READ | Access.PRIV};
        for (int i = 0; i < RANDOM_WALKS; i++) {
            boolean stage1 = (i & 1) == 0;
            List<Region> regions = stage1 ? process : guest;
            Region g = regions.get(rnd.nextInt(regions.size()));
            long va = g.va + rnd.nextLong(g.size);
            IoPageTable t = stage1 ? s1 : s2;
            walker.walk(t.format(), t.root(), va, accesses[rnd.nextInt(accesses.length)], 0, r);
            if (!r.ok()) {
                faults.merge(r.fault(), 1L, Long::sum);
            }
        }
        return faults;
    }

    /**
     * Sets up what some probes need by editing descriptors as software would:
     * a young-bit-cleared mmap page (AF = 0), a clean DBM page (AP[2] = 1,
     * DBM = 1) and a level-0 table descriptor pointing outside RAM.
     */
    private static void prepareProbeTargets(PhysicalMemory mem, FrameAllocator frames, IoPageTable s1, List<Region> process) {
        Walker w = new Walker(mem);
        WalkResult r = new WalkResult();
        long mmap = region(process, "mmap").va;
        w.walk(s1.format(), s1.root(), mmap, Access.NONE, 0, r);
        mem.write64(r.descriptorAddress(), r.descriptor() & ~Descriptor.ARM_LPAE_PTE_AF);
        w.walk(s1.format(), s1.root(), mmap + 4 * K, Access.NONE, 0, r);
        mem.write64(r.descriptorAddress(), r.descriptor() & ~Descriptor.ARM_LPAE_PTE_AF);
        w.walk(s1.format(), s1.root(), mmap + 8 * K, Access.NONE, 0, r);
        mem.write64(r.descriptorAddress(), r.descriptor() | Descriptor.ARM_LPAE_PTE_AP_RDONLY | Descriptor.ARM_LPAE_PTE_DBM);
        w.walk(s1.format(), s1.root(), mmap + 12 * K, Access.NONE, 0, r);
        mem.write64(r.descriptorAddress(), r.descriptor() | Descriptor.ARM_LPAE_PTE_AP_RDONLY | Descriptor.ARM_LPAE_PTE_DBM);
        // L0 index 0x1ff of the stage-1 root: a table at a PA with no RAM behind it.
        mem.write64(s1.root() + 0x1ff * 8, 0xF_0000_0000L | Descriptor.ARM_LPAE_PTE_TYPE_TABLE);
    }

    private static List<Probe> probes(List<Region> process) {
        long text = region(process, "text").va, heap = region(process, "heap").va;
        long mmap = region(process, "mmap").va, kernel = region(process, "kernel").va;
        long stack = region(process, "stack").va, far = region(process, "far").va;
        int haHd = Walker.HA | Walker.HD;
        return List.of(
                new Probe("read text", text + 0x1234, Access.READ, 0, null, 0),
                new Probe("exec text", text + 2 * M + 8, Access.EXEC, 0, null, 0),
                new Probe("write text", text + 64, Access.WRITE, 0, FaultKind.PERMISSION, 2),
                new Probe("exec heap (NOEXEC)", heap + 5 * M, Access.EXEC, 0, FaultKind.PERMISSION, 2),
                new Probe("user read of kernel page", kernel, Access.READ, 0, FaultKind.PERMISSION, 3),
                new Probe("privileged read of kernel page", kernel + 8, Access.READ | Access.PRIV, 0, null, 0),
                new Probe("stack guard page", stack - 8, Access.READ, 0, FaultKind.TRANSLATION, 3),
                new Probe("unmapped hole", 0x2000_0000_0000L, Access.READ, 0, FaultKind.TRANSLATION, 0),
                new Probe("VA beyond IAS", 1L << 48, Access.READ, 0, FaultKind.TRANSLATION, 0),
                new Probe("table outside RAM", 0xff80_0000_0000L, Access.READ, 0, FaultKind.EXTERNAL_ABORT, 1),
                new Probe("ADDRESS_SIZE: PA 2^40 under IPS=40", far, Access.READ, 0, FaultKind.ADDRESS_SIZE, 3),
                new Probe("old page (AF=0), no HA", mmap, Access.READ, 0, FaultKind.ACCESS_FLAG, 3),
                new Probe("old page (AF=0), HA sets AF", mmap + 4 * K, Access.READ, Walker.HA, null, 0),
                new Probe("clean DBM page write, no HD", mmap + 8 * K, Access.WRITE, Walker.HA, FaultKind.PERMISSION, 3),
                new Probe("clean DBM page write, HA|HD dirties", mmap + 12 * K, Access.WRITE, haHd, null, 0),
                new Probe("same page, now writable", mmap + 12 * K, Access.WRITE, 0, null, 0));
    }

    /** The stage-1 format with a 40-bit output size, as a CD with IPS = 40 bits walks it. */
    private static TableFormat narrowOutput(TableFormat f) {
        return new TableFormat(f.stage(), f.granule(), f.inputBits(), 40, f.startLevel());
    }

    private static Region region(List<Region> regions, String name) {
        return regions.stream().filter(g -> g.name.equals(name)).findFirst().orElseThrow();
    }

    private static long totalFaults(Walker w) {
        long n = 0;
        for (FaultKind k : FaultKind.values()) {
            n += w.faults(k);
        }
        return n;
    }

    private static String accessName(int access, int flags) {
        String a = switch (access & (Access.READ | Access.WRITE | Access.EXEC)) {
            case Access.READ -> "read";
            case Access.WRITE -> "write";
            case Access.EXEC -> "exec";
            default -> "lookup";
        };
        if ((access & Access.PRIV) != 0) {
            a += " priv";
        }
        if ((flags & Walker.HA) != 0) {
            a += (flags & Walker.HD) != 0 ? " +HA+HD" : " +HA";
        }
        return a;
    }

    private static String hex(long v) {
        return String.format("0x%x", v);
    }
}

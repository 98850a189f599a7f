package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Access;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.jiommu.os.mm.Mman.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded random mmap(MAP_FIXED / NOREPLACE / POPULATE), munmap, mprotect,
 * CPU reads and writes (crossing pages) and explicit faults in a 32-page
 * window, against a plain model: a protection per page and the bytes of each
 * resident page. Every result, the resident count, the data frames in use and
 * (periodically) the VMA list and page contents must match the model; every
 * invalidation must come before any frame is freed.
 *
 * <p>Reproduce with {@code -Djiommu.seed=<seed>} (printed at start, in every
 * message); {@code -Djiommu.randomOps=<n>} lengthens the run.
 */
class MmRandomTest {

    private static final long DEFAULT_SEED = 0x5EED_0D0DL;
    private static final int OPS = Integer.getInteger("jiommu.randomOps", 4000);
    private static final int CHECK_EVERY = 200;
    private static final int PAGE = Mm.PAGE_SIZE;
    private static final int PAGES = 32;
    private static final long W = 0x7f00_0000_0000L;
    private static final int UNMAPPED = -1;

    /** The seed for this run: {@code -Djiommu.seed}, or the fixed default. */
    static long seed() {
        String s = System.getProperty("jiommu.seed");
        return s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
    }

    @BeforeAll
    static void printSeed() {
        System.out.println("MmRandomTest seed=" + seed() + " ops=" + OPS);
    }

    /** The reference: per-page protection (or UNMAPPED) and resident contents. */
    private static final class Model {
        final int[] prot = new int[PAGES];
        final Map<Integer, byte[]> resident = new HashMap<>();

        Model() {
            java.util.Arrays.fill(prot, UNMAPPED);
        }

        int protAt(long va) {
            long i = Math.floorDiv(va - W, PAGE);
            return i < 0 || i >= PAGES ? UNMAPPED : prot[(int) i];
        }

        byte[] page(long va) {
            return resident.computeIfAbsent((int) ((va - W) / PAGE), k -> new byte[PAGE]);
        }

        /** The outcome of a CPU access of {@code len} bytes at {@code va}, applying a write's bytes; reads fill {@code buf}. */
        int access(long va, byte[] buf, boolean write) {
            int done = 0;
            while (done < buf.length) {
                long at = va + done;
                int p = protAt(at);
                if (p == UNMAPPED) {
                    return -Errno.EFAULT;
                }
                if (write ? (p & PROT_WRITE) == 0 : (p & (PROT_READ | PROT_WRITE)) == 0) {
                    return -Errno.EACCES;
                }
                byte[] page = page(at);
                int off = (int) ((at - W) % PAGE);
                int n = Math.min(buf.length - done, PAGE - off);
                if (write) {
                    System.arraycopy(buf, done, page, off, n);
                } else {
                    System.arraycopy(page, off, buf, done, n);
                }
                done += n;
            }
            return 0;
        }

        int fault(long va, int access) {
            int p = protAt(va);
            if (p == UNMAPPED) {
                return -Errno.EFAULT;
            }
            boolean ok = ((access & Access.WRITE) == 0 || (p & PROT_WRITE) != 0)
                    && ((access & Access.EXEC) == 0 || (p & PROT_EXEC) != 0)
                    && ((access & Access.READ) == 0 || (p & (PROT_READ | PROT_WRITE)) != 0);
            if (!ok) {
                return -Errno.EACCES;
            }
            page(va);
            return 0;
        }

        void unmap(int first, int end) {
            for (int i = Math.max(first, 0); i < Math.min(end, PAGES); i++) {
                prot[i] = UNMAPPED;
                resident.remove(i);
            }
        }

        List<Vma> vmas() {
            List<Vma> l = new ArrayList<>();
            for (int i = 0; i < PAGES; i++) {
                if (prot[i] == UNMAPPED) {
                    continue;
                }
                int j = i;
                while (j + 1 < PAGES && prot[j + 1] == prot[i]) {
                    j++;
                }
                l.add(new Vma(W + (long) i * PAGE, W + (long) (j + 1) * PAGE, prot[i]));
                i = j;
            }
            return l;
        }
    }

    @Test
    void mmMatchesTheModel() {
        long seed = seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        MmRig rig = new MmRig();
        long tablesBaseline = rig.tables.framesInUse();
        long dataBaseline = rig.data.framesInUse();
        Mm p = rig.mm.createMm("random");
        Model m = new Model();
        long[] framesBeforeOp = new long[1];
        String[] where = new String[1];
        int[] releases = new int[1];
        p.registerNotifier(new MmuNotifier() {
            @Override
            public void invalidateRange(Mm mm, long start, long end) {
                assertEquals(framesBeforeOp[0], rig.data.framesInUse(), where[0] + ": a frame was freed before the invalidation");
                assertTrue(start < end && ((start | end) & (PAGE - 1)) == 0, where[0]);
                for (long page = start; page < end; page += PAGE) {
                    long at = page;
                    Vma v = mm.vmas().stream().filter(x -> x.contains(at)).findFirst().orElse(null);
                    if (mm.translate(at) >= 0 && (v == null || v.prot() == PROT_NONE)) {
                        fail(where[0] + String.format(": PTE at 0x%x still present at the invalidation", at));
                    }
                }
            }

            @Override
            public void release(Mm mm) {
                releases[0]++;
                assertEquals(dataBaseline + m.resident.size(), rig.data.framesInUse(), where[0] + ": frames freed before release");
            }
        });

        for (int step = 0; step < OPS; step++) {
            int first = rnd.nextInt(-2, PAGES + 1);
            int n = rnd.nextInt(1, 7);
            long va = W + (long) first * PAGE;
            int prot = rnd.nextInt(8);
            int op = rnd.nextInt(100);
            framesBeforeOp[0] = rig.data.framesInUse();
            String what;
            long expected;
            long actual;
            if (op < 15) {
                first = Math.min(Math.max(first, 0), PAGES - 1);
                n = Math.min(n, PAGES - first);
                va = W + (long) first * PAGE;
                boolean populate = rnd.nextInt(4) == 0;
                boolean noReplace = rnd.nextInt(4) == 0;
                int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noReplace ? MAP_FIXED_NOREPLACE : MAP_FIXED)
                        | (populate ? MAP_POPULATE : 0);
                what = String.format("mmap(0x%x, %d pages, %s%s%s)", va, n, protToString(prot),
                        noReplace ? ", NOREPLACE" : "", populate ? ", POPULATE" : "");
                boolean overlap = false;
                for (int i = first; i < first + n; i++) {
                    overlap |= m.prot[i] != UNMAPPED;
                }
                if (noReplace && overlap) {
                    expected = -Errno.EEXIST;
                } else {
                    expected = va;
                    m.unmap(first, first + n);
                    for (int i = first; i < first + n; i++) {
                        m.prot[i] = prot;
                        if (populate && prot != PROT_NONE) {
                            m.page(W + (long) i * PAGE);
                        }
                    }
                }
                where[0] = "seed=" + seed + " step=" + step + " " + what;
                actual = p.mmap(va, (long) n * PAGE, prot, flags);
            } else if (op < 25) {
                what = String.format("munmap(0x%x, %d pages)", va, n);
                expected = first < 0 && va < Mm.MMAP_MIN_ADDR ? -Errno.EINVAL : 0;
                m.unmap(first, first + n);
                where[0] = "seed=" + seed + " step=" + step + " " + what;
                actual = p.munmap(va, (long) n * PAGE - rnd.nextInt(PAGE));
            } else if (op < 40) {
                what = String.format("mprotect(0x%x, %d pages, %s)", va, n, protToString(prot));
                int i = first;
                if (m.protAt(va) == UNMAPPED) {
                    expected = -Errno.ENOMEM;
                } else {
                    while (i < first + n && m.protAt(W + (long) i * PAGE) != UNMAPPED) {
                        m.prot[i++] = prot;
                    }
                    expected = i < first + n ? -Errno.ENOMEM : 0;
                }
                where[0] = "seed=" + seed + " step=" + step + " " + what;
                actual = p.mprotect(va, (long) n * PAGE, prot);
            } else if (op < 65) {
                long at = va + rnd.nextInt(PAGE) + (rnd.nextBoolean() ? PAGE - 8 : 0) - (rnd.nextBoolean() ? 0 : 4);
                long value = rnd.nextLong();
                byte[] bytes = new byte[8];
                for (int k = 0; k < 8; k++) {
                    bytes[k] = (byte) (value >>> (8 * k));
                }
                what = String.format("write64(0x%x, 0x%x)", at, value);
                expected = m.access(at, bytes, true);
                where[0] = "seed=" + seed + " step=" + step + " " + what;
                actual = p.write64(at, value);
            } else if (op < 85) {
                long at = va + rnd.nextInt(PAGE) + (rnd.nextBoolean() ? PAGE - 8 : 0);
                byte[] bytes = new byte[8];
                what = String.format("read64(0x%x)", at);
                int err = m.access(at, bytes, false);
                where[0] = "seed=" + seed + " step=" + step + " " + what;
                long value = p.read64(at);
                actual = p.lastErrno();
                expected = err;
                if (err == 0) {
                    long want = 0;
                    for (int k = 7; k >= 0; k--) {
                        want = (want << 8) | (bytes[k] & 0xff);
                    }
                    assertEquals(Long.toHexString(want), Long.toHexString(value), "seed=" + seed + " step=" + step + " " + what);
                } else {
                    assertEquals(0, value, "seed=" + seed + " step=" + step + " " + what);
                }
            } else {
                int[] accesses = {Access.READ, Access.WRITE, Access.EXEC, Access.READ | Access.WRITE, Access.READ | Access.PRIV};
                int access = accesses[rnd.nextInt(accesses.length)];
                long at = va + rnd.nextInt(PAGE);
                what = String.format("handleFault(0x%x, %d)", at, access);
                expected = m.fault(at, access);
                where[0] = "seed=" + seed + " step=" + step + " " + what;
                actual = p.handleFault(at, access);
            }
            if (expected != actual) {
                fail(where[0] + ": expected " + render(expected) + " but got " + render(actual));
            }
            assertEquals(0, releases[0], where[0] + ": release before exit");
            assertEquals(m.resident.size(), p.residentPages(), where[0] + ": resident pages");
            assertEquals(dataBaseline + m.resident.size(), rig.data.framesInUse(), where[0] + ": data frames in use");
            if (step % CHECK_EVERY == 0 || step == OPS - 1) {
                assertEquals(m.vmas(), p.vmas(), where[0] + ": VMAs");
                sweep(p, m, where[0]);
                assertEquals(m.resident.size(), p.residentPages(), where[0] + ": resident pages after the sweep");
            }
        }
        where[0] = "seed=" + seed + " exit";
        p.exit();
        assertEquals(1, releases[0], where[0] + ": release calls");
        assertEquals(tablesBaseline, rig.tables.framesInUse(), where[0] + ": table pages");
        assertEquals(dataBaseline, rig.data.framesInUse(), where[0] + ": data frames");
    }

    private static String render(long result) {
        return result < 0 ? Errno.name((int) result) : "0x" + Long.toHexString(result);
    }

    /** Reads every readable page whole and compares it with the model (faulting untouched ones in on both sides). */
    private static void sweep(Mm p, Model m, String where) {
        byte[] got = new byte[PAGE];
        for (int i = 0; i < PAGES; i++) {
            long va = W + (long) i * PAGE;
            byte[] want = new byte[PAGE];
            int expected = m.access(va, want, false);
            int actual = p.read(va, got, 0, PAGE);
            assertEquals(Errno.name(expected), Errno.name(actual), where + String.format(": sweep read of 0x%x", va));
            if (expected == 0 && !java.util.Arrays.equals(want, got)) {
                fail(where + String.format(": contents of page 0x%x differ from the model", va));
            }
        }
    }
}

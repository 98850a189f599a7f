package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jiommu.os.mm.Mman.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mmap, munmap and mprotect argument checks, placement and VMA bookkeeping, against Linux's choices. */
class MmapErrnoTest {

    private static final int PAGE = Mm.PAGE_SIZE;
    private static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS;
    private static final long A = 0x4000_0000L;

    private Mm p;

    @BeforeEach
    void setUp() {
        p = new MmRig().mm.createMm("errno");
    }

    private static void assertErrno(int expected, long actual) {
        assertEquals(Errno.name(expected), Errno.name((int) actual));
    }

    @Test
    void mmapRefusesBadArguments() {
        assertErrno(-Errno.EINVAL, p.mmap(0, PROT_READ));
        assertErrno(-Errno.EINVAL, p.mmap(PAGE, 0x8));
        assertErrno(-Errno.EINVAL, p.mmap(0, PAGE, PROT_READ, MAP_ANONYMOUS));
        assertErrno(-Errno.EINVAL, p.mmap(0, PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS));
        assertErrno(-Errno.EINVAL, p.mmap(0, PAGE, PROT_READ, ANON | 0x40000 /* MAP_HUGETLB */));
        assertErrno(-Errno.EINVAL, p.mmap(A + 1, PAGE, PROT_READ, ANON | MAP_FIXED));
        assertErrno(-Errno.ENOMEM, p.mmap(-PAGE, PROT_READ));
        assertErrno(-Errno.ENOMEM, p.mmap(Mm.TASK_SIZE + PAGE, PROT_READ));
        assertErrno(-Errno.ENOMEM, p.mmap(Mm.TASK_SIZE - PAGE, 2L * PAGE, PROT_READ, ANON | MAP_FIXED));
        assertErrno(-Errno.EPERM, p.mmap(0x1000, PAGE, PROT_READ, ANON | MAP_FIXED));
        assertTrue(p.vmas().isEmpty(), "failed mmaps left VMAs: " + p.vmas());
    }

    @Test
    void mmapRoundsTheLengthUpAndPlacesTopDown() {
        long a = p.mmap(1, PROT_READ | PROT_WRITE);
        long b = p.mmap(PAGE + 1, PROT_READ);
        assertEquals(Mm.MMAP_BASE - PAGE, a);
        assertEquals(a - 2L * PAGE, b);
        assertEquals(List.of(new Vma(b, a, PROT_READ), new Vma(a, a + PAGE, PROT_READ | PROT_WRITE)), p.vmas());
    }

    @Test
    void mmapTakesAFreeHintAndIgnoresABusyOne() {
        assertEquals(A, p.mmap(A - PAGE + 1, PAGE, PROT_READ, ANON));
        long other = p.mmap(A, PAGE, PROT_READ, ANON);
        assertTrue(other >= 0 && other != A, "a busy hint must not be used: 0x" + Long.toHexString(other));
        long low = p.mmap(0x2000, PAGE, PROT_READ, ANON);
        assertTrue(low >= Mm.MMAP_MIN_ADDR, "hint below mmap_min_addr used: 0x" + Long.toHexString(low));
    }

    @Test
    void adjacentMappingsWithTheSameProtectionMerge() {
        assertEquals(A, p.mmap(A, PAGE, PROT_READ, ANON | MAP_FIXED));
        assertEquals(A + PAGE, p.mmap(A + PAGE, PAGE, PROT_READ, ANON | MAP_FIXED));
        assertEquals(A + 2 * PAGE, p.mmap(A + 2 * PAGE, PAGE, PROT_WRITE, ANON | MAP_FIXED));
        assertEquals(List.of(new Vma(A, A + 2 * PAGE, PROT_READ), new Vma(A + 2 * PAGE, A + 3 * PAGE, PROT_WRITE)), p.vmas());
    }

    @Test
    void fixedNoReplaceRefusesAnOverlapAndFixedReplaces() {
        assertEquals(A, p.mmap(A, 4 * PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED));
        assertEquals(0, p.write64(A + PAGE, 42));
        assertErrno(-Errno.EEXIST, p.mmap(A + 3 * PAGE, 2 * PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE));
        assertEquals(A + 4 * PAGE, p.mmap(A + 4 * PAGE, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE));
        assertEquals(A + PAGE, p.mmap(A + PAGE, PAGE, PROT_READ, ANON | MAP_FIXED));
        assertEquals(0, p.read64(A + PAGE), "MAP_FIXED must replace the old page with a zero one");
        assertEquals(0, p.lastErrno());
        assertEquals(List.of(new Vma(A, A + PAGE, PROT_READ | PROT_WRITE), new Vma(A + PAGE, A + 2 * PAGE, PROT_READ),
                new Vma(A + 2 * PAGE, A + 4 * PAGE, PROT_READ | PROT_WRITE), new Vma(A + 4 * PAGE, A + 5 * PAGE, PROT_READ)),
                p.vmas());
    }

    @Test
    void munmapRefusesBadArgumentsAndIgnoresHoles() {
        assertErrno(-Errno.EINVAL, p.munmap(A + 1, PAGE));
        assertErrno(-Errno.EINVAL, p.munmap(A, 0));
        assertErrno(-Errno.EINVAL, p.munmap(A, -1));
        assertErrno(-Errno.EINVAL, p.munmap(-PAGE, PAGE));
        assertErrno(-Errno.EINVAL, p.munmap(Mm.TASK_SIZE - PAGE, 2L * PAGE));
        assertErrno(0, p.munmap(A, 1));
        assertErrno(0, p.munmap(Mm.TASK_SIZE - PAGE, PAGE));
    }

    @Test
    void munmapSplitsAVma() {
        p.mmap(A, 3 * PAGE, PROT_READ, ANON | MAP_FIXED);
        assertEquals(0, p.munmap(A + PAGE, 1));
        assertEquals(List.of(new Vma(A, A + PAGE, PROT_READ), new Vma(A + 2 * PAGE, A + 3 * PAGE, PROT_READ)), p.vmas());
    }

    @Test
    void mprotectRefusesBadArgumentsInLinuxOrder() {
        p.mmap(A, 2 * PAGE, PROT_READ, ANON | MAP_FIXED);
        assertErrno(-Errno.EINVAL, p.mprotect(A + 1, PAGE, PROT_READ));
        assertErrno(-Errno.EINVAL, p.mprotect(A + 1, 0, PROT_READ));
        assertErrno(0, p.mprotect(A, 0, 0x40));
        assertErrno(-Errno.EINVAL, p.mprotect(A, PAGE, 0x40));
        assertErrno(-Errno.EINVAL, p.mprotect(A, PAGE, PROT_READ | PROT_GROWSDOWN));
        assertErrno(-Errno.EINVAL, p.mprotect(A, PAGE, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
        assertErrno(-Errno.ENOMEM, p.mprotect(A, -1, PROT_READ));
        assertErrno(-Errno.ENOMEM, p.mprotect(A - PAGE, 2 * PAGE, PROT_WRITE));
        assertErrno(-Errno.ENOMEM, p.mprotect(0x7000_0000L, PAGE, PROT_WRITE));
        assertEquals(List.of(new Vma(A, A + 2 * PAGE, PROT_READ)), p.vmas(), "failed mprotects changed VMAs");
    }

    @Test
    void mprotectChangesTheVmasBeforeAHoleAndReportsIt() {
        p.mmap(A, 2 * PAGE, PROT_READ, ANON | MAP_FIXED);
        p.mmap(A + 3 * PAGE, PAGE, PROT_READ, ANON | MAP_FIXED);
        assertErrno(-Errno.ENOMEM, p.mprotect(A + PAGE, 3 * PAGE, PROT_READ | PROT_WRITE));
        assertEquals(List.of(new Vma(A, A + PAGE, PROT_READ), new Vma(A + PAGE, A + 2 * PAGE, PROT_READ | PROT_WRITE),
                new Vma(A + 3 * PAGE, A + 4 * PAGE, PROT_READ)), p.vmas());
    }

    @Test
    void mprotectSplitsAndMergesBack() {
        p.mmap(A, 3 * PAGE, PROT_READ, ANON | MAP_FIXED);
        assertEquals(0, p.mprotect(A + PAGE, PAGE, PROT_NONE));
        assertEquals(3, p.vmas().size());
        assertEquals(0, p.mprotect(A + PAGE, PAGE, PROT_READ));
        assertEquals(List.of(new Vma(A, A + 3 * PAGE, PROT_READ)), p.vmas());
    }

    @Test
    void everyCallAfterExitIsEsrch() {
        long a = p.mmap(PAGE, PROT_READ);
        p.exit();
        assertErrno(-Errno.ESRCH, p.mmap(PAGE, PROT_READ));
        assertErrno(-Errno.ESRCH, p.munmap(a, PAGE));
        assertErrno(-Errno.ESRCH, p.mprotect(a, PAGE, PROT_NONE));
        assertErrno(-Errno.ESRCH, p.handleFault(a, dev.jiommu.pgtable.Access.READ));
        assertErrno(-Errno.ESRCH, p.write64(a, 1));
        assertErrno(-Errno.ESRCH, p.read(a, new byte[1], 0, 1));
        assertEquals(0, p.read64(a));
        assertErrno(-Errno.ESRCH, p.lastErrno());
        assertErrno(-Errno.ESRCH, p.pinAsid());
        assertErrno(-Errno.ESRCH, p.runOn(0));
    }
}

package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.WalkResult;
import org.junit.jupiter.api.Test;

import static dev.jiommu.os.mm.Mman.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mprotect against CPU accesses: PTEs follow the new protection, contents survive. */
class MprotectTest {

    private static final int PAGE = Mm.PAGE_SIZE;

    private static String e(long errno) {
        return Errno.name((int) errno);
    }

    @Test
    void writeAfterMprotectReadOnlyIsEaccesAndReadsStillWork() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("ro");
        long a = p.mmap(2L * PAGE, PROT_READ | PROT_WRITE);
        assertEquals(0, p.write64(a, 0xabcdL));
        assertEquals(0, p.mprotect(a, 2L * PAGE, PROT_READ));
        assertEquals(e(-Errno.EACCES), e(p.write64(a, 1)));
        assertEquals(e(-Errno.EACCES), e(p.write64(a + PAGE, 1)), "an untouched page is read-only too");
        assertEquals(0xabcdL, p.read64(a));
        assertEquals(0, p.mprotect(a, PAGE, PROT_READ | PROT_WRITE));
        assertEquals(0, p.write64(a, 2));
        assertEquals(2, p.read64(a));
    }

    @Test
    void protNoneKeepsTheContentsButForbidsEveryAccess() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("none");
        long a = p.mmap(PAGE, PROT_READ | PROT_WRITE);
        assertEquals(0, p.write64(a + 64, 77));
        long frames = rig.data.framesInUse();
        assertEquals(0, p.mprotect(a, PAGE, PROT_NONE));
        assertEquals(e(-Errno.EFAULT), e(p.translate(a)), "PROT_NONE pages have no PTE");
        assertEquals(0, p.read64(a + 64));
        assertEquals(e(-Errno.EACCES), e(p.lastErrno()));
        assertEquals(e(-Errno.EACCES), e(p.write64(a, 1)));
        assertEquals(1, p.residentPages());
        assertEquals(frames, rig.data.framesInUse());
        assertEquals(0, p.mprotect(a, PAGE, PROT_READ));
        assertEquals(77, p.read64(a + 64), "contents lost over PROT_NONE");
        assertEquals(frames, rig.data.framesInUse(), "the page must come back without a new frame");
    }

    @Test
    void rewrittenPtesEqualFreshOnes() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("bits");
        int[] prots = {PROT_READ, PROT_READ | PROT_WRITE, PROT_EXEC, PROT_READ | PROT_EXEC, PROT_WRITE | PROT_EXEC};
        for (int from : prots) {
            for (int to : prots) {
                long changed = p.mmap(PAGE, from);
                long fresh = p.mmap(PAGE, to);
                assertEquals(0, p.handleFault(changed, accessFor(from)));
                assertEquals(0, p.mprotect(changed, PAGE, to));
                assertEquals(0, p.handleFault(fresh, accessFor(to)));
                assertEquals(0, p.handleFault(changed, accessFor(to)));
                long mask = 0x0fff_0000_0000_0fffL; // attributes and permissions, not the address
                assertEquals(Long.toHexString(descriptor(rig, p, fresh) & mask), Long.toHexString(descriptor(rig, p, changed) & mask),
                        Mman.protToString(from) + " -> " + Mman.protToString(to));
            }
        }
    }

    private static int accessFor(int prot) {
        return (prot & PROT_WRITE) != 0 ? Access.WRITE : (prot & PROT_READ) != 0 ? Access.READ : Access.EXEC;
    }

    private static long descriptor(MmRig rig, Mm p, long va) {
        WalkResult w = new WalkResult();
        assertTrue(rig.mm.cpuWalker().walk(p.format(), p.pgd(), va, Access.NONE, 0, w), w.toString());
        return w.descriptor();
    }

    @Test
    void theChangedPartBeforeAHoleTakesEffect() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("hole");
        long a = 0x5000_0000L;
        p.mmap(a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        p.write64(a, 1);
        assertEquals(e(-Errno.ENOMEM), e(p.mprotect(a, 2L * PAGE, PROT_READ)));
        assertEquals(e(-Errno.EACCES), e(p.write64(a, 2)));
    }
}

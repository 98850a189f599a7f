package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Descriptor;
import dev.jiommu.pgtable.WalkResult;
import org.junit.jupiter.api.Test;

import static dev.jiommu.os.mm.Mman.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Demand paging on CPU touch and on explicit faults, and the PTEs it installs. */
class DemandPagingTest {

    private static final int PAGE = Mm.PAGE_SIZE;

    private static String e(int errno) {
        return Errno.name(errno);
    }

    @Test
    void firstTouchAllocatesAZeroedFrameAndLaterTouchesDoNot() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("touch");
        long a = p.mmap(4L * PAGE, PROT_READ | PROT_WRITE);
        assertEquals(0, p.residentPages());
        assertEquals(e(-Errno.EFAULT), e((int) p.translate(a)), "mmap must not populate");

        long dataBefore = rig.data.framesInUse();
        assertEquals(0, p.write64(a + 8, 0x1122334455667788L));
        assertEquals(1, p.residentPages());
        assertEquals(dataBefore + 1, rig.data.framesInUse());
        assertEquals(1, rig.mm.pagesAllocated());
        assertEquals(0x1122334455667788L, p.read64(a + 8));
        assertEquals(0, p.read64(a + 16), "a fresh page reads as zeros");
        assertEquals(0, p.lastErrno());
        assertEquals(1, p.residentPages(), "a second touch of a present page must not allocate");

        long pa = p.translate(a + 8);
        assertTrue(pa >= rig.data.base() && pa < rig.data.base() + rig.data.size(), "page not from the data allocator");
        assertEquals(0x1122334455667788L, rig.memory.read64(pa));
    }

    @Test
    void accessesCrossPagesAndFaultEachPageIn() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("cross");
        long a = p.mmap(3L * PAGE, PROT_READ | PROT_WRITE);
        byte[] src = new byte[PAGE + 100];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i * 7 + 1);
        }
        assertEquals(0, p.write(a + PAGE - 50, src, 0, src.length));
        assertEquals(3, p.residentPages());
        byte[] back = new byte[src.length];
        assertEquals(0, p.read(a + PAGE - 50, back, 0, back.length));
        assertArrayEquals(src, back);

        assertEquals(0, p.write64(a + PAGE - 3, 0x0102030405060708L));
        assertEquals(0x0102030405060708L, p.read64(a + PAGE - 3));
        assertEquals(0x08, p.read64(a + PAGE - 3) & 0xff);
        byte[] split = new byte[8];
        rig.memory.readBytes(p.translate(a + PAGE - 3), split, 0, 3);
        rig.memory.readBytes(p.translate(a + PAGE), split, 3, 5);
        assertEquals(0x0102030405060708L, java.nio.ByteBuffer.wrap(split).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(),
                "each page's frame holds its part of the value");
    }

    @Test
    void aCrossingAccessStopsAtTheFirstBadPage() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("partial");
        long a = p.mmap(Mm.MMAP_MIN_ADDR + 0x100000, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        assertEquals(e(-Errno.EFAULT), e(p.write64(a + PAGE - 4, -1L)));
        assertEquals(0xffff_ffffL, p.read64(a + PAGE - 8) >>> 32, "the bytes before the bad page are written");
        assertEquals(0, p.read64(a + PAGE - 12) & 0xffff_ffffL);
        assertEquals(0, p.read64(a + PAGE - 4));
        assertEquals(e(-Errno.EFAULT), e(p.lastErrno()));
    }

    @Test
    void handleFaultErrnos() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("faults");
        long rw = p.mmap(PAGE, PROT_READ | PROT_WRITE);
        long ro = p.mmap(PAGE, PROT_READ);
        long none = p.mmap(PAGE, PROT_NONE);
        long wo = p.mmap(PAGE, PROT_WRITE);
        long xo = p.mmap(PAGE, PROT_EXEC);
        assertEquals(e(-Errno.EFAULT), e(p.handleFault(0x1000, Access.READ)));
        assertEquals(e(-Errno.EFAULT), e(p.handleFault(-1, Access.READ)));
        assertEquals(e(-Errno.EFAULT), e(p.handleFault(Mm.TASK_SIZE, Access.READ)));
        assertEquals(e(-Errno.EACCES), e(p.handleFault(ro, Access.WRITE)));
        assertEquals(e(-Errno.EACCES), e(p.handleFault(none, Access.READ)));
        assertEquals(e(-Errno.EACCES), e(p.handleFault(rw, Access.EXEC)));
        assertEquals(e(-Errno.EACCES), e(p.handleFault(xo, Access.READ)));
        assertEquals(e(-Errno.EINVAL), e(p.handleFault(rw, Access.NONE)));
        assertEquals(e(-Errno.EINVAL), e(p.handleFault(rw, Access.PRIV)));
        assertEquals(e(-Errno.EINVAL), e(p.handleFault(rw, 0x40)));
        assertEquals(0, p.residentPages(), "refused faults must not allocate");
        assertEquals(0, p.handleFault(wo, Access.READ), "write implies read");
        assertEquals(0, p.handleFault(xo, Access.EXEC));
        assertEquals(0, p.handleFault(rw, Access.WRITE | Access.PRIV));
        assertEquals(0, p.handleFault(rw + 123, Access.READ), "a fault on a present page is a no-op");
        assertEquals(3, p.residentPages());
        assertEquals(14, rig.mm.pageFaults());
    }

    @Test
    void outOfFramesIsEnomemAndLeavesNothingBehind() {
        MmRig rig = new MmRig(2, 8);
        Mm p = rig.mm.createMm("oom");
        long a = p.mmap(3L * PAGE, PROT_READ | PROT_WRITE);
        assertEquals(0, p.write64(a, 1));
        assertEquals(0, p.write64(a + PAGE, 2));
        long tablesBefore = rig.tables.framesInUse();
        assertEquals(e(-Errno.ENOMEM), e(p.write64(a + 2 * PAGE, 3)));
        assertEquals(e(-Errno.ENOMEM), e(p.handleFault(a + 2 * PAGE, Access.READ)));
        assertEquals(2, p.residentPages());
        assertEquals(tablesBefore, rig.tables.framesInUse());
        assertEquals(e(-Errno.EFAULT), e((int) p.translate(a + 2 * PAGE)));
        assertEquals(0, p.munmap(a, PAGE));
        assertEquals(0, p.write64(a + 2 * PAGE, 3), "a freed frame must be usable again");
    }

    @Test
    void ptesCarryTheVmaPermissionsForTheCpuWalker() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("perms");
        int[] prots = {PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_READ | PROT_EXEC, PROT_EXEC,
                PROT_READ | PROT_WRITE | PROT_EXEC};
        String[] expected = {"r--/r--", "rw-/rw-", "rw-/rw-", "r-x/r-x", "--x/r-x", "rwx/rw-"};
        for (int i = 0; i < prots.length; i++) {
            long va = p.mmap(PAGE, prots[i]);
            int access = (prots[i] & PROT_EXEC) != 0 && (prots[i] & (PROT_READ | PROT_WRITE)) == 0 ? Access.EXEC : Access.READ;
            assertEquals(0, p.handleFault(va, access), Mman.protToString(prots[i]));
            WalkResult w = new WalkResult();
            assertTrue(rig.mm.cpuWalker().walk(p.format(), p.pgd(), va, Access.NONE, 0, w), w.toString());
            assertEquals(expected[i], Access.permissionsToString(w.permissions()), Mman.protToString(prots[i]));
            assertTrue((w.descriptor() & Descriptor.ARM_LPAE_PTE_AF) != 0, "AF must be set");
            assertTrue((w.descriptor() & Descriptor.ARM_LPAE_PTE_nG) != 0, "user pages are non-global");
            assertEquals(Descriptor.ARM_LPAE_MAIR_ATTR_IDX_CACHE, w.memoryAttributes(p.format().stage()));
        }
    }

    @Test
    void formatIsStage1FourKilobyte48BitAndPgdIsTheTableRoot() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("fmt");
        assertEquals("S1 4K IAS=48 OAS=48 start=L0", p.format().toString());
        assertTrue(p.pgd() >= rig.tables.base() && p.pgd() < rig.tables.base() + rig.tables.size());
        Mm q = rig.mm.createMm("other");
        assertNotEquals(p.id(), q.id());
        assertNotEquals(p.pgd(), q.pgd());
        assertEquals("fmt", p.name());
        assertEquals(java.util.List.of(p, q), rig.mm.processes());
        assertTrue(p.vmas().isEmpty());
    }

    @Test
    void populateFaultsEveryPageInAtMapTime() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("populate");
        long a = p.mmap(0, 5L * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
        assertEquals(5, p.residentPages());
        for (int i = 0; i < 5; i++) {
            assertTrue(p.translate(a + (long) i * PAGE) >= 0);
        }
        long walksBefore = rig.mm.cpuWalker().walks();
        long faultsBefore = rig.mm.pageFaults();
        assertEquals(0, p.read64(a + 4L * PAGE));
        assertEquals(faultsBefore, rig.mm.pageFaults(), "a populated page must not fault");
        assertEquals(walksBefore + 1, rig.mm.cpuWalker().walks());
    }
}

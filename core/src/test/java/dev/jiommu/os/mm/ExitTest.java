package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import org.junit.jupiter.api.Test;

import static dev.jiommu.os.mm.Mman.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit gives every frame and table page back and leaves a pinned ASID reserved. */
class ExitTest {

    private static final int PAGE = Mm.PAGE_SIZE;

    @Test
    void exitReturnsEveryFrameToTheBaseline() {
        MmRig rig = new MmRig();
        long tablesBaseline = rig.tables.framesInUse();
        long dataBaseline = rig.data.framesInUse();
        Mm p = rig.mm.createMm("busy");
        Mm bystander = rig.mm.createMm("bystander");
        long bystanderPage = bystander.mmap(PAGE, PROT_READ | PROT_WRITE);
        bystander.write64(bystanderPage, 99);
        long tablesWithBystander = rig.tables.framesInUse();
        long dataWithBystander = rig.data.framesInUse();

        long a = p.mmap(64L * PAGE, PROT_READ | PROT_WRITE);
        long far = p.mmap(0x10_0000_0000L, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        for (int i = 0; i < 64; i += 3) {
            assertEquals(0, p.write64(a + (long) i * PAGE, i));
        }
        assertEquals(0, p.write64(far, 1));
        p.mprotect(a, 8L * PAGE, PROT_NONE);
        assertTrue(rig.data.framesInUse() > dataWithBystander);

        p.exit();
        assertFalse(p.isAlive());
        assertEquals(0, p.residentPages());
        assertTrue(p.vmas().isEmpty());
        assertEquals(tablesWithBystander - 1, rig.tables.framesInUse(), "all of p's table pages, its start table included");
        assertEquals(dataWithBystander, rig.data.framesInUse(), "data frames leaked");
        assertNull(rig.mm.find(p.id()));
        assertEquals(99, bystander.read64(bystanderPage));

        bystander.exit();
        assertEquals(tablesBaseline, rig.tables.framesInUse(), "table pages leaked");
        assertEquals(dataBaseline, rig.data.framesInUse(), "data frames leaked");
        assertEquals(rig.mm.pagesAllocated(), rig.mm.pagesFreed());
        assertTrue(rig.mm.processes().isEmpty());
    }

    @Test
    void aPinnedAsidOutlivesExitUntilUnpinned() {
        MmRig rig = new MmRig(64, 4);
        Mm p = rig.mm.createMm("pinned");
        int asid = p.pinAsid();
        assertTrue(asid > 0, Errno.name(asid));
        p.exit();
        assertEquals(asid, p.asid());
        for (int i = 0; i < 40; i++) {
            Mm q = rig.mm.createMm("churn" + i);
            assertTrue(q.asid() != asid, "pinned ASID of an exited mm handed out again");
            q.exit();
        }
        assertTrue(rig.mm.asidRollovers() >= 2);
        assertTrue(rig.mm.asids().isPinned(asid));
        p.unpinAsid();
        assertFalse(rig.mm.asids().isPinned(asid));
        boolean reused = false;
        for (int i = 0; i < 40 && !reused; i++) {
            Mm q = rig.mm.createMm("after" + i);
            reused = q.asid() == asid;
            q.exit();
        }
        assertTrue(reused, "an unpinned ASID must become reusable after a rollover");
    }
}

package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jiommu.os.mm.Mman.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MMU notifier order: invalidateRange after the PTEs change and before any
 * data frame is freed; release once, first thing at exit.
 */
class NotifierTest {

    private static final int PAGE = Mm.PAGE_SIZE;
    private static final long A = 0x4000_0000L;

    /** Records each callback with what an IOMMU would see at that moment. */
    private static final class Recorder implements MmuNotifier {
        final MmRig rig;
        final List<String> calls = new ArrayList<>();
        final List<Long> framesAtCall = new ArrayList<>();
        final List<Long> translationsAtCall = new ArrayList<>();
        long probe;

        Recorder(MmRig rig) {
            this.rig = rig;
        }

        @Override
        public void invalidateRange(Mm mm, long start, long end) {
            calls.add(String.format("invalidate %x-%x", start, end));
            framesAtCall.add(rig.data.framesInUse());
            translationsAtCall.add(mm.translate(probe));
        }

        @Override
        public void release(Mm mm) {
            calls.add("release");
            framesAtCall.add(rig.data.framesInUse());
            translationsAtCall.add(mm.translate(probe));
        }
    }

    @Test
    void munmapInvalidatesAfterClearingPtesAndBeforeFreeingFrames() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("munmap");
        Recorder r = new Recorder(rig);
        p.registerNotifier(r);
        assertEquals(A, p.mmap(A, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED));
        for (int i = 0; i < 4; i++) {
            assertEquals(0, p.write64(A + (long) i * PAGE, i + 1));
        }
        long frames = rig.data.framesInUse();
        r.probe = A + PAGE;
        assertEquals(0, p.munmap(A + PAGE, 2 * PAGE));
        assertEquals(List.of(String.format("invalidate %x-%x", A + PAGE, A + 3 * PAGE)), r.calls);
        assertEquals(frames, r.framesAtCall.get(0), "frames were freed before the invalidation");
        assertEquals(-Errno.EFAULT, r.translationsAtCall.get(0), "the PTE was still there at the invalidation");
        assertEquals(frames - 2, rig.data.framesInUse(), "frames not freed after the invalidation");
        assertEquals(2, rig.mm.pagesFreed());
        assertEquals(1, p.read64(A));
        assertEquals(4, p.read64(A + 3 * PAGE));
    }

    @Test
    void munmapOfAHoleNotifiesNothing() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("hole");
        Recorder r = new Recorder(rig);
        p.registerNotifier(r);
        assertEquals(0, p.munmap(A, 16 * PAGE));
        assertTrue(r.calls.isEmpty(), r.calls.toString());
    }

    @Test
    void mapFixedOverAMappingInvalidatesBeforeFreeing() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("fixed");
        Recorder r = new Recorder(rig);
        p.registerNotifier(r);
        p.mmap(A, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        p.write64(A, 7);
        long frames = rig.data.framesInUse();
        r.probe = A;
        assertEquals(A, p.mmap(A, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED));
        assertEquals(List.of(String.format("invalidate %x-%x", A, A + PAGE)), r.calls);
        assertEquals(frames, r.framesAtCall.get(0));
        assertEquals(-Errno.EFAULT, r.translationsAtCall.get(0));
        assertEquals(frames - 1, rig.data.framesInUse());
    }

    @Test
    void mprotectInvalidatesOnlyWhenAPteChanged() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("mprotect");
        Recorder r = new Recorder(rig);
        p.registerNotifier(r);
        p.mmap(A, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        assertEquals(0, p.mprotect(A, 4 * PAGE, PROT_READ));
        assertTrue(r.calls.isEmpty(), "no PTE existed, yet: " + r.calls);

        assertEquals(0, p.mprotect(A, 4 * PAGE, PROT_READ | PROT_WRITE));
        assertEquals(0, p.write64(A + 2 * PAGE, 5));
        assertTrue(r.calls.isEmpty(), r.calls.toString());
        assertEquals(0, p.mprotect(A + PAGE, 3 * PAGE, PROT_READ));
        assertEquals(List.of(String.format("invalidate %x-%x", A + PAGE, A + 4 * PAGE)), r.calls);
        long frames = rig.data.framesInUse();
        r.probe = A + 2 * PAGE;
        assertEquals(0, p.mprotect(A + 2 * PAGE, PAGE, PROT_NONE));
        assertEquals(2, r.calls.size());
        assertEquals(-Errno.EFAULT, r.translationsAtCall.get(1), "PROT_NONE must clear the PTE before the invalidation");
        assertEquals(frames, rig.data.framesInUse(), "PROT_NONE keeps the page");
    }

    @Test
    void exitReleasesOnceBeforeTeardownThenNothingMore() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("exit");
        Recorder r = new Recorder(rig);
        Recorder second = new Recorder(rig);
        p.registerNotifier(r);
        p.registerNotifier(r);
        p.registerNotifier(second);
        long a = p.mmap(2L * PAGE, PROT_READ | PROT_WRITE);
        p.write64(a, 1);
        long frames = rig.data.framesInUse();
        r.probe = a;
        long tables = rig.tables.framesInUse();
        p.exit();
        assertEquals(List.of("release"), r.calls, "registering twice must not double the callbacks");
        assertEquals(frames, r.framesAtCall.get(0), "frames freed before release");
        assertTrue(r.translationsAtCall.get(0) >= 0, "PTEs cleared before release");
        assertEquals(List.of("release"), second.calls);
        assertTrue(tables > rig.tables.framesInUse());
        p.exit();
        p.registerNotifier(r);
        assertEquals(1, r.calls.size(), "callbacks after exit: " + r.calls);
    }

    @Test
    void exitFromAReleaseCallbackDoesNotRecurse() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("reentrant");
        List<String> log = new ArrayList<>();
        p.registerNotifier(new MmuNotifier() {
            @Override
            public void invalidateRange(Mm mm, long start, long end) {
                log.add("invalidate");
            }

            @Override
            public void release(Mm mm) {
                log.add("release");
                assertTrue(mm.isAlive(), "the mm is still usable inside release");
                mm.exit();
            }
        });
        p.write64(p.mmap(PAGE, PROT_READ | PROT_WRITE), 1);
        p.exit();
        assertEquals(List.of("release"), log);
        assertEquals(0, rig.data.framesInUse());
    }

    @Test
    void aNotifierMayUnregisterItselfAndUnregisteredOnesHearNothing() {
        MmRig rig = new MmRig();
        Mm p = rig.mm.createMm("unregister");
        List<String> log = new ArrayList<>();
        MmuNotifier once = new MmuNotifier() {
            @Override
            public void invalidateRange(Mm mm, long start, long end) {
                log.add("once");
                mm.unregisterNotifier(this);
            }

            @Override
            public void release(Mm mm) {
                log.add("once-release");
            }
        };
        Recorder r = new Recorder(rig);
        p.registerNotifier(once);
        p.registerNotifier(r);
        long a = p.mmap(PAGE, PROT_READ);
        p.munmap(a, PAGE);
        a = p.mmap(PAGE, PROT_READ);
        p.munmap(a, PAGE);
        p.unregisterNotifier(r);
        p.unregisterNotifier(r);
        p.exit();
        assertEquals(List.of("once"), log);
        assertEquals(2, r.calls.size(), r.calls.toString());
    }
}

package dev.jiommu.os.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.Dvm;
import dev.jiommu.hw.bus.Dvm.TlbiOp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CPUs' broadcast TLB maintenance (arm64 {@code flush_tlb_range} and
 * {@code flush_tlb_mm}): which TLBI ...IS each PTE change sends, with the
 * process's ASID, and that it goes out after the PTEs change and before the
 * MMU notifiers run and the frames are freed.
 */
class TlbBroadcastTest {

    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int PAGE = Mm.PAGE_SIZE;

    /** Records broadcasts and notifier calls in one timeline. */
    private static final class Timeline implements Dvm.Participant, MmuNotifier {
        final List<String> events = new ArrayList<>();
        final MmRig rig;
        /** Add the data allocator's bytes in use to each broadcast. */
        boolean noteFramesInUse;

        Timeline(MmRig rig) {
            this.rig = rig;
        }

        @Override
        public void tlbiBroadcast(TlbiOp op, int vmid, int asid, long va) {
            events.add(op + " vmid " + vmid + " asid " + asid + " va 0x" + Long.toHexString(va)
                    + (noteFramesInUse ? " " + rig.data.bytesInUse() + "B in use" : ""));
        }

        @Override
        public void invalidateRange(Mm mm, long start, long end) {
            events.add("notifier 0x" + Long.toHexString(start) + "-0x" + Long.toHexString(end));
        }

        @Override
        public void release(Mm mm) {
            events.add("release");
        }
    }

    private static Timeline wire(MmRig rig, Mm mm) {
        Timeline t = new Timeline(rig);
        Dvm dvm = new Dvm();
        dvm.join(t);
        rig.mm.broadcastTlbMaintenance(dvm);
        mm.registerNotifier(t);
        return t;
    }

    @Test
    void munmapSendsOneVae1isPerPageAfterThePtesAndBeforeTheNotifierAndTheFree() {
        MmRig rig = new MmRig();
        Mm mm = rig.mm.createMm("p");
        long va = mm.mmap(2L * PAGE, RW);
        assertEquals(0, mm.write64(va, 1));
        assertEquals(0, mm.write64(va + PAGE, 2));
        Timeline t = wire(rig, mm);
        t.noteFramesInUse = true;
        long inUse = rig.data.bytesInUse();
        int asid = mm.asid();

        assertEquals(0, mm.munmap(va, 2L * PAGE));

        assertEquals(List.of(
                "VAE1IS vmid 0 asid " + asid + " va 0x" + Long.toHexString(va) + " " + inUse + "B in use",
                "VAE1IS vmid 0 asid " + asid + " va 0x" + Long.toHexString(va + PAGE) + " " + inUse + "B in use",
                "notifier 0x" + Long.toHexString(va) + "-0x" + Long.toHexString(va + 2L * PAGE)), t.events);
        assertEquals(inUse - 2L * PAGE, rig.data.bytesInUse(), "frames freed after the broadcasts");
    }

    @Test
    void mprotectSendsLeafOnlyTlbisUnlessPtesGo() {
        MmRig rig = new MmRig();
        Mm mm = rig.mm.createMm("p");
        long va = mm.mmap(PAGE, RW);
        assertEquals(0, mm.write64(va, 1));
        Timeline t = wire(rig, mm);
        assertEquals(0, mm.mprotect(va, PAGE, Mman.PROT_READ));
        assertEquals(0, mm.mprotect(va, PAGE, Mman.PROT_NONE));
        String at = " asid " + mm.asid() + " va 0x" + Long.toHexString(va);
        String range = "notifier 0x" + Long.toHexString(va) + "-0x" + Long.toHexString(va + PAGE);
        assertEquals(List.of("VALE1IS vmid 0" + at, range, "VAE1IS vmid 0" + at, range), t.events);
    }

    @Test
    void fromMaxTlbiOpsPagesARangeIsOneAside1is() {
        MmRig rig = new MmRig(1024, 8);
        Mm mm = rig.mm.createMm("p");
        long len = Mm.MAX_TLBI_OPS * PAGE;
        long va = mm.mmap(len, RW);
        assertEquals(0, mm.write64(va, 1));
        Timeline t = wire(rig, mm);
        assertEquals(0, mm.munmap(va, len));
        assertEquals("ASIDE1IS vmid 0 asid " + mm.asid() + " va 0x0", t.events.getFirst());
        assertEquals(2, t.events.size());
    }

    @Test
    void exitReleasesThenFlushesTheAsidOnce() {
        MmRig rig = new MmRig();
        Mm mm = rig.mm.createMm("p");
        long va = mm.mmap(PAGE, RW);
        assertEquals(0, mm.write64(va, 1));
        Timeline t = wire(rig, mm);
        int asid = mm.asid();
        mm.exit();
        assertEquals(List.of("release", "ASIDE1IS vmid 0 asid " + asid + " va 0x0"), t.events);
    }

    @Test
    void withoutABroadcastDomainNothingIsSentAndNotifiersStillRun() {
        MmRig rig = new MmRig();
        Mm mm = rig.mm.createMm("p");
        long va = mm.mmap(PAGE, RW);
        assertEquals(0, mm.write64(va, 1));
        Timeline t = new Timeline(rig);
        mm.registerNotifier(t);
        assertEquals(0, mm.munmap(va, PAGE));
        assertEquals(1, t.events.size());
        assertTrue(t.events.getFirst().startsWith("notifier"));
    }
}

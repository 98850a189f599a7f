package dev.jiommu.os;

import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_OP_ATC_INV;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_OP_CMD_SYNC;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_OP_TLBI_NH_ASID;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_OP_TLBI_NH_VA;
import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.hw.pci.Atc;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.mm.Mman;
import dev.jiommu.os.mm.MmuNotifier;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.sim.scenarios.SvaSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

/**
 * munmap while a device is bound (issue 5, acceptance 3): after the PTE is
 * cleared and before the frame goes back to the allocator, the IOTLB is
 * invalidated — by the CPU's broadcast TLBI when the SMMU has BTM, else by
 * the driver's MMU notifier with TLBI + CMD_SYNC — and, for an ATS device,
 * the notifier invalidates the ATC (ATC_INV + CMD_SYNC); the frame is then handed to another
 * process, which writes its own secret into it, and the device's next read
 * of the old address faults (the fault is answered INVALID) instead of
 * reading that secret.
 */
class SvaMunmapTest {

    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final long SECRET_A = 0xaaaa_0000_0000_0001L;
    private static final long SECRET_B = 0xbbbb_0000_0000_0002L;

    /** What the SMMU had consumed, and what the device and memory held, when the notifier chain reached us. */
    private static final class Witness implements MmuNotifier {
        final SvaSystem sys;
        final int pasid;
        final long va;
        final long frame;
        boolean called;
        long[] commands;
        long broadcasts;
        boolean atcHeld;
        long frameContents;

        Witness(SvaSystem sys, int pasid, long va, long frame) {
            this.sys = sys;
            this.pasid = pasid;
            this.va = va;
            this.frame = frame;
        }

        @Override
        public void invalidateRange(Mm mm, long start, long end) {
            called = true;
            commands = sys.smmuModel().stats().commandsByOpcode.clone();
            broadcasts = sys.smmuModel().stats().broadcastTlbis;
            Atc atc = sys.engine(0).port().atc();
            atcHeld = atc != null && atc.lookup(pasid, va) >= 0;
            frameContents = sys.memory().read64(frame);
        }

        @Override
        public void release(Mm mm) {
        }
    }

    private static DmaDescriptor copy8(int pasid, long src, long dst, long rec) {
        return new DmaDescriptor(DmaDescriptor.OP_COPY, DmaDescriptor.FLAG_PASID, pasid, 8, src, dst, rec);
    }

    private static int status(Mm mm, long rec) {
        byte[] r = new byte[DmaDescriptor.RECORD_SIZE];
        assertEquals(0, mm.read(rec, r, 0, r.length));
        return r[0] & 0xff;
    }

    @ParameterizedTest(name = "{0}, BTM {1}")
    @CsvSource({"PRI, true", "PRI, false", "stall, true", "stall, false"})
    void theDeviceFaultsOnTheUnmappedPageInsteadOfReadingItsNextOwnersData(String mode, boolean btm) {
        boolean pri = mode.equals("PRI");
        DmaEngine.Options engine = pri ? DmaEngine.Options.full() : new DmaEngine.Options(0, 0, 20);
        SvaSystem sys = new SvaSystem(256L << 20, SmmuConfig.full().withBtm(btm), List.of(engine), !pri,
                DomainType.IDENTITY);
        assertEquals(btm, sys.smmu().usesBroadcastTlb());
        Mm a = sys.mm().createMm("A");
        Mm b = sys.mm().createMm("B");
        long buf = a.mmap(4096, RW);
        long out = a.mmap(4096, RW);
        long rec = a.mmap(4096, RW);
        assertEquals(0, a.write64(buf, SECRET_A));
        long frame = a.translate(buf);
        assertTrue(frame > 0);
        int pasid = sys.core().bind(sys.device(0), MmAddressSpace.of(a)).value().pasid();

        sys.submit(0, copy8(pasid, buf, out, rec));
        assertTrue(sys.run(1_000_000));
        assertEquals(DmaDescriptor.STATUS_SUCCESS, status(a, rec));
        assertEquals(SECRET_A, a.read64(out), "the device read A's page");
        Atc atc = sys.engine(0).port().atc();
        if (pri) {
            assertTrue(atc.lookup(pasid, buf) >= 0, "the ATC holds the page's translation before munmap");
        }

        // Registered after the bind, so it runs after the SMMU driver's notifier.
        Witness w = new Witness(sys, pasid, buf, frame);
        a.registerNotifier(w);
        long[] before = sys.smmuModel().stats().commandsByOpcode.clone();
        long broadcastsBefore = sys.smmuModel().stats().broadcastTlbis;
        assertEquals(0, a.munmap(buf, 4096));

        assertTrue(w.called);
        assertEquals(SECRET_A, w.frameContents, "the frame was not yet freed when the invalidations were done");
        long tlbis = w.commands[CMDQ_OP_TLBI_NH_VA] + w.commands[CMDQ_OP_TLBI_NH_ASID]
                - before[CMDQ_OP_TLBI_NH_VA] - before[CMDQ_OP_TLBI_NH_ASID];
        if (btm) {
            assertEquals(1, w.broadcasts - broadcastsBefore, "the CPU's TLBI VAE1IS reached the SMMU");
            assertEquals(0, tlbis, "so the notifier sends no TLBI command");
        } else {
            assertTrue(tlbis > 0, "IOTLB invalidated by command");
            assertTrue(w.commands[CMDQ_OP_CMD_SYNC] > before[CMDQ_OP_CMD_SYNC], "and synced");
        }
        if (pri) {
            assertTrue(w.commands[CMDQ_OP_ATC_INV] > before[CMDQ_OP_ATC_INV], "ATC invalidated");
            assertFalse(w.atcHeld, "the ATC entry was gone before the frame was freed");
        }
        assertEquals(0, sys.memory().read64(frame), "munmap freed (and zeroed) the frame afterwards");

        long bBuf = b.mmap(4096, RW);
        assertEquals(0, b.write64(bBuf, SECRET_B));
        assertEquals(frame, b.translate(bBuf), "B got A's old frame");

        long invalidBefore = sys.driver().iopfQueue().stats().invalid();
        sys.submit(0, copy8(pasid, buf, out, rec + 32));
        assertTrue(sys.run(1_000_000));
        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, status(a, rec + 32), "the device faulted");
        assertEquals(SECRET_A, a.read64(out), "and did not copy B's data");
        assertEquals(1, sys.engineReg(0, DmaEngine.REG_ERRORS));
        assertEquals(invalidBefore + 1, sys.driver().iopfQueue().stats().invalid(), "the fault was answered INVALID");
        assertEquals(SECRET_B, b.read64(bBuf));
    }
}

package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.AtsCompletion;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.hw.bus.Requester;
import dev.jiommu.hw.bus.Scheduler;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.cache.Replacement;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ATC on its own (PCIe Base 6.0 §10.2.2, §10.3), and the engine's port
 * against a Translation Agent whose answers a test chooses.
 */
class AtcTest {

    private static AtsCompletion granted(long pa, int shift) {
        AtsCompletion c = new AtsCompletion().status(AtsCompletion.SUCCESS);
        c.translatedAddress = pa;
        c.sizeShift = shift;
        c.read = true;
        c.write = true;
        return c;
    }

    @Test
    void entriesOfDifferentSizesWithTheSameRangeNumberAreDistinct() {
        Atc atc = new Atc(8, Replacement.LRU);
        // 0x20_0000 >>> 12 == 0x4000_0000 >>> 21 == 0x200: one range number, two sizes.
        assertTrue(atc.fill(7, 0x20_0000L, granted(0x9000_0000L, 12)));
        assertTrue(atc.fill(7, 0x4000_0000L, granted(0xa000_0000L, 21)));
        assertEquals(2, atc.size(), "the 2 MiB fill did not replace the unrelated 4 KiB entry");
        int small = atc.lookup(7, 0x20_0123L);
        int large = atc.lookup(7, 0x4012_3456L);
        assertTrue(small >= 0 && large >= 0);
        assertEquals(0x9000_0123L, atc.translate(small, 0x20_0123L));
        assertEquals(0xa001_3456L, atc.translate(large, 0x4001_3456L));
        assertEquals(0, atc.evictions());
    }

    @Test
    void aFillForTheSameRangeAndPasidReplacesAndOtherPasidsAreSeparate() {
        Atc atc = new Atc(8, Replacement.LRU);
        atc.fill(7, 0x1000, granted(0x5000, 12));
        atc.fill(8, 0x1000, granted(0x6000, 12));
        atc.fill(7, 0x1000, granted(0x7000, 12));
        assertEquals(2, atc.size());
        assertEquals(0x7008, atc.translate(atc.lookup(7, 0x1008), 0x1008));
        assertEquals(0x6008, atc.translate(atc.lookup(8, 0x1008), 0x1008));
    }

    @Test
    void uncacheableCompletionsAreNotCached() {
        Atc atc = new Atc(4, Replacement.LRU);
        AtsCompletion u = granted(0x5000, 12);
        u.untranslatedOnly = true;
        AtsCompletion none = granted(0x5000, 12);
        none.read = none.write = false;
        AtsCompletion tiny = granted(0x5000, 11);
        assertFalse(atc.fill(1, 0x1000, u));
        assertFalse(atc.fill(1, 0x1000, none));
        assertFalse(atc.fill(1, 0x1000, tiny));
        assertFalse(atc.fill(1, 0x1000, new AtsCompletion().status(AtsCompletion.UNSUPPORTED_REQUEST)));
        assertEquals(0, atc.size());
    }

    @Test
    void invalidationByRangeAndPasidAndWithoutPasid() {
        Atc atc = new Atc(8, Replacement.LRU);
        atc.fill(1, 0x1000, granted(0x11000, 12));
        atc.fill(1, 0x2000, granted(0x12000, 12));
        atc.fill(2, 0x1000, granted(0x21000, 12));
        atc.fill(DmaTarget.NO_SUBSTREAM, 0x1000, granted(0x31000, 12));
        assertEquals(1, atc.invalidate(1, 0x1000, 0, false), "PASID 1, one page");
        assertEquals(2, atc.invalidate(DmaTarget.NO_SUBSTREAM, 0x1000, 0, false), "no PASID: every PASID's page");
        assertEquals(1, atc.size());
        assertEquals(1, atc.invalidate(3, 0, 52, true), "global, everything");
        assertEquals(0, atc.size());
    }

    /** A Translation Agent that grants every Translation Request with U = 1 and records the requests it gets. */
    private static final class UntranslatedOnlyAgent implements TranslationAgent {
        final List<Integer> attrs = new ArrayList<>();
        int translationRequests;

        @Override
        public int write(int streamId, int substreamId, long address, int a, byte[] src, int off, int len) {
            attrs.add(a);
            return OK;
        }

        @Override
        public int read(int streamId, int substreamId, long address, int a, byte[] dst, int off, int len) {
            attrs.add(a);
            return OK;
        }

        @Override
        public int translationRequest(int streamId, int substreamId, long address, boolean noWrite, int a,
                                      AtsCompletion out) {
            translationRequests++;
            out.status(AtsCompletion.SUCCESS);
            out.translatedAddress = address;
            out.read = true;
            out.write = true;
            out.untranslatedOnly = true;
            return out.status;
        }

        @Override
        public void pageRequest(PageRequest request) {
        }

        @Override
        public void connect(int streamId, Requester requester) {
        }
    }

    @Test
    void aCompletionWithUntranslatedOnlyIsUsedThroughAnUntranslatedRequestAndNotCached() {
        UntranslatedOnlyAgent agent = new UntranslatedOnlyAgent();
        DmaEngine e = new DmaEngine(agent, new Scheduler(), DmaEngine.Options.full());
        new PciBus(0).attach(PciBus.devfn(1, 0), e);
        e.configWrite(PCI_COMMAND, 2, PCI_COMMAND_MASTER);
        for (int at = 0x100; at != 0; ) {
            int header = (int) e.configRead(at, 4);
            if ((header & 0xffff) == PCI_EXT_CAP_ID_ATS) {
                e.configWrite(at + PCI_ATS_CTRL, 2, PCI_ATS_CTRL_ENABLE);
            }
            at = header >>> 20;
        }
        DmaPort port = e.port();
        assertTrue(port.atsEnabled());
        byte[] buf = new byte[16];
        assertEquals(DmaPort.DONE, port.access(DmaTarget.NO_SUBSTREAM, 0x1000, false, 0, buf, 0, 16));
        assertEquals(DmaPort.DONE, port.access(DmaTarget.NO_SUBSTREAM, 0x1000, true, 0, buf, 0, 16));
        assertEquals(List.of(0, 0), agent.attrs, "both went Untranslated (no TRANSLATED attribute)");
        assertEquals(0, port.atc().size(), "U = 1 is never cached");
        assertEquals(2, agent.translationRequests, "so each access asked again");
        assertEquals(0, port.translatedRequests());
        assertEquals(2, port.untranslatedRequests());
    }
}

package dev.jiommu.os;

import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.os.iommu.Domain;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.os.iommu.IopfStats;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.sim.scenarios.SvaScenario;
import dev.jiommu.sim.scenarios.SvaSystem;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * SVA through the whole stack on the hardware model ({@link SvaSystem}): the
 * flow of {@link SvaScenario} — two processes, two jiommu-dma engines, buffers
 * mapped but never touched before the DMA, so every page the engines use
 * arrives by a recoverable fault (PRI page requests, or stalls) resolved by
 * demand paging; the CPU reads the results back; a munmap while bound makes
 * the next copy there fault — with its exact counts; and traffic without a
 * PASID through a DMA default domain.
 */
class SvaEndToEndTest {

    private static final long DEVICE_FAULTS = SvaScenario.DEVICE_FAULTS;

    private static void assertCommonCounts(SvaScenario.Outcome o) {
        assertTrue(o.ok(), () -> String.join("\n", o.failures()));
        assertEquals(DEVICE_FAULTS, o.deviceFaults(), "every buffer page and both record pages, once each");
        assertEquals(0, o.cpuFaults(), "the CPU finds the pages the devices faulted in");
        IopfStats st = o.iopf();
        assertEquals(st.groups(), st.responses(), "one response per group");
        assertEquals(1, st.invalid(), "the copy into the unmapped buffer");
        assertEquals(0, st.failure());
        assertTrue(o.unmapFaulted());
        assertTrue(o.broadcastTlbis() > 0, "munmap's broadcast TLBIs reached the IOTLB");
        assertEquals(0, o.tlbiVa(), "so the driver sends no TLBI by VA");
        assertTrue(o.iotlbHits() > 0, () -> "IOTLB hits " + o);
    }

    @Test
    void twoProcessesShareTheirBuffersWithTwoEnginesThroughPriAndDemandPaging() {
        SvaSystem s = SvaSystem.withPri(2);
        assertTrue(s.device(0).features().pri() && s.device(0).features().ats());
        assertEquals(20, s.device(0).features().pasidBits());

        SvaScenario.Outcome o = SvaScenario.runFlow(s);

        assertCommonCounts(o);
        assertEquals(DEVICE_FAULTS + SvaScenario.PAGES, o.priRequests(),
                "one page request per page, and one group for the whole unmapped destination");
        assertTrue(o.iopf().groups() < o.priRequests(), "PRI groups several pages");
        assertEquals(o.priRequests(), s.smmu().stats().priRequests);
        assertEquals(0, s.smmu().stats().priDenied);
        assertEquals(0, o.stallFaults());
        assertTrue(o.atcInv() > 0, "munmap invalidated the ATCs");
        assertTrue(o.atcHits() > 0, () -> "ATC hits " + o);
    }

    @Test
    void theSameWithStallingEnginesWithoutAtsOrPri() {
        SvaSystem s = SvaSystem.withStall(2);
        assertTrue(s.device(0).features().stall());
        assertFalse(s.device(0).features().pri());

        SvaScenario.Outcome o = SvaScenario.runFlow(s);

        assertCommonCounts(o);
        assertEquals(DEVICE_FAULTS + 1, o.stallFaults(), "one stall per page, one after munmap");
        assertEquals(o.stallFaults(), o.iopf().groups(), "a stall is a group of one");
        assertEquals(o.stallFaults(), s.smmu().stats().stallEvents);
        assertEquals(0, s.smmu().stats().stallsAborted);
        assertEquals(0, o.priRequests());
        assertEquals(0, o.atcInv() + o.atcHits(), "no ATS, no ATC");
    }

    @Test
    void theSystemRefusesTooLittleRamAndDefaultDomainsOtherThanIdentityOrDma() {
        List<DmaEngine.Options> one = List.of(DmaEngine.Options.full());
        assertThrows(IllegalArgumentException.class, () -> new SvaSystem(128L << 20, one, false, DomainType.IDENTITY));
        assertThrows(IllegalArgumentException.class, () -> new SvaSystem(256L << 20, one, false, DomainType.BLOCKED));
    }

    @Test
    void aProcessHasOneAddressSpaceAdapterSoBothBindsShareThePasid() {
        SvaSystem s = SvaSystem.withPri(2);
        Mm a = s.mm().createMm("A");
        assertSame(MmAddressSpace.of(a), MmAddressSpace.of(a));
        int p0 = s.core().bind(s.device(0), MmAddressSpace.of(a)).value().pasid();
        int p1 = s.core().bind(s.device(1), MmAddressSpace.of(a)).value().pasid();
        assertEquals(p0, p1);
    }

    @Test
    void aDmaDefaultDomainTranslatesPasidlessTrafficThroughCdZeroAndUnmapRevokesIt() {
        SvaSystem s = new SvaSystem(256L << 20, List.of(DmaEngine.Options.full()), false, DomainType.DMA);
        Domain domain = s.core().group(s.device(0)).defaultDomain();
        long src = 0x20_0000L;
        long dst = 0x30_0000L;
        long rec = 0x40_0000L;
        long srcPa = s.kernelFrames().allocate(4096);
        long dstPa = s.kernelFrames().allocate(4096);
        long recPa = s.kernelFrames().allocate(4096);
        int prot = Prot.READ | Prot.WRITE | Prot.CACHE;
        for (long[] m : new long[][] {{src, srcPa}, {dst, dstPa}, {rec, recPa}}) {
            assertEquals(0, s.core().map(domain, m[0], m[1], 4096, prot));
        }
        s.memory().write64(srcPa, 0x5a5a_0000_1234_5678L);

        s.submit(0, new DmaDescriptor(DmaDescriptor.OP_COPY, 0, DmaTarget.NO_SUBSTREAM, 8, src, dst, rec));
        assertTrue(s.run(1_000_000));
        assertEquals(0x5a5a_0000_1234_5678L, s.memory().read64(dstPa), "copied through the IOVA mappings");
        assertEquals(DmaDescriptor.STATUS_SUCCESS, s.memory().read8(recPa) & 0xff);

        assertEquals(4096, s.core().unmap(domain, dst, 4096));
        s.memory().write64(srcPa, 0x7777L);
        s.submit(0, new DmaDescriptor(DmaDescriptor.OP_COPY, 0, DmaTarget.NO_SUBSTREAM, 8, src, dst, rec));
        assertTrue(s.run(1_000_000));
        assertEquals(0x5a5a_0000_1234_5678L, s.memory().read64(dstPa),
                "no stale IOTLB or ATC entry let the write through");
        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, s.memory().read8(recPa) & 0xff);
        assertEquals(1, s.engineReg(0, DmaEngine.REG_ERRORS));
    }
}

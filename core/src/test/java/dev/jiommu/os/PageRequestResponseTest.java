package dev.jiommu.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.pci.DmaPort;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.mm.Mman;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.sim.scenarios.SvaSystem;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * How the SMMUv3 driver answers page requests it cannot satisfy: with PRG
 * "Invalid Request" (CMD_PRI_RESP 0b01), which fails that access only, and
 * never with "Response Failure" (0b00), which stops the function's PRI for
 * good (SMMUv3 §4.5.2, PCIe §10.4.2.1). Either way the engine must go on
 * paging in after the failed access.
 */
class PageRequestResponseTest {

    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final long PATTERN = 0x1234_5678_9abc_def0L;

    @Test
    void aPageRequestForAnUnmappedAddressFailsThatAccessAndTheEngineKeepsPagingIn() {
        SvaSystem s = SvaSystem.withPri(1);
        Mm a = s.mm().createMm("A");
        long buf = a.mmap(4096, RW);
        long rec = a.mmap(4096, RW);
        int pasid = s.core().bind(s.device(0), MmAddressSpace.of(a)).value().pasid();

        s.submit(0, fill(pasid, Mm.MMAP_MIN_ADDR, rec));
        assertTrue(s.run(1_000_000));
        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, a.read64(rec) & 0xff);
        assertEquals(DmaPort.FaultReason.PAGE_REQUEST_INVALID.ordinal(), a.read64(rec) >>> 8 & 0xff,
                "the group was answered Invalid Request");

        s.submit(0, fill(pasid, buf, rec + 32));
        assertTrue(s.run(1_000_000));
        assertEquals(DmaDescriptor.STATUS_SUCCESS, a.read64(rec + 32) & 0xff, "PRI still pages in");
        assertEquals(PATTERN, a.read64(buf));
    }

    @Test
    void aPageRequestNoBondCanTakeIsRefusedWithoutStoppingPri() {
        SvaSystem s = new SvaSystem(256L << 20, List.of(DmaEngine.Options.full()), false, DomainType.DMA);
        long iova = 0x30_0000L;
        s.submit(0, new DmaDescriptor(DmaDescriptor.OP_TOUCH, 0, DmaTarget.NO_SUBSTREAM, 1, 0, iova, 0));
        assertTrue(s.run(1_000_000));
        int info = s.engineReg(0, DmaEngine.REG_ERROR_INFO);
        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, info & DmaEngine.ERROR_INFO_STATUS);
        assertEquals(DmaPort.FaultReason.PAGE_REQUEST_INVALID.ordinal(), (info & DmaEngine.ERROR_INFO_REASON) >>> 8,
                "the unmapped IOVA's page request was refused with Invalid Request");

        Mm a = s.mm().createMm("A");
        long buf = a.mmap(4096, RW);
        long rec = a.mmap(4096, RW);
        int pasid = s.core().bind(s.device(0), MmAddressSpace.of(a)).value().pasid();
        s.submit(0, fill(pasid, buf, rec));
        assertTrue(s.run(1_000_000));
        assertEquals(DmaDescriptor.STATUS_SUCCESS, a.read64(rec) & 0xff, "PRI still pages in after the bind");
        assertEquals(PATTERN, a.read64(buf));
    }

    private static DmaDescriptor fill(int pasid, long dst, long rec) {
        return new DmaDescriptor(DmaDescriptor.OP_FILL, DmaDescriptor.FLAG_PASID, pasid, 8, PATTERN, dst, rec);
    }
}

package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jiommu.hw.pci.EndpointRig.DST;
import static dev.jiommu.hw.pci.EndpointRig.REC;
import static dev.jiommu.hw.pci.EndpointRig.SRC;
import static dev.jiommu.hw.pci.EndpointRig.pattern;
import static dev.jiommu.hw.pci.DmaDescriptor.*;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.copy;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static dev.jiommu.spec.smmuv3.Cmd.PRI_RESP_SUCC;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DMA engine with ATS and PRI through the SMMU, driven as software would:
 * configuration space, BAR registers, descriptors and completion records in
 * memory, the SMMU's queues and commands.
 */
class DmaEngineAtsTest {



    @Test
    void anAtsCopyTranslatesOnceAndThenHitsTheAtc() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsEngine(0);
        long src = rig.map(SRC, 2, Prot.READ | Prot.WRITE);
        long dst = rig.map(DST, 2, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        byte[] data = pattern(8192, 3);
        rig.memory.writeBytes(src, data, 0, data.length);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST, 8192, REC), copy(PASID, SRC, DST, 8192, REC + 32));
        rig.run();

        assertEquals(STATUS_SUCCESS, status(rig.memory, rec));
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32));
        assertEquals(8192, rig.memory.read64(rec + 8));
        byte[] got = new byte[8192];
        rig.memory.readBytes(dst, got, 0, got.length);
        assertArrayEquals(data, got);
        DmaPort port = e.port();
        // The ring page, two source pages, two destination pages, the record page: translated once each.
        assertEquals(6, port.translationRequests());
        assertTrue(port.atc().hits() > port.atc().misses(), "later accesses hit the ATC");
        assertEquals(0, port.untranslatedRequests(), "with ATS on, everything is Translated");
    }

    @Test
    void atcInvalidateByPasidAndRangeMakesTheNextAccessMissAndAStaleAtcOutlivesTheTables() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsEngine(0);
        long src = rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long dst = rig.map(DST, 1, Prot.READ | Prot.WRITE);
        rig.map(REC, 1, Prot.READ | Prot.WRITE);
        rig.memory.writeBytes(src, pattern(64, 1), 0, 64);
        long ring = rig.ring(0, 4);
        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC));
        rig.run();
        long requests = e.port().translationRequests();

        // Move the destination page; forget the ATC: the engine keeps writing the old page.
        long newDst = rig.frames.allocate(4096);
        assertEquals(4096, rig.tables.unmap(DST, 4096));
        assertEquals(0, rig.tables.map(DST, newDst, 4096, Prot.READ | Prot.WRITE | Prot.CACHE));
        assertTrue(rig.smmu.submit(Commands.tlbiNhVa(0, EndpointRig.ASID, DST, true)));
        rig.memory.writeBytes(src, pattern(64, 2), 0, 64);
        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC + 32));
        rig.run();
        assertEquals(requests, e.port().translationRequests(), "no new translation request: the ATC was used");
        byte[] got = new byte[64];
        rig.memory.readBytes(dst, got, 0, 64);
        assertArrayEquals(pattern(64, 2), got, "the stale translation wrote the old page");

        // Now the driver does its job: ATC_INV for the PASID and the page.
        rig.tlbiAndAtcInvalidate(e, DST, PASID);
        rig.memory.writeBytes(src, pattern(64, 3), 0, 64);
        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC + 64));
        rig.run();
        assertEquals(requests + 1, e.port().translationRequests(), "the invalidated page was translated again");
        rig.memory.readBytes(newDst, got, 0, 64);
        assertArrayEquals(pattern(64, 3), got);
    }

    @Test
    void aCopyIntoNoRamEndsAtTheDestinationWhetherItsChunkIsMovedWholeOrReadThenWritten() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsEngine(0);
        long src = rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        // The destination translates to an address no RAM or device decodes.
        assertEquals(0, rig.tables.map(DST, 0x1000, 4096, Prot.READ | Prot.WRITE));
        rig.memory.writeBytes(src, pattern(256, 4), 0, 256);
        long ring = rig.ring(0, 4);

        // First with a cold ATC (a read, then a write), then with both pages cached (one moved chunk).
        rig.submit(0, ring, copy(PASID, SRC, DST + 0x100, 256, REC), copy(PASID, SRC, DST + 0x100, 256, REC + 32));
        rig.run();

        assertEquals(4, e.port().translationRequests(),
                "ring, record, source, destination: translated once; the second copy found both in the ATC");
        for (long r : new long[] {rec, rec + 32}) {
            assertEquals(STATUS_PAGE_FAULT, status(rig.memory, r));
            assertEquals(DmaPort.FaultReason.BUS_ERROR.ordinal(), rig.memory.read8(r + 1));
            assertEquals(0, rig.memory.read64(r + 8), "no byte done");
            assertEquals(DST + 0x100, rig.memory.read64(r + 16), "the fault is the destination's");
        }
    }

    @Test
    void aGroupOfPageRequestsEndsInLastAndSuccessCompletesTheDma() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsPriEngine(0);
        long src = rig.map(SRC, 3, Prot.READ | Prot.WRITE);
        rig.map(REC, 1, Prot.READ | Prot.WRITE);
        byte[] data = pattern(3 * 4096, 5);
        rig.memory.writeBytes(src, data, 0, data.length);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST, data.length, REC));
        rig.run();

        List<long[]> prq = rig.pageRequests();
        assertEquals(3, prq.size(), "one request per unmapped destination page");
        for (int i = 0; i < 3; i++) {
            long[] q = prq.get(i);
            assertEquals(e.requesterId(), get(PRIQ_0_SID, q[0]));
            assertEquals(PASID, get(PRIQ_0_SSID, q[0]));
            assertEquals(1, get(PRIQ_0_SSID_V, q[0]));
            assertEquals(i == 2 ? 1 : 0, get(PRIQ_0_PRG_LAST, q[0]), "LAST only on the third");
            assertEquals(1, get(PRIQ_0_PERM_READ, q[0]));
            assertEquals(1, get(PRIQ_0_PERM_WRITE, q[0]));
            assertEquals(DST + 4096L * i, q[1] & PRIQ_1_ADDR_MASK);
        }
        int group = (int) get(PRIQ_1_PRG_IDX, prq.get(0)[1]);
        assertEquals(DmaEngine.STATUS_WAITING, rig.reg(0, DmaEngine.REG_STATUS) & DmaEngine.STATUS_WAITING);

        long dst = rig.map(DST, 3, Prot.READ | Prot.WRITE);
        assertTrue(rig.smmu.submit(Commands.priResp(e.requesterId(), PASID, group, PRI_RESP_SUCC)));
        rig.run();

        assertEquals(STATUS_SUCCESS, status(rig.memory, rig.tables.iovaToPhys(REC)));
        byte[] got = new byte[data.length];
        rig.memory.readBytes(dst, got, 0, got.length);
        assertArrayEquals(data, got);
    }

    @Test
    void anInvalidPageResponseEndsTheDescriptorWithAPageFaultAtTheFaultingAddress() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsPriEngine(0);
        rig.map(SRC, 1, Prot.READ);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST + 0x80, 64, REC));
        rig.run();
        List<long[]> prq = rig.pageRequests();
        assertEquals(1, prq.size());
        assertTrue(rig.smmu.submit(Commands.priResp(e.requesterId(), PASID,
                (int) get(PRIQ_1_PRG_IDX, prq.get(0)[1]), PageRequest.INVALID)));
        rig.run();

        assertEquals(STATUS_PAGE_FAULT, status(rig.memory, rec));
        assertEquals(DST, rig.memory.read64(rec + 16), "the faulting page");
        assertEquals(0, rig.memory.read64(rec + 8), "nothing copied");
        assertEquals(1, rig.reg(0, DmaEngine.REG_ERRORS));
    }
}

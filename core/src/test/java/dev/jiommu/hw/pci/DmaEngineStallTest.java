package dev.jiommu.hw.pci;

import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.sim.scenarios.SmmuBringUp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jiommu.hw.pci.EndpointRig.DST;
import static dev.jiommu.hw.pci.EndpointRig.REC;
import static dev.jiommu.hw.pci.EndpointRig.SRC;
import static dev.jiommu.hw.pci.EndpointRig.pattern;
import static dev.jiommu.hw.pci.DmaDescriptor.STATUS_PAGE_FAULT;
import static dev.jiommu.hw.pci.DmaDescriptor.STATUS_SUCCESS;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.copy;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_ID_ATS;
import static dev.jiommu.hw.pci.PciRegs.PCI_EXT_CAP_ID_PRI;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_RESUME_0_RESP_ABORT;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_RESUME_0_RESP_RETRY;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Field.isSet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SMMU's stall model with an engine that has no ATS (SMMUv3 §3.12.2):
 * with CD.S = 1 a translation fault holds the transaction and records an
 * event with STALL = 1 and an STAG; the engine waits; software fixes the
 * tables and sends CMD_RESUME, retry (the transaction completes and the
 * engine goes on) or abort (the descriptor ends PAGE_FAULT).
 */
class DmaEngineStallTest {



    /** One engine built without ATS or PRI; CD 7 stalls on faults. */
    static EndpointRig stallingRig() {
        EndpointRig rig = new EndpointRig(List.of(new DmaEngine.Options(0, 0, 20)), SmmuConfig.full());
        DmaEngine e = rig.engine(0);
        assertEquals(-1, rig.findExtCap(e, PCI_EXT_CAP_ID_ATS), "no ATS capability");
        assertEquals(-1, rig.findExtCap(e, PCI_EXT_CAP_ID_PRI), "no PRI capability");
        rig.enablePasid(e);
        rig.smmu.cd(rig.cdTable, PASID).setS(true);
        rig.invalidateCd(PASID);
        return rig;
    }

    /** The one event recorded since the last drain, checked to be a stalled F_TRANSLATION at {@code va}; its STAG. */
    static int stalledAt(EndpointRig rig, long va) {
        List<long[]> events = rig.smmu.drainEvents();
        assertEquals(1, events.size(), "one event");
        long[] ev = events.get(0);
        assertEquals(Event.EVT_ID_TRANSLATION_FAULT, SmmuBringUp.eventId(ev));
        assertEquals(rig.engine(0).requesterId(), get(Event.EVTQ_0_SID, ev[0]));
        assertEquals(PASID, get(Event.EVTQ_0_SSID, ev[0]));
        assertTrue(isSet(Event.EVTQ_1_STALL, ev[1]), "STALL = 1");
        assertEquals(va, get(Event.EVTQ_2_ADDR, ev[2]));
        assertEquals(DmaEngine.STATUS_WAITING, rig.reg(0, DmaEngine.REG_STATUS) & DmaEngine.STATUS_WAITING);
        return (int) get(Event.EVTQ_1_STAG, ev[1]);
    }

    @Test
    void aStalledWriteCompletesWhenSoftwareMapsThePageAndResumesWithRetry() {
        EndpointRig rig = stallingRig();
        DmaEngine e = rig.engine(0);
        int sid = e.requesterId();
        long src = rig.map(SRC, 2, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        byte[] data = pattern(8192, 1);
        rig.memory.writeBytes(src, data, 0, data.length);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST, data.length, REC));
        rig.run();
        long[] dst = new long[2];
        for (int page = 0; page < 2; page++) {
            int stag = stalledAt(rig, DST + 4096L * page);
            assertEquals(0, status(rig.memory, rec), "still in progress");
            dst[page] = rig.map(DST + 4096L * page, 1, Prot.READ | Prot.WRITE);
            assertTrue(rig.smmu.submit(Commands.resume(sid, stag, CMDQ_RESUME_0_RESP_RETRY)));
            rig.run();
        }

        assertEquals(STATUS_SUCCESS, status(rig.memory, rec));
        assertEquals(8192, rig.memory.read64(rec + 8));
        byte[] got = new byte[8192];
        rig.memory.readBytes(dst[0], got, 0, 4096);
        rig.memory.readBytes(dst[1], got, 4096, 4096);
        assertArrayEquals(data, got);
        assertEquals(0, rig.reg(0, DmaEngine.REG_STATUS) & (DmaEngine.STATUS_WAITING | DmaEngine.STATUS_BUSY));
        assertEquals(2, rig.smmuStats().stallsResumed);
        assertEquals(0, e.port().translationRequests());
    }

    @Test
    void aStalledWriteResumedWithAbortEndsTheDescriptorWithAPageFault() {
        EndpointRig rig = stallingRig();
        DmaEngine e = rig.engine(0);
        rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST + 0x100, 64, REC));
        rig.run();
        int stag = stalledAt(rig, DST + 0x100);
        assertTrue(rig.smmu.submit(Commands.resume(e.requesterId(), stag, CMDQ_RESUME_0_RESP_ABORT)));
        rig.run();

        assertEquals(STATUS_PAGE_FAULT, status(rig.memory, rec));
        assertEquals(DmaPort.FaultReason.ABORTED.ordinal(), rig.memory.read8(rec + 1) & 0xff);
        assertEquals(0, rig.memory.read64(rec + 8), "nothing written");
        assertEquals(DST + 0x100, rig.memory.read64(rec + 16), "the address of the aborted access");
        assertEquals(1, rig.reg(0, DmaEngine.REG_ERRORS));
        assertEquals(1, rig.smmuStats().stallsTerminated);
    }
}

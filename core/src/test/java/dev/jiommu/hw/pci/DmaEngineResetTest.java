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
import static dev.jiommu.hw.pci.DmaDescriptor.STATUS_SUCCESS;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.copy;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_RESUME_0_RESP_RETRY;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.PriQueueEntry.PRIQ_1_PRG_IDX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * CTRL.RESET, CTRL.ENABLE and RING_SIZE while work is in progress: a reset
 * abandons the descriptor in progress, and the answer to an access it was
 * waiting for (which the engine cannot recall) is dropped when it comes,
 * never applied to newer work.
 */
class DmaEngineResetTest {

    static final long DST2 = 0x10_0018_0000L;


    private static void assertCounters(EndpointRig rig, int completed, int errors, int fetchErrors) {
        assertEquals(completed, rig.reg(0, DmaEngine.REG_COMPLETED), "COMPLETED");
        assertEquals(errors, rig.reg(0, DmaEngine.REG_ERRORS), "ERRORS");
        assertEquals(fetchErrors, rig.reg(0, DmaEngine.REG_FETCH_ERRORS), "FETCH_ERRORS");
    }

    @Test
    void aResetWhileAPageRequestGroupIsOutstandingDropsItsLateAnswer() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsPriEngine(0);
        long src = rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long dst2 = rig.map(DST2, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        rig.memory.writeBytes(src, pattern(64, 1), 0, 64);
        long ring = rig.ring(0, 4);
        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC));
        rig.run();
        List<long[]> prq = rig.pageRequests();
        assertEquals(1, prq.size());

        // The driver gives up on the engine: reset, same ring, new work.
        rig.setReg(0, DmaEngine.REG_CTRL, DmaEngine.CTRL_RESET);
        assertEquals(0, rig.reg(0, DmaEngine.REG_HEAD));
        assertEquals(0, rig.reg(0, DmaEngine.REG_TAIL));
        rig.program(0, ring, 4);
        rig.submit(0, ring, copy(PASID, SRC, DST2, 64, REC + 32));
        rig.run();
        assertEquals(DmaEngine.STATUS_WAITING, rig.reg(0, DmaEngine.REG_STATUS) & DmaEngine.STATUS_WAITING,
                "the page request group is still outstanding");
        assertCounters(rig, 0, 0, 0);

        assertEquals(true, rig.smmu.submit(Commands.priResp(e.requesterId(), PASID,
                (int) get(PRIQ_1_PRG_IDX, prq.get(0)[1]), PageRequest.INVALID)));
        rig.run();

        assertEquals(0, status(rig.memory, rec), "the abandoned descriptor wrote no record");
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32));
        byte[] got = new byte[64];
        rig.memory.readBytes(dst2, got, 0, 64);
        assertArrayEquals(pattern(64, 1), got);
        assertCounters(rig, 1, 0, 0);
        assertEquals(1, rig.reg(0, DmaEngine.REG_HEAD));
        assertEquals(1, rig.reg(0, DmaEngine.REG_TAIL));
        assertEquals(0, rig.reg(0, DmaEngine.REG_STATUS));
    }

    @Test
    void aResetWhileATransactionIsStalledDropsItsCompletion() {
        EndpointRig rig = DmaEngineStallTest.stallingRig();
        DmaEngine e = rig.engine(0);
        long src = rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long dst2 = rig.map(DST2, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        rig.memory.writeBytes(src, pattern(64, 2), 0, 64);
        long ring = rig.ring(0, 4);
        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC));
        rig.run();
        int stag = DmaEngineStallTest.stalledAt(rig, DST);

        rig.setReg(0, DmaEngine.REG_CTRL, DmaEngine.CTRL_RESET);
        rig.program(0, ring, 4);
        rig.submit(0, ring, copy(PASID, SRC, DST2, 64, REC + 32));
        rig.run();
        assertCounters(rig, 0, 0, 0);

        long dst = rig.map(DST, 1, Prot.READ | Prot.WRITE);
        assertEquals(true, rig.smmu.submit(Commands.resume(e.requesterId(), stag, CMDQ_RESUME_0_RESP_RETRY)));
        rig.run();

        byte[] got = new byte[64];
        rig.memory.readBytes(dst, got, 0, 64);
        assertArrayEquals(pattern(64, 2), got, "the stalled write itself completed in the SMMU");
        assertEquals(0, status(rig.memory, rec), "but its descriptor was abandoned: no record");
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32));
        rig.memory.readBytes(dst2, got, 0, 64);
        assertArrayEquals(pattern(64, 2), got);
        assertCounters(rig, 1, 0, 0);
        assertEquals(1, rig.reg(0, DmaEngine.REG_HEAD));
    }

    @Test
    void disablingPausesTheDescriptorInProgressAndEnablingResumesIt() {
        EndpointRig rig = new EndpointRig(1);
        rig.enablePasid(rig.engine(0));
        int len = 64 * 4096;
        long src = rig.map(SRC, len / 4096, Prot.READ | Prot.WRITE);
        long dst = rig.map(DST, len / 4096, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        rig.memory.writeBytes(src, pattern(len, 3), 0, len);
        long ring = rig.ring(0, 4);
        rig.submit(0, ring, copy(PASID, SRC, DST, len, REC));
        rig.machine.scheduler().runOne();
        rig.setReg(0, DmaEngine.REG_CTRL, 0);
        rig.run();
        assertEquals(0, status(rig.memory, rec), "paused mid-copy");
        assertEquals(DmaEngine.STATUS_BUSY, rig.reg(0, DmaEngine.REG_STATUS) & DmaEngine.STATUS_BUSY);

        rig.setReg(0, DmaEngine.REG_CTRL, DmaEngine.CTRL_ENABLE);
        rig.run();
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec));
        byte[] got = new byte[len];
        rig.memory.readBytes(dst, got, 0, len);
        assertArrayEquals(pattern(len, 3), got);
        assertCounters(rig, 1, 0, 0);
    }

    @Test
    void aRingSizeWriteWhileADescriptorIsInProgressAbandonsIt() {
        EndpointRig rig = new EndpointRig(1);
        rig.enablePasid(rig.engine(0));
        int len = 64 * 4096;
        rig.map(SRC, len / 4096, Prot.READ | Prot.WRITE);
        rig.map(DST, len / 4096, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        long ring = rig.ring(0, 4);
        rig.submit(0, ring, copy(PASID, SRC, DST, len, REC));
        rig.machine.scheduler().runOne();
        rig.setReg(0, DmaEngine.REG_CTRL, 0);
        rig.setReg(0, DmaEngine.REG_RING_SIZE, 3);
        rig.setReg(0, DmaEngine.REG_CTRL, DmaEngine.CTRL_ENABLE);
        rig.run();

        assertEquals(3, rig.reg(0, DmaEngine.REG_RING_SIZE));
        assertEquals(0, rig.reg(0, DmaEngine.REG_HEAD), "HEAD did not move past TAIL");
        assertEquals(0, rig.reg(0, DmaEngine.REG_TAIL));
        assertEquals(0, status(rig.memory, rec));
        assertCounters(rig, 0, 0, 0);
        assertEquals(0, rig.reg(0, DmaEngine.REG_STATUS));
    }
}

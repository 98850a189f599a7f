package dev.jiommu.hw.pci;

import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.jiommu.hw.pci.EndpointRig.DST;
import static dev.jiommu.hw.pci.EndpointRig.REC;
import static dev.jiommu.hw.pci.EndpointRig.SRC;
import static dev.jiommu.hw.pci.EndpointRig.pattern;
import static dev.jiommu.hw.pci.DmaDescriptor.STATUS_PAGE_FAULT;
import static dev.jiommu.hw.pci.DmaDescriptor.STATUS_SUCCESS;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.copy;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static dev.jiommu.hw.pci.PciRegs.*;
import static dev.jiommu.spec.smmuv3.Cmd.PRI_RESP_DENY;
import static dev.jiommu.spec.smmuv3.Cmd.PRI_RESP_SUCC;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page requests beyond the simple case: a PRI queue that overflows under
 * several engines (SMMUv3 §8.1, §8.2), PRI disabled or limited by its
 * allocation (PCIe Base 6.0 §10.5.2), and a Response Failure that stops PRI
 * until software restarts it (§10.4.2).
 */
class DmaEnginePriTest {



    /**
     * Four engines each copy three pages into unmapped memory: four groups of
     * three requests meet a four-entry PRI queue. The queue overflows; the
     * SMMU answers each discarded request that ends a group with Success
     * (§8.1), so those engines retry rather than fail; the driver, like
     * Linux's, acknowledges the overflow, drops the partial groups it saw and
     * answers the complete ones; every copy completes.
     */
    @Test
    void aPriQueueOverflowIsAnsweredWithSuccessForLastRequestsAndEveryEngineCompletesAfterSoftwareCatchesUp() {
        int engines = 4;
        int pages = 3;
        EndpointRig rig = new EndpointRig(engines);
        rig.resizePriq(2);
        long src = rig.map(SRC, pages, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        byte[] data = pattern(pages * 4096, 1);
        rig.memory.writeBytes(src, data, 0, data.length);
        long[] rings = new long[engines];
        for (int i = 0; i < engines; i++) {
            DmaEngine e = rig.engine(i);
            rig.enablePasid(e);
            rig.enableAts(e);
            rig.enablePri(e, 32);
            rings[i] = rig.ring(i, 4);
        }
        for (int i = 0; i < engines; i++) {
            rig.submit(i, rings[i], copy(PASID, SRC, DST + 0x10_000L * i, data.length, REC + 32 * i));
        }

        Map<Long, Long> mappedPages = new HashMap<>();
        Map<Long, List<long[]>> partial = new HashMap<>();
        int[] answered = new int[engines];
        boolean overflowSeen = false;
        int rounds = 0;
        while (!allEnded(rig, rec, engines) && rounds++ < 100) {
            rig.runAtMost(5_000);
            if (rig.priqOverflowActive()) {
                overflowSeen = true;
            }
            boolean overflow = rig.priqOverflowActive();
            for (long[] q : rig.pageRequests()) {
                int sid = (int) get(PRIQ_0_SID, q[0]);
                long key = (long) sid << 16 | get(PRIQ_1_PRG_IDX, q[1]);
                partial.computeIfAbsent(key, k -> new ArrayList<>()).add(q);
                if (get(PRIQ_0_PRG_LAST, q[0]) == 0) {
                    continue;
                }
                for (long[] r : partial.remove(key)) {
                    long va = r[1] & PRIQ_1_ADDR_MASK;
                    mappedPages.computeIfAbsent(va, p -> rig.map(p, 1, Prot.READ | Prot.WRITE));
                }
                assertTrue(rig.smmu.submit(Commands.priResp(sid, (int) get(PRIQ_0_SSID, q[0]),
                        (int) get(PRIQ_1_PRG_IDX, q[1]), PRI_RESP_SUCC)));
                answered[engineOf(rig, sid)]++;
            }
            assertFalse(rig.priqOverflowActive(), "draining acknowledged the overflow");
            if (overflow) {
                // Linux: iopf_queue_discard_partial() — a group whose LAST was lost will be sent again.
                partial.clear();
            }
        }

        assertTrue(overflowSeen, "PRIQ_PROD.OVFLG toggled");
        SmmuStats stats = rig.smmuStats();
        assertTrue(stats.priOverflows >= 1);
        assertTrue(stats.priAutoResponses >= 1, "discarded LAST requests were answered by the SMMU");
        int retried = 0;
        for (int i = 0; i < engines; i++) {
            assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32 * i), "engine " + i);
            byte[] got = new byte[data.length];
            for (int p = 0; p < pages; p++) {
                long pa = mappedPages.get(DST + 0x10_000L * i + 4096L * p);
                rig.memory.readBytes(pa, got, 4096 * p, 4096);
            }
            assertArrayEquals(data, got, "engine " + i);
            DmaPort port = rig.engine(i).port();
            if (port.pageRequestGroups() > answered[i]) {
                retried++;
            }
        }
        assertTrue(retried >= 2, "engines whose LAST request was discarded sent their group again");
    }

    private static boolean allEnded(EndpointRig rig, long rec, int engines) {
        for (int i = 0; i < engines; i++) {
            if (status(rig.memory, rec + 32 * i) == 0) {
                return false;
            }
        }
        return true;
    }

    private static int engineOf(EndpointRig rig, int sid) {
        for (int i = 0; i < rig.engines(); i++) {
            if (rig.engine(i).requesterId() == sid) {
                return i;
            }
        }
        throw new AssertionError("no engine has StreamID " + sid);
    }

    @Test
    void withPriDisabledADeniedTranslationEndsTheDescriptorWithNoAccessAndNoPageRequest() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsEngine(0);
        rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST + 0x40, 64, REC));
        rig.run();

        assertEquals(STATUS_PAGE_FAULT, status(rig.memory, rec));
        assertEquals(DmaPort.FaultReason.NO_ACCESS.ordinal(), rig.memory.read8(rec + 1) & 0xff);
        assertEquals(DST, rig.memory.read64(rec + 16), "the page whose (page-aligned) translation was denied");
        assertTrue(rig.pageRequests().isEmpty(), "no PRI queue entry");
        assertEquals(0, e.port().pageRequests());
        assertEquals(0, rig.smmuStats().priWritten);
        int info = rig.reg(0, DmaEngine.REG_ERROR_INFO);
        assertEquals(STATUS_PAGE_FAULT, info & DmaEngine.ERROR_INFO_STATUS);
        assertEquals(DmaPort.FaultReason.NO_ACCESS.ordinal(), (info & DmaEngine.ERROR_INFO_REASON) >>> 8);
        assertEquals(DST, rig.reg(0, DmaEngine.REG_ERROR_ADDR_LO) & 0xffff_ffffL
                | (long) rig.reg(0, DmaEngine.REG_ERROR_ADDR_HI) << 32);
    }

    @Test
    void aGroupNeverHoldsMoreRequestsThanSoftwareAllocated() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsEngine(0);
        rig.enablePri(e, 2);
        rig.map(SRC, 3, Prot.READ | Prot.WRITE);
        rig.map(REC, 1, Prot.READ | Prot.WRITE);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST, 3 * 4096, REC));
        rig.run();

        List<long[]> prq = rig.pageRequests();
        assertEquals(2, prq.size(), "three pages missing, two requests allowed");
        assertEquals(0, get(PRIQ_0_PRG_LAST, prq.get(0)[0]));
        assertEquals(1, get(PRIQ_0_PRG_LAST, prq.get(1)[0]), "the group ends within the allocation");
        assertEquals(DST + 4096, prq.get(1)[1] & PRIQ_1_ADDR_MASK);
    }

    @Test
    void aResponseFailureStopsPriUntilSoftwareRestartsIt() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.atsPriEngine(0);
        long src = rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        rig.memory.writeBytes(src, pattern(64, 4), 0, 64);
        long ring = rig.ring(0, 4);
        int pri = rig.extCap(e, PCI_EXT_CAP_ID_PRI);

        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC));
        rig.run();
        List<long[]> prq = rig.pageRequests();
        assertEquals(1, prq.size());
        assertTrue(rig.smmu.submit(Commands.priResp(e.requesterId(), PASID,
                (int) get(PRIQ_1_PRG_IDX, prq.get(0)[1]), PRI_RESP_DENY)));
        rig.run();
        assertEquals(STATUS_PAGE_FAULT, status(rig.memory, rec));
        assertEquals(DmaPort.FaultReason.PRI_FAILURE.ordinal(), rig.memory.read8(rec + 1) & 0xff);
        assertEquals(PCI_PRI_STATUS_RF, rig.cfgRead(e, pri + PCI_PRI_STATUS, 2) & PCI_PRI_STATUS_RF);

        // PRI is stopped: the next fault is not even requested.
        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC + 32));
        rig.run();
        assertEquals(STATUS_PAGE_FAULT, status(rig.memory, rec + 32));
        assertEquals(DmaPort.FaultReason.NO_ACCESS.ordinal(), rig.memory.read8(rec + 33) & 0xff);
        assertTrue(rig.pageRequests().isEmpty());

        // Software restarts PRI (disable, reset, enable): page requests flow again and the copy completes.
        rig.restartPri(e);
        assertEquals(0, rig.cfgRead(e, pri + PCI_PRI_STATUS, 2) & PCI_PRI_STATUS_RF);
        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC + 64));
        rig.run();
        prq = rig.pageRequests();
        assertEquals(1, prq.size());
        long dst = rig.map(DST, 1, Prot.READ | Prot.WRITE);
        assertTrue(rig.smmu.submit(Commands.priResp(e.requesterId(), PASID,
                (int) get(PRIQ_1_PRG_IDX, prq.get(0)[1]), PRI_RESP_SUCC)));
        rig.run();
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 64));
        byte[] got = new byte[64];
        rig.memory.readBytes(dst, got, 0, 64);
        assertArrayEquals(pattern(64, 4), got);
    }
}

package dev.jiommu.hw.pci;

import dev.jiommu.hw.irq.Its;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.sim.scenarios.SmmuBringUp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jiommu.hw.pci.EndpointRig.DST;
import static dev.jiommu.hw.pci.EndpointRig.REC;
import static dev.jiommu.hw.pci.EndpointRig.SRC;
import static dev.jiommu.hw.pci.EndpointRig.pattern;
import static dev.jiommu.hw.pci.DmaDescriptor.STATUS_SUCCESS;
import static dev.jiommu.hw.pci.EndpointRig.ITS_DOORBELL;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.copy;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_EATS_TRANS;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_S1DSS_SSID0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Completion interrupts: MSI-X writes are DMA writes without a PASID that go
 * through the SMMU to the ITS doorbell (GITS_TRANSLATER), which raises the LPI
 * that the writer's DeviceID (its requester ID) and the EventID (the message
 * data) name. Software programs the MSI-X table through BAR2 and the ITS
 * through its registers and its mapping commands.
 */
class DmaEngineMsiTest {

    /** Where the driver maps the doorbell page for the device (Linux's MSI_IOVA_BASE). */
    static final long MSI_IOVA = 0x0800_0000L;
    static final int LPI = 8192 + 42;


    /**
     * The STE sends traffic without a PASID through CD 0 (S1DSS = SSID0), whose
     * tables map the ring (identity) and an IOVA page onto the ITS's
     * translation frame: the MSI is translated by stage 1 and raises the LPI
     * that (requester ID, data) was mapped to. Pointed at an IOVA CD 0 does not
     * map, the MSI faults in the SMMU: an F_TRANSLATION event for the engine's
     * StreamID, and no interrupt.
     */
    @Test
    void anMsiThroughAStageOneMappingRaisesItsLpiAndAnUnmappedOneRaisesAnEventInstead() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.engine(0);
        int rid = e.requesterId();
        IoPageTable cd0 = rig.newTables();
        long ring = rig.frames.allocate(4096);
        assertEquals(0, cd0.map(ring, ring, 4096, Prot.READ | Prot.WRITE | Prot.CACHE));
        long doorbellPage = ITS_DOORBELL & ~4095L;
        assertEquals(0, cd0.map(MSI_IOVA, doorbellPage, 4096, Prot.READ | Prot.WRITE | Prot.MMIO));
        rig.cd(0, 9, cd0);
        rig.invalidateCd(0);
        rig.stream(rid, STRTAB_STE_1_EATS_TRANS, STRTAB_STE_1_S1DSS_SSID0);
        rig.enablePasid(e);
        long src = rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long dst = rig.map(DST, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        rig.memory.writeBytes(src, pattern(128, 1), 0, 128);

        Its its = rig.machine.its();
        rig.enableIts();
        its.mapDevice(rid, 4);
        its.mapEvent(rid, 3, LPI);
        int[] delivered = new int[1];
        its.onLpi(LPI, intid -> delivered[0]++);
        rig.msix(0, MSI_IOVA + (ITS_DOORBELL & 4095), 3);
        rig.program(0, ring, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST, 128, REC));
        rig.run();

        assertEquals(STATUS_SUCCESS, status(rig.memory, rec));
        byte[] got = new byte[128];
        rig.memory.readBytes(dst, got, 0, 128);
        assertArrayEquals(pattern(128, 1), got);
        assertEquals(1, delivered[0], "LPI " + LPI + " delivered once");
        assertEquals(1, its.translated());
        assertEquals(0, its.dropped());
        assertEquals(1, e.msix().sent());
        assertTrue(rig.smmu.drainEvents().isEmpty());

        // The driver points the vector at an IOVA nothing maps.
        long unmapped = 0x0900_0040L;
        rig.msix(0, unmapped, 3);
        rig.submit(0, ring, copy(PASID, SRC, DST, 128, REC + 32));
        rig.run();

        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32), "the descriptor itself completed");
        assertEquals(1, delivered[0], "no second interrupt");
        assertEquals(1, its.translated(), "nothing reached the doorbell");
        assertEquals(1, e.msix().failed());
        List<long[]> events = rig.smmu.drainEvents();
        assertEquals(1, events.size());
        assertEquals(Event.EVT_ID_TRANSLATION_FAULT, SmmuBringUp.eventId(events.get(0)));
        assertEquals(rid, get(Event.EVTQ_0_SID, events.get(0)[0]));
        assertEquals(unmapped, get(Event.EVTQ_2_ADDR, events.get(0)[2]));
    }

    /**
     * Three engines, each with its own ring, PASID and address space (the
     * same virtual addresses, different pages), run long copies at once:
     * their work interleaves, each copy lands in its own space, and each
     * engine's completion interrupts reach its own LPI — one EventID for all,
     * told apart by the DeviceID the SMMU passes on with the write.
     */
    @Test
    void severalEnginesRunAtOnceAndEachInterruptReachesItsOwnLpi() {
        int n = 3;
        int[] pasids = {3, 5, 9};
        int len = 256 * 1024;
        EndpointRig rig = new EndpointRig(n);
        Its its = rig.machine.its();
        rig.enableIts();
        int[] delivered = new int[n];
        long[] ring = new long[n];
        long[] dst = new long[n];
        long[] rec = new long[n];
        byte[][] data = new byte[n][];
        for (int i = 0; i < n; i++) {
            DmaEngine e = rig.engine(i);
            IoPageTable t = rig.newTables();
            rig.cd(pasids[i], 20 + i, t);
            rig.invalidateCd(pasids[i]);
            rig.enablePasid(e);
            rig.enableAts(e);
            long src = rig.map(t, SRC, len / 4096, Prot.READ | Prot.WRITE);
            dst[i] = rig.map(t, DST, len / 4096, Prot.READ | Prot.WRITE);
            rec[i] = rig.map(t, REC, 1, Prot.READ | Prot.WRITE);
            data[i] = pattern(len, i + 1);
            rig.memory.writeBytes(src, data[i], 0, len);
            its.mapDevice(e.requesterId(), 1);
            its.mapEvent(e.requesterId(), 0, 8192 + i);
            int k = i;
            its.onLpi(8192 + i, intid -> delivered[k]++);
            rig.msix(i, ITS_DOORBELL, 0);
            ring[i] = rig.ring(i, 4);
        }
        for (int i = 0; i < n; i++) {
            rig.submit(i, ring[i], copy(pasids[i], SRC, DST, len, REC), copy(pasids[i], SRC, DST, len, REC + 32));
        }

        // Run until the first descriptor of any engine ends: by then every engine has moved data.
        int first = -1;
        for (int steps = 0; first < 0 && steps < 1_000_000; steps++) {
            assertTrue(rig.machine.scheduler().runOne(), "work left");
            for (int i = 0; i < n && first < 0; i++) {
                if (rig.reg(i, DmaEngine.REG_COMPLETED) > 0) {
                    first = i;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            assertTrue(rig.engine(i).bytesMoved() > 0, "engine " + i + " ran alongside engine " + first);
        }
        rig.run();

        long deliveredTotal = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(STATUS_SUCCESS, status(rig.memory, rec[i]));
            assertEquals(STATUS_SUCCESS, status(rig.memory, rec[i] + 32));
            byte[] got = new byte[len];
            rig.memory.readBytes(dst[i], got, 0, len);
            assertArrayEquals(data[i], got, "engine " + i + " copied within its own address space");
            assertTrue(delivered[i] >= 1, "LPI of engine " + i);
            deliveredTotal += delivered[i];
            assertEquals(2, rig.engine(i).msix().sent());
        }
        assertEquals(2L * n, its.translated(), "every completion's MSI reached the ITS");
        assertEquals(its.translated(), deliveredTotal + its.coalesced(), "each was delivered or coalesced");
        assertEquals(0, its.unclaimed());
        assertEquals(0, its.dropped());
    }
}

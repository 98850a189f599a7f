package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_EATS_ABT;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_EATS_TRANS;
import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.spec.smmuv3.Cmd;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Events and page requests from real DMA reach the driver through the ITS:
 * a translation fault decoded, a stall resumed with retry, a PRI request
 * answered so the engine completes, the driver's own answers when nobody
 * handles a fault, and an event queue overflow acknowledged.
 */
class FaultQueuesTest {

    private static final DmaEngine.Options NO_ATS = new DmaEngine.Options(0, 0, 20);

    @Test
    void aWriteToAnUnmappedAddressReachesTheEventConsumerDecoded() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(NO_ATS), ArmSmmuV3.Options.defaults());
        DmaEngine e = rig.engines.get(0);
        rig.enablePasid(e);
        IoPageTable t = rig.newTables();
        rig.attach(0, t, false, STRTAB_STE_1_EATS_ABT);
        rig.map(t, DriverRig.SRC, 1);
        long rec = rig.map(t, DriverRig.REC, 1);
        List<SmmuEvent> events = new ArrayList<>();
        rig.smmu.onEvent(events::add);

        rig.copyAndRun(DriverRig.SRC, DriverRig.DST + 0x40, 64);

        assertEquals(1, events.size(), () -> events.toString());
        SmmuEvent ev = events.get(0);
        assertEquals(EVT_ID_TRANSLATION_FAULT, ev.id());
        assertEquals("F_TRANSLATION", ev.name());
        assertEquals(e.requesterId(), ev.sid());
        assertTrue(ev.ssv());
        assertEquals(DriverRig.PASID, ev.ssid());
        assertFalse(ev.read(), "a write");
        assertFalse(ev.stall());
        assertFalse(ev.s2());
        assertEquals(DriverRig.DST + 0x40, ev.address());
        assertTrue(ev.handled());
        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, rig.memory.read8(rec) & 0xff);
        assertEquals(1, rig.smmu.stats().events);
        assertEquals(1, rig.smmu.stats().evtqIrqs, "delivered by the event queue LPI");
    }

    @Test
    void aStalledWriteIsResumedWithRetryByTheConsumerAndCompletes() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(NO_ATS), ArmSmmuV3.Options.defaults());
        DmaEngine e = rig.engines.get(0);
        rig.enablePasid(e);
        IoPageTable t = rig.newTables();
        rig.attach(0, t, true, STRTAB_STE_1_EATS_ABT);
        long src = rig.map(t, DriverRig.SRC, 1);
        long rec = rig.map(t, DriverRig.REC, 1);
        rig.memory.write64(src, 0x1122_3344_5566_7788L);
        List<SmmuEvent> events = new ArrayList<>();
        long[] dst = new long[1];
        rig.smmu.onEvent(ev -> {
            events.add(ev);
            dst[0] = rig.map(t, ev.address() & ~0xfffL, 1);
            assertEquals(0, rig.smmu.resume(ev.sid(), ev.stag(), true));
        });

        rig.copyAndRun(DriverRig.SRC, DriverRig.DST, 8);

        assertEquals(1, events.size());
        assertTrue(events.get(0).stall());
        assertEquals(DriverRig.DST, events.get(0).address());
        assertEquals(DmaDescriptor.STATUS_SUCCESS, rig.memory.read8(rec) & 0xff);
        assertEquals(0x1122_3344_5566_7788L, rig.memory.read64(dst[0]));
        assertEquals(1, rig.smmu.stats().stallEvents);
        assertEquals(1, rig.model().stats().stallsResumed);
    }

    @Test
    void aStallNobodyHandlesIsTerminatedSoTheDeviceDoesNotWaitForEver() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(NO_ATS), ArmSmmuV3.Options.defaults());
        rig.enablePasid(rig.engines.get(0));
        IoPageTable t = rig.newTables();
        rig.attach(0, t, true, STRTAB_STE_1_EATS_ABT);
        rig.map(t, DriverRig.SRC, 1);
        long rec = rig.map(t, DriverRig.REC, 1);

        rig.copyAndRun(DriverRig.SRC, DriverRig.DST, 8);

        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, rig.memory.read8(rec) & 0xff);
        assertEquals(1, rig.smmu.stats().stallsAborted);
        assertEquals(1, rig.model().stats().stallsTerminated);
    }

    @Test
    void aPageRequestReachesThePriConsumerAndItsResponseLetsTheEngineComplete() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(DmaEngine.Options.full()),
                ArmSmmuV3.Options.defaults());
        DmaEngine e = rig.engines.get(0);
        rig.enablePasid(e);
        rig.enableAtsPri(e);
        IoPageTable t = rig.newTables();
        rig.attach(0, t, false, STRTAB_STE_1_EATS_TRANS);
        long src = rig.map(t, DriverRig.SRC, 1);
        long rec = rig.map(t, DriverRig.REC, 1);
        rig.memory.write64(src, 0x0bad_cafe_dead_beefL);
        List<PriRequest> requests = new ArrayList<>();
        long[] dst = new long[1];
        rig.smmu.onPriRequest(r -> {
            requests.add(r);
            dst[0] = rig.map(t, r.address(), 1);
            if (r.last()) {
                assertEquals(0, rig.smmu.priResponse(r, (int) Cmd.PRI_RESP_SUCC));
            }
        });

        rig.copyAndRun(DriverRig.SRC, DriverRig.DST + 0x100, 8);

        assertEquals(1, requests.size(), () -> requests.toString());
        PriRequest r = requests.get(0);
        assertEquals(e.requesterId(), r.sid());
        assertTrue(r.pasidValid());
        assertEquals(DriverRig.PASID, r.pasid());
        assertTrue(r.last());
        assertTrue(r.write());
        assertEquals(DriverRig.DST, r.address(), "page aligned");
        assertEquals(DmaDescriptor.STATUS_SUCCESS, rig.memory.read8(rec) & 0xff);
        assertEquals(0x0bad_cafe_dead_beefL, rig.memory.read64(dst[0] + 0x100));
        assertEquals(1, rig.smmu.stats().priqIrqs);
        assertEquals(1, rig.smmu.stats().priRequests);
    }

    @Test
    void aPageRequestNobodyHandlesIsDeniedAsLinuxDoes() {
        DriverRig rig = new DriverRig(SmmuConfig.full(), List.of(DmaEngine.Options.full()),
                ArmSmmuV3.Options.defaults());
        DmaEngine e = rig.engines.get(0);
        rig.enablePasid(e);
        rig.enableAtsPri(e);
        IoPageTable t = rig.newTables();
        rig.attach(0, t, false, STRTAB_STE_1_EATS_TRANS);
        rig.map(t, DriverRig.SRC, 1);
        long rec = rig.map(t, DriverRig.REC, 1);

        rig.copyAndRun(DriverRig.SRC, DriverRig.DST, 8);

        assertEquals(1, rig.smmu.stats().priDenied);
        assertTrue(rig.smmu.log().contains(DriverLog.Level.INFO, "unexpected PRI request received"));
        assertEquals(DmaDescriptor.STATUS_PAGE_FAULT, rig.memory.read8(rec) & 0xff);
    }

    @Test
    void anEventQueueOverflowIsDetectedAcknowledgedAndEventsFlowAgain() {
        DriverRig rig = new DriverRig(SmmuConfig.full().withQueues(8, 2, 8));
        assertEquals(4, rig.smmu.evtqEntries());
        int sid = 0x20;
        // An invalid STE: every transaction is C_BAD_STE, always recorded.
        DriverRig.install(rig.smmu.steStore(sid), new long[8]);
        List<SmmuEvent> events = new ArrayList<>();
        rig.smmu.onEvent(events::add);
        DmaTarget dma = rig.machine.iommu().orElseThrow().dma();
        byte[] buf = new byte[8];
        for (int i = 0; i < 7; i++) {
            dma.read(sid, DmaTarget.NO_SUBSTREAM, 0x1000L * i, 0, buf, 0, 8);
        }
        int prod = rig.reg32(ARM_SMMU_EVTQ_PROD);
        assertNotEquals(0, prod & Q_OVERFLOW_FLAG, "OVFLG toggled");
        rig.run();

        assertEquals(4, events.size(), "the four that fitted");
        assertEquals(EVT_ID_BAD_STE_CONFIG, events.get(0).id());
        assertEquals(sid, events.get(0).sid());
        assertEquals(1, rig.smmu.stats().evtqOverflows);
        assertTrue(rig.smmu.log().contains(DriverLog.Level.ERR, "EVTQ overflow detected -- events lost"));
        assertEquals(rig.reg32(ARM_SMMU_EVTQ_PROD) & Q_OVERFLOW_FLAG, rig.reg32(ARM_SMMU_EVTQ_CONS) & Q_OVERFLOW_FLAG,
                "OVACKFLG = OVFLG");

        dma.read(sid, DmaTarget.NO_SUBSTREAM, 0x9000, 0, buf, 0, 8);
        rig.run();
        assertEquals(5, events.size(), "recorded and delivered again");
        assertEquals(EVT_ID_BAD_STE_CONFIG, events.get(4).id());
        assertEquals(0, rig.smmu.stats().evtqOverflows - 1, "no new overflow");
    }

    @Test
    void withoutMsisServiceInterruptsDrainsTheQueues() {
        DriverRig rig = new DriverRig(SmmuConfig.qemuVirt());
        int sid = 3;
        DriverRig.install(rig.smmu.steStore(sid), new long[8]);
        List<SmmuEvent> events = new ArrayList<>();
        rig.smmu.onEvent(events::add);
        rig.machine.iommu().orElseThrow().dma().write(sid, DmaTarget.NO_SUBSTREAM, 0x5000, 0, new byte[4], 0, 4);
        rig.run();
        assertTrue(events.isEmpty(), "no interrupt without MSIs");
        rig.smmu.serviceInterrupts();
        assertEquals(1, events.size());
        assertEquals(EVT_ID_BAD_STE_CONFIG, events.get(0).id());
        assertFalse(events.get(0).ssv());
        assertEquals(ArmSmmuV3.NO_SSID, events.get(0).ssid());
    }

    @Test
    void aConsumerThatThrowsIsLoggedAndTheQueueStillDrains() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        int sid = 9;
        DriverRig.install(rig.smmu.steStore(sid), new long[8]);
        rig.smmu.onEvent(ev -> {
            throw new IllegalStateException("consumer bug");
        });
        DmaTarget dma = rig.machine.iommu().orElseThrow().dma();
        dma.read(sid, DmaTarget.NO_SUBSTREAM, 0, 0, new byte[4], 0, 4);
        dma.read(sid, DmaTarget.NO_SUBSTREAM, 0x1000, 0, new byte[4], 0, 4);
        rig.run();
        assertEquals(2, rig.smmu.stats().events);
        assertTrue(rig.smmu.log().contains(DriverLog.Level.ERR, "consumer bug"));
        assertEquals(0, rig.machine.its().handlerFailures());
        assertEquals(rig.reg32(ARM_SMMU_EVTQ_PROD), rig.reg32(ARM_SMMU_EVTQ_CONS));
    }
}

package dev.jiommu.hw.pci;

import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.pgtable.Prot;
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
import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A function uses ATS and PASID only while software has enabled them in
 * configuration space, and PASIDs only within the width it supports (PCIe
 * Base 6.0 §10.5.1.3, §7.8.8.2-3).
 */
class DmaEngineCapabilityGatesTest {



    @Test
    void withAtsDisabledTheEngineUsesUntranslatedDmaThroughTheSmmuTlb() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.engine(0);
        rig.enablePasid(e);
        int ats = rig.extCap(e, PCI_EXT_CAP_ID_ATS);
        assertEquals(0, rig.cfgRead(e, ats + PCI_ATS_CTRL, 2) & PCI_ATS_CTRL_ENABLE, "ATS left disabled");
        long src = rig.map(SRC, 2, Prot.READ | Prot.WRITE);
        long dst = rig.map(DST, 2, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        byte[] data = pattern(8192, 1);
        rig.memory.writeBytes(src, data, 0, data.length);
        long ring = rig.ring(0, 4);

        rig.submit(0, ring, copy(PASID, SRC, DST, data.length, REC));
        rig.run();
        SmmuStats first = rig.smmuStats();
        long hitsAfterFirst = first.tlbHits;
        rig.submit(0, ring, copy(PASID, SRC, DST, data.length, REC + 32));
        rig.run();

        assertEquals(STATUS_SUCCESS, status(rig.memory, rec));
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32));
        byte[] got = new byte[data.length];
        rig.memory.readBytes(dst, got, 0, got.length);
        assertArrayEquals(data, got);
        DmaPort port = e.port();
        assertEquals(0, port.translationRequests(), "no Translation Request with ATS disabled");
        assertEquals(0, port.translatedRequests());
        assertTrue(port.untranslatedRequests() >= 2 * (1 + 2 * 2 + 1), "ring, data and records went untranslated");
        SmmuStats s = rig.smmuStats();
        assertEquals(0, s.atsRequests);
        assertEquals(0, s.atsTranslated);
        assertTrue(s.tlbHits - hitsAfterFirst >= 5, "the second copy hit the SMMU's TLB: " + s.tlbHits);
    }

    @Test
    void withPasidDisabledADescriptorWithAPasidFaultsBeforeReachingTheSmmu() {
        EndpointRig rig = new EndpointRig(1);
        DmaEngine e = rig.engine(0);
        rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        rig.map(DST, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        long ring = rig.ring(0, 4);
        long before = rig.smmuStats().translations;

        rig.submit(0, ring, copy(PASID, SRC, DST, 64, REC));
        rig.run();

        assertEquals(1, rig.reg(0, DmaEngine.REG_COMPLETED));
        assertEquals(1, rig.reg(0, DmaEngine.REG_ERRORS));
        int info = rig.reg(0, DmaEngine.REG_ERROR_INFO);
        assertEquals(STATUS_PAGE_FAULT, info & DmaEngine.ERROR_INFO_STATUS);
        assertEquals(DmaPort.FaultReason.PASID_NOT_ALLOWED.ordinal(), (info & DmaEngine.ERROR_INFO_REASON) >>> 8);
        assertEquals(0, info & DmaEngine.ERROR_INFO_FETCH);
        assertEquals(SRC, errorAddress(rig, 0));
        // The record goes through the same PASID, so it cannot be written either.
        assertEquals(1, rig.reg(0, DmaEngine.REG_RECORD_ERRORS));
        assertEquals(0, status(rig.memory, rec));
        assertEquals(1, e.port().untranslatedRequests(), "only the descriptor fetch (no PASID) left the function");
        assertEquals(before + 1, rig.smmuStats().translations, "the SMMU saw the fetch and nothing else");
        assertTrue(rig.smmu.drainEvents().isEmpty());
    }

    @Test
    void aPasidBeyondTheSupportedWidthIsRefusedAndOneWithinItIsUsed() {
        EndpointRig rig = new EndpointRig(List.of(new DmaEngine.Options(64, 32, 4)), SmmuConfig.full());
        DmaEngine e = rig.engine(0);
        int pasidCap = rig.extCap(e, PCI_EXT_CAP_ID_PASID);
        assertEquals(4, (rig.cfgRead(e, pasidCap + PCI_PASID_CAP, 2) & PCI_PASID_CAP_WIDTH) >>> 8,
                "Max PASID Width as software reads it");
        rig.enablePasid(e);
        rig.enableAts(e);
        long src = rig.map(SRC, 1, Prot.READ | Prot.WRITE);
        long dst = rig.map(DST, 1, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        rig.memory.writeBytes(src, pattern(64, 2), 0, 64);
        long ring = rig.ring(0, 4);
        long translations = rig.smmuStats().atsRequests;

        rig.submit(0, ring, copy(16, SRC, DST, 64, REC), copy(PASID, SRC, DST, 64, REC + 32));
        rig.run();

        int info = rig.reg(0, DmaEngine.REG_ERROR_INFO);
        assertEquals(STATUS_PAGE_FAULT, info & DmaEngine.ERROR_INFO_STATUS);
        assertEquals(DmaPort.FaultReason.PASID_NOT_ALLOWED.ordinal(), (info & DmaEngine.ERROR_INFO_REASON) >>> 8);
        assertEquals(0, (info & DmaEngine.ERROR_INFO_SLOT) >>> 16, "the first descriptor");
        assertEquals(0, status(rig.memory, rec), "PASID 16 needs 5 bits: nothing, not even its record, went out");
        assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 32), "PASID 7 fits 4 bits");
        byte[] got = new byte[64];
        rig.memory.readBytes(dst, got, 0, 64);
        assertArrayEquals(pattern(64, 2), got);
        assertEquals(2, rig.reg(0, DmaEngine.REG_COMPLETED));
        assertEquals(1, rig.reg(0, DmaEngine.REG_ERRORS));
        // Ring page (no PASID) and, under PASID 7, source, destination and record pages.
        assertEquals(translations + 4, rig.smmuStats().atsRequests, "no Translation Request carried PASID 16");
    }

    static long errorAddress(EndpointRig rig, int engine) {
        return rig.reg(engine, DmaEngine.REG_ERROR_ADDR_LO) & 0xffff_ffffL
                | (long) rig.reg(engine, DmaEngine.REG_ERROR_ADDR_HI) << 32;
    }
}

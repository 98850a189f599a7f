package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jiommu.hw.bus.MmioDevice;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Software's view of the capability lists and of the PCI Express capability:
 * every capability is found by ID along the next pointers, its header is
 * read-only, and no configuration or BAR access of any size escapes as an
 * exception.
 */
class CapabilityListTest extends SvaFixture {

    @Test
    void everyCapabilityIsFoundByWalkingTheLists() {
        int exp = cfg.findCapability(PCI_CAP_ID_EXP);
        int msix = cfg.findCapability(PCI_CAP_ID_MSIX);
        int ats = cfg.findExtCapability(PCI_EXT_CAP_ID_ATS);
        int pri = cfg.findExtCapability(PCI_EXT_CAP_ID_PRI);
        int pasid = cfg.findExtCapability(PCI_EXT_CAP_ID_PASID);
        assertTrue(exp >= PCI_STD_HEADER_SIZEOF && exp < PCI_CFG_SPACE_SIZE && (exp & 3) == 0, "PCIe at " + exp);
        assertTrue(msix >= PCI_STD_HEADER_SIZEOF && msix < PCI_CFG_SPACE_SIZE && (msix & 3) == 0, "MSI-X at " + msix);
        for (int ext : new int[] {ats, pri, pasid}) {
            assertTrue(ext >= PCI_CFG_SPACE_EXT_START && (ext & 3) == 0, "extended capability at " + ext);
        }
        assertEquals(fn.express.offset(), exp);
        assertEquals(fn.msix.offset(), msix);
        assertEquals(fn.ats.offset(), ats);
        assertEquals(fn.pri.offset(), pri);
        assertEquals(fn.pasid.offset(), pasid);
        assertEquals(1, PCI_EXT_CAP_VER(cfg.read32(ats)));
        assertEquals(1, PCI_EXT_CAP_VER(cfg.read32(pri)));
        assertEquals(1, PCI_EXT_CAP_VER(cfg.read32(pasid)));
        assertEquals(0, PCI_EXT_CAP_NEXT(cfg.read32(pasid)), "the last extended capability ends the list");
    }

    @Test
    void absentCapabilitiesAreNotFound() {
        assertEquals(0, cfg.findCapability(0x05));
        assertEquals(0, cfg.findExtCapability(0x01));
        PciHost other = new PciHost();
        other.rootBus().attach(DEVFN, new IommuTestDevice(new RecordingDma(), null));
        ConfigWalker conventional = new ConfigWalker(other, 0, DEVFN);
        assertEquals(0, conventional.findCapability(PCI_CAP_ID_EXP));
        assertEquals(0, conventional.findExtCapability(PCI_EXT_CAP_ID_ATS));
    }

    @Test
    void capabilityHeadersAreReadOnly() {
        for (int at : new int[] {fn.express.offset(), fn.msix.offset()}) {
            int header = cfg.read16(at);
            cfg.write16(at, ~header & 0xffff);
            assertEquals(header, cfg.read16(at));
        }
        for (int at : new int[] {fn.ats.offset(), fn.pri.offset(), fn.pasid.offset()}) {
            long header = cfg.read32(at);
            cfg.write32(at, ~header & 0xffff_ffffL);
            assertEquals(header, cfg.read32(at));
        }
    }

    @Test
    void theExpressCapabilityDescribesAVersion2EndpointWithALink() {
        int exp = cfg.findCapability(PCI_CAP_ID_EXP);
        int flags = cfg.read16(exp + PCI_EXP_FLAGS);
        assertEquals(2, flags & PCI_EXP_FLAGS_VERS);
        assertEquals(PCI_EXP_TYPE_ENDPOINT, (flags & PCI_EXP_FLAGS_TYPE) >> 4);
        assertEquals(PCI_EXP_TYPE_ENDPOINT, fn.express.type());
        assertEquals(PCI_EXP_DEVCAP_RBER, cfg.read32(exp + PCI_EXP_DEVCAP));
        assertEquals(0, cfg.read32(exp + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_PAYLOAD, "128-byte payloads only");
        assertEquals(PCI_EXP_DEVCAP2_EE_PREFIX, cfg.read32(exp + PCI_EXP_DEVCAP2) & PCI_EXP_DEVCAP2_EE_PREFIX);
        assertEquals(PCI_EXP_LNKCAP_SLS_2_5GB, cfg.read32(exp + PCI_EXP_LNKCAP) & PCI_EXP_LNKCAP_SLS);
        assertEquals(0x10, cfg.read32(exp + PCI_EXP_LNKCAP) & PCI_EXP_LNKCAP_MLW);
        assertEquals(PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1, cfg.read16(exp + PCI_EXP_LNKSTA));
    }

    @Test
    void deviceControlResetsToTheSpecDefaultsAndKeepsOnlyItsWritableBits() {
        int exp = fn.express.offset();
        assertEquals(PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B,
                cfg.read16(exp + PCI_EXP_DEVCTL));
        cfg.write16(exp + PCI_EXP_DEVCTL, 0xffff);
        assertEquals(PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE
                | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ,
                cfg.read16(exp + PCI_EXP_DEVCTL), "Max_Payload_Size stays 128 B; FLR and other bits are not writable");
    }

    @Test
    void deviceStatusErrorBitsAreWriteOneToClear() {
        int exp = fn.express.offset();
        fn.config.set16(exp + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_URD | 0x20);
        cfg.write16(exp + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_URD);
        assertEquals(PCI_EXP_DEVSTA_CED | 0x20, cfg.read16(exp + PCI_EXP_DEVSTA));
        cfg.write16(exp + PCI_EXP_DEVSTA, 0xffff);
        assertEquals(0x20, cfg.read16(exp + PCI_EXP_DEVSTA), "Transactions Pending is read-only");
    }

    @Test
    void anIntegratedEndpointHasNoLinkRegisters() {
        PciFunction rcEnd = new PciFunction(new PciFunction.Identity(0x1b36, 1, 0, 0), true) { };
        PciExpressCapability exp = PciExpressCapability.add(rcEnd, PCI_EXP_TYPE_RC_END, false);
        assertEquals(PCI_EXP_TYPE_RC_END, exp.type());
        assertEquals(0, rcEnd.configRead(exp.offset() + PCI_EXP_LNKCAP, 4));
        assertEquals(0, rcEnd.configRead(exp.offset() + PCI_EXP_LNKSTA, 2));
        assertEquals(0, rcEnd.configRead(exp.offset() + PCI_EXP_DEVCAP2, 4));
    }

    @Test
    void capabilitiesNeedTheRightKindOfFunction() {
        PciFunction conventional = new PciFunction(new PciFunction.Identity(0x1b36, 1, 0, 0), false) { };
        assertThrows(IllegalArgumentException.class,
                () -> PciExpressCapability.add(conventional, PCI_EXP_TYPE_ENDPOINT, false));
        assertThrows(IllegalStateException.class, () -> AtsCapability.add(conventional, 1, false));
        assertThrows(IllegalStateException.class, () -> PriCapability.add(conventional, 1, false));
        assertThrows(IllegalStateException.class, () -> PasidCapability.add(conventional, 1, false, false));
        PciFunction express = new PciFunction(new PciFunction.Identity(0x1b36, 1, 0, 0), true) { };
        assertThrows(IllegalArgumentException.class, () -> PciExpressCapability.add(express, 0x4, false),
                "a root port is not an endpoint");
    }

    @Test
    void noConfigurationOrBarAccessThrows() {
        MmioDevice bar = mapBar0();
        SplittableRandom random = new SplittableRandom(7);
        int[] widths = {1, 2, 4, 3, 0, 8};
        for (int round = 0; round < 4; round++) {
            for (int reg = -4; reg < PCI_CFG_SPACE_EXP_SIZE + 8; reg++) {
                if (reg == PCI_BASE_ADDRESS_0 || reg == PCI_COMMAND) {
                    continue;
                }
                int width = widths[random.nextInt(widths.length)];
                fn.configWrite(reg, width, random.nextLong());
                fn.configRead(reg, width);
            }
            for (long off = 0; off < SvaTestFunction.BAR0_SIZE; off++) {
                int size = 1 << random.nextInt(4);
                bar.write(off, size, random.nextLong());
                bar.read(off, size);
                fn.msix.bar(3).read(off, size);
                fn.msix.bar(3).write(off, size, -1L);
            }
        }
        assertEquals(PCI_VENDOR_ID_REDHAT, cfg.read16(PCI_VENDOR_ID));
        assertEquals(fn.msix.offset(), cfg.findCapability(PCI_CAP_ID_MSIX));
    }
}

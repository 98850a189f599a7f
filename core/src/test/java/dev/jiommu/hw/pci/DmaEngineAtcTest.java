package dev.jiommu.hw.pci;

import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.jiommu.hw.pci.EndpointRig.DST;
import static dev.jiommu.hw.pci.EndpointRig.REC;
import static dev.jiommu.hw.pci.EndpointRig.SRC;
import static dev.jiommu.hw.pci.EndpointRig.pattern;
import static dev.jiommu.hw.pci.DmaDescriptor.STATUS_SUCCESS;
import static dev.jiommu.hw.pci.EndpointRig.ASID;
import static dev.jiommu.hw.pci.EndpointRig.PASID;
import static dev.jiommu.hw.pci.EndpointRig.copy;
import static dev.jiommu.hw.pci.EndpointRig.status;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CMD_ATC_INV scopes as the engine's ATC honours them (PCIe Base 6.0 §10.3:
 * an Invalidate Request without a PASID, or with Global Invalidate, covers
 * every PASID), and an ATC smaller than the working set, which evicts. All
 * through the SMMU's command queue, configuration space, BARs and memory.
 */
class DmaEngineAtcTest {

    static final int OTHER_PASID = 8;
    static final int OTHER_ASID = 6;


    /**
     * One engine with two PASIDs, each its own address space with SRC, DST and
     * REC mapped; one copy under each has filled the ATC for both.
     */
    private static final class TwoSpaces {
        final EndpointRig rig = new EndpointRig(1);
        final DmaEngine e = rig.engine(0);
        final IoPageTable other = rig.newTables();
        final long[] src = new long[2];
        final long[] dst = new long[2];
        final long[] rec = new long[2];
        final long ring;
        int round;

        TwoSpaces() {
            rig.cd(OTHER_PASID, OTHER_ASID, other);
            rig.invalidateCd(OTHER_PASID);
            rig.enablePasid(e);
            rig.enableAts(e);
            IoPageTable[] spaces = {rig.tables, other};
            for (int s = 0; s < 2; s++) {
                src[s] = rig.map(spaces[s], SRC, 1, Prot.READ | Prot.WRITE);
                dst[s] = rig.map(spaces[s], DST, 1, Prot.READ | Prot.WRITE);
                rec[s] = rig.map(spaces[s], REC, 1, Prot.READ | Prot.WRITE);
            }
            ring = rig.ring(0, 4);
            copyBoth();
        }

        int pasid(int s) {
            return s == 0 ? PASID : OTHER_PASID;
        }

        /** New data in both sources; a copy under each PASID; returns the data. */
        byte[][] copyBoth() {
            round++;
            byte[][] data = new byte[2][];
            for (int s = 0; s < 2; s++) {
                data[s] = pattern(256, 17 * round + s);
                rig.memory.writeBytes(src[s], data[s], 0, 256);
            }
            long slot = 32L * (round % 64);
            rig.submit(0, ring, copy(PASID, SRC, DST, 256, REC + slot), copy(OTHER_PASID, SRC, DST, 256, REC + slot));
            rig.run();
            for (int s = 0; s < 2; s++) {
                assertEquals(STATUS_SUCCESS, status(rig.memory, rec[s] + slot), "copy under PASID " + pasid(s));
            }
            return data;
        }

        /** Moves DST to a fresh page in both spaces, with the TLB invalidations but no ATC invalidation. */
        long[] moveDestinations() {
            long[] fresh = new long[2];
            IoPageTable[] spaces = {rig.tables, other};
            int[] asids = {ASID, OTHER_ASID};
            for (int s = 0; s < 2; s++) {
                fresh[s] = rig.frames.allocate(4096);
                assertEquals(4096, spaces[s].unmap(DST, 4096));
                assertEquals(0, spaces[s].map(DST, fresh[s], 4096, Prot.READ | Prot.WRITE | Prot.CACHE));
                assertTrue(rig.smmu.submit(Commands.tlbiNhVa(0, asids[s], DST, true)));
            }
            return fresh;
        }

        byte[] read(long pa) {
            byte[] b = new byte[256];
            rig.memory.readBytes(pa, b, 0, 256);
            return b;
        }
    }

    @Test
    void anAtcInvalidationWithoutPasidCoversEveryPasid() {
        TwoSpaces t = new TwoSpaces();
        long[] fresh = t.moveDestinations();
        long before = t.e.port().translationRequests();

        assertTrue(t.rig.smmu.submit(Commands.atcInv(t.e.requesterId(), Commands.NO_SSID, DST, 0, false)));
        byte[][] data = t.copyBoth();

        for (int s = 0; s < 2; s++) {
            assertArrayEquals(data[s], t.read(fresh[s]), "PASID " + t.pasid(s) + " wrote its new page");
            assertTrue(!Arrays.equals(data[s], t.read(t.dst[s])), "PASID " + t.pasid(s) + " left its old page");
        }
        assertEquals(before + 2, t.e.port().translationRequests(), "DST re-translated under both PASIDs, nothing else");
    }

    @Test
    void aGlobalAtcInvalidationCoversEveryPasidWhileAPasidScopedOneDoesNot() {
        TwoSpaces t = new TwoSpaces();
        long[] fresh = t.moveDestinations();

        // Scoped to PASID 7: PASID 8 keeps its stale translation.
        assertTrue(t.rig.smmu.submit(Commands.atcInv(t.e.requesterId(), PASID, DST, 0, false)));
        byte[][] data = t.copyBoth();
        assertArrayEquals(data[0], t.read(fresh[0]), "PASID 7 was invalidated");
        assertArrayEquals(data[1], t.read(t.dst[1]), "PASID 8 still writes its old page");

        // Global, naming PASID 7: both PASIDs' entries go.
        assertTrue(t.rig.smmu.submit(Commands.atcInv(t.e.requesterId(), PASID, DST, 0, true)));
        data = t.copyBoth();
        assertArrayEquals(data[0], t.read(fresh[0]));
        assertArrayEquals(data[1], t.read(fresh[1]), "the global invalidation reached PASID 8's entry");
    }

    @Test
    void aWholeAddressSpaceInvalidationEmptiesTheAtc() {
        TwoSpaces t = new TwoSpaces();
        assertTrue(t.e.port().atc().size() >= 7, "ring, and SRC, DST, REC under two PASIDs");
        assertTrue(t.rig.smmu.submit(Commands.atcInv(t.e.requesterId(), Commands.NO_SSID, 0, 52, false)));
        assertEquals(0, t.e.port().atc().size());
    }

    @Test
    void anAtcSmallerThanTheWorkingSetEvictsAndTranslatesAgain() {
        EndpointRig rig = new EndpointRig(List.of(DmaEngine.Options.full(), new DmaEngine.Options(4, 32, 20)),
                SmmuConfig.full());
        int pages = 4;
        long src = rig.map(SRC, pages, Prot.READ | Prot.WRITE);
        long rec = rig.map(REC, 1, Prot.READ | Prot.WRITE);
        long[] dst = {rig.map(DST, pages, Prot.READ | Prot.WRITE),
                rig.map(DST + 0x4_0000, pages, Prot.READ | Prot.WRITE)};
        byte[] data = pattern(pages * 4096, 9);
        rig.memory.writeBytes(src, data, 0, data.length);
        long[] rings = new long[2];
        for (int i = 0; i < 2; i++) {
            rig.enablePasid(rig.engine(i));
            rig.enableAts(rig.engine(i));
            rings[i] = rig.ring(i, 4);
        }
        long[] firstRun = new long[2];
        for (int run = 0; run < 2; run++) {
            for (int i = 0; i < 2; i++) {
                rig.submit(i, rings[i], copy(PASID, SRC, DST + 0x4_0000L * i, data.length, REC + 64 * i + 32 * run));
            }
            rig.run();
            for (int i = 0; i < 2; i++) {
                assertEquals(STATUS_SUCCESS, status(rig.memory, rec + 64 * i + 32 * run));
                byte[] got = new byte[data.length];
                rig.memory.readBytes(dst[i], got, 0, got.length);
                assertArrayEquals(data, got, "engine " + i);
                if (run == 0) {
                    firstRun[i] = rig.engine(i).port().translationRequests();
                }
            }
        }
        DmaPort big = rig.engine(0).port();
        DmaPort small = rig.engine(1).port();
        assertEquals(4, small.atc().capacity());
        assertEquals(4, small.atc().size(), "full");
        assertTrue(small.atc().evictions() > 0, "the 4-entry ATC evicted");
        assertEquals(0, big.atc().evictions());
        assertEquals(firstRun[0], big.translationRequests(), "the large ATC held the whole working set");
        assertTrue(small.translationRequests() - firstRun[1] >= 2 * pages,
                "the small ATC translated every source and destination page again");
    }
}

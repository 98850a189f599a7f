package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.Dvm.TlbiOp;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.api.Test;

import java.util.function.BooleanSupplier;

import static dev.jiommu.hw.bus.Dvm.TlbiOp.*;
import static dev.jiommu.spec.smmuv3.Registers.CR2_PTM;
import static dev.jiommu.spec.smmuv3.Registers.CR2_RECINVSID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broadcast TLB maintenance from the PEs (SMMUv3 §3.17), shown as in
 * {@link InvalidationConformanceTest} by a stale entry: with IDR0.BTM and
 * CR2.PTM = 0, a PE's TLBI ...IS removes the SMMU's entries it matches, by
 * VMID, ASID and address; ASID-matching operations pass over entries of a
 * private ASID set (CD.ASET = 1), VAAE1IS and VMALLE1IS do not; with
 * CR2.PTM = 1 the SMMU ignores broadcasts.
 */
class BroadcastTlbiConformanceTest extends SmmuConformance {

    private static final int RW = Prot.READ | Prot.WRITE;
    private static final int OLD = 0x01;
    private static final int NEW = 0x02;
    private static final Variant VARIANT = Variant.all().filter(Variant::caches).findFirst().orElseThrow();

    private static Fixture fixture(long cr2) {
        assertTrue(VARIANT.config().btm());
        return new Fixture(VARIANT, VARIANT.config(), 6, cr2, true);
    }

    /** A stage-1 stream whose VA maps to OLD, its CDs in the given ASID set; remapped to NEW in memory. */
    private static BooleanSupplier staleStream(Fixture f, boolean privateAsid) {
        IoPageTable tt = f.s1Table();
        f.map(tt, VA, f.dataPage(OLD), RW);
        f.stage1Stream(SID, tt, cd -> cd.privateAsid(privateAsid), ste -> ste);
        BooleanSupplier readsNew = () -> f.readOk(SID, SSID, VA, 1)[0] == NEW;
        assertFalse(readsNew.getAsBoolean(), "before the change");
        f.remap(tt, VA, f.dataPage(NEW), RW);
        assertFalse(readsNew.getAsBoolean(), "the cached entry is used until it is invalidated");
        return readsNew;
    }

    private static void assertLeaves(Fixture f, BooleanSupplier readsNew, TlbiOp op, int vmid, int asid, long va) {
        f.smmu.tlbiBroadcast(op, vmid, asid, va);
        assertFalse(readsNew.getAsBoolean(), () -> op + " vmid " + vmid + " asid " + asid + " va 0x"
                + Long.toHexString(va) + " must leave the entry");
    }

    private static void assertRemoves(Fixture f, BooleanSupplier readsNew, TlbiOp op, int vmid, int asid, long va) {
        f.smmu.tlbiBroadcast(op, vmid, asid, va);
        assertTrue(readsNew.getAsBoolean(), () -> op + " must remove the entry");
    }

    @Test
    void vae1isRemovesTheSharedEntryOfItsVmidAsidAndAddressOnly() {
        Fixture f = fixture(CR2_RECINVSID);
        BooleanSupplier readsNew = staleStream(f, false);
        assertLeaves(f, readsNew, VAE1IS, VMID, ASID + 1, VA);
        assertLeaves(f, readsNew, VAE1IS, VMID + 1, ASID, VA);
        assertLeaves(f, readsNew, VAE1IS, VMID, ASID, VA + f.pageSize);
        assertRemoves(f, readsNew, VAE1IS, VMID, ASID, VA);
        assertEquals(4, f.smmu.stats().broadcastTlbis);
    }

    @Test
    void vale1isAndAside1isRemoveSharedEntries() {
        Fixture f = fixture(CR2_RECINVSID);
        assertRemoves(f, staleStream(f, false), VALE1IS, VMID, ASID, VA);
        Fixture g = fixture(CR2_RECINVSID);
        BooleanSupplier readsNew = staleStream(g, false);
        assertLeaves(g, readsNew, ASIDE1IS, VMID, ASID + 1, 0);
        assertRemoves(g, readsNew, ASIDE1IS, VMID, ASID, 0);
    }

    @Test
    void asidMatchingBroadcastsPassOverAPrivateAsidSet() {
        Fixture f = fixture(CR2_RECINVSID);
        BooleanSupplier readsNew = staleStream(f, true);
        assertLeaves(f, readsNew, VAE1IS, VMID, ASID, VA);
        assertLeaves(f, readsNew, VALE1IS, VMID, ASID, VA);
        assertLeaves(f, readsNew, ASIDE1IS, VMID, ASID, 0);
        assertRemoves(f, readsNew, VAAE1IS, VMID, 0, VA);
    }

    @Test
    void vmalle1isRemovesEveryStage1EntryOfItsVmidWhateverTheAsidSet() {
        Fixture f = fixture(CR2_RECINVSID);
        BooleanSupplier readsNew = staleStream(f, true);
        assertLeaves(f, readsNew, VMALLE1IS, VMID + 1, 0, 0);
        assertRemoves(f, readsNew, VMALLE1IS, VMID, 0, 0);
    }

    @Test
    void withPtmSetTheSmmuIgnoresBroadcasts() {
        Fixture f = fixture(CR2_RECINVSID | CR2_PTM);
        BooleanSupplier readsNew = staleStream(f, false);
        assertLeaves(f, readsNew, VMALLE1IS, VMID, 0, 0);
        assertLeaves(f, readsNew, VAE1IS, VMID, ASID, VA);
        assertEquals(0, f.smmu.stats().broadcastTlbis);
        assertEquals(2, f.smmu.stats().broadcastTlbisIgnored);
    }
}

package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.Translation;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.Field;

import java.util.List;
import java.util.SplittableRandom;

import static dev.jiommu.hw.smmu.fuzz.FuzzRig.*;
import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One scenario per call: a pointer out of RAM or beyond OAS, and what the architecture says happens. */
final class PointerFuzz {
    static final int SCENARIOS = 19;
    final FuzzRig rig;
    final Anchors anchors;
    final SplittableRandom r;
    final SmmuConfig c;
    final Translation out = new Translation();
    String where;

    PointerFuzz(FuzzRig rig, Anchors anchors, SplittableRandom r) {
        this.rig = rig;
        this.anchors = anchors;
        this.r = r;
        this.c = rig.config;
    }

    private int baselines;

    /**
     * A known state: queues, a linear 256-entry stream table of invalid
     * STEs, RECINVSID, no interrupts, GBPA abort, everything enabled and
     * all caches invalidated. A new SMMU now and then; otherwise what a
     * driver does to start over, which is cheaper.
     */
    void baseline() {
        if (baselines++ % 64 == 0) {
            rig.reset();
        } else {
            rig.cr0(0);
            rig.ackGlobalErrors();
            rig.w32(ARM_SMMU_IRQ_CTRL, 0);
            rig.w32(ARM_SMMU_GBPA, GBPA_UPDATE | GBPA_ABORT);
            rig.requester.clear();
        }
        rig.mem.fill(STRTAB, 256 * 64, (byte) 0); // every STE V = 0
        rig.mem.fill(CDS, 0x1000, (byte) 0);
        rig.queues(4, 4, 4);
        rig.linearStreamTable(8);
        rig.w32(ARM_SMMU_CR2, CR2_RECINVSID);
        rig.cr0(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN | (c.pri() ? CR0_PRIQEN : 0));
        assertTrue(rig.submit(Commands.cfgiAll()), where);
        assertTrue(rig.submit(Commands.tlbiNsnhAll()), where);
        if (c.hyp() && c.stage1()) {
            assertTrue(rig.submit(Commands.tlbiEl2All()), where);
        }
    }

    int sid() {
        int sid = r.nextInt(256);
        rig.smmu.connect(sid, rig.requester);
        return sid;
    }

    void writeSte(int sid, long[] ste) {
        rig.writeWords(STRTAB + sid * 64L, ste);
    }

    long[] s1Ste(long cdPtr, int fmt, int cdMax) {
        return RefEncoder.ste(RefEncoder.CFG_S1, cdPtr, fmt, cdMax, 0, false, false, null, 0, 0, forced(), false);
    }

    /** §5.5: with STALL_MODEL = 0b10, CD.S and STE.S2S must be 1. */
    boolean forced() {
        return c.stallModel() == 2;
    }

    long[] cd(TableFormat f, long ttb) {
        return RefEncoder.cd(r.nextInt(256), f, ttb, true, true, forced());
    }

    /** Translates and returns the one event recorded (null when none). */
    long[] translate(int sid, int ssid, long address, int expectedStatus) {
        int st = rig.smmu.translate(sid, ssid, address, Access.READ, out);
        List<long[]> ev = rig.drainEvents();
        String what = String.format("%s: sid %d ssid %d address 0x%x", where, sid, ssid, address);
        if (st == Translation.STALLED && expectedStatus == Translation.ABORTED && ev.size() == 1
                && Field.isSet(EVTQ_1_STALL, ev.get(0)[1])) {
            st = Translation.ABORTED; // the configuration stalls translation-related faults (forced stalls)
        }
        assertEquals(expectedStatus, st, what + ": " + out + " events " + Anchors.describe(ev));
        assertTrue(ev.size() <= 1, what + ": events " + Anchors.describe(ev));
        return ev.isEmpty() ? null : ev.get(0);
    }

    void expectEvent(long[] e, int id, String what) {
        assertTrue(e != null, where + ": " + what + ": expected " + Event.name(id) + ", no event");
        assertEquals(Event.name(id), Event.name(Event.id(e[0])), where + ": " + what + ": " + Event.describe(e));
    }

    void expectFetch(long[] e, long address, String what) {
        assertEquals(address & EVTQ_3_FETCH_ADDR & rig.oasMask, e[3] & EVTQ_3_FETCH_ADDR & rig.oasMask,
                where + ": " + what + ": FetchAddr of " + Event.describe(e));
    }

    long alignedUnmapped(long align) {
        for (;;) {
            long a = rig.unmappedBelowOas(r) & -align;
            if (a != 0 && !rig.nearDecoded(a, Math.max(align, 0x4000))) {
                return a;
            }
        }
    }

    /** @return false when the scenario does not apply to this SMMU */
    boolean run(int scenario) {
        baseline();
        switch (scenario) {
            case 0 -> { // STRTAB_BASE outside RAM: F_STE_FETCH at the STE's address
                long base = alignedUnmapped(0x1_0000);
                rig.cr0Clear(CR0_SMMUEN);
                rig.w64(ARM_SMMU_STRTAB_BASE, base);
                rig.cr0Set(CR0_SMMUEN);
                int sid = sid();
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, TARGET, Translation.ABORTED);
                expectEvent(e, EVT_ID_STE_FETCH_FAULT, "STRTAB_BASE 0x" + Long.toHexString(base));
                expectFetch(e, base + sid * 64L, "STE fetch");
            }
            case 1 -> { // STRTAB_BASE beyond OAS: truncated to OAS (nothing there) or F_STE_FETCH either way
                if (c.oasBits() >= 52) {
                    return false;
                }
                long base = rig.beyondOas(r, -0x1_0000L) & STRTAB_BASE_ADDR_MASK;
                rig.cr0Clear(CR0_SMMUEN);
                rig.w64(ARM_SMMU_STRTAB_BASE, base);
                rig.cr0Set(CR0_SMMUEN);
                int sid = sid();
                long fetch = (base + sid * 64L) & rig.oasMask;
                if (rig.mem.isRam(fetch, 64)) {
                    return false;
                }
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, TARGET, Translation.ABORTED);
                expectEvent(e, EVT_ID_STE_FETCH_FAULT, "STRTAB_BASE 0x" + Long.toHexString(base));
            }
            case 2 -> { // L1STD.L2Ptr outside RAM: F_STE_FETCH
                if (!c.twoLevelStreamTable()) {
                    return false;
                }
                rig.twoLevelStreamTable(8, 6);
                int sid = sid();
                long l2 = alignedUnmapped(0x1000);
                rig.mem.write64(STRTAB + (sid >>> 6) * 8L, RefEncoder.l1std(l2, 7));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, TARGET, Translation.ABORTED);
                expectEvent(e, EVT_ID_STE_FETCH_FAULT, "L1STD.L2Ptr 0x" + Long.toHexString(l2));
                expectFetch(e, l2 + (sid & 63) * 64L, "STE fetch");
            }
            case 3 -> { // CMDQ_BASE outside RAM: CERROR_ABT
                long base = alignedUnmapped(0x1000);
                rig.cr0Clear(CR0_CMDQEN);
                rig.w64(ARM_SMMU_CMDQ_BASE, base | 4);
                rig.w32(ARM_SMMU_CMDQ_CONS, 0);
                rig.w32(ARM_SMMU_CMDQ_PROD, 0);
                rig.cr0Set(CR0_CMDQEN);
                rig.w32(ARM_SMMU_CMDQ_PROD, 1);
                String what = where + ": CMDQ_BASE 0x" + Long.toHexString(base);
                assertTrue(rig.globalError(GERROR_CMDQ_ERR), what);
                assertEquals(CMDQ_ERR_CERROR_ABT_IDX, get(CMDQ_CONS_ERR, rig.r32(ARM_SMMU_CMDQ_CONS)), what);
                assertEquals(0, rig.r32(ARM_SMMU_CMDQ_CONS) & 0x1f, what + ": RD");
                rig.ackGlobalError(GERROR_CMDQ_ERR);
                assertTrue(rig.globalError(GERROR_CMDQ_ERR), what + ": the fetch aborts again after the ack");
            }
            case 4 -> { // EVTQ_BASE outside RAM: GERROR.EVTQ_ABT_ERR, events discarded
                long base = alignedUnmapped(0x1000);
                rig.cr0Clear(CR0_EVTQEN);
                rig.w64(ARM_SMMU_EVTQ_BASE, base | 4);
                rig.cr0Set(CR0_EVTQEN);
                int sid = sid(); // its STE is V = 0: C_BAD_STE
                assertEquals(Translation.ABORTED, rig.smmu.translate(sid, DmaTarget.NO_SUBSTREAM, TARGET, Access.READ, out));
                String what = where + ": EVTQ_BASE 0x" + Long.toHexString(base);
                assertTrue(rig.globalError(GERROR_EVTQ_ABT_ERR), what);
                assertEquals(0, rig.r32(ARM_SMMU_EVTQ_PROD) & 0x1f, what + ": PROD moved");
                assertEquals(Translation.ABORTED, rig.smmu.translate(sid, DmaTarget.NO_SUBSTREAM, TARGET, Access.READ, out));
                assertEquals(0, rig.r32(ARM_SMMU_EVTQ_PROD) & 0x1f, what + ": PROD moved");
            }
            case 5 -> { // PRIQ_BASE outside RAM: GERROR.PRIQ_ABT_ERR, automatic Response Failure
                if (!c.pri()) {
                    return false;
                }
                long base = alignedUnmapped(0x1000);
                rig.cr0Clear(CR0_PRIQEN);
                rig.w64(ARM_SMMU_PRIQ_BASE, base | 4);
                rig.cr0Set(CR0_PRIQEN);
                int sid = sid();
                int ssid = r.nextBoolean() ? DmaTarget.NO_SUBSTREAM : r.nextInt(1 << 20);
                rig.smmu.pageRequest(new PageRequest(sid, ssid, r.nextLong(), true, r.nextBoolean(), false, false,
                        r.nextInt(512), true));
                String what = where + ": PRIQ_BASE 0x" + Long.toHexString(base);
                assertTrue(rig.globalError(GERROR_PRIQ_ABT_ERR), what);
                assertEquals(1, rig.requester.responses.size(), what + ": responses");
                int[] resp = rig.requester.responses.get(0);
                assertEquals(DmaTarget.NO_SUBSTREAM, resp[0], what + ": PASID on a failure response (§8.2)");
                assertEquals(PRI_RESP_DENY, resp[2], what + ": Response Failure (§8.2, §4.5.2 encoding)");
            }
            case 6 -> { // S1ContextPtr out of RAM: F_CD_FETCH; beyond OAS: C_BAD_STE (§3.4.3 note 1)
                if (!c.stage1()) {
                    return false;
                }
                boolean beyond = c.oasBits() < 52 && r.nextBoolean();
                long ptr = beyond ? rig.beyondOas(r, -64L) & STRTAB_STE_0_S1CTXPTR_MASK : alignedUnmapped(64);
                int sid = sid();
                writeSte(sid, s1Ste(ptr, 0, 0));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, Anchors.VA, Translation.ABORTED);
                String what = "S1ContextPtr 0x" + Long.toHexString(ptr);
                if (beyond) {
                    expectEvent(e, EVT_ID_BAD_STE_CONFIG, what);
                } else {
                    expectEvent(e, EVT_ID_CD_FETCH_FAULT, what);
                    expectFetch(e, ptr, "CD fetch");
                }
            }
            case 7 -> { // L1CD.L2Ptr out of RAM: F_CD_FETCH; beyond OAS: C_BAD_SUBSTREAMID (§3.4.3 note 3)
                if (!c.stage1() || !c.twoLevelCd() || c.ssidBits() < 8) {
                    return false;
                }
                boolean beyond = c.oasBits() < 52 && r.nextBoolean();
                long l2 = beyond ? rig.beyondOas(r, -0x1000L) & CTXDESC_L1_DESC_L2PTR_MASK : alignedUnmapped(0x1000);
                int sid = sid();
                int ssid = r.nextInt(256);
                writeSte(sid, s1Ste(CDS, 1, 8));
                rig.mem.write64(CDS + (ssid >>> 6) * 8L, RefEncoder.l1cd(l2));
                long[] e = translate(sid, ssid, Anchors.VA, Translation.ABORTED);
                String what = "L1CD.L2Ptr 0x" + Long.toHexString(l2);
                if (beyond) {
                    expectEvent(e, EVT_ID_BAD_SUBSTREAMID_CONFIG, what);
                } else {
                    expectEvent(e, EVT_ID_CD_FETCH_FAULT, what);
                    expectFetch(e, l2 + (ssid & 63) * 64L, "CD fetch");
                }
            }
            case 8 -> { // CD.TTB0 out of RAM: F_WALK_EABT; beyond the effective IPS: C_BAD_CD (§5.4 TTB0)
                if (!c.stage1()) {
                    return false;
                }
                TableFormat f = anchors.s1Format();
                boolean beyond = c.oasBits() < 52 && r.nextBoolean();
                long ttb = beyond ? rig.beyondOas(r, -f.startTableBytes()) & CTXDESC_CD_1_TTB0_MASK
                        : alignedUnmapped(Math.max(f.startTableBytes(), 64));
                int sid = sid();
                writeSte(sid, s1Ste(CDS, 0, 0));
                rig.writeWords(CDS, cd(f, ttb));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, Anchors.VA, Translation.ABORTED);
                String what = "CD.TTB0 0x" + Long.toHexString(ttb);
                if (beyond) {
                    expectEvent(e, EVT_ID_BAD_CD_CONFIG, what);
                } else {
                    expectEvent(e, EVT_ID_WALK_EABT, what);
                    assertTrue(!Field.isSet(EVTQ_1_S2, e[1]), where + ": " + what + ": S2 = 1");
                }
            }
            case 9 -> { // STE.S2TTB out of RAM: F_WALK_EABT (S2 = 1); beyond S2PS: C_BAD_STE
                if (!c.stage2()) {
                    return false;
                }
                TableFormat f = anchors.s2Format();
                boolean beyond = c.oasBits() < 52 && r.nextBoolean();
                long ttb = beyond ? rig.beyondOas(r, -f.startTableBytes()) & STRTAB_STE_3_S2TTB_MASK
                        : alignedUnmapped(Math.max(f.startTableBytes(), 64));
                int sid = sid();
                writeSte(sid, RefEncoder.ste(RefEncoder.CFG_S2, 0, 0, 0, 0, false, false, f, ttb, 1, forced(), true));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, TARGET, Translation.ABORTED);
                String what = "STE.S2TTB 0x" + Long.toHexString(ttb);
                if (beyond) {
                    expectEvent(e, EVT_ID_BAD_STE_CONFIG, what);
                } else {
                    expectEvent(e, EVT_ID_WALK_EABT, what);
                    assertTrue(Field.isSet(EVTQ_1_S2, e[1]), where + ": " + what + ": S2 = 0");
                }
            }
            case 10 -> { // a leaf whose output is not RAM: translated, but the DMA is a bus error
                if (!c.stage1()) {
                    return false;
                }
                long g = anchors.granule.size();
                long pa = alignedUnmapped(g);
                long va = 0x0000_6000_0000_0000L + r.nextInt(1 << 16) * g;
                if (anchors.s1.iovaToPhys(va) == 0) {
                    assertEquals(0, anchors.s1.map(va, pa, g, Prot.READ | Prot.WRITE), where);
                } else {
                    pa = anchors.s1.iovaToPhys(va);
                }
                int sid = sid();
                writeSte(sid, s1Ste(CDS, 0, 0));
                rig.writeWords(CDS, cd(anchors.s1Format(), anchors.s1.root()));
                assertNull(translate(sid, DmaTarget.NO_SUBSTREAM, va, Translation.OK), where);
                assertEquals(pa, out.outputAddress(), where);
                byte[] b = new byte[8];
                assertEquals(DmaTarget.BUS_ERROR, rig.smmu.write(sid, DmaTarget.NO_SUBSTREAM, va, 0, b, 0, 8), where);
                assertTrue(rig.drainEvents().isEmpty(), where);
            }
            case 11 -> { // nested: the CD's IPA is not mapped at stage 2: a stage-2 fault, CLASS = CD
                if (!c.stage1() || !c.stage2()) {
                    return false;
                }
                long ipa = c.oasBits() >= 52 || r.nextBoolean() ? alignedUnmapped(64)
                        : rig.beyondOas(r, -64L) & STRTAB_STE_0_S1CTXPTR_MASK;
                int sid = sid();
                writeSte(sid, RefEncoder.ste(RefEncoder.CFG_NESTED, ipa, 0, 0, 0, false, false, anchors.s2Format(),
                        anchors.s2.root(), 2, forced(), true));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, Anchors.VA, Translation.ABORTED);
                String what = "nested S1ContextPtr IPA 0x" + Long.toHexString(ipa);
                assertTrue(e != null, where + ": " + what + ": no event");
                if (Event.id(e[0]) != EVT_ID_BAD_STE_CONFIG) { // §3.4.3 note 2 permits C_BAD_STE
                    expectEvent(e, EVT_ID_TRANSLATION_FAULT, what);
                    assertTrue(Field.isSet(EVTQ_1_S2, e[1]), where + ": " + what + ": S2");
                    assertEquals(EVTQ_1_CLASS_CD, get(EVTQ_1_CLASS, e[1]), where + ": " + what + ": CLASS");
                    assertEquals(ipa & EVTQ_3_IPA, e[3] & EVTQ_3_IPA, where + ": " + what + ": IPA");
                }
            }
            case 12 -> { // the event queue MSI goes nowhere: GERROR.MSI_EVTQ_ABT_ERR
                long a = alignedUnmapped(4);
                rig.w64(ARM_SMMU_EVTQ_IRQ_CFG0, a);
                rig.w32(ARM_SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
                long wired = rig.wiredInterrupts;
                translate(sid(), DmaTarget.NO_SUBSTREAM, TARGET, Translation.ABORTED);
                String what = where + ": EVTQ_IRQ_CFG0 0x" + Long.toHexString(a);
                if (c.msi()) {
                    assertTrue(rig.globalError(GERROR_MSI_EVTQ_ABT_ERR), what);
                } else {
                    assertEquals(wired + 1, rig.wiredInterrupts, what + ": wired interrupt without MSIs");
                }
            }
            case 13 -> { // CMD_SYNC's MSI goes nowhere: GERROR.MSI_CMDQ_ABT_ERR, the command is consumed
                long a = alignedUnmapped(4);
                String what = where + ": CMD_SYNC MSI 0x" + Long.toHexString(a);
                assertTrue(rig.submit(Commands.sync(CMDQ_SYNC_0_CS_IRQ, a, r.nextInt())), what);
                assertEquals(c.msi(), rig.globalError(GERROR_MSI_CMDQ_ABT_ERR), what);
            }
            case 18 -> { // CMD_SYNC MSIAddress with bits above OAS only: not "zero", truncated to PA 0 (§4.7.3)
                if (c.oasBits() >= 52) {
                    return false;
                }
                long a = ((r.nextLong(1L << (52 - c.oasBits())) | 1L) << c.oasBits()) & CMDQ_SYNC_1_MSIADDR_MASK;
                String what = where + ": CMD_SYNC MSI 0x" + Long.toHexString(a);
                assertTrue(rig.submit(Commands.sync(CMDQ_SYNC_0_CS_IRQ, a, r.nextInt())), what);
                assertEquals(c.msi(), rig.globalError(GERROR_MSI_CMDQ_ABT_ERR), what + ": nothing decodes PA 0");
            }
            case 14 -> { // a table descriptor out of RAM: F_WALK_EABT; beyond the IPS: F_ADDR_SIZE
                if (!c.stage1()) {
                    return false;
                }
                Granule g = anchors.granule;
                TableFormat f = TableFormat.stage1(g, 48, Math.min(c.oasBits(), 48));
                long root = POOL + r.nextInt(POOL_PAGES) * POOL_PAGE;
                boolean beyond = c.oasBits() < 52 && r.nextBoolean();
                long next = beyond ? rig.beyondOas(r, -g.size()) & 0x0000_ffff_ffff_f000L & -g.size()
                        : alignedUnmapped(g.size());
                if (beyond && (next & ~rig.oasMask) == 0) {
                    return false;
                }
                long va = r.nextLong() & ((1L << 48) - 1) & ~0xfffL;
                long index = (va >>> f.levelShift(f.startLevel())) & (f.startEntries() - 1);
                rig.mem.write64(root + index * 8, next | 3);
                int sid = sid();
                writeSte(sid, s1Ste(CDS, 0, 0));
                rig.writeWords(CDS, cd(f, root));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, va, Translation.ABORTED);
                String what = "table descriptor -> 0x" + Long.toHexString(next);
                expectEvent(e, beyond ? EVT_ID_ADDR_SIZE_FAULT : EVT_ID_WALK_EABT, what);
                rig.mem.write64(root + index * 8, 0);
            }
            case 15 -> { // SMMUEN = 0, GBPA bypass: beyond OAS aborts without an event (§3.4)
                rig.cr0Clear(CR0_SMMUEN);
                rig.w32(ARM_SMMU_GBPA, GBPA_UPDATE);
                boolean beyond = c.oasBits() < 64 && r.nextBoolean();
                long a = beyond ? r.nextLong() | (1L << (c.oasBits() + r.nextInt(64 - c.oasBits()))) : TARGET + r.nextInt(1 << 20);
                assertNull(translate(sid(), DmaTarget.NO_SUBSTREAM, a, beyond ? Translation.ABORTED : Translation.BYPASS),
                        where + ": GBPA bypass of 0x" + Long.toHexString(a));
            }
            case 16 -> { // STE bypass beyond OAS: abort and F_ADDR_SIZE (§3.4)
                long a = r.nextLong() | (1L << (c.oasBits() + r.nextInt(64 - c.oasBits())));
                int sid = sid();
                writeSte(sid, RefEncoder.ste(RefEncoder.CFG_BYPASS, 0, 0, 0, 0, false, false, null, 0, 0, false, false));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, a, Translation.ABORTED);
                expectEvent(e, EVT_ID_ADDR_SIZE_FAULT, "STE bypass of 0x" + Long.toHexString(a));
                assertTrue(!Field.isSet(EVTQ_1_S2, e[1]), where + ": a stage-1 fault");
            }
            case 17 -> { // stage 1 bypassed into stage 2, input beyond IAS: stage-1 F_ADDR_SIZE (§3.4)
                if (!c.stage2()) {
                    return false;
                }
                long a = r.nextLong() | (1L << (c.oasBits() + r.nextInt(64 - c.oasBits())));
                int sid = sid();
                writeSte(sid, RefEncoder.ste(RefEncoder.CFG_S2, 0, 0, 0, 0, false, false, anchors.s2Format(),
                        anchors.s2.root(), 3, forced(), r.nextBoolean()));
                long[] e = translate(sid, DmaTarget.NO_SUBSTREAM, a, Translation.ABORTED);
                expectEvent(e, EVT_ID_ADDR_SIZE_FAULT, "stage-2-only input 0x" + Long.toHexString(a));
                assertTrue(!Field.isSet(EVTQ_1_S2, e[1]), where + ": a stage-1 fault");
            }
            default -> throw new AssertionError(scenario);
        }
        return true;
    }
}

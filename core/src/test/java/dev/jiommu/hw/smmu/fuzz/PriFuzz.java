package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Field;
import dev.jiommu.spec.smmuv3.PriQueueEntry;

import java.util.List;
import java.util.SplittableRandom;

import static dev.jiommu.hw.smmu.fuzz.FuzzRig.*;
import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page requests against a reference PRI queue written from chapter 8:
 * disabled queue or PRIQ_ABT_ERR → Response Failure without PASID (§8.2);
 * a full queue toggles OVFLG unless an overflow is active; during
 * overflow, Last requests are answered (Success, or per STE.PPAR with a
 * PASID; Failure when the STE cannot be found) and Stop Markers never
 * (§8.1).
 */
final class PriFuzz {
    final FuzzRig rig;
    final SplittableRandom r;
    final SmmuConfig c;
    String where;
    long written;
    long autoResponses;
    long overflows;
    /** STE of each StreamID below 64: 0 invalid, 1 valid PPAR = 0, 2 valid PPAR = 1. */
    final int[] stes = new int[64];
    boolean baseInRam;
    boolean smmuEnabled;

    PriFuzz(FuzzRig rig, SplittableRandom r) {
        this.rig = rig;
        this.r = r;
        this.c = rig.config;
    }

    void newState(boolean full) {
        if (full) {
            rig.reset();
            rig.queues(4, 4, 4);
            rig.linearStreamTable(6);
            for (int sid = 0; sid < 64; sid++) {
                stes[sid] = r.nextInt(3);
                long[] ste = stes[sid] == 0 ? new long[8]
                        : RefEncoder.ste(RefEncoder.CFG_BYPASS, 0, 0, 0, 0, false, stes[sid] == 2, null, 0, 0,
                        false, false);
                rig.writeWords(STRTAB + sid * 64L, ste);
                rig.smmu.connect(sid, rig.requester);
            }
            rig.w32(ARM_SMMU_CR2, CR2_RECINVSID);
            rig.cr0(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
            assertTrue(rig.submit(Commands.cfgiAll()), where);
        }
        if (!c.pri()) {
            return;
        }
        rig.cr0Clear(CR0_PRIQEN);
        baseInRam = r.nextInt(10) != 0;
        int log2 = r.nextInt(6) == 0 ? r.nextInt(32) : r.nextInt(5);
        long base = baseInRam ? PRIQ + (r.nextLong(0x1_0000L) & ~0xfL) : rig.unmappedBelowOas(r) & ~0xfffL;
        rig.w64(ARM_SMMU_PRIQ_BASE, base | log2);
        rig.w32(ARM_SMMU_PRIQ_PROD, r.nextInt());
        rig.w32(ARM_SMMU_PRIQ_CONS, r.nextInt());
        if (r.nextInt(4) != 0) {
            rig.ackGlobalError(GERROR_PRIQ_ABT_ERR);
        }
        smmuEnabled = r.nextInt(8) != 0;
        rig.cr0((r.nextInt(6) != 0 ? CR0_PRIQEN : 0) | CR0_CMDQEN | CR0_EVTQEN | (smmuEnabled ? CR0_SMMUEN : 0));
    }

    void request() {
        int sid = r.nextInt(8) == 0 ? r.nextInt() : r.nextInt(64);
        rig.smmu.connect(sid, rig.requester);
        int ssid = r.nextInt(3) == 0 ? DmaTarget.NO_SUBSTREAM : r.nextInt(1 << 20);
        boolean last = r.nextBoolean();
        boolean read = r.nextInt(4) != 0;
        boolean write = r.nextBoolean();
        PageRequest pr = new PageRequest(sid, ssid, r.nextLong(), read, write, r.nextBoolean(), r.nextBoolean(),
                r.nextInt(512), last);
        boolean stop = ssid != DmaTarget.NO_SUBSTREAM && last && !read && !write;
        boolean enabled = c.pri() && (rig.r32(ARM_SMMU_CR0) & (CR0_PRIQEN | CR0_SMMUEN)) == (CR0_PRIQEN | CR0_SMMUEN);
        boolean abt = rig.globalError(GERROR_PRIQ_ABT_ERR);
        int log2 = c.pri() ? rig.log2(ARM_SMMU_PRIQ_BASE) : 0;
        int mask = wrapMask(log2);
        int prod = c.pri() ? rig.r32(ARM_SMMU_PRIQ_PROD) : 0;
        int cons = c.pri() ? rig.r32(ARM_SMMU_PRIQ_CONS) : 0;
        boolean full = ((prod ^ cons) & mask) == (1 << log2);
        boolean overflow = ((prod ^ cons) & Q_OVERFLOW_FLAG) != 0;
        long base = c.pri() ? rig.r64(ARM_SMMU_PRIQ_BASE) & Q_BASE_ADDR_MASK & rig.oasMask & -(16L << log2) : 0;
        long entry = base + (long) (prod & ((1 << log2) - 1)) * 16;
        rig.requester.clear();
        rig.smmu.pageRequest(pr);
        String what = String.format("%s: %s; PRIQ 2^%d PROD 0x%x CONS 0x%x%s%s", where, pr, log2, prod, cons,
                enabled ? "" : " disabled", abt ? " PRIQ_ABT_ERR" : "");
        List<int[]> resp = rig.requester.responses;
        int prodAfter = c.pri() ? rig.r32(ARM_SMMU_PRIQ_PROD) : 0;
        if (!enabled || abt) {
            assertEquals(prod, prodAfter, what + ": PROD moved");
            expectResponse(resp, stop ? -2 : DmaTarget.NO_SUBSTREAM, (int) PRI_RESP_DENY, pr, what);
            return;
        }
        if (!overflow && full) {
            assertEquals(~prod & Q_OVERFLOW_FLAG, prodAfter & Q_OVERFLOW_FLAG, what + ": OVFLG not toggled (§8.1)");
            overflow = true;
            overflows++;
        }
        if (overflow) {
            assertEquals(prod & mask, prodAfter & mask, what + ": written during overflow");
            if (!last || stop) {
                assertTrue(resp.isEmpty(), what + ": unexpected response");
            } else if (ssid == DmaTarget.NO_SUBSTREAM) {
                expectResponse(resp, DmaTarget.NO_SUBSTREAM, (int) PRI_RESP_SUCC, pr, what);
            } else {
                int ste = sid >= 0 && sid < 64 ? stes[sid] : 0;
                if (ste == 0) {
                    expectResponse(resp, DmaTarget.NO_SUBSTREAM, (int) PRI_RESP_DENY, pr, what);
                } else {
                    expectResponse(resp, ste == 2 ? ssid : DmaTarget.NO_SUBSTREAM, (int) PRI_RESP_SUCC, pr, what);
                }
            }
            return;
        }
        if (!rig.mem.isRam(entry, 16)) {
            assertTrue(rig.globalError(GERROR_PRIQ_ABT_ERR), what + ": no PRIQ_ABT_ERR for an entry out of RAM");
            expectResponse(resp, stop ? -2 : DmaTarget.NO_SUBSTREAM, (int) PRI_RESP_DENY, pr, what);
            return;
        }
        assertEquals((prod + 1) & mask, prodAfter & mask, what + ": PROD did not move on");
        assertEquals(prod & Q_OVERFLOW_FLAG, prodAfter & Q_OVERFLOW_FLAG, what + ": OVFLG changed");
        assertTrue(resp.isEmpty(), what + ": response to a recorded request");
        long w0 = rig.mem.read64(entry);
        long w1 = rig.mem.read64(entry + 8);
        String e = what + ": entry " + PriQueueEntry.describe(w0, w1);
        assertEquals(sid & 0xffff_ffffL, get(PriQueueEntry.PRIQ_0_SID, w0), e);
        assertEquals(ssid != DmaTarget.NO_SUBSTREAM, Field.isSet(PriQueueEntry.PRIQ_0_SSID_V, w0), e);
        if (ssid != DmaTarget.NO_SUBSTREAM) {
            assertEquals(ssid, get(PriQueueEntry.PRIQ_0_SSID, w0), e);
        } else {
            assertTrue(!Field.isSet(PriQueueEntry.PRIQ_0_PERM_EXEC | PriQueueEntry.PRIQ_0_PERM_PRIV, w0),
                    e + ": X/Priv without a PASID (chapter 8)");
        }
        assertEquals(last, Field.isSet(PriQueueEntry.PRIQ_0_PRG_LAST, w0), e);
        assertEquals(read, Field.isSet(PriQueueEntry.PRIQ_0_PERM_READ, w0), e);
        assertEquals(write, Field.isSet(PriQueueEntry.PRIQ_0_PERM_WRITE, w0), e);
        assertEquals(pr.prgIndex(), get(PriQueueEntry.PRIQ_1_PRG_IDX, w1), e);
        assertEquals(pr.address() & PriQueueEntry.PRIQ_1_ADDR_MASK, w1 & PriQueueEntry.PRIQ_1_ADDR_MASK, e);
        written++;
        if (r.nextInt(3) == 0) { // software consumes, sometimes acknowledging an overflow
            rig.w32(ARM_SMMU_PRIQ_CONS, prodAfter & (r.nextBoolean() ? -1 : ~(int) Q_OVERFLOW_FLAG));
        }
    }

    /** {@code ssid} -2: no response at all. */
    void expectResponse(List<int[]> resp, int ssid, int code, PageRequest pr, String what) {
        if (ssid == -2) {
            assertTrue(resp.isEmpty(), what + ": a Stop Marker is never answered");
            return;
        }
        autoResponses++;
        assertEquals(1, resp.size(), what + ": expected one automatic response");
        int[] got = resp.get(0);
        assertEquals(ssid, got[0], what + ": response PASID");
        assertEquals(pr.prgIndex(), got[1], what + ": response PRG index");
        assertEquals(code, got[2], what + ": response code " + PageRequest.responseName(got[2])
                + " (CMD_PRI_RESP encoding, §4.5.2 / §8.3: 0 ResponseFailure, 1 InvalidRequest, 2 Success)");
    }
}

package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.Translation;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.Field;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static dev.jiommu.hw.smmu.fuzz.FuzzRig.*;
import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Field.prep;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The state of one structure-fuzzing run. */
final class StructureFuzz {
    final FuzzRig rig;
    final SplittableRandom r;
    final String name;
    final SmmuConfig c;
    final Anchors anchors;
    final Translation out = new Translation();
    final byte[] buffer = new byte[3 * 0x4000];
    final List<int[]> pendingStalls = new ArrayList<>();
    final long[] outcomes = new long[8];
    long events;
    long stalls;
    long anchorChecks;
    boolean twoLevel;
    int split;
    int log2;
    boolean smmuEnabled;
    boolean recinvsid;
    String where;
    Supplier<String> lastCase = () -> "";

    StructureFuzz(FuzzRig rig, SplittableRandom r, String name) {
        this.rig = rig;
        this.r = r;
        this.name = name;
        this.c = rig.config;
        this.anchors = new Anchors(rig);
        for (int i = 0; i < POOL_PAGES; i++) {
            refreshPoolPage(i);
        }
    }

    String outcomeSummary() {
        return String.format("OK=%d BYPASS=%d ABORTED=%d RAZ=%d STALLED=%d BUS_ERROR=%d", outcomes[0], outcomes[1],
                outcomes[2], outcomes[3], outcomes[4], outcomes[5]);
    }

    void run(int cases) {
        newEpoch(0);
        for (int i = 0; i < cases; i++) {
            where = SmmuFuzzTest.where("randomStructures", name, i);
            if (i > 0 && i % 400 == 0) {
                newEpoch(i);
            }
            if (i % 64 == 0) {
                refreshPoolPage(r.nextInt(POOL_PAGES));
            }
            oneCase();
            if (r.nextInt(3) == 0 && !pendingStalls.isEmpty()) {
                resolveStall();
            }
            if (i % 150 == 0 && smmuEnabled) {
                anchor();
            }
            if (i % SmmuFuzzTest.CANARY_EVERY == SmmuFuzzTest.CANARY_EVERY - 1) {
                String damage = rig.canaryDamage();
                assertNull(damage, () -> where + " (last: " + lastCase.get() + ")");
            }
        }
        where = SmmuFuzzTest.where("randomStructures", name, cases);
        anchor();
        assertNull(rig.canaryDamage(), where);
    }

    /** New stream table format and size, interrupt configuration, RECINVSID, GBPA, SMMUEN. */
    void newEpoch(int i) {
        where = SmmuFuzzTest.where("randomStructures/epoch", name, i);
        rig.cr0(0);
        pendingStalls.clear();
        for (int[] s : rig.requester.stalls) {
            assertTrue(s[1] == DmaTarget.OK || s[1] == DmaTarget.ABORTED || s[1] == DmaTarget.BUS_ERROR,
                    where + ": stall completion status " + s[1]);
        }
        rig.requester.clear();
        rig.ackGlobalErrors();
        rig.queues(1 + r.nextInt(8), r.nextInt(9), 4);
        int maxLog2 = Math.min(c.sidBits(), 16);
        twoLevel = c.twoLevelStreamTable() && r.nextBoolean();
        split = new int[] {6, 8, 10}[r.nextInt(3)];
        log2 = 1 + r.nextInt(maxLog2);
        int field = r.nextInt(8) == 0 ? r.nextInt(log2, 64) : log2;
        log2 = Math.min(field, c.sidBits());
        if (twoLevel) {
            rig.twoLevelStreamTable(field, split);
        } else {
            rig.linearStreamTable(field);
        }
        recinvsid = r.nextBoolean();
        rig.w32(ARM_SMMU_CR2, recinvsid ? CR2_RECINVSID : 0);
        rig.w32(ARM_SMMU_GBPA, GBPA_UPDATE | (r.nextBoolean() ? GBPA_ABORT : 0));
        rig.w32(ARM_SMMU_IRQ_CTRL, 0);
        if (r.nextBoolean()) {
            rig.w64(ARM_SMMU_GERROR_IRQ_CFG0, msiTarget());
            rig.w64(ARM_SMMU_EVTQ_IRQ_CFG0, msiTarget());
            rig.w32(ARM_SMMU_EVTQ_IRQ_CFG1, r.nextInt());
            rig.w32(ARM_SMMU_IRQ_CTRL, r.nextInt(8));
        }
        smmuEnabled = r.nextInt(10) != 0;
        rig.cr0(CR0_CMDQEN | CR0_EVTQEN | (smmuEnabled ? CR0_SMMUEN : 0));
        for (long[] cmd : invalidateAll()) {
            assertTrue(rig.submit(cmd), where + ": " + Commands.describe(cmd[0], cmd[1]));
        }
        rig.drainEvents();
    }

    List<long[]> invalidateAll() {
        List<long[]> l = new ArrayList<>(List.of(Commands.cfgiAll(), Commands.tlbiNsnhAll()));
        if (c.hyp() && c.stage1()) {
            l.add(Commands.tlbiEl2All());
        }
        l.add(Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0));
        return l;
    }

    long msiTarget() {
        return switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> MSI_SINK + 4L * r.nextInt(16);
            default -> MSI_RAM + 4L * r.nextInt(1024);
        };
    }

    void anchor() {
        anchorChecks++;
        int sid = r.nextInt(1 << Math.min(log2, 16));
        anchors.check(r, sid, twoLevel, split, where);
        rig.requester.clear();
        if (!smmuEnabled) {
            rig.cr0Clear(CR0_SMMUEN);
        }
    }

    // ---- one case ---------------------------------------------------------------------------------------

    void oneCase() {
        int sid = pickSid();
        int ssid = pickSsid();
        rig.smmu.connect(sid, rig.requester);
        long[] ste = genSte();
        long steAddr = steAddress(sid);
        if (steAddr >= 0) {
            rig.writeWords(steAddr, ste);
            writeCds(ste, ssid);
        }
        if (r.nextInt(10) != 0) {
            assertTrue(rig.submit(Commands.cfgiSte(sid, r.nextBoolean())), () -> where + ": CFGI_STE not consumed");
            if (r.nextInt(4) == 0) {
                assertTrue(rig.submit(Commands.tlbiNsnhAll()), () -> where + ": TLBI_NSNH_ALL not consumed");
            }
        }
        long address = pickAddress();
        String at = where;
        Supplier<String> what = () -> String.format("%s: sid 0x%x ssid %d address 0x%x STE%s", at, sid, ssid,
                address, Anchors.words(ste));
        lastCase = what;
        if (r.nextBoolean()) {
            int access = new int[] {Access.READ, Access.WRITE, Access.READ | Access.WRITE, Access.READ | Access.EXEC,
                    Access.NONE}[r.nextInt(5)] | (r.nextBoolean() ? Access.PRIV : 0);
            int status = rig.smmu.translate(sid, ssid, address, access, out);
            Supplier<String> result = () -> what.get() + " -> " + out;
            assertEquals(status, out.status(), result);
            assertTrue(status >= Translation.OK && status <= Translation.STALLED, result);
            outcomes[status]++;
            List<long[]> ev = rig.drainEvents();
            checkRecords(ev, sid, ssid, result);
            switch (status) {
                case Translation.OK, Translation.BYPASS -> {
                    assertTrue(ev.isEmpty(), () -> result.get() + ": translated yet recorded " + Anchors.describe(ev));
                    assertEquals(0, out.eventId(), result);
                }
                case Translation.STALLED -> {
                    assertEquals(1, ev.size(), () -> result.get() + ": a stall records one event " + Anchors.describe(ev));
                    long[] e = ev.get(0);
                    assertTrue(Field.isSet(EVTQ_1_STALL, e[1]), () -> result.get() + ": stall event without STALL");
                    assertEquals(out.stallTag(), (int) get(EVTQ_1_STAG, e[1]), () -> result.get() + ": STAG");
                    int id = Event.id(e[0]);
                    assertTrue(id >= EVT_ID_TRANSLATION_FAULT && id <= EVT_ID_PERMISSION_FAULT,
                            () -> result.get() + ": only translation-related faults stall, not " + Event.name(id));
                    pendingStalls.add(new int[] {sid, out.stallTag()});
                    stalls++;
                }
                default -> {
                    assertEquals(out.eventId() != 0 ? 1 : 0, ev.size(), () -> result.get() + ": eventId "
                            + out.eventId() + " but records " + Anchors.describe(ev));
                    if (ev.size() == 1) {
                        assertEquals(out.eventId(), Event.id(ev.get(0)[0]), () -> result.get() + ": eventId vs record");
                        assertTrue(!Field.isSet(EVTQ_1_STALL, ev.get(0)[1]),
                                () -> result.get() + ": terminated with STALL = 1");
                    }
                }
            }
            events += ev.size();
        } else {
            boolean write = r.nextBoolean();
            int attrs = (r.nextBoolean() ? Access.PRIV : 0) | (r.nextInt(4) == 0 ? Access.EXEC : 0);
            int len = 1 + r.nextInt(buffer.length);
            if (write) {
                r.nextBytes(buffer);
                for (int b = 0; b < len; b++) {
                    buffer[b] &= (byte) 0xfe; // data read back as a descriptor, STE or CD is invalid
                }
            }
            Supplier<String> dma = () -> what.get() + " DMA " + (write ? "write" : "read") + " len " + len;
            lastCase = dma;
            int status = write ? rig.smmu.write(sid, ssid, address, attrs, buffer, 0, len)
                    : rig.smmu.read(sid, ssid, address, attrs, buffer, 0, len);
            Supplier<String> result = () -> dma.get() + " -> " + DmaTarget.statusName(status);
            assertTrue(status >= DmaTarget.OK && status <= DmaTarget.STALLED, result);
            outcomes[status == DmaTarget.OK ? 0 : status == DmaTarget.ABORTED ? 2 : status == DmaTarget.BUS_ERROR ? 5 : 4]++;
            List<long[]> ev = rig.drainEvents();
            checkRecords(ev, sid, ssid, result);
            int pages = (int) (((address & 0xfff) + len + 0xfff) >>> 12);
            assertTrue(ev.size() <= pages, () -> result.get() + ": more events than pages " + Anchors.describe(ev));
            if (status == DmaTarget.STALLED) {
                long[] e = ev.isEmpty() ? null : ev.get(ev.size() - 1);
                assertTrue(e != null && Field.isSet(EVTQ_1_STALL, e[1]),
                        () -> result.get() + ": stalled DMA without a stall event");
                pendingStalls.add(new int[] {sid, (int) get(EVTQ_1_STAG, e[1])});
                stalls++;
            }
            events += ev.size();
        }
    }

    /** Every record: an architected event of this StreamID, with this SubstreamID when SSV says so. */
    void checkRecords(List<long[]> ev, int sid, int ssid, Supplier<String> what) {
        for (long[] e : ev) {
            Supplier<String> d = () -> what.get() + ": record " + Event.describe(e);
            int id = Event.id(e[0]);
            assertTrue(EVENT_IDS.contains(id), () -> d.get() + ": event number not architected");
            assertEquals(sid & 0xffff_ffffL, get(EVTQ_0_SID, e[0]), () -> d.get() + ": StreamID");
            assertTrue(id != EVT_ID_BAD_STREAMID_CONFIG || recinvsid,
                    () -> d.get() + ": C_BAD_STREAMID with CR2.RECINVSID = 0 (§7.3.3)");
            if (id == EVT_ID_BAD_SUBSTREAMID_CONFIG) {
                long expected = ssid == DmaTarget.NO_SUBSTREAM ? 0 : ssid & 0xfffffL;
                assertEquals(expected, get(EVTQ_0_SSID, e[0]), () -> d.get() + ": SubstreamID");
            } else if (Field.isSet(EVTQ_0_SSV, e[0])) {
                assertNotEquals(DmaTarget.NO_SUBSTREAM, ssid, () -> d.get() + ": SSV = 1 for a transaction without one");
                assertEquals(ssid & 0xfffffL, get(EVTQ_0_SSID, e[0]), () -> d.get() + ": SubstreamID");
            } else if (ssid != DmaTarget.NO_SUBSTREAM && id >= EVT_ID_TRANSLATION_FAULT
                    && id <= EVT_ID_PERMISSION_FAULT) {
                fail(d.get() + ": a translation fault of a transaction with a SubstreamID has SSV = 0");
            }
        }
    }

    /** A CMD_RESUME (retry, abort, RAZ/WI) or CMD_STALL_TERM for a random held transaction. */
    void resolveStall() {
        int[] s = pendingStalls.remove(r.nextInt(pendingStalls.size()));
        long[] cmd = r.nextInt(6) == 0 ? Commands.stallTerm(s[0])
                : Commands.resume(s[0], s[1], new long[] {CMDQ_RESUME_0_RESP_RETRY, CMDQ_RESUME_0_RESP_ABORT,
                CMDQ_RESUME_0_RESP_TERM}[r.nextInt(3)]);
        String what = where + ": " + Commands.describe(cmd[0], cmd[1]);
        assertTrue(rig.submit(cmd), what + " not consumed");
        for (long[] e : rig.drainEvents()) {
            int id = Event.id(e[0]);
            assertTrue(EVENT_IDS.contains(id), what + ": record " + Event.describe(e));
            assertEquals(s[0] & 0xffff_ffffL, get(EVTQ_0_SID, e[0]), what + ": record " + Event.describe(e));
            if (Field.isSet(EVTQ_1_STALL, e[1])) {
                pendingStalls.add(new int[] {s[0], (int) get(EVTQ_1_STAG, e[1])});
            }
        }
        if (get(CMDQ_0_OP, cmd[0]) == CMDQ_OP_STALL_TERM) {
            pendingStalls.removeIf(p -> p[0] == s[0]);
        }
        for (int[] done : rig.requester.stalls) {
            assertTrue(done[1] == DmaTarget.OK || done[1] == DmaTarget.ABORTED || done[1] == DmaTarget.BUS_ERROR,
                    what + ": completion status " + done[1]);
        }
        rig.requester.clear();
    }

    // ---- choices ----------------------------------------------------------------------------------------

    int pickSid() {
        return switch (r.nextInt(10)) {
            case 0 -> r.nextInt(); // anything, negative included
            case 1 -> c.sidBits() >= 31 ? r.nextInt() : r.nextInt(1 << c.sidBits());
            default -> r.nextInt(1 << Math.min(log2, 16));
        };
    }

    int pickSsid() {
        return switch (r.nextInt(12)) {
            case 0, 1, 2, 3 -> DmaTarget.NO_SUBSTREAM;
            case 4, 5 -> 0;
            case 6 -> r.nextInt(1 << 20);
            case 7 -> r.nextInt(); // out of any range
            default -> r.nextInt(64);
        };
    }

    /** An input address whose identity (bypass) is a target, an anchor VA, or nothing at all. */
    long pickAddress() {
        long g = anchors.granule.size();
        return switch (r.nextInt(9)) {
            case 0, 1 -> Anchors.VA + r.nextLong(Anchors.PAGES * g);
            case 2, 3 -> TARGET + r.nextLong(TARGET_SIZE - 0x10000);
            case 4 -> notDecoded(r.nextLong() & 0xffff_ffff_ffffL);
            case 5 -> notDecoded(r.nextLong());
            case 6 -> notDecoded(0xffff_0000_0000_0000L | r.nextLong());
            case 7 -> notDecoded(r.nextLong(RAM_BASE - 0x10000));
            default -> POOL_VA + r.nextLong(1L << 32);
        };
    }

    /** VAs the pool's random tables most likely translate. */
    static final long POOL_VA = 0x0000_0012_0000_0000L;

    long notDecoded(long a) {
        while (overlaps(a - 0x10000, 0x30000, RAM_BASE, RAM_SIZE)
                || overlaps(a - 0x10000, 0x30000, MSI_SINK, SMMU_MMIO + ARM_SMMU_MMIO_SIZE - MSI_SINK)) {
            a = r.nextLong();
        }
        return a;
    }

    // ---- structures -------------------------------------------------------------------------------------

    /** Where the STE of {@code sid} is fetched from, writing its L1STD first; -1 when not ours to write. */
    long steAddress(int sid) {
        long sidU = sid & 0xffff_ffffL;
        if ((sidU >>> log2) != 0) {
            return -1;
        }
        if (!twoLevel) {
            long a = STRTAB + sidU * 64;
            return within(a, 64, STRTAB, STRTAB_REGION) ? a : -1;
        }
        long l1Addr = STRTAB + (sidU >>> split) * 8;
        if (!within(l1Addr, 8, STRTAB, STRTAB_REGION)) {
            return -1;
        }
        long l2 = L2STE + ((sidU >>> split) % 15) * L2STE_SLOT;
        long l1 = switch (r.nextInt(10)) {
            case 0 -> r.nextLong();
            case 1 -> RefEncoder.l1std(l2, r.nextInt(32));
            case 2 -> RefEncoder.l1std(rig.unmappedBelowOas(r), split + 1);
            case 3 -> 0;
            default -> RefEncoder.l1std(l2, split + 1);
        };
        rig.mem.write64(l1Addr, l1);
        long ptr = l1 & STRTAB_L1_DESC_L2PTR_MASK;
        long a = ptr + (sidU & ((1L << split) - 1)) * 64;
        return within(a, 64, L2STE, ANCHOR_L2STE - L2STE) ? a : -1;
    }

    long[] genSte() {
        int k = r.nextInt(12);
        if (k == 0) {
            return randomWords(8);
        }
        int[] kinds = anchors.configs();
        int config = r.nextInt(12) == 0 ? RefEncoder.CFG_ABORT : kinds[r.nextInt(kinds.length)];
        int cdMax = c.ssidBits() == 0 || r.nextBoolean() ? 0 : 1 + r.nextInt(Math.min(c.ssidBits(), 10));
        int s1Fmt = cdMax > 0 && c.twoLevelCd() && r.nextBoolean() ? 1 + r.nextInt(2) : 0;
        long cdPtr = CDS + r.nextInt(30) * 0x1_0000L;
        TableFormat s2f = null;
        long s2ttb = 0;
        if (c.stage2()) {
            if (r.nextInt(3) != 0) {
                s2f = anchors.s2Format();
                s2ttb = anchors.s2.root();
            } else {
                s2f = randomFormat(false);
                s2ttb = poolPage() + (r.nextInt(4) == 0 ? r.nextLong(1 << 16) & ~0xfL : 0);
            }
        }
        boolean s2s = c.stallModel() == 2 || c.stallSupported() && r.nextInt(3) == 0;
        boolean stallD = c.stallModel() == 0 && r.nextInt(4) == 0;
        long[] w = RefEncoder.ste(config, cdPtr, s1Fmt, cdMax, r.nextInt(3), stallD, r.nextBoolean(),
                s2f, s2ttb, r.nextInt(1 << 16), s2s, r.nextBoolean());
        if (c.hyp() && config == RefEncoder.CFG_S1 && r.nextInt(4) == 0) {
            w[1] |= prep(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_EL2);
        }
        if (c.ats() && r.nextInt(4) == 0) {
            w[1] |= prep(STRTAB_STE_1_EATS, r.nextInt(3));
        }
        mutate(w, k, STE_FIELDS);
        return w;
    }

    static final long[][] STE_FIELDS = {
        {0, STRTAB_STE_0_V}, {0, STRTAB_STE_0_CFG}, {0, STRTAB_STE_0_S1FMT}, {0, STRTAB_STE_0_S1CTXPTR_MASK},
        {0, STRTAB_STE_0_S1CDMAX}, {1, STRTAB_STE_1_S1DSS}, {1, STRTAB_STE_1_S1STALLD}, {1, STRTAB_STE_1_EATS},
        {1, STRTAB_STE_1_STRW}, {1, STRTAB_STE_1_PPAR}, {2, STRTAB_STE_2_S2VMID},
        {2, STRTAB_STE_2_VTCR_S2T0SZ << 32}, {2, STRTAB_STE_2_VTCR_S2SL0 << 32}, {2, STRTAB_STE_2_VTCR_S2TG << 32},
        {2, STRTAB_STE_2_VTCR_S2PS << 32}, {2, STRTAB_STE_2_S2AA64}, {2, STRTAB_STE_2_S2ENDI},
        {2, STRTAB_STE_2_S2AFFD}, {2, STRTAB_STE_2_S2PTW}, {2, STRTAB_STE_2_S2HD}, {2, STRTAB_STE_2_S2HA},
        {2, STRTAB_STE_2_S2S}, {2, STRTAB_STE_2_S2R}, {3, STRTAB_STE_3_S2TTB_MASK}, {3, -1L},
    };

    static final long[][] CD_FIELDS = {
        {0, CTXDESC_CD_0_TCR_T0SZ}, {0, CTXDESC_CD_0_TCR_TG0}, {0, CTXDESC_CD_0_TCR_EPD0}, {0, CTXDESC_CD_0_ENDI},
        {0, CTXDESC_CD_0_TCR_T1SZ}, {0, CTXDESC_CD_0_TCR_TG1}, {0, CTXDESC_CD_0_TCR_EPD1}, {0, CTXDESC_CD_0_V},
        {0, CTXDESC_CD_0_TCR_IPS}, {0, CTXDESC_CD_0_AFFD}, {0, CTXDESC_CD_0_TCR_TBI0}, {0, CTXDESC_CD_0_TCR_TBI1},
        {0, CTXDESC_CD_0_AA64}, {0, CTXDESC_CD_0_TCR_HD}, {0, CTXDESC_CD_0_TCR_HA}, {0, CTXDESC_CD_0_S},
        {0, CTXDESC_CD_0_R}, {0, CTXDESC_CD_0_A}, {0, CTXDESC_CD_0_ASID}, {1, CTXDESC_CD_1_TTB0_MASK},
        {2, CTXDESC_CD_2_TTB1_MASK}, {1, -1L}, {2, -1L},
    };

    /** k = 1: flip 1..3 bits; k = 2: one field gets a random value; k = 3: one word random; else unchanged. */
    void mutate(long[] w, int k, long[][] fields) {
        switch (k) {
            case 1 -> {
                for (int n = 1 + r.nextInt(3); n > 0; n--) {
                    w[r.nextInt(4)] ^= 1L << r.nextInt(64);
                }
            }
            case 2 -> {
                long[] f = fields[r.nextInt(fields.length)];
                w[(int) f[0]] = (w[(int) f[0]] & ~f[1]) | (r.nextLong() & f[1]);
            }
            case 3 -> w[r.nextInt(4)] = r.nextLong();
            default -> {
            }
        }
    }

    long[] randomWords(int n) {
        long[] w = new long[n];
        for (int i = 0; i < n; i++) {
            w[i] = r.nextLong();
        }
        return w;
    }

    Granule randomGranule() {
        List<Granule> gs = new ArrayList<>();
        if (c.gran4k()) {
            gs.add(Granule.G4K);
        }
        if (c.gran16k()) {
            gs.add(Granule.G16K);
        }
        if (c.gran64k()) {
            gs.add(Granule.G64K);
        }
        return gs.get(r.nextInt(gs.size()));
    }

    /** A legal table format of a supported granule. */
    TableFormat randomFormat(boolean stage1) {
        int[] sizes = {32, 36, 40, 42, 44, 48};
        for (;;) {
            Granule g = randomGranule();
            int oas = Math.min(sizes[r.nextInt(sizes.length)], c.oasBits());
            int ias = 25 + r.nextInt(24);
            try {
                return stage1 ? TableFormat.stage1(g, ias, oas) : TableFormat.stage2(g, ias, oas);
            } catch (IllegalArgumentException e) {
                // not a format: choose again
            }
        }
    }

    long poolPage() {
        return POOL + r.nextInt(POOL_PAGES) * POOL_PAGE;
    }

    /** Writes the L1CD and CD the STE will fetch for {@code ssid}, when they fall in the CD region. */
    void writeCds(long[] ste, int ssid) {
        long w0 = ste[0];
        int cfg = (int) get(STRTAB_STE_0_CFG, w0);
        if ((w0 & STRTAB_STE_0_V) == 0 || cfg < 4 || (cfg & 1) == 0) {
            return;
        }
        long ptr = w0 & STRTAB_STE_0_S1CTXPTR_MASK;
        int fmt = (int) get(STRTAB_STE_0_S1FMT, w0);
        int cdMax = (int) get(STRTAB_STE_0_S1CDMAX, w0);
        long idx = ssid == DmaTarget.NO_SUBSTREAM || cdMax == 0 ? 0 : ssid & 0xffff_ffffL;
        long cdAddr;
        if (fmt == 0 || cdMax == 0) {
            cdAddr = ptr + idx * 64;
        } else {
            int s = fmt == 1 ? 6 : 10;
            long l1Addr = ptr + (idx >>> s) * 8;
            if (!within(l1Addr, 8, CDS, ANCHOR_CD - CDS)) {
                return;
            }
            long l1 = switch (r.nextInt(10)) {
                case 0 -> r.nextLong();
                case 1 -> 0;
                case 2 -> RefEncoder.l1cd(rig.unmappedBelowOas(r));
                default -> RefEncoder.l1cd(CDS + r.nextInt(30) * 0x1_0000L);
            };
            rig.mem.write64(l1Addr, l1);
            if ((l1 & CTXDESC_L1_DESC_V) == 0) {
                return;
            }
            cdAddr = (l1 & CTXDESC_L1_DESC_L2PTR_MASK) + (idx & ((1L << s) - 1)) * 64;
        }
        if (within(cdAddr, 64, CDS, ANCHOR_CD - CDS)) {
            rig.writeWords(cdAddr, genCd());
        }
    }

    long[] genCd() {
        int k = r.nextInt(12);
        if (k == 0) {
            return randomWords(8);
        }
        TableFormat f;
        long ttb;
        int t = r.nextInt(8);
        if (t < 3 && anchors.s1 != null) {
            f = anchors.s1Format();
            ttb = anchors.s1.root();
        } else if (t < 7) {
            f = randomFormat(true);
            ttb = poolPage();
        } else {
            f = randomFormat(true);
            ttb = r.nextBoolean() ? rig.unmappedBelowOas(r) : r.nextLong();
        }
        boolean stall = c.stallModel() == 2 || c.stallSupported() && r.nextInt(3) == 0;
        long[] w = RefEncoder.cd(r.nextInt(1 << 16), f, ttb, r.nextInt(4) != 0, r.nextBoolean(), stall);
        if (r.nextInt(4) == 0) {
            w = RefEncoder.withTtb1(w, randomFormat(true), poolPage());
        }
        w[0] |= r.nextInt(4) == 0 ? CTXDESC_CD_0_TCR_HA : 0;
        w[0] |= r.nextInt(4) == 0 ? CTXDESC_CD_0_TCR_HD : 0;
        w[0] |= r.nextInt(4) == 0 ? CTXDESC_CD_0_AFFD : 0;
        w[0] |= r.nextInt(4) == 0 ? CTXDESC_CD_0_TCR_TBI0 | CTXDESC_CD_0_TCR_TBI1 : 0;
        mutate(w, k, CD_FIELDS);
        return w;
    }

    /** Fills a 64 KiB pool page with descriptors: tables into the pool, leaves onto the targets, noise. */
    void refreshPoolPage(int page) {
        long base = POOL + page * POOL_PAGE;
        for (int i = 0; i < POOL_PAGE / 8; i++) {
            long d = switch (r.nextInt(8)) {
                case 0 -> r.nextLong() & ~0x000f_ffff_ff00_0000L; // noise: its address bits keep it below 16 MiB
                case 1 -> 0;
                case 2, 3 -> (POOL + r.nextInt(POOL_PAGES) * POOL_PAGE + ((long) r.nextInt(16) << 12)) | 3
                        | (r.nextInt(4) == 0 ? r.nextLong() & (0x1fL << 59) : 0);
                default -> (TARGET + (r.nextLong(TARGET_SIZE) & ~0xffffL)) | (r.nextBoolean() ? 3 : 1)
                        | (r.nextInt(8) != 0 ? 1L << 10 : 0) // AF
                        | (r.nextLong() & 0x00f8_0000_0000_0bfcL); // attributes, AP, nG, DBM, XN
            };
            rig.mem.write64(base + 8L * i, d);
        }
    }
}

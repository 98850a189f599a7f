package dev.jiommu.sim.scenarios;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.smmu.Interrupts;
import dev.jiommu.hw.bus.Requester;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.sim.Scenario;
import dev.jiommu.sim.TextTable;
import dev.jiommu.spec.smmuv3.Cmd;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.SteView;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.jiommu.spec.smmuv3.Cd.*;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * The SMMUv3 flow: an SMMU with every feature, brought up through its
 * registers; streams configured for stage 1 with two substreams (two
 * address spaces, two ASIDs), stage 2, and nested stage 1 over stage 2; DMA
 * through each; a stale translation that survives a page-table change until
 * the right TLBI; a translation fault reported as an event; a stalled
 * transaction resumed by CMD_RESUME once software maps the page; and a
 * StreamID beyond the stream table.
 *
 * <p>Checks: every DMA lands where the tables say, the stale translation is
 * used exactly until CMD_TLBI_NH_VA, and each event arrives with its type.
 */
public final class SmmuScenario implements Scenario {

    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 1L << 30;
    static final long SMMU_BASE = 0x0905_0000L;
    static final long SEED = 0x5EED_0003L;
    static final int SID_S1 = 0x10;
    static final int SID_S2 = 0x20;
    static final int SID_NESTED = 0x30;
    static final int SID_STALL = 0x40;
    static final int VMID_S2 = 5;
    static final int VMID_NESTED = 6;
    static final long K = 1024;
    static final long M = K * K;

    @Override
    public String name() {
        return "smmu";
    }

    @Override
    public String summary() {
        return "SMMUv3 brought up by registers: stage 1 with substreams, stage 2, nested; stale TLB, faults, stall";
    }

    @Override
    public int run(PrintStream out) {
        PhysicalMemory mem = PhysicalMemory.ram(RAM_BASE, RAM_SIZE);
        SystemBus bus = new SystemBus(mem);
        long[] irqs = new long[4];
        Smmu smmu = new Smmu(SmmuConfig.full(), bus, new Interrupts(() -> irqs[0]++, () -> irqs[1]++,
                () -> irqs[2]++, () -> irqs[3]++));
        bus.map("smmuv3", SMMU_BASE, 0x2_0000, smmu);
        FrameAllocator frames = new FrameAllocator(mem, RAM_BASE, 64 * M);
        SmmuBringUp fw = new SmmuBringUp(bus, SMMU_BASE, frames, 16);
        List<String> failures = new ArrayList<>();
        TextTable dma = new TextTable("stream", "config", "what", "bytes", "status", "check");

        out.println("jiommu smmu: an SMMUv3 programmed through registers and memory, DMA through each stream config");
        out.println();

        // Stage 1: two address spaces on one stream, SubstreamIDs 1 and 2.
        int pgs = Prot.READ | Prot.WRITE;
        long bitmap = Granule.G4K.pageSizeBitmap(false);
        IoPageTable as1 = IoPageTable.create(Stage.STAGE1, bitmap, 48, 48, 0, frames);
        IoPageTable as2 = IoPageTable.create(Stage.STAGE1, bitmap, 48, 48, 0, frames);
        long cds = fw.cdTable(2);
        stage1Cd(fw, cds, 1, 1, as1.root(), false);
        stage1Cd(fw, cds, 2, 2, as2.root(), false);
        SteView ste = fw.ste(SID_S1).clear();
        ste.setS1ContextPtr(cds).setS1CdMax(2).setS1Dss(STRTAB_STE_1_S1DSS_SSID0)
                .setConfig(STRTAB_STE_0_CFG_S1_TRANS).setValid(true);
        long bufA = 0x6000_0000L;
        long bufB = 0x6100_0000L;
        check(failures, as1.mapPages(0x7000_0000L, bufA, 4 * K, 64, pgs | Prot.NOEXEC) == 0, "map as1");
        check(failures, as2.mapPages(0x7000_0000L, bufB, 4 * K, 64, pgs | Prot.NOEXEC) == 0, "map as2");
        fw.submit(Commands.cfgiSte(SID_S1, true));
        dmaRow(dma, failures, smmu, mem, SID_S1, 1, "stage 1", "SSID 1 writes VA 0x7000_0000", 0x7000_0000L, bufA, 256 * K);
        dmaRow(dma, failures, smmu, mem, SID_S1, 2, "stage 1", "SSID 2, same VA, own table", 0x7000_0000L, bufB, 256 * K);

        // Stage 2 only: a guest's physical map.
        IoPageTable s2 = IoPageTable.create(Stage.STAGE2, bitmap, 40, 48, 0, frames);
        long bufC = 0x6200_0000L;
        check(failures, s2.mapPages(0x8000_0000L, bufC, 4 * K, 512, pgs) == 0, "map s2");
        stage2Ste(fw.ste(SID_S2).clear(), s2, VMID_S2).setConfig(STRTAB_STE_0_CFG_S2_TRANS).setValid(true);
        dmaRow(dma, failures, smmu, mem, SID_S2, DmaTarget.NO_SUBSTREAM, "stage 2", "IPA 0x8000_0000 (2 MiB block)",
                0x8000_0000L, bufC, 2 * M);

        // Nested: the guest's stage-1 tables and CD live at IPAs that stage 2 maps one to one.
        IoPageTable hostS2 = IoPageTable.create(Stage.STAGE2, bitmap, 40, 48, 0, frames);
        check(failures, hostS2.mapPages(RAM_BASE, RAM_BASE, 4 * K, (64 * M) / (4 * K), pgs) == 0, "map nested s2 tables");
        long bufD = 0x6400_0000L;
        check(failures, hostS2.mapPages(0x1_0000_0000L, bufD, 4 * K, 16, pgs) == 0, "map nested s2 data");
        IoPageTable guestS1 = IoPageTable.create(Stage.STAGE1, bitmap, 48, 40, 0, frames);
        check(failures, guestS1.mapPages(0x4000_0000_0000L, 0x1_0000_0000L, 4 * K, 16, pgs | Prot.NOEXEC) == 0,
                "map nested s1");
        long nestedCd = fw.cdTable(0);
        stage1Cd(fw, nestedCd, 0, 7, guestS1.root(), false);
        stage2Ste(fw.ste(SID_NESTED).clear(), hostS2, VMID_NESTED).setS1ContextPtr(nestedCd)
                .setConfig(STRTAB_STE_0_CFG_NESTED).setValid(true);
        dmaRow(dma, failures, smmu, mem, SID_NESTED, DmaTarget.NO_SUBSTREAM, "nested", "VA → IPA → PA, tables via S2",
                0x4000_0000_0000L, bufD, 64 * K);

        // Random reads over the stage-1 buffers: the TLB serves all but the first touch of each page.
        SplittableRandom rnd = new SplittableRandom(SEED);
        byte[] word = new byte[8];
        long t0 = System.nanoTime();
        int lookups = 200_000;
        for (int i = 0; i < lookups; i++) {
            smmu.read(SID_S1, 1 + rnd.nextInt(2), 0x7000_0000L + rnd.nextLong(256 * K) & -8L, 0, word, 0, 8);
        }
        long readNanos = System.nanoTime() - t0;

        // A stale translation: SSID 1's first page now maps elsewhere, but the TLB still holds the old one.
        long moved = 0x6300_0000L;
        as1.unmap(0x7000_0000L, 4 * K);
        as1.map(0x7000_0000L, moved, 4 * K, pgs | Prot.NOEXEC);
        boolean staleBefore = writeLands(smmu, mem, SID_S1, 1, 0x7000_0000L, bufA, (byte) 0x11);
        fw.submit(Commands.tlbiNhVa(0, 2, 0x7000_0000L, true));
        boolean staleAfterWrongAsid = writeLands(smmu, mem, SID_S1, 1, 0x7000_0000L, bufA, (byte) 0x22);
        fw.submit(Commands.tlbiNhVa(0, 1, 0x7000_0000L, true));
        boolean freshAfterTlbi = writeLands(smmu, mem, SID_S1, 1, 0x7000_0000L, moved, (byte) 0x33);
        check(failures, staleBefore, "stale translation used before any TLBI");
        check(failures, staleAfterWrongAsid, "stale translation survives TLBI_NH_VA of another ASID");
        check(failures, freshAfterTlbi, "new translation used after TLBI_NH_VA of ASID 1");

        // A translation fault, recorded (CD.R = 1) and aborted (CD.A = 1).
        int faultStatus = smmu.write(SID_S1, 2, 0x7100_0000L, 0, word, 0, 8);
        dma.row(hexSid(SID_S1) + "/2", "stage 1", "write to unmapped VA", 8, DmaTarget.statusName(faultStatus),
                faultStatus == DmaTarget.ABORTED ? "ok" : "MISMATCH");

        // The stall model: CD.S = 1; the transaction waits until software maps the page and resumes it.
        IoPageTable as3 = IoPageTable.create(Stage.STAGE1, bitmap, 48, 48, 0, frames);
        long stallCds = fw.cdTable(0);
        stage1Cd(fw, stallCds, 0, 9, as3.root(), true);
        fw.ste(SID_STALL).clear().setS1ContextPtr(stallCds).setConfig(STRTAB_STE_0_CFG_S1_TRANS).setValid(true);
        int[] resumed = {-1};
        smmu.connect(SID_STALL, new Requester() {
            @Override
            public void stallCompleted(int stag, int status) {
                resumed[0] = status;
            }
        });
        byte[] payload = new byte[4096];
        Arrays.fill(payload, (byte) 0x5a);
        int stallStatus = smmu.write(SID_STALL, DmaTarget.NO_SUBSTREAM, 0x9000_0000L, 0, payload, 0, payload.length);
        List<long[]> events = new ArrayList<>(fw.drainEvents());
        long[] stallEvent = events.isEmpty() ? null : events.getLast();
        long bufE = 0x6500_0000L;
        as3.map(0x9000_0000L, bufE, 4 * K, pgs | Prot.NOEXEC);
        if (stallEvent != null) {
            int stag = (int) dev.jiommu.spec.smmuv3.Field.get(Event.EVTQ_1_STAG, stallEvent[1]);
            fw.submit(Commands.resume(SID_STALL, stag, Cmd.CMDQ_RESUME_0_RESP_RETRY));
        }
        boolean stallOk = stallStatus == DmaTarget.STALLED && resumed[0] == DmaTarget.OK && mem.read8(bufE + 4095) == 0x5a;
        dma.row(hexSid(SID_STALL), "stage 1, CD.S=1", "stall, map, CMD_RESUME retry", payload.length,
                DmaTarget.statusName(stallStatus) + " → " + (resumed[0] < 0 ? "none" : DmaTarget.statusName(resumed[0])),
                stallOk ? "ok" : "MISMATCH");
        check(failures, stallOk, "stalled write completes after CMD_RESUME");

        // A StreamID beyond the stream table.
        int badSid = smmu.write(1 << 16, DmaTarget.NO_SUBSTREAM, 0, 0, word, 0, 8);
        dma.row(hexSid(1 << 16), "-", "StreamID beyond SIDSIZE", 8, DmaTarget.statusName(badSid),
                badSid == DmaTarget.ABORTED ? "ok" : "MISMATCH");

        out.println("DMA through each stream:");
        dma.print(out, "  ");
        out.println();
        out.println("Stale translation until the right invalidation (SSID 1 page remapped in memory):");
        TextTable st = new TextTable("step", "DMA lands on", "check");
        st.row("after the page-table change", staleBefore ? "old page" : "new page", staleBefore ? "ok" : "MISMATCH");
        st.row("after TLBI_NH_VA, ASID 2", staleAfterWrongAsid ? "old page" : "new page", staleAfterWrongAsid ? "ok" : "MISMATCH");
        st.row("after TLBI_NH_VA, ASID 1", freshAfterTlbi ? "new page" : "old page", freshAfterTlbi ? "ok" : "MISMATCH");
        st.print(out, "  ");
        out.println();

        events.addAll(fw.drainEvents());
        SmmuStats s = smmu.stats();
        out.println("Event queue (" + s.eventsRecorded + " records):");
        TextTable et = new TextTable("event", "record");
        for (long[] e : events) {
            et.row(Event.name(SmmuBringUp.eventId(e)), Event.describe(e));
        }
        et.print(out, "  ");
        out.println();
        check(failures, s.eventsById[Event.EVT_ID_TRANSLATION_FAULT] == 2, "two F_TRANSLATION events (fault, stall)");
        check(failures, s.eventsById[Event.EVT_ID_BAD_STREAMID_CONFIG] == 1, "one C_BAD_STREAMID event");

        TextTable ct = new TextTable("SMMU counters", "value");
        ct.row("translations", s.translations);
        ct.row("TLB hits / misses", s.tlbHits + " / " + s.tlbMisses);
        ct.row("TLB hit rate", String.format("%.2f%%", 100.0 * s.tlbHits / Math.max(1, s.tlbHits + s.tlbMisses)));
        ct.row("TLB entries / invalidated", s.tlbEntries + " / " + s.tlbInvalidated);
        ct.row("STE cache hits / misses", s.steHits + " / " + s.steMisses);
        ct.row("CD cache hits / misses", s.cdHits + " / " + s.cdMisses);
        ct.row("stage-1 / stage-2 walks", s.stage1Walks + " / " + s.stage2Walks);
        ct.row("descriptor reads", s.descriptorReads);
        ct.row("commands (CMD_SYNC)", s.commands + " (" + s.syncs + ")");
        ct.row("stalls (resumed)", s.stalled + " (" + s.stallsResumed + ")");
        ct.row("event queue interrupts", irqs[0]);
        ct.row("command errors / global errors", s.commandErrors + " / " + s.globalErrors);
        ct.print(out, "  ");
        out.printf("  host speed: %.0f ns per 8-byte DMA read through the TLB (%d reads, JIT still warming)%n%n",
                readNanos / (double) lookups, lookups);

        if (failures.isEmpty()) {
            out.println("result: ok (every DMA landed where the tables say; stale until the right TLBI; events as expected)");
            return 0;
        }
        out.println("result: FAILED");
        failures.forEach(f -> out.println("  " + f));
        return 1;
    }

    private static void stage1Cd(SmmuBringUp fw, long table, int ssid, int asid, long ttb0, boolean stall) {
        fw.cd(table, ssid).clear().setT0sz(16).setTg0(ARM_LPAE_TCR_TG0_4K).setEpd1(true)
                .setIps(ARM_LPAE_TCR_PS_48_BIT).setAa64(true).setR(true).setA(true).setS(stall).setAsid(asid)
                .setTtb0(ttb0).setValid(true);
    }

    private static SteView stage2Ste(SteView ste, IoPageTable s2, int vmid) {
        var f = s2.format();
        long vtcr = dev.jiommu.spec.smmuv3.Field.prep(STRTAB_STE_2_VTCR_S2T0SZ, f.tsz())
                | dev.jiommu.spec.smmuv3.Field.prep(STRTAB_STE_2_VTCR_S2SL0, f.sl0())
                | dev.jiommu.spec.smmuv3.Field.prep(STRTAB_STE_2_VTCR_S2TG, 0)
                | dev.jiommu.spec.smmuv3.Field.prep(STRTAB_STE_2_VTCR_S2PS, dev.jiommu.pgtable.TableFormat.ipsEncoding(f.outputBits()));
        ste.setWord(2, dev.jiommu.spec.smmuv3.Field.prep(STRTAB_STE_2_S2VMID, vmid)
                | dev.jiommu.spec.smmuv3.Field.prep(STRTAB_STE_2_VTCR, vtcr) | STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2R);
        ste.setWord(3, s2.root() & STRTAB_STE_3_S2TTB_MASK);
        return ste;
    }

    /** Writes a pattern through the SMMU and checks every byte arrived at {@code pa}. */
    private static void dmaRow(TextTable t, List<String> failures, Smmu smmu, PhysicalMemory mem, int sid, int ssid,
                               String config, String what, long iova, long pa, long bytes) {
        byte[] data = new byte[(int) bytes];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + sid + ssid);
        }
        int status = smmu.write(sid, ssid, iova, 0, data, 0, data.length);
        byte[] back = new byte[data.length];
        mem.readBytes(pa, back, 0, back.length);
        boolean good = status == DmaTarget.OK && Arrays.equals(data, back);
        check(failures, good, "DMA " + what);
        t.row(hexSid(sid) + (ssid == DmaTarget.NO_SUBSTREAM ? "" : "/" + ssid), config, what, TextTable.size(bytes),
                DmaTarget.statusName(status), good ? "ok" : "MISMATCH");
    }

    private static boolean writeLands(Smmu smmu, PhysicalMemory mem, int sid, int ssid, long iova, long pa, byte value) {
        byte[] b = {value};
        return smmu.write(sid, ssid, iova, 0, b, 0, 1) == DmaTarget.OK && mem.read8(pa) == value;
    }

    private static String hexSid(int sid) {
        return String.format("SID 0x%x", sid);
    }

    private static void check(List<String> failures, boolean ok, String what) {
        if (!ok) {
            failures.add(what);
        }
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.InterruptLine;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.smmu.Interrupts;
import dev.jiommu.hw.bus.Requester;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.WalkResult;
import dev.jiommu.pgtable.Walker;
import dev.jiommu.spec.smmuv3.Event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.jiommu.spec.smmuv3.Registers.CR2_PTM;
import static dev.jiommu.spec.smmuv3.Registers.CR2_RECINVSID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The SMMUv3 conformance contract: every test in a subclass is a
 * {@code @ParameterizedTest @MethodSource("variants")} and runs over all 24
 * {@link Variant}s. Tests reach the model only through its architected
 * interface — {@link SmmuDriver} for registers and structures in memory,
 * {@link DmaTarget} for device transactions, {@link Requester} for what the
 * SMMU sends back to a device — and check outcomes in memory, in the event
 * queue and in registers.
 *
 * <p>The machine: 512 MiB of RAM at {@link #RAM_BASE}; nothing decodes
 * {@link #NOT_RAM}, so a fetch from there is an external abort. Page tables,
 * SMMU structures and data pages all come from one frame allocator over RAM.
 */
abstract class SmmuConformance {

    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 0x2000_0000L;
    /** An address no RAM or device decodes. */
    static final long NOT_RAM = 0x7000_0000L;
    /** An IPA above RAM that the identity stage 2 leaves unmapped. */
    static final long UNMAPPED_IPA = 0x1_0000_0000L;

    static final int SID = 0x25;
    static final int OTHER_SID = 0x26;
    /** A SubstreamID in the first leaf of a 2-level CD table. */
    static final int SSID = 3;
    /** A SubstreamID in the second leaf of a 2-level CD table (64K_L2 leaves hold 1024 CDs). */
    static final int FAR_SSID = 1030;
    /** log2 of the CD tables' size (STE.S1CDMax). */
    static final int CD_MAX = 12;
    static final int NO_SSID = DmaTarget.NO_SUBSTREAM;

    /** An input address aligned to every granule and every stage-1 level below 512 GiB. */
    static final long VA = 0x12_3450_0000L;
    static final int ASID = 0x42;
    static final int VMID = 7;

    static Stream<Variant> variants() {
        return Variant.all();
    }

    static Fixture fixture(Variant v) {
        return new Fixture(v, v.config(), 6, CR2_RECINVSID | CR2_PTM, true);
    }

    /** An edge-triggered interrupt line that counts its pulses. */
    static final class PulseCounter implements InterruptLine {
        int pulses;

        @Override
        public void pulse() {
            pulses++;
        }
    }

    /** The device side of a stream: records what the SMMU sends back. */
    static final class RecordingRequester implements Requester {
        /** {stag, status} of each completed stalled transaction, in order. */
        final List<int[]> stallCompletions = new ArrayList<>();
        /** {ssid, prgIndex, response} of each PRI response. */
        final List<int[]> pageResponses = new ArrayList<>();
        /** {ssid, address, size, global} of each ATS invalidation, in order. */
        final List<long[]> atcInvalidations = new ArrayList<>();

        @Override
        public void stallCompleted(int stag, int status) {
            stallCompletions.add(new int[] {stag, status});
        }

        @Override
        public void pageResponse(int substreamId, int prgIndex, int response) {
            pageResponses.add(new int[] {substreamId, prgIndex, response});
        }

        @Override
        public void atcInvalidate(int substreamId, long address, int size, boolean global) {
            atcInvalidations.add(new long[] {substreamId, address, size, global ? 1 : 0});
        }
    }

    /** One machine: memory, an SMMU, its driver, and the helpers tests share. */
    static final class Fixture {
        final Variant variant;
        final SmmuConfig config;
        final PhysicalMemory memory = PhysicalMemory.ram(RAM_BASE, RAM_SIZE);
        final SystemBus bus = new SystemBus(memory);
        final FrameAllocator frames = new FrameAllocator(memory, RAM_BASE, RAM_SIZE);
        final PulseCounter eventIrq = new PulseCounter();
        final PulseCounter priIrq = new PulseCounter();
        final PulseCounter gerrorIrq = new PulseCounter();
        final PulseCounter syncIrq = new PulseCounter();
        final Smmu smmu;
        /** The SMMU as devices see it. */
        final DmaTarget dma;
        final SmmuDriver driver;
        final Granule granule;
        final long pageSize;
        final RecordingRequester requester = new RecordingRequester();

        Fixture(Variant variant, SmmuConfig config, int evtqLog2, long cr2, boolean enable) {
            this.variant = variant;
            this.config = config;
            this.smmu = new Smmu(config, bus, new Interrupts(eventIrq, priIrq, gerrorIrq, syncIrq));
            this.dma = smmu;
            this.driver = new SmmuDriver(memory, smmu, frames, variant.twoLevelStreamTable(), evtqLog2);
            this.granule = variant.granule();
            this.pageSize = granule.size();
            smmu.connect(SID, requester);
            if (enable) {
                driver.reset(cr2);
            }
        }

        // ---- page tables and data ---------------------------------------------------------------------------

        IoPageTable s1Table() {
            return IoPageTable.create(Stage.STAGE1, granule.pageSizeBitmap(false), 48, 48, 0, frames);
        }

        IoPageTable s2Table() {
            return IoPageTable.create(Stage.STAGE2, granule.pageSizeBitmap(false), 48, 48, 0, frames);
        }

        /** A stage-2 table mapping all of RAM to itself (IPA = PA), with the largest blocks that fit. */
        IoPageTable identityS2() {
            IoPageTable t = s2Table();
            assertEquals(0, t.mapPages(RAM_BASE, RAM_BASE, pageSize, RAM_SIZE / pageSize,
                    Prot.READ | Prot.WRITE | Prot.CACHE));
            return t;
        }

        void map(IoPageTable t, long iova, long pa, int prot) {
            assertEquals(0, t.map(iova, pa, pageSize, prot), "map");
        }

        /** Points {@code iova} at another page: unmap, then map (the old translation may live on in the TLB). */
        void remap(IoPageTable t, long iova, long pa, int prot) {
            assertEquals(pageSize, t.unmap(iova, pageSize), "unmap");
            map(t, iova, pa, prot);
        }

        /** A granule-sized data page whose every byte is {@code fill}. */
        long dataPage(int fill) {
            long pa = frames.allocate(pageSize);
            memory.fill(pa, pageSize, (byte) fill);
            return pa;
        }

        /** The address of the leaf descriptor translating {@code iova} in {@code t} (a software walk). */
        long leafDescriptor(IoPageTable t, long iova) {
            WalkResult r = new WalkResult();
            assertTrue(new Walker(memory).walk(t.format(), t.root(), iova, Access.NONE, Walker.AFFD, r),
                    () -> "no leaf for 0x" + Long.toHexString(iova));
            return r.descriptorAddress();
        }

        // ---- configuration ----------------------------------------------------------------------------------

        /** A CD table in the variant's layout with 2^{@link #CD_MAX} entries. */
        SmmuDriver.CdTable cds() {
            return driver.cdTable(variant.twoLevelCdTable(), CD_MAX);
        }

        /**
         * A stage-1 stream {@code sid}: CDs 0, {@link #SSID} and {@link #FAR_SSID}
         * of a variant-layout table all translate through {@code tt} with
         * {@link #ASID}; the STE carries VMID {@link #VMID}.
         */
        SmmuDriver.CdTable stage1Stream(int sid, IoPageTable tt, UnaryOperator<CdBuilder> cd,
                                        UnaryOperator<SteBuilder> ste) {
            SmmuDriver.CdTable cds = cds();
            for (int ssid : new int[] {0, SSID, FAR_SSID}) {
                cds.write(ssid, cd.apply(CdBuilder.of(tt, ASID)).words());
            }
            driver.installSte(sid, ste.apply(SteBuilder.stage1(cds).vmid(VMID)).words());
            return cds;
        }

        SmmuDriver.CdTable stage1Stream(int sid, IoPageTable tt) {
            return stage1Stream(sid, tt, c -> c, s -> s);
        }

        // ---- DMA --------------------------------------------------------------------------------------------

        int write(int sid, int ssid, long address, byte[] data) {
            return dma.write(sid, ssid, address, 0, data, 0, data.length);
        }

        int read(int sid, int ssid, long address, int attrs, byte[] into) {
            return dma.read(sid, ssid, address, attrs, into, 0, into.length);
        }

        /** Reads {@code n} bytes and checks the transaction completed. */
        byte[] readOk(int sid, int ssid, long address, int n) {
            byte[] b = new byte[n];
            assertStatus(DmaTarget.OK, read(sid, ssid, address, 0, b));
            return b;
        }

        void writeOk(int sid, int ssid, long address, byte[] data) {
            assertStatus(DmaTarget.OK, write(sid, ssid, address, data));
        }

        byte[] memoryAt(long pa, int n) {
            byte[] b = new byte[n];
            memory.readBytes(pa, b, 0, n);
            return b;
        }

        // ---- events -----------------------------------------------------------------------------------------

        /** Drains the event queue and checks it held exactly {@code expected}, word for word, in order. */
        void expectEvents(ExpectedEvent... expected) {
            List<long[]> got = driver.events();
            String gotText = got.stream().map(Event::describe).collect(Collectors.joining("\n  "));
            String wantText = Arrays.stream(expected).map(ExpectedEvent::toString).collect(Collectors.joining("\n  "));
            if (got.size() != expected.length) {
                fail("event queue\n expected:\n  " + wantText + "\n got:\n  " + gotText);
            }
            for (int i = 0; i < expected.length; i++) {
                long[] w = got.get(i);
                assertArrayEquals(expected[i].words(), w, () -> "event record\n expected " + wantText + "\n got      "
                        + gotText + "\n words " + hex(w));
            }
        }

        void expectNoEvents() {
            expectEvents();
        }
    }

    static void assertStatus(int expected, int actual) {
        assertEquals(DmaTarget.statusName(expected), DmaTarget.statusName(actual), "DMA status");
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + 31 * i);
        }
        return b;
    }

    static byte[] filled(int n, int fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    static String hex(long[] w) {
        return Arrays.stream(w).mapToObj(x -> String.format("%016x", x)).collect(Collectors.joining(" "));
    }
}

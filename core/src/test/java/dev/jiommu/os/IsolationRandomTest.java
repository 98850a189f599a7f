package dev.jiommu.os;

import static dev.jiommu.hw.pci.DmaDescriptor.*;
import static dev.jiommu.os.IsolationModel.*;
import static dev.jiommu.os.IsolationRig.DEVICES;

import dev.jiommu.Errno;
import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaPort;
import dev.jiommu.os.IsolationModel.Bond;
import dev.jiommu.os.IsolationModel.Expect;
import dev.jiommu.os.IsolationModel.Proc;
import dev.jiommu.os.IsolationRig.EngineRun;
import dev.jiommu.os.iommu.Result;
import dev.jiommu.os.iommu.SvaHandle;
import dev.jiommu.os.mm.Mman;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Isolation (issue 5, acceptance item 4): a seeded random run of three
 * processes (each replaced by a new one when it exits) and three jiommu-dma
 * engines ({@link IsolationRig}: two with ATS, PRI and an ATC, one that
 * stalls), after every step of which each device must reach exactly the
 * pages its bound processes and its DMA domain allow, and nothing else.
 *
 * <p>Steps: mmap (MAP_FIXED, MAP_FIXED_NOREPLACE), munmap and mprotect in a
 * 16-page window all processes share; CPU writes and reads (which fault pages
 * in); bind and unbind of a (device, process) pair, including second binds,
 * binds of exited processes, and rebinds of a process that dropped all its
 * binds (and may have changed its memory meanwhile); DMA-domain map and
 * unmap of kernel frames; engine descriptors (FILL, COPY, COMPARE, TOUCH)
 * with a PASID the device is bound to, any PASID ever handed out, or none,
 * with completion records; and process exit. Every result (return values, the core's PASID of every
 * process, a descriptor's status, fault address, record and data) must be
 * what {@link IsolationModel} says.
 *
 * <p>After every step {@link IsolationRig#probeAll} probes every device at
 * every candidate address with every PASID ever handed out (live or exited
 * owner, bound or not, reused or not) and without a PASID. A translation that
 * outlives its unmap, mprotect, unbind or exit in the IOTLB or an ATC shows as
 * an access done where the model says it must fault.
 *
 * <p>Reproduce with {@code -Djiommu.seed=<seed>} (printed at start and in
 * every message); {@code -Djiommu.isolationSteps=<n>} changes the length.
 */
class IsolationRandomTest {

    private static final long DEFAULT_SEED = 0x150_1a7e_5eedL;
    private static final int STEPS = Integer.getInteger("jiommu.isolationSteps", 500);
    private static final int PROCESSES = 3;
    /** Kernel frames the DMA domains map. */
    private static final int FRAMES = 6;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int[] PROTS = {RW, RW, RW, Mman.PROT_READ, Mman.PROT_WRITE, Mman.PROT_NONE,
            Mman.PROT_EXEC, Mman.PROT_READ | Mman.PROT_EXEC, RW | Mman.PROT_EXEC};

    /** The seed for this run: {@code -Djiommu.seed}, or the fixed default. */
    static long seed() {
        String s = System.getProperty("jiommu.seed");
        return s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
    }

    @ParameterizedTest(name = "BTM {0}")
    @ValueSource(booleans = {true, false})
    void eachDeviceReachesExactlyWhatItsBindsAndItsDomainAllowAfterEveryStep(boolean btm) {
        long seed = seed();
        System.out.println("seed=" + seed + " btm=" + btm);
        Run run = new Run(seed, btm);
        for (int i = 1; i <= STEPS; i++) {
            run.step(i);
            run.rig.probeAll(run.rnd);
        }
        System.out.println(run.summary());
        if (STEPS >= 200) {
            run.assertCoverage();
        }
    }

    /** Step kinds with their weights. */
    private enum Kind {
        MMAP(12), MUNMAP(6), MPROTECT(9), CPU_WRITE(10), CPU_READ(4), BIND(10), UNBIND(6), UNBIND_ALL(2),
        DMA_MAP(6), DMA_UNMAP(4), DESCRIPTOR(14), EXIT(3);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }
    }

    /** One run: the rig, and the random stream that drives it. */
    private static final class Run {
        final SplittableRandom rnd;
        final IsolationRig rig;
        final IsolationModel model;
        final List<Proc> live = new ArrayList<>();
        final long[] frames = new long[FRAMES];
        final Map<Kind, Integer> steps = new EnumMap<>(Kind.class);
        int slot;
        int pasidReuses;

        Run(long seed, boolean btm) {
            rnd = new SplittableRandom(seed);
            rig = new IsolationRig(seed, btm);
            model = rig.model;
            for (int i = 0; i < FRAMES; i++) {
                frames[i] = rig.sys.kernelFrames().allocate(PAGE);
                long tag = rig.nextTag();
                rig.sys.memory().write64(frames[i], tag);
                model.frameWord.put(frames[i], tag);
            }
            for (int i = 0; i < PROCESSES; i++) {
                live.add(newProcess());
            }
        }

        void check(boolean ok, String message) {
            rig.check(ok, message);
        }

        void step(int n) {
            rig.step = n;
            int r = rnd.nextInt(Arrays.stream(Kind.values()).mapToInt(k -> k.weight).sum());
            Kind kind = Kind.MMAP;
            for (Kind k : Kind.values()) {
                if (r < k.weight) {
                    kind = k;
                    break;
                }
                r -= k.weight;
            }
            steps.merge(kind, 1, Integer::sum);
            switch (kind) {
                case MMAP -> mmap();
                case MUNMAP -> munmap();
                case MPROTECT -> mprotect();
                case CPU_WRITE -> cpuWrite();
                case CPU_READ -> cpuRead();
                case BIND -> bind();
                case UNBIND -> unbind();
                case UNBIND_ALL -> unbindAll();
                case DMA_MAP -> dmaMap();
                case DMA_UNMAP -> dmaUnmap();
                case DESCRIPTOR -> descriptor();
                case EXIT -> exit();
            }
            for (Proc p : model.procs) {
                int want = holdsPasid(p) ? p.pasid : -Errno.ENOENT;
                int got = rig.sys.core().pasidOf(MmAddressSpace.of(p.mm));
                check(got == want, "the IOMMU core's PASID of " + p + " is " + got + ", expected " + want);
            }
        }

        // ---- processes ---------------------------------------------------------------------------------------------

        Proc newProcess() {
            String name = "P" + model.procs.size();
            Proc p = new Proc(rig.sys.mm().createMm(name), name);
            long va = p.mm.mmap(RECORD_VA, PAGE, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED);
            check(va == RECORD_VA && p.mm.write64(RECORD_VA, 0) == 0, "set up the record page of " + p);
            p.prot.put(RECORD_VA, RW);
            p.present.add(RECORD_VA);
            model.procs.add(p);
            return p;
        }

        Proc anyLive() {
            return live.get(rnd.nextInt(live.size()));
        }

        long windowPage() {
            return WINDOW + rnd.nextInt(WINDOW_PAGES) * PAGE;
        }

        /** A random range of 1 to 4 pages in the window: its first page and length. */
        long[] windowRange() {
            int first = rnd.nextInt(WINDOW_PAGES);
            return new long[] {WINDOW + first * PAGE, 1 + rnd.nextInt(Math.min(4, WINDOW_PAGES - first))};
        }

        void mmap() {
            Proc p = anyLive();
            long[] r = windowRange();
            int prot = PROTS[rnd.nextInt(PROTS.length)];
            boolean noReplace = rnd.nextInt(4) == 0;
            rig.what = String.format("%s mmap(0x%x, %d pages, %s, %s)", p, r[0], r[1], Mman.protToString(prot),
                    noReplace ? "MAP_FIXED_NOREPLACE" : "MAP_FIXED");
            long got = p.mm.mmap(r[0], r[1] * PAGE, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS
                    | (noReplace ? Mman.MAP_FIXED_NOREPLACE : Mman.MAP_FIXED));
            long want = model.mmap(p, r[0], (int) r[1], prot, noReplace);
            check(got == want, "mmap returned " + got + ", expected " + want);
        }

        void munmap() {
            Proc p = anyLive();
            long[] r = windowRange();
            rig.what = String.format("%s munmap(0x%x, %d pages)", p, r[0], r[1]);
            check(p.mm.munmap(r[0], r[1] * PAGE) == 0, "munmap failed");
            model.munmap(p, r[0], (int) r[1]);
        }

        void mprotect() {
            Proc p = anyLive();
            long[] r = windowRange();
            int prot = PROTS[rnd.nextInt(PROTS.length)];
            rig.what = String.format("%s mprotect(0x%x, %d pages, %s)", p, r[0], r[1], Mman.protToString(prot));
            int got = p.mm.mprotect(r[0], r[1] * PAGE, prot);
            int want = model.mprotect(p, r[0], (int) r[1], prot);
            check(got == want, "mprotect returned " + Errno.name(got) + ", expected " + Errno.name(want));
        }

        void cpuWrite() {
            Proc p = anyLive();
            long va = windowPage();
            long tag = rig.nextTag();
            rig.what = String.format("%s writes 0x%x at 0x%x", p, tag, va);
            int got = p.mm.write64(va, tag);
            int want = model.cpuAccess(p, va, true);
            check(got == want, "write64 returned " + Errno.name(got) + ", expected " + Errno.name(want));
            if (want == 0) {
                p.word.put(va, tag);
            }
        }

        void cpuRead() {
            Proc p = anyLive();
            long va = windowPage();
            rig.what = String.format("%s reads at 0x%x", p, va);
            long v = p.mm.read64(va);
            int want = model.cpuAccess(p, va, false);
            check(p.mm.lastErrno() == want, "read64 failed with " + Errno.name(p.mm.lastErrno()) + ", expected "
                    + Errno.name(want));
            long wantValue = want == 0 ? p.word.getOrDefault(va, 0L) : 0;
            check(v == wantValue, String.format("read64 returned 0x%x, expected 0x%x", v, wantValue));
        }

        void exit() {
            Proc p = anyLive();
            Proc q = newProcess();
            rig.what = p + " exits, " + q + " starts";
            p.mm.exit();
            model.exit(p);
            live.set(live.indexOf(p), q);
        }

        // ---- binds -------------------------------------------------------------------------------------------------

        /**
         * Binds a live process (often one that was bound before and no longer
         * is, whose address space may have changed meanwhile; now and then an
         * exited one, which must be refused); checks the PASID it gets.
         */
        void bind() {
            int d = rnd.nextInt(DEVICES);
            List<Proc> unbound = live.stream().filter(q -> q.pasid != NO_PASID && q.bonds.isEmpty()).toList();
            int how = rnd.nextInt(8);
            Proc p = how == 0 ? model.procs.get(rnd.nextInt(model.procs.size()))
                    : how < 4 && !unbound.isEmpty() ? unbound.get(rnd.nextInt(unbound.size())) : anyLive();
            rig.what = String.format("bind(%s, %s)", rig.sys.device(d).name(), p);
            Result<SvaHandle> r = rig.sys.core().bind(rig.sys.device(d), MmAddressSpace.of(p.mm));
            if (!p.alive) {
                check(r.error() == -Errno.ESRCH, "bind of an exited process returned " + r + ", expected ESRCH");
                return;
            }
            check(r.isOk(), "bind failed: " + r);
            SvaHandle h = r.value();
            Bond b = p.bonds.get(d);
            if (b != null) {
                check(h == b.handle && h.pasid() == p.pasid, "a second bind of the pair returned " + h);
                b.users++;
                return;
            }
            if (p.pasid == NO_PASID) {
                for (Proc q : model.procs) {
                    check(!(holdsPasid(q) && q.pasid == h.pasid()), "PASID " + h.pasid() + " given to " + p
                            + " while " + q + " holds it");
                }
                if (model.pasidOwner.containsKey(h.pasid())) {
                    pasidReuses++;
                }
                p.pasid = h.pasid();
                model.pasidOwner.put(p.pasid, p);
                model.pasidsEver.add(p.pasid);
            }
            check(h.pasid() == p.pasid, "bind returned PASID " + h.pasid() + ", but " + p + " has " + p.pasid);
            p.bonds.put(d, new Bond(h));
        }

        void unbind() {
            List<Proc> bound = model.procs.stream().filter(p -> !p.bonds.isEmpty()).toList();
            if (bound.isEmpty()) {
                rig.what = "unbind: nothing is bound";
                return;
            }
            Proc p = bound.get(rnd.nextInt(bound.size()));
            List<Integer> devs = new ArrayList<>(p.bonds.keySet());
            int d = devs.get(rnd.nextInt(devs.size()));
            Bond b = p.bonds.get(d);
            rig.what = String.format("unbind(%s, %s), bound %d times", rig.sys.device(d).name(), p, b.users);
            check(rig.sys.core().unbind(b.handle) == 0, "unbind failed");
            if (--b.users == 0) {
                p.bonds.remove(d);
            }
        }

        /** A live process drops every bind it has, on every device (it closes its devices). */
        void unbindAll() {
            Proc p = anyLive();
            rig.what = p + " unbinds from every device";
            for (Bond b : p.bonds.values()) {
                for (; b.users > 0; b.users--) {
                    check(rig.sys.core().unbind(b.handle) == 0, "unbind of " + b.handle + " failed");
                }
            }
            p.bonds.clear();
        }

        // ---- DMA domains ---------------------------------------------------------------------------------------

        void dmaMap() {
            int d = rnd.nextInt(DEVICES);
            long iova = IOVA_WINDOW + rnd.nextInt(IOVA_PAGES) * PAGE;
            long pa = frames[rnd.nextInt(FRAMES)];
            int prot = Prot.READ | Prot.CACHE | (rnd.nextBoolean() ? Prot.WRITE : 0);
            rig.what = String.format("map(%s's domain, 0x%x -> 0x%x, %s)", rig.sys.device(d).name(), iova, pa,
                    (prot & Prot.WRITE) != 0 ? "rw" : "r");
            rig.map(d, iova, pa, prot, model.domains.get(d).containsKey(iova) ? -Errno.EEXIST : 0);
        }

        void dmaUnmap() {
            int d = rnd.nextInt(DEVICES);
            long iova = IOVA_WINDOW + rnd.nextInt(IOVA_PAGES) * PAGE;
            rig.what = String.format("unmap(%s's domain, 0x%x)", rig.sys.device(d).name(), iova);
            long want = model.domains.get(d).remove(iova) != null ? PAGE : 0;
            long got = rig.sys.core().unmap(rig.domain(d), iova, PAGE);
            check(got == want, "unmap returned " + got + ", expected " + want);
        }

        // ---- descriptors ---------------------------------------------------------------------------------------

        /**
         * One 8-byte descriptor run alone on one engine, with a PASID the
         * device has a live context for, any PASID ever handed out, or none.
         * The first access that is not allowed (the source, then the
         * destination) ends it in a page fault there; a source paged in
         * stays paged in. The completion record is written through the same
         * PASID, so it is lost without a live context.
         */
        void descriptor() {
            int d = rnd.nextInt(DEVICES);
            int pasid = pickPasid(d);
            boolean none = pasid == NO_PASID;
            int op = OP_COPY + rnd.nextInt(4);
            boolean write = op == OP_COPY || op == OP_FILL || (op == OP_TOUCH && rnd.nextBoolean());
            long src = op == OP_COPY || op == OP_COMPARE ? dataAddress(none) : 0;
            long dst = dataAddress(none);
            long pattern = rig.nextTag();
            slot = slot % 120 + 1;
            long rec = (none ? DMA_RECORD_IOVA : RECORD_VA) + (7 + slot) * (long) RECORD_SIZE;
            DmaDescriptor desc = new DmaDescriptor(op, op == OP_TOUCH && write ? FLAG_TOUCH_WRITE : 0, pasid, 8,
                    op == OP_FILL ? pattern : src, dst, rec);
            rig.what = String.format("%s runs %s", rig.sys.device(d).name(), desc);

            Expect es = src != 0 ? model.expect(d, pasid, src, false) : Expect.DIRECT;
            Expect ed = model.expect(d, pasid, dst, write);
            boolean srcOk = IsolationRig.allowed(es);
            boolean ok = srcOk && IsolationRig.allowed(ed);
            long result = -1;
            if (op == OP_COMPARE && ok) {
                long x = model.word(d, pasid, src) ^ model.word(d, pasid, dst);
                result = x == 0 ? -1 : Long.numberOfTrailingZeros(x) / 8;
            }
            long srcWord = src != 0 && srcOk ? model.word(d, pasid, src) : 0;
            Proc recorder = none ? null : model.context(d, pasid);
            boolean recorded = none || (recorder != null && recorder.alive);
            int wantStatus = ok ? STATUS_SUCCESS : STATUS_PAGE_FAULT;
            long wantAddress = ok ? 0 : srcOk ? dst : src;
            int wantReason = ok ? 0 : rig.faultReason(d, srcOk ? ed : es).ordinal();

            EngineRun o = rig.runAlone(d, desc);
            check(o.status() == wantStatus && o.faultAddress() == wantAddress && o.reason() == wantReason
                    && o.recordLost() == !recorded, String.format("the engine reports %s; expected %s%s, record %s",
                    o, statusName(wantStatus), ok ? "" : String.format(" (%s at 0x%x)",
                            DmaPort.FaultReason.values()[wantReason], wantAddress), recorded ? "written" : "lost"));
            if (recorded) {
                byte[] r = new byte[RECORD_SIZE];
                if (none) {
                    rig.sys.memory().readBytes(rig.recordFrames[d] + (rec - DMA_RECORD_IOVA), r, 0, RECORD_SIZE);
                } else {
                    check(recorder.mm.read(rec, r, 0, RECORD_SIZE) == 0, "read the record back");
                }
                long[] want = {wantStatus | (long) wantReason << 8, ok ? 8 : 0, wantAddress, result};
                for (int i = 0; i < want.length; i++) {
                    long got = IsolationRig.u64(r, 8 * i);
                    check(got == want[i], String.format("record word %d is 0x%x, expected 0x%x", i, got, want[i]));
                }
            }
            if (srcOk && src != 0) {
                model.touched(d, pasid, src);
            }
            if (ok) {
                model.touched(d, pasid, dst);
                if (op == OP_FILL) {
                    model.setWord(d, pasid, dst, pattern);
                } else if (op == OP_COPY) {
                    model.setWord(d, pasid, dst, srcWord);
                }
            }
        }

        /** Mostly a PASID {@code d} has a live context for, else any PASID ever handed out, else none. */
        int pickPasid(int d) {
            List<Integer> withContext = new ArrayList<>();
            for (int p : model.pasidsEver) {
                Proc c = model.context(d, p);
                if (c != null && c.alive) {
                    withContext.add(p);
                }
            }
            int r = rnd.nextInt(10);
            if (r < 6 && !withContext.isEmpty()) {
                return withContext.get(rnd.nextInt(withContext.size()));
            }
            if (r < 8 && !model.pasidsEver.isEmpty()) {
                List<Integer> all = new ArrayList<>(model.pasidsEver);
                return all.get(rnd.nextInt(all.size()));
            }
            return NO_PASID;
        }

        /** A window page or a never-mapped one; without a PASID, an IOVA of the window or just past it. */
        long dataAddress(boolean none) {
            if (none) {
                return IOVA_WINDOW + rnd.nextInt(IOVA_PAGES + 1) * PAGE;
            }
            return rnd.nextInt(WINDOW_PAGES + 1) == 0 ? NEVER_MAPPED[0] : windowPage();
        }

        // ---- reporting -----------------------------------------------------------------------------------------

        String summary() {
            StringBuilder s = new StringBuilder(String.format("IsolationRandomTest seed=%d, %d steps %s; %d processes,"
                    + " PASIDs %s, %d reused; probes per device:", rig.seed, STEPS, steps, model.procs.size(),
                    model.pasidsEver, pasidReuses));
            rig.probes.forEach((e, n) -> s.append(' ').append(e).append(Arrays.toString(n)));
            DmaPort p0 = rig.sys.engine(0).port();
            DmaPort p1 = rig.sys.engine(1).port();
            return s.append(String.format("; page requests %d, stalls %d, ATC hits %d, ATC invalidations %d",
                    rig.sys.driver().priRequests(), rig.sys.driver().stallFaults(),
                    p0.atc().hits() + p1.atc().hits(), p0.atcInvalidations() + p1.atcInvalidations())).toString();
        }

        /** The run exercised what it claims to: every step kind, every outcome on every device, a PASID reused. */
        void assertCoverage() {
            rig.what = "coverage";
            for (Kind k : Kind.values()) {
                check(steps.getOrDefault(k, 0) > 0, "no " + k + " step");
            }
            rig.probes.forEach((e, n) -> {
                for (int d = 0; d < DEVICES; d++) {
                    check(n[d] > 0, "no " + e + " probe on " + rig.sys.device(d).name());
                }
            });
            check(pasidReuses > 0, "no PASID was reused");
        }
    }
}

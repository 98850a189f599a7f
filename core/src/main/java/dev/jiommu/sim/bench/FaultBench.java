package dev.jiommu.sim.bench;

import dev.jiommu.hw.pci.DmaDescriptor;
import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.os.iommu.IopfStats;
import dev.jiommu.os.iommu.Result;
import dev.jiommu.os.iommu.SvaHandle;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.mm.Mman;
import dev.jiommu.os.smmuv3.DriverStats;
import dev.jiommu.os.sva.MmAddressSpace;
import dev.jiommu.sim.scenarios.SvaSystem;

/**
 * I/O page-fault round trips through the whole SVA stack ({@link SvaSystem},
 * one jiommu-dma engine, one process bound to it): each round maps a fresh
 * anonymous buffer the CPU never touched and has the engine TOUCH (read one
 * byte of) every page of it, so every page comes in by a recoverable fault
 * resolved by demand paging.
 *
 * <ul>
 *   <li>{@link Mode#PRI}: an ATS + PRI engine. Per page: Translation Request,
 *       completion with R = W = 0, PRI page request, PRI queue entry, the
 *       driver's PRI interrupt thread, the IOPF queue, {@code Mm.handleFault};
 *       per group (the engine asks for up to 16 contiguous pages in one page
 *       request group): CMD_PRI_RESP, PRG Response, and the engine's retry.</li>
 *   <li>{@link Mode#PRI_SINGLE}: the same engine, but the CPU has touched
 *       every other page of the buffer beforehand, so each faulting page is a
 *       group of its own and pays the whole round trip, response and retry
 *       included. The buffer is twice as long; only half of it faults.</li>
 *   <li>{@link Mode#STALL}: an engine without ATS or PRI behind an SMMU
 *       that stalls: per page, the transaction stalls, a stall event goes to
 *       the event queue, the driver's event thread reports it to the IOPF
 *       queue, {@code Mm.handleFault}, CMD_RESUME, and the SMMU retries the
 *       transaction.</li>
 * </ul>
 *
 * <p>{@link #prepare()} (unmap the last buffer, map a fresh one) is the part
 * a benchmark leaves out of its timing; {@link #round()} is the part it
 * times. {@link #check()} verifies from the stack's own counters
 * that a round faulted exactly {@link #faultingPages()} pages, each once, and
 * that the descriptor completed without error.
 */
public final class FaultBench {

    /** Which fault path a round exercises. */
    public enum Mode { PRI, PRI_SINGLE, STALL }

    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final long MAX_EVENTS = 100_000_000L;

    private final Mode mode;
    private final int pages;
    private final SvaSystem sys;
    private final Mm mm;
    private final SvaHandle bond;
    private final int pasid;
    private DmaDescriptor descriptor;
    private long buffer = -1;
    private long rounds;
    /** The counters when the last {@link #prepare()} ended; null once {@link #settle()} took them. */
    private Counts mark;
    private Counts measured = new Counts(0, 0, 0, 0, 0, 0, 0);

    /**
     * Counters of the stack that one round moves.
     *
     * @param mmFaults     pages the memory manager resolved ({@code MemoryManager.pageFaults})
     * @param priRequests  PRI queue entries the driver consumed
     * @param stallFaults  stall events the driver consumed
     * @param groups       IOPF groups closed
     * @param successes    IOPF responses SUCCESS
     * @param completed    descriptors the engine completed
     * @param errors       descriptors that ended in error
     */
    public record Counts(long mmFaults, long priRequests, long stallFaults, long groups, long successes,
                         long completed, long errors) {
    }

    /**
     * @param pages the pages that fault in each round (a multiple of 16 keeps PRI groups full), at most 4096
     */
    public FaultBench(Mode mode, int pages) {
        if (pages < 1 || pages > 4096) {
            throw new IllegalArgumentException("pages must be 1..4096: " + pages);
        }
        this.mode = mode;
        this.pages = pages;
        this.sys = mode == Mode.STALL ? SvaSystem.withStall(1) : SvaSystem.withPri(1);
        this.mm = sys.mm().createMm("bench");
        Result<SvaHandle> r = sys.core().bind(sys.device(0), MmAddressSpace.of(mm));
        if (!r.isOk()) {
            throw new IllegalStateException("bind failed: " + r + "; driver log: " + sys.smmu().log());
        }
        this.bond = r.value();
        this.pasid = bond.pasid();
    }

    public SvaSystem system() {
        return sys;
    }

    public Mode mode() {
        return mode;
    }

    /** Pages that fault in each round. */
    public int faultingPages() {
        return pages;
    }

    /** Bytes of the buffer the engine touches each round. */
    public long bufferBytes() {
        return (mode == Mode.PRI_SINGLE ? 2L : 1L) * pages * 4096;
    }

    /**
     * Unmaps the previous round's buffer (the MMU notifier invalidates the
     * SMMU's TLB and the engine's ATC) and maps a fresh one; in
     * {@link Mode#PRI_SINGLE} the CPU then writes every other page.
     */
    public void prepare() {
        settle();
        if (buffer >= 0 && mm.munmap(buffer, bufferBytes()) != 0) {
            throw new IllegalStateException("munmap failed");
        }
        buffer = mm.mmap(bufferBytes(), RW);
        if (buffer < 0) {
            throw new IllegalStateException("mmap failed: " + buffer);
        }
        if (mode == Mode.PRI_SINGLE) {
            for (long p = 0; p < 2L * pages; p += 2) {
                if (mm.write64(buffer + p * 4096, p) != 0) {
                    throw new IllegalStateException("CPU write failed: errno " + mm.lastErrno());
                }
            }
        }
        descriptor = new DmaDescriptor(DmaDescriptor.OP_TOUCH, DmaDescriptor.FLAG_PASID, pasid, bufferBytes(), 0,
                buffer, 0);
        mark = counts();
    }

    /**
     * The engine touches the buffer {@link #prepare()} mapped; returns when
     * the machine is idle again. One round per {@link #prepare()}.
     */
    public void round() {
        sys.submit(0, descriptor);
        if (!sys.run(MAX_EVENTS)) {
            throw new IllegalStateException("the machine did not go idle");
        }
        rounds++;
    }

    /** Rounds run. */
    public long rounds() {
        return rounds;
    }

    /** The counters now. */
    public Counts counts() {
        DriverStats d = sys.smmu().stats();
        IopfStats q = sys.driver().iopfQueue().stats();
        return new Counts(sys.mm().pageFaults(), d.priRequests, sys.driver().stallFaults(), q.groups(),
                q.success(), sys.engineReg(0, DmaEngine.REG_COMPLETED) & 0xffff_ffffL,
                sys.engineReg(0, DmaEngine.REG_ERRORS) & 0xffff_ffffL);
    }

    /** Adds what the stack counted since {@link #mark} to {@link #measured}. */
    private void settle() {
        if (mark == null) {
            return;
        }
        Counts now = counts();
        measured = new Counts(measured.mmFaults() + now.mmFaults() - mark.mmFaults(),
                measured.priRequests() + now.priRequests() - mark.priRequests(),
                measured.stallFaults() + now.stallFaults() - mark.stallFaults(),
                measured.groups() + now.groups() - mark.groups(),
                measured.successes() + now.successes() - mark.successes(),
                measured.completed() + now.completed() - mark.completed(),
                measured.errors() + now.errors() - mark.errors());
        mark = null;
    }

    /**
     * What the stack counted during every {@link #round()} so far (the work
     * {@link #prepare()} does, the CPU's faults of {@link Mode#PRI_SINGLE}
     * among it, is left out).
     */
    public Counts measured() {
        settle();
        return measured;
    }

    /**
     * Checks the counts of every round so far: {@code rounds() *
     * faultingPages()} pages faulted in, each by one PRI request (PRI modes)
     * or one stall ({@link Mode#STALL}); in {@link Mode#PRI_SINGLE} and
     * {@link Mode#STALL} one group per page, in {@link Mode#PRI} at most 16
     * pages per group; every group answered SUCCESS; one descriptor completed
     * per round, none in error.
     *
     * @return null when every check holds, else what failed
     */
    public String check() {
        Counts c = measured();
        long faults = rounds * pages;
        StringBuilder bad = new StringBuilder();
        expect(bad, "mm page faults", c.mmFaults(), faults);
        expect(bad, "PRI requests", c.priRequests(), mode == Mode.STALL ? 0 : faults);
        expect(bad, "stall faults", c.stallFaults(), mode == Mode.STALL ? faults : 0);
        if (mode != Mode.PRI) {
            expect(bad, "IOPF groups", c.groups(), faults);
        } else if (c.groups() < (faults + 15) / 16 || c.groups() > faults) {
            bad.append("IOPF groups ").append(c.groups()).append(" not within [").append((faults + 15) / 16)
                    .append(", ").append(faults).append("]; ");
        }
        expect(bad, "SUCCESS responses", c.successes(), c.groups());
        expect(bad, "descriptors completed", c.completed(), rounds);
        expect(bad, "descriptor errors", c.errors(), 0);
        return bad.isEmpty() ? null : bad.toString();
    }

    private static void expect(StringBuilder bad, String what, long got, long want) {
        if (got != want) {
            bad.append(what).append(' ').append(got).append(", expected ").append(want).append("; ");
        }
    }
}

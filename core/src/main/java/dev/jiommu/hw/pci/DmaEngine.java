package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.bus.Scheduler;
import dev.jiommu.hw.bus.TranslationAgent;
import dev.jiommu.hw.cache.Replacement;
import dev.jiommu.pgtable.Access;

import static dev.jiommu.hw.pci.DmaDescriptor.*;

/**
 * A PASID-capable DMA engine: one PCIe function with a descriptor ring in
 * memory, the PCI Express, MSI-X, ATS, PRI and PASID capabilities, and an
 * ATC. Its programming interface is documented in docs/dma-engine.md.
 *
 * <p>BAR0 (4 KiB) holds 32-bit registers; BAR2 (4 KiB) the MSI-X table (one
 * vector) at 0 and its PBA at 0x800. Software fills descriptors
 * ({@link DmaDescriptor}) at RING_BASE and moves TAIL; the engine fetches them
 * in order from HEAD, runs each and writes its completion record, then
 * signals MSI-X vector 0 if the descriptor asks for it and CTRL.IRQ_EN is set.
 * All memory traffic — descriptor fetches, data, completion records, the MSI —
 * goes through the function's {@link DmaPort}, so through the SMMU, with ATS
 * and PRI when software enabled them.
 *
 * <p>Work is done from the machine's {@link Scheduler}: a TAIL write posts the
 * engine, which runs a bounded slice of work and posts itself again, so
 * several engines run at once, interleaved. A descriptor that waits for a
 * page request group or a stalled transaction parks the engine until the
 * answer comes. With ATS the engine asks for the translations of the next
 * 64 KiB of each buffer ahead of use; a refusal there is deferred to the
 * page it names, so the data before it still moves and the descriptor ends
 * with that fault when it gets there. A bad descriptor (reserved bits,
 * opcode, length, alignment) ends with an error status and the engine goes
 * on with the next one; a descriptor whose fetch fails is skipped and
 * counted (FETCH_ERRORS); a TAIL beyond the ring is ignored, counted, and
 * flagged in STATUS.
 *
 * <p>Invariants: no access to BAR0 or BAR2 throws; the engine fetches only
 * while HEAD != TAIL, and HEAD moves forward one slot per descriptor
 * consumed (ended, or skipped after a failed fetch); COMPLETED counts
 * descriptors that ended (whatever their status), FETCH_ERRORS descriptors
 * skipped, and ERRORS those of both that did not succeed, so
 * {@code ERRORS <= COMPLETED + FETCH_ERRORS}; at most one completion record
 * is written per descriptor, after its data; the completion interrupt
 * follows the record. CTRL.RESET and a RING_SIZE write abandon the
 * descriptor in progress; an access the engine is waiting for (a page
 * request group or a stalled transaction) is still awaited, its answer then
 * dropped, so no late answer ever acts on newer work.
 */
public final class DmaEngine extends PciFunction {

    public static final Identity IDENTITY = new Identity(PciRegs.PCI_VENDOR_ID_REDHAT, 0x4a01, 0, 0x080100);

    // ---- BAR0 registers -------------------------------------------------------------------------------------
    public static final int REG_ID = 0x00;
    public static final int REG_CTRL = 0x04;
    public static final int REG_STATUS = 0x08;
    public static final int REG_RING_BASE_LO = 0x10;
    public static final int REG_RING_BASE_HI = 0x14;
    public static final int REG_RING_SIZE = 0x18;
    public static final int REG_HEAD = 0x1c;
    public static final int REG_TAIL = 0x20;
    public static final int REG_COMPLETED = 0x24;
    public static final int REG_ERRORS = 0x28;
    public static final int REG_FETCH_ERRORS = 0x2c;
    public static final int REG_BAD_TAIL_WRITES = 0x30;
    /** Completion records that could not be written (their write faulted). */
    public static final int REG_RECORD_ERRORS = 0x34;
    /**
     * The last error: {@link #ERROR_INFO_STATUS}, {@link #ERROR_INFO_REASON}, {@link #ERROR_INFO_SLOT},
     * {@link #ERROR_INFO_FETCH}.
     */
    public static final int REG_ERROR_INFO = 0x38;
    /** The fault address of the last error, low and high halves. */
    public static final int REG_ERROR_ADDR_LO = 0x40;
    public static final int REG_ERROR_ADDR_HI = 0x44;

    /** REG_ID: "JDMA" version 1. */
    public static final int ID_VALUE = 0x4a444d01;
    public static final int CTRL_ENABLE = 1;
    /** Write 1: stop, forget the ring position and the descriptor in progress; reads 0. */
    public static final int CTRL_RESET = 2;
    public static final int CTRL_IRQ_EN = 4;
    public static final int STATUS_BUSY = 1;
    public static final int STATUS_WAITING = 2;
    /** Sticky, write 1 to clear: a TAIL write was beyond the ring. */
    public static final int STATUS_TAIL_ERROR = 4;
    /** RING_SIZE holds log2 of the number of entries, 1..15. */
    public static final int MAX_RING_LOG2 = 15;
    /** ERROR_INFO[7:0]: the status the descriptor ended with (PAGE_FAULT for a failed fetch); 0 before any error. */
    public static final int ERROR_INFO_STATUS = 0xff;
    /** ERROR_INFO[15:8]: the fault reason (a {@link DmaPort.FaultReason} ordinal; 0 for descriptor errors). */
    public static final int ERROR_INFO_REASON = 0xff00;
    /** ERROR_INFO[30:16]: the ring slot of the descriptor. */
    public static final int ERROR_INFO_SLOT = 0x7fff_0000;
    /** ERROR_INFO[31]: the error was a failed descriptor fetch (the descriptor was skipped). */
    public static final int ERROR_INFO_FETCH = 0x8000_0000;

    public static final int BAR0_SIZE = 0x1000;
    public static final int BAR2_SIZE = 0x1000;
    public static final int MSIX_PBA_OFFSET = 0x800;

    /** Chunks (up to 4 KiB each) one slice of work moves before the engine yields to others. */
    private static final int SLICE = 64;
    /** Bytes of each buffer whose translations are asked for ahead of use. */
    private static final long PREFETCH_WINDOW = 16 * 4096;

    /**
     * What an engine is built with.
     *
     * @param atcEntries  ATC capacity (0: no ATS capability)
     * @param priRequests Outstanding Page Request Capacity (0: no PRI capability)
     * @param pasidBits   Max PASID Width (0: no PASID capability)
     */
    public record Options(int atcEntries, int priRequests, int pasidBits) {
        public static Options full() {
            return new Options(512, 32, 20);
        }
    }

    private final TranslationAgent upstream;
    private final Scheduler scheduler;
    private final MsixCapability msix;
    private final DmaPort port;

    private int ctrl;
    private int status;
    private long ringBase;
    private int ringLog2 = 1;
    private int head;
    private int tail;
    private long completed;
    private long errors;
    private long fetchErrors;
    private long badTailWrites;
    private long bytesMoved;
    private long recordErrors;
    private int errorInfo;
    private long errorAddress;

    /** A slice of work is posted or the engine is parked on a wait. */
    private boolean scheduled;
    private boolean waiting;
    /** The wait in progress belongs to abandoned work: its answer is dropped. */
    private boolean abandoned;

    private enum Phase { FETCH, PREFETCH, READ_SRC, READ_DST, WRITE_DST, RECORD }

    private Phase phase = Phase.FETCH;
    private DmaDescriptor cur;
    private long done;
    private int chunk;
    private long prefetchedTo;
    /** The buffer (source or destination address) whose translations the PREFETCH step is asking for. */
    private long prefetchBase;
    /**
     * A translation asked for ahead of use failed: the descriptor ends with
     * that fault when its progress reaches this offset (Long.MAX_VALUE: none).
     */
    private long deferredAt = Long.MAX_VALUE;
    private long deferredAddress;
    private int deferredReason;
    private long result;
    private int finalStatus;
    private long faultAddress;
    private int faultReason;
    private final byte[] descriptor = new byte[SIZE];
    private final byte[] a = new byte[4096];
    private final byte[] b = new byte[4096];
    private final byte[] record = new byte[RECORD_SIZE];

    public DmaEngine(TranslationAgent upstream, Scheduler scheduler, Options options) {
        super(IDENTITY, true);
        this.upstream = upstream;
        this.scheduler = scheduler;
        // A Root Complex Integrated Endpoint: no bridge between it and the Root Complex carries the PASID prefix for it.
        PciExpressCapability.add(this, PciRegs.PCI_EXP_TYPE_RC_END, options.pasidBits() > 0);
        this.msix = MsixCapability.add(this, upstream, 1, 2, 0, 2, MSIX_PBA_OFFSET);
        addBar(new Bar(0, BAR0_SIZE, false, new Registers()));
        addBar(new Bar(2, BAR2_SIZE, false, msix.bar(2)));
        AtsCapability ats = options.atcEntries() > 0 ? AtsCapability.add(this, 32, true) : null;
        PriCapability pri = options.priRequests() > 0 && ats != null
                ? PriCapability.add(this, options.priRequests(), options.pasidBits() > 0) : null;
        PasidCapability pasid = options.pasidBits() > 0
                ? PasidCapability.add(this, options.pasidBits(), false, true) : null;
        Atc atc = ats != null ? new Atc(options.atcEntries(), Replacement.LRU) : null;
        this.port = new DmaPort(this, upstream, scheduler, atc, ats, pri, pasid, 16);
        port.onResume(this::resumed);
    }

    /** Connects the function's port to its Translation Agent by requester ID. */
    @Override
    protected void attached() {
        upstream.connect(requesterId(), port);
    }

    public DmaPort port() {
        return port;
    }

    public MsixCapability msix() {
        return msix;
    }

    public long completed() {
        return completed;
    }

    public long errors() {
        return errors;
    }

    public long bytesMoved() {
        return bytesMoved;
    }

    public long recordErrors() {
        return recordErrors;
    }

    private int ringMask() {
        return (1 << ringLog2) - 1;
    }

    private boolean enabled() {
        return (ctrl & CTRL_ENABLE) != 0;
    }

    /** The engine's slice of work, made once: posting it allocates nothing. */
    private final Runnable runTask = this::run;

    private void kick() {
        if (enabled() && !scheduled && !waiting && (cur != null || head != tail || phase != Phase.FETCH)) {
            scheduled = true;
            scheduler.post(runTask);
        }
    }

    // ---- the work ---------------------------------------------------------------------------------------------

    private void run() {
        scheduled = false;
        for (int n = 0; n < SLICE && enabled() && !waiting; n++) {
            if (cur == null && phase == Phase.FETCH && head == tail) {
                return;
            }
            int outcome = step();
            if (outcome == DmaPort.MOVED) {
                // A copied chunk is its read and its write: two accesses of the slice.
                n++;
                chunkDone();
            } else {
                after(outcome);
            }
        }
        kick();
    }

    /** One access of the current phase; returns a {@link DmaPort} outcome. */
    private int step() {
        int attrs = cur != null && (cur.flags() & FLAG_PRIV) != 0 ? Access.PRIV : 0;
        int pasid = cur != null ? cur.pasid() : DmaTarget.NO_SUBSTREAM;
        return switch (phase) {
            case FETCH -> port.access(DmaTarget.NO_SUBSTREAM, ringBase + (long) (head & ringMask()) * SIZE, false, 0,
                    descriptor, 0, SIZE);
            case PREFETCH -> prefetch(pasid, attrs);
            case READ_SRC -> cur.opcode() == OP_COPY
                    ? port.copy(pasid, cur.source() + done, cur.destination() + done, attrs, a, 0, chunk)
                    : port.access(pasid, cur.source() + done, false, attrs, a, 0, chunk);
            case READ_DST -> port.access(pasid, cur.destination() + done, false, attrs,
                    cur.opcode() == OP_COMPARE ? b : a, 0, chunk);
            case WRITE_DST -> port.access(pasid, cur.destination() + done, true, attrs, a, 0, chunk);
            case RECORD -> port.access(pasid, cur.completion(), true, attrs, record, 0, RECORD_SIZE);
        };
    }

    /**
     * Asks for the translations of the next window of the source, then of the
     * destination (ATS only; page requests for what is not granted). A
     * failure is not final here: {@link #failed()} defers it to the offset of
     * the page it names, so data before that page still moves.
     */
    private int prefetch(int pasid, int attrs) {
        long window = Math.min(PREFETCH_WINDOW, Math.min(cur.length(), deferredAt) - done);
        if (cur.opcode() == OP_COPY || cur.opcode() == OP_COMPARE) {
            prefetchBase = cur.source();
            int r = port.prefetch(pasid, cur.source() + done, window, false, attrs);
            if (r != DmaPort.DONE) {
                return r;
            }
        }
        boolean write = cur.opcode() == OP_COPY || cur.opcode() == OP_FILL
                || (cur.opcode() == OP_TOUCH && (cur.flags() & FLAG_TOUCH_WRITE) != 0);
        prefetchBase = cur.destination();
        return port.prefetch(pasid, cur.destination() + done, window, write, attrs);
    }

    private void after(int outcome) {
        switch (outcome) {
            case DmaPort.DONE -> advance();
            case DmaPort.WAIT -> waiting = true;
            default -> failed();
        }
    }

    private void resumed(int outcome) {
        waiting = false;
        if (abandoned) {
            // CTRL.RESET or a RING_SIZE write gave up the descriptor this answer was for.
            abandoned = false;
            kick();
            return;
        }
        if (outcome == DmaPort.DONE) {
            advance();
        } else if (outcome == DmaPort.FAULT) {
            failed();
        }
        kick();
    }

    private void failed() {
        if (phase == Phase.FETCH) {
            fetchErrors++;
            errors++;
            noteError(STATUS_PAGE_FAULT, port.faultReason().ordinal(), port.faultAddress(), true);
            head = (head + 1) & ringMask();
            return;
        }
        if (phase == Phase.RECORD) {
            recordErrors++;
            endDescriptor();
            return;
        }
        if (phase == Phase.PREFETCH) {
            // The page asked for ahead of use is refused: the descriptor will end there, after the data before it.
            long at = port.faultAddress();
            long offset = Long.compareUnsigned(at, prefetchBase) <= 0 ? 0 : at - prefetchBase;
            if (offset < deferredAt) {
                deferredAt = offset;
                deferredAddress = at;
                deferredReason = port.faultReason().ordinal();
            }
            advance();
            return;
        }
        finish(STATUS_PAGE_FAULT, port.faultAddress(), port.faultReason().ordinal());
    }

    /** The access of the current phase completed: move on. */
    private void advance() {
        switch (phase) {
            case FETCH -> {
                int v = validate(descriptor);
                cur = decode(descriptor);
                done = 0;
                prefetchedTo = 0;
                deferredAt = Long.MAX_VALUE;
                result = -1;
                if (v != STATUS_SUCCESS) {
                    finish(v, 0, 0);
                } else {
                    nextChunk();
                }
            }
            case PREFETCH -> {
                prefetchedTo = done + PREFETCH_WINDOW;
                nextChunk();
            }
            case READ_SRC -> phase = cur.opcode() == OP_COMPARE ? Phase.READ_DST : Phase.WRITE_DST;
            case READ_DST -> {
                if (cur.opcode() == OP_COMPARE) {
                    int diff = java.util.Arrays.mismatch(a, 0, chunk, b, 0, chunk);
                    if (diff >= 0) {
                        result = done + diff;
                        done += chunk;
                        finish(STATUS_SUCCESS, 0, 0);
                        return;
                    }
                    chunkDone();
                } else if ((cur.flags() & FLAG_TOUCH_WRITE) != 0) {
                    phase = Phase.WRITE_DST;
                } else {
                    chunkDone();
                }
            }
            case WRITE_DST -> chunkDone();
            case RECORD -> endDescriptor();
        }
    }

    private void chunkDone() {
        done += cur.opcode() == OP_TOUCH ? touchSpan() : chunk;
        bytesMoved += chunk;
        if (done >= cur.length()) {
            finish(STATUS_SUCCESS, 0, 0);
        } else {
            nextChunk();
        }
    }

    /** TOUCH moves one byte per page but covers up to the page's end. */
    private long touchSpan() {
        long at = cur.destination() + done;
        return Math.min(cur.length() - done, 4096 - (at & 4095));
    }

    private void nextChunk() {
        if (done >= deferredAt) {
            finish(STATUS_PAGE_FAULT, deferredAddress, deferredReason);
            return;
        }
        if (port.atsEnabled() && done >= prefetchedTo) {
            phase = Phase.PREFETCH;
            return;
        }
        long remaining = cur.length() - done;
        long dst = cur.destination() + done;
        long n = Math.min(remaining, 4096 - (dst & 4095));
        switch (cur.opcode()) {
            case OP_COPY, OP_COMPARE -> {
                long src = cur.source() + done;
                chunk = (int) Math.min(n, 4096 - (src & 4095));
                phase = Phase.READ_SRC;
            }
            case OP_FILL -> {
                chunk = (int) n;
                for (int i = 0; i < chunk; i++) {
                    a[i] = (byte) (cur.source() >>> (8 * ((dst + i) & 7)));
                }
                phase = Phase.WRITE_DST;
            }
            default -> {
                chunk = 1;
                phase = Phase.READ_DST;
            }
        }
    }

    /**
     * Ends the current descriptor with {@code status}: its completion record
     * next when it names a usable one (non-zero and 32-byte aligned; for any
     * status, so software learns of a bad descriptor), else at once.
     */
    private void finish(int status, long address, int reason) {
        finalStatus = status;
        faultAddress = address;
        faultReason = reason;
        if (status != STATUS_SUCCESS) {
            errors++;
            noteError(status, reason, address, false);
        }
        if (cur.completion() == 0 || (cur.completion() & (RECORD_SIZE - 1)) != 0) {
            endDescriptor();
            return;
        }
        java.util.Arrays.fill(record, (byte) 0);
        record[0] = (byte) finalStatus;
        record[1] = (byte) faultReason;
        put(record, 8, done, 8);
        put(record, 16, faultAddress, 8);
        put(record, 24, result, 8);
        phase = Phase.RECORD;
    }

    private void noteError(int status, int reason, long address, boolean fetch) {
        errorInfo = (status & 0xff) | (reason & 0xff) << 8 | ((head & ringMask()) << 16 & ERROR_INFO_SLOT)
                | (fetch ? ERROR_INFO_FETCH : 0);
        errorAddress = address;
    }

    private void endDescriptor() {
        completed++;
        boolean irq = (cur.flags() & FLAG_IRQ) != 0;
        cur = null;
        phase = Phase.FETCH;
        head = (head + 1) & ringMask();
        if (irq && (ctrl & CTRL_IRQ_EN) != 0) {
            msix.signal(0);
        }
    }

    private void reset() {
        ctrl = 0;
        head = 0;
        tail = 0;
        abandonWork();
        status &= ~STATUS_TAIL_ERROR;
    }

    /**
     * Forgets the descriptor in progress. An access still outstanding (a page
     * request group, a stalled transaction) cannot be recalled: the engine
     * stays parked until its answer comes, and drops it.
     */
    private void abandonWork() {
        cur = null;
        phase = Phase.FETCH;
        if (waiting) {
            abandoned = true;
        }
    }

    // ---- BAR0 -------------------------------------------------------------------------------------------------

    /** 32-bit registers; any other size or alignment reads 0 and writes nothing. */
    private final class Registers implements MmioDevice {
        @Override
        public long read(long offset, int size) {
            if (size != 4 || (offset & 3) != 0) {
                return 0;
            }
            return switch ((int) offset) {
                case REG_ID -> ID_VALUE;
                case REG_CTRL -> ctrl;
                case REG_STATUS -> status | (cur != null || head != tail ? STATUS_BUSY : 0)
                        | (waiting ? STATUS_WAITING : 0);
                case REG_RING_BASE_LO -> ringBase & 0xffff_ffffL;
                case REG_RING_BASE_HI -> ringBase >>> 32;
                case REG_RING_SIZE -> ringLog2;
                case REG_HEAD -> head;
                case REG_TAIL -> tail;
                case REG_COMPLETED -> completed & 0xffff_ffffL;
                case REG_ERRORS -> errors & 0xffff_ffffL;
                case REG_FETCH_ERRORS -> fetchErrors & 0xffff_ffffL;
                case REG_BAD_TAIL_WRITES -> badTailWrites & 0xffff_ffffL;
                case REG_RECORD_ERRORS -> recordErrors & 0xffff_ffffL;
                case REG_ERROR_INFO -> errorInfo & 0xffff_ffffL;
                case REG_ERROR_ADDR_LO -> errorAddress & 0xffff_ffffL;
                case REG_ERROR_ADDR_HI -> errorAddress >>> 32;
                default -> 0;
            } & 0xffff_ffffL;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (size != 4 || (offset & 3) != 0) {
                return;
            }
            int v = (int) value;
            switch ((int) offset) {
                case REG_CTRL -> {
                    if ((v & CTRL_RESET) != 0) {
                        reset();
                        return;
                    }
                    ctrl = v & (CTRL_ENABLE | CTRL_IRQ_EN);
                    kick();
                }
                case REG_STATUS -> status &= ~(v & STATUS_TAIL_ERROR);
                // The ring is fixed while the engine is enabled.
                case REG_RING_BASE_LO -> {
                    if (!enabled()) {
                        ringBase = (ringBase & ~0xffff_ffffL) | (value & 0xffff_ffc0L);
                    }
                }
                case REG_RING_BASE_HI -> {
                    if (!enabled()) {
                        ringBase = (ringBase & 0xffff_ffffL) | (value & 0xffff_ffffL) << 32;
                    }
                }
                case REG_RING_SIZE -> {
                    if (!enabled() && v >= 1 && v <= MAX_RING_LOG2) {
                        ringLog2 = v;
                        head = 0;
                        tail = 0;
                        abandonWork();
                    }
                }
                case REG_TAIL -> {
                    if ((v & 0xffff_ffffL) > ringMask()) {
                        badTailWrites++;
                        status |= STATUS_TAIL_ERROR;
                        return;
                    }
                    tail = v;
                    kick();
                }
                default -> {
                }
            }
        }
    }
}

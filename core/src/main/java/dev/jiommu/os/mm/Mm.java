package dev.jiommu.os.mm;

import dev.jiommu.Errno;
import dev.jiommu.hw.bus.Dvm;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Descriptor;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.WalkResult;
import dev.jiommu.pgtable.Walker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One process address space, with the semantics of Linux's {@code mm_struct}
 * on arm64: anonymous memory in VMAs, demand paged into a stage-1 table tree
 * that the CPU and, for SVA, the SMMU walk.
 *
 * <p>Invariants while alive:
 * <ul>
 *   <li>every resident page lies in a VMA and owns one 4 KiB frame of the
 *       data allocator, zeroed when first touched;</li>
 *   <li>every valid PTE maps a resident page to its frame with the
 *       permissions of its VMA (below); a resident page may have no PTE
 *       (PROT_NONE, or after a PROT_NONE spell), and gets one back on its
 *       next fault without losing its contents;</li>
 *   <li>no PTE exists outside a VMA.</li>
 * </ul>
 *
 * <p>PTEs (arm64's user page protections, Normal write-back memory,
 * inner-shareable, AF set, nG): PROT_WRITE maps read-write, PROT_READ alone
 * read-only, both unprivileged (AP[1] set); PROT_EXEC clears UXN/PXN, its
 * absence sets both XN bits. A write-only VMA is readable, since the
 * architecture has no write-only permission (Linux: write implies read).
 * PROT_EXEC alone is execute-only as arm64 maps it with FEAT_EPAN
 * ({@code PAGE_EXECONLY}): AP[1] clear, so EL0 may execute but not read.
 * PROT_NONE has no PTE.
 *
 * <p>Errors are negative errno values, documented per method; after
 * {@link #exit()} every operation returns {@code -ESRCH}. Notifier order: on
 * munmap, mprotect and MAP_FIXED replacement, the PTEs are cleared or
 * changed, then the CPU's broadcast TLBIs go out (arm64
 * {@code __flush_tlb_range}: one {@code TLBI VAE1IS} per page, or
 * {@code VALE1IS} when only leaf entries changed, or {@code ASIDE1IS} from
 * {@link #MAX_TLBI_OPS} pages up), then
 * {@link MmuNotifier#invalidateRange} runs, and then data frames are freed.
 * At exit the release notifiers run first, and one {@code ASIDE1IS} goes
 * out before the frames are freed. Table pages that a PTE clear
 * empties are freed by {@link IoPageTable#unmap} at once, before the
 * notifier; they are zeroed when freed and nothing is allocated before the
 * notifier returns, so none is reused before the invalidation.
 *
 * <p>Not modelled: fork and copy-on-write (so MAP_SHARED anonymous memory
 * behaves as MAP_PRIVATE), files, huge pages, swap, mremap, madvise,
 * max_map_count and address-space randomisation.
 */
public final class Mm {

    public static final int PAGE_SHIFT = PhysicalMemory.PAGE_SHIFT;
    public static final int PAGE_SIZE = PhysicalMemory.PAGE_SIZE;
    private static final long PAGE_OFFSET = PAGE_SIZE - 1;

    /** First address above the user address space (arm64 TASK_SIZE with 48-bit VAs). */
    public static final long TASK_SIZE = 1L << MemoryManager.VA_BITS;
    /** Lowest address mmap hands out or MAP_FIXED accepts (the usual vm.mmap_min_addr, 64 KiB). */
    public static final long MMAP_MIN_ADDR = 0x1_0000L;
    /**
     * Where top-down placement starts: Linux's {@code mmap_base} for an
     * 8 MiB stack limit, whose gap is clamped to the 128 MiB minimum, without
     * randomisation.
     */
    public static final long MMAP_BASE = TASK_SIZE - (128L << 20);

    private static final int MAP_SUPPORTED = Mman.MAP_TYPE | Mman.MAP_FIXED | Mman.MAP_ANONYMOUS
            | Mman.MAP_NORESERVE | Mman.MAP_POPULATE | Mman.MAP_FIXED_NOREPLACE;
    /** The descriptor bits that carry a user page's permissions. */
    private static final long PTE_PERMISSIONS = Descriptor.ARM_LPAE_PTE_AP_RDONLY | Descriptor.ARM_LPAE_PTE_AP_UNPRIV
            | Descriptor.ARM_LPAE_PTE_XN;

    private final MemoryManager manager;
    private final int id;
    private final String name;
    private final PhysicalMemory memory;
    private final FrameAllocator dataFrames;
    private final IoPageTable tables;
    private final TableFormat format;
    private final Walker cpuWalker;
    /** Software walks of the kernel (PTE lookups); separate so the CPU walker's counters stay the CPU's. */
    private final Walker kernelWalker;
    private final WalkResult cpuWalk = new WalkResult();
    private final WalkResult kernelWalk = new WalkResult();
    private final AsidAllocator.Context context;
    private final VmaTree vmas = new VmaTree();
    /** Pages from which a range flush becomes one flush of the ASID (arm64 {@code MAX_DVM_OPS}, PTRS_PER_PTE). */
    public static final long MAX_TLBI_OPS = 512;

    /** Resident pages: page VA to frame PA. */
    private final TreeMap<Long, Long> resident = new TreeMap<>();
    private final List<MmuNotifier> notifiers = new ArrayList<>(1);
    private final byte[] scratch = new byte[8];
    private int cpu;
    private int lastErrno;
    private boolean alive = true;
    private boolean exiting;
    /** Linux's {@code mm->iommu_mm}: the SVA layer's state for this process, or null. */
    private Object iommuMm;

    Mm(MemoryManager manager, int id, String name) {
        this.manager = manager;
        this.id = id;
        this.name = name;
        this.memory = manager.memory();
        this.dataFrames = manager.dataFrames();
        this.tables = IoPageTable.create(Stage.STAGE1, PAGE_SIZE, MemoryManager.VA_BITS, manager.oas(), 0,
                manager.tableFrames());
        this.format = manager.format();
        if (!tables.format().equals(format)) {
            throw new IllegalStateException("io-pgtable chose " + tables.format() + ", expected " + format);
        }
        this.cpuWalker = manager.cpuWalker();
        this.kernelWalker = new Walker(memory);
        this.context = manager.asids().newContext();
    }

    // ---- identity ----------------------------------------------------------------

    /** Unique among the address spaces of its {@link MemoryManager}, never reused, like a PID. */
    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public MemoryManager manager() {
        return manager;
    }

    /** PA of the stage-1 start table: TTBR0_EL1.BADDR, or a context descriptor's TTB0. Meaningless after exit. */
    public long pgd() {
        return tables.root();
    }

    /** Stage 1, 4 KiB granule, 48-bit VA, the machine's OAS (start level 0). */
    public TableFormat format() {
        return format;
    }

    public boolean isAlive() {
        return alive;
    }

    // ---- ASID --------------------------------------------------------------------

    /**
     * The ASID this address space holds: the one it ran with last, or its
     * pinned one. After a rollover, an unpinned address space that has not
     * run since holds a stale ASID (another may get the same value) and gets
     * a new one when it next runs or is pinned; a pinned ASID never changes.
     * After exit, the last value held.
     */
    public int asid() {
        return context.asid();
    }

    /**
     * Linux's {@code mm->iommu_mm}: what the SVA layer keeps for this
     * process (in jiommu, its one {@code os.sva.MmAddressSpace}), or null.
     * The memory manager never reads it.
     */
    public Object iommuMm() {
        return iommuMm;
    }

    /** Sets {@link #iommuMm()}; the SVA layer's business. */
    public void setIommuMm(Object state) {
        this.iommuMm = state;
    }

    /** The ASID state, for observers (generation, pin count). */
    public AsidAllocator.Context asidContext() {
        return context;
    }

    /**
     * Runs this address space on {@code cpu} (arm64 {@code check_and_switch_context}),
     * renewing a stale ASID; later CPU accesses ({@link #read}, {@link #write}) run there too.
     *
     * @return the ASID it runs with; {@code -EINVAL} for a CPU number outside
     *         the machine; {@code -ESRCH} after exit
     */
    public int runOn(int cpu) {
        if (!alive) {
            return -Errno.ESRCH;
        }
        if (cpu < 0 || cpu >= manager.asids().cpus()) {
            return -Errno.EINVAL;
        }
        this.cpu = cpu;
        return manager.asids().switchTo(context, cpu);
    }

    /**
     * Pins the ASID (arm64 {@code arm64_mm_context_get}), refcounted: while
     * pinned it never changes and no rollover hands it to anyone else, as an
     * SMMU context descriptor sharing these tables needs. A stale ASID is
     * renewed first.
     *
     * <p>Callers that ignore the result (a {@code void pinAsid()} call site)
     * still compile; they should not.
     *
     * @return the pinned ASID (greater than 0); {@code -ENOSPC} when the
     *         allocator's pinning limit is reached; {@code -ESRCH} after exit
     */
    public int pinAsid() {
        if (!alive) {
            return -Errno.ESRCH;
        }
        return manager.asids().pin(context);
    }

    /**
     * Drops one pin (arm64 {@code arm64_mm_context_put}). Allowed after
     * exit: a pinned ASID outlives the address space and stays reserved until
     * its last unpin, then becomes reusable at the next rollover.
     *
     * @throws IllegalStateException when the ASID is not pinned (unbalanced unpin, a kernel bug)
     */
    public void unpinAsid() {
        manager.asids().unpin(context);
    }

    // ---- notifiers -----------------------------------------------------------------

    /**
     * Adds a notifier ({@code mmu_notifier_register}). Registering one that
     * is registered already, or registering after exit, does nothing: bind
     * only to a live address space ({@link #isAlive()}).
     */
    public void registerNotifier(MmuNotifier n) {
        if (alive && n != null && !containsIdentity(n)) {
            notifiers.add(n);
        }
    }

    /** Removes a notifier; unknown ones are ignored. Safe inside a callback. */
    public void unregisterNotifier(MmuNotifier n) {
        for (int i = 0; i < notifiers.size(); i++) {
            if (notifiers.get(i) == n) {
                notifiers.remove(i);
                return;
            }
        }
    }

    private boolean containsIdentity(MmuNotifier n) {
        for (MmuNotifier m : notifiers) {
            if (m == n) {
                return true;
            }
        }
        return false;
    }

    /**
     * arm64 {@code __flush_tlb_range} for this ASID: per page, VALE1IS when
     * only last-level entries changed, else VAE1IS; ASIDE1IS from
     * {@link #MAX_TLBI_OPS} pages.
     */
    private void flushTlbRange(long start, long end, boolean lastLevel) {
        if (manager.dvm() == null) {
            return;
        }
        if ((end - start) >>> PAGE_SHIFT >= MAX_TLBI_OPS) {
            broadcastTlbi(Dvm.TlbiOp.ASIDE1IS, 0);
            return;
        }
        Dvm.TlbiOp op = lastLevel ? Dvm.TlbiOp.VALE1IS : Dvm.TlbiOp.VAE1IS;
        for (long va = start; va < end; va += PAGE_SIZE) {
            broadcastTlbi(op, va);
        }
    }

    private void broadcastTlbi(Dvm.TlbiOp op, long va) {
        Dvm dvm = manager.dvm();
        if (dvm != null) {
            dvm.broadcast(op, 0, context.asid(), va);
        }
    }

    private void notifyInvalidate(long start, long end) {
        for (MmuNotifier n : notifiers.toArray(MmuNotifier[]::new)) {
            n.invalidateRange(this, start, end);
        }
    }

    // ---- mmap / munmap / mprotect --------------------------------------------------------

    /** {@code mmap(NULL, length, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)}; see {@link #mmap(long, long, int, int)}. */
    public long mmap(long length, int prot) {
        return mmap(0, length, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS);
    }

    /**
     * An anonymous mapping of {@code length} bytes, rounded up to whole
     * pages, reading as zeros (Linux {@code do_mmap} for anonymous memory).
     * Every mapping is anonymous: MAP_ANONYMOUS is implied. Without a fixed
     * flag, a non-zero {@code addr} is a hint, used (rounded up to a page) when
     * the range there is free and at or above {@link #MMAP_MIN_ADDR}; else the
     * highest free range below {@link #MMAP_BASE} is taken. MAP_FIXED places
     * the mapping at {@code addr} and unmaps whatever was there first (with
     * the munmap notifier order); MAP_FIXED_NOREPLACE fails instead.
     * MAP_POPULATE faults every page in at once, ignoring failures, as Linux
     * does.
     *
     * @param flags exactly one of MAP_PRIVATE or MAP_SHARED (equivalent here:
     *              there is no fork), plus MAP_FIXED, MAP_FIXED_NOREPLACE,
     *              MAP_POPULATE, MAP_NORESERVE (no effect), MAP_ANONYMOUS
     * @return the start address, or:
     *         {@code -EINVAL} for a zero length, prot bits other than
     *         PROT_READ/WRITE/EXEC, another mapping type (MAP_SHARED_VALIDATE
     *         included, as for anonymous memory in Linux), flags the model does
     *         not have (refused rather than ignored), or a fixed {@code addr}
     *         not page aligned;
     *         {@code -ENOMEM} when the rounded length exceeds the address space,
     *         a fixed range would end beyond {@link #TASK_SIZE}, or no free range
     *         is left;
     *         {@code -EPERM} for a fixed {@code addr} below {@link #MMAP_MIN_ADDR};
     *         {@code -EEXIST} for MAP_FIXED_NOREPLACE over an existing mapping;
     *         {@code -ESRCH} after exit
     */
    public long mmap(long addr, long length, int prot, int flags) {
        if (!alive) {
            return -Errno.ESRCH;
        }
        if (length == 0 || (prot & ~Mman.PROT_MASK) != 0) {
            return -Errno.EINVAL;
        }
        int type = flags & Mman.MAP_TYPE;
        if ((type != Mman.MAP_PRIVATE && type != Mman.MAP_SHARED) || (flags & ~MAP_SUPPORTED) != 0) {
            return -Errno.EINVAL;
        }
        if (length < 0 || length > TASK_SIZE) {
            return -Errno.ENOMEM;
        }
        long len = pageAlign(length);
        long start;
        boolean fixed = (flags & (Mman.MAP_FIXED | Mman.MAP_FIXED_NOREPLACE)) != 0;
        if (fixed) {
            if (addr < 0 || addr > TASK_SIZE - len) {
                return -Errno.ENOMEM;
            }
            if ((addr & PAGE_OFFSET) != 0) {
                return -Errno.EINVAL;
            }
            if (addr < MMAP_MIN_ADDR) {
                return -Errno.EPERM;
            }
            if ((flags & Mman.MAP_FIXED_NOREPLACE) != 0 && vmas.intersects(addr, addr + len)) {
                return -Errno.EEXIST;
            }
            start = addr;
            unmapRange(start, start + len);
        } else {
            start = -1;
            long hint = addr > 0 && addr <= TASK_SIZE ? pageAlign(addr) : 0;
            if (hint >= MMAP_MIN_ADDR && hint <= TASK_SIZE - len && !vmas.intersects(hint, hint + len)) {
                start = hint;
            }
            if (start < 0) {
                start = vmas.gapTopDown(len, MMAP_MIN_ADDR, MMAP_BASE);
            }
            if (start < 0) {
                start = vmas.gapTopDown(len, MMAP_BASE, TASK_SIZE);
            }
            if (start < 0) {
                return -Errno.ENOMEM;
            }
        }
        vmas.insert(new Vma(start, start + len, prot));
        if ((flags & Mman.MAP_POPULATE) != 0 && prot != Mman.PROT_NONE) {
            populate(start, start + len, prot);
        }
        return start;
    }

    private void populate(long start, long end, int prot) {
        int access = (prot & Mman.PROT_WRITE) != 0 ? Access.WRITE
                : (prot & Mman.PROT_READ) != 0 ? Access.READ : Access.EXEC;
        for (long va = start; va < end; va += PAGE_SIZE) {
            if (handleFault(va, access) != 0) {
                return;
            }
        }
    }

    /**
     * Unmaps {@code [va, va + length)}, length rounded up to whole pages
     * (Linux {@code do_vmi_munmap}): VMAs are trimmed or split, PTEs cleared,
     * the notifiers told, then the frames freed. Holes in the range are not
     * an error.
     *
     * @return 0; {@code -EINVAL} when {@code va} is not page aligned, the
     *         range does not lie below {@link #TASK_SIZE} or the rounded length
     *         is zero; {@code -ESRCH} after exit
     */
    public int munmap(long va, long length) {
        if (!alive) {
            return -Errno.ESRCH;
        }
        if ((va & PAGE_OFFSET) != 0 || va < 0 || va > TASK_SIZE || length < 0 || length > TASK_SIZE - va) {
            return -Errno.EINVAL;
        }
        long len = pageAlign(length);
        if (len == 0) {
            return -Errno.EINVAL;
        }
        unmapRange(va, va + len);
        return 0;
    }

    /** Removes VMAs, PTEs and pages of {@code [start, end)}, in the notifier order of the class comment. */
    private void unmapRange(long start, long end) {
        if (!vmas.remove(start, end)) {
            return;
        }
        Map<Long, Long> gone = resident.subMap(start, true, end, false);
        long[] frames = new long[gone.size()];
        int n = 0;
        for (Map.Entry<Long, Long> e : gone.entrySet()) {
            tables.unmap(e.getKey(), PAGE_SIZE);
            frames[n++] = e.getValue();
        }
        gone.clear();
        flushTlbRange(start, end, false);
        notifyInvalidate(start, end);
        for (int i = 0; i < n; i++) {
            dataFrames.free(frames[i], PAGE_SIZE);
        }
        manager.countFreed(n);
    }

    /**
     * Changes the protection of {@code [va, va + length)}, length rounded up
     * to whole pages (Linux {@code do_mprotect_pkey}). VMAs are split and
     * merged as needed and present PTEs rewritten in place (cleared for
     * PROT_NONE, keeping the pages); if any PTE changed, the notifiers are
     * told once for the range changed. As in Linux, when the range runs into
     * a hole, the VMAs before the hole are changed and {@code -ENOMEM} is
     * returned.
     *
     * @return 0; {@code -EINVAL} when {@code va} is not page aligned or
     *         {@code prot} has bits other than PROT_READ/WRITE/EXEC (the
     *         grows-down/up flags included: no VMA here grows); 0 for a zero
     *         length (checked after alignment, before prot, as Linux does);
     *         {@code -ENOMEM} when the range wraps, starts outside a VMA or
     *         has a hole; {@code -ESRCH} after exit
     */
    public int mprotect(long va, long length, int prot) {
        if (!alive) {
            return -Errno.ESRCH;
        }
        if ((prot & (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP)) == (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP)
                || (va & PAGE_OFFSET) != 0) {
            return -Errno.EINVAL;
        }
        if (length == 0) {
            return 0;
        }
        long end = va + pageAlign(length);
        if (length < 0 || end <= va || va < 0) {
            return -Errno.ENOMEM;
        }
        if ((prot & ~Mman.PROT_MASK) != 0) {
            return -Errno.EINVAL;
        }
        long covered = vmas.coveredUpTo(va, end);
        if (covered == va) {
            return -Errno.ENOMEM;
        }
        vmas.protect(va, covered, prot);
        boolean changed = false;
        for (long page : resident.subMap(va, true, covered, false).keySet()) {
            changed |= setPte(page, prot);
        }
        if (changed) {
            flushTlbRange(va, covered, prot != Mman.PROT_NONE);
            notifyInvalidate(va, covered);
        }
        return covered < end ? -Errno.ENOMEM : 0;
    }

    /**
     * Brings the PTE of resident {@code page}, if present, to {@code prot}:
     * cleared for PROT_NONE, permissions rewritten in place otherwise (Linux
     * {@code change_pte_range}). True when the PTE changed.
     */
    private boolean setPte(long page, int prot) {
        if (!kernelWalker.walk(format, tables.root(), page, Access.NONE, 0, kernelWalk)) {
            return false;
        }
        if (prot == Mman.PROT_NONE) {
            return tables.unmap(page, PAGE_SIZE) == PAGE_SIZE;
        }
        long at = kernelWalk.descriptorAddress();
        long old = memory.read64(at);
        long pte = (old & ~PTE_PERMISSIONS) | pteBits(prot);
        if (pte == old) {
            return false;
        }
        memory.write64(at, pte);
        return true;
    }

    /** The io-pgtable protection a user page of {@code prot} is mapped with (see the class comment). */
    private static int ioProt(int prot) {
        int p = Prot.READ | Prot.CACHE;
        if ((prot & Mman.PROT_WRITE) != 0) {
            p |= Prot.WRITE;
        }
        if ((prot & (Mman.PROT_READ | Mman.PROT_WRITE)) == 0) {
            p |= Prot.PRIV; // execute-only
        }
        if ((prot & Mman.PROT_EXEC) == 0) {
            p |= Prot.NOEXEC;
        }
        return p;
    }

    /** The {@link #PTE_PERMISSIONS} bits of {@link #ioProt}{@code (prot)}, as io-pgtable sets them. */
    private static long pteBits(int prot) {
        long bits = 0;
        if ((prot & Mman.PROT_WRITE) == 0) {
            bits |= Descriptor.ARM_LPAE_PTE_AP_RDONLY;
        }
        if ((prot & (Mman.PROT_READ | Mman.PROT_WRITE)) != 0) {
            bits |= Descriptor.ARM_LPAE_PTE_AP_UNPRIV;
        }
        if ((prot & Mman.PROT_EXEC) == 0) {
            bits |= Descriptor.ARM_LPAE_PTE_XN;
        }
        return bits;
    }

    // ---- faults ------------------------------------------------------------------------

    /**
     * Resolves a fault at {@code va} for {@code access} ({@link Access} bits),
     * as Linux's {@code handle_mm_fault} after arm64's {@code do_page_fault}
     * checks (or the SVA page-request handler's): on success the page is
     * mapped and its PTE allows the access. A page's first touch allocates a
     * zeroed frame; a resident page without a PTE gets it back; a PTE whose
     * permissions lag its VMA is brought up to date.
     *
     * <p>The VMA must allow the access: WRITE needs PROT_WRITE, EXEC needs
     * PROT_EXEC, READ needs PROT_READ or PROT_WRITE (write implies read).
     * PRIV is accepted and checked no further: user pages are also
     * accessible to privileged requests.
     *
     * @return 0; {@code -EFAULT} when no VMA covers {@code va} (or it lies
     *         outside the user address space); {@code -EACCES} when the VMA's
     *         protection forbids the access; {@code -ENOMEM} when no frame (or
     *         table page) is left; {@code -EINVAL} for an access without
     *         READ, WRITE or EXEC, or with unknown bits; {@code -ESRCH} after exit
     */
    public int handleFault(long va, int access) {
        manager.countFault();
        if (!alive) {
            return -Errno.ESRCH;
        }
        if ((access & ~(Access.READ | Access.WRITE | Access.EXEC | Access.PRIV)) != 0
                || (access & (Access.READ | Access.WRITE | Access.EXEC)) == 0) {
            return -Errno.EINVAL;
        }
        if (va < 0 || va >= TASK_SIZE) {
            return -Errno.EFAULT;
        }
        Vma vma = vmas.find(va);
        if (vma == null) {
            return -Errno.EFAULT;
        }
        if (!vmaAllows(vma.prot(), access)) {
            return -Errno.EACCES;
        }
        long page = va & ~PAGE_OFFSET;
        if (kernelWalker.walk(format, tables.root(), page, Access.NONE, 0, kernelWalk)) {
            setPte(page, vma.prot());
            return 0;
        }
        Long frame = resident.get(page);
        boolean fresh = frame == null;
        long pa;
        if (fresh) {
            pa = dataFrames.allocate(PAGE_SIZE);
            if (pa == FrameAllocator.NO_FRAME) {
                return -Errno.ENOMEM;
            }
        } else {
            pa = frame;
        }
        int err = tables.map(page, pa, PAGE_SIZE, ioProt(vma.prot()));
        if (err != 0) {
            if (fresh) {
                dataFrames.free(pa, PAGE_SIZE);
            }
            return err;
        }
        if (fresh) {
            resident.put(page, pa);
            manager.countAllocated();
        }
        return 0;
    }

    private static boolean vmaAllows(int prot, int access) {
        if ((access & Access.WRITE) != 0 && (prot & Mman.PROT_WRITE) == 0) {
            return false;
        }
        if ((access & Access.EXEC) != 0 && (prot & Mman.PROT_EXEC) == 0) {
            return false;
        }
        return (access & Access.READ) == 0 || (prot & (Mman.PROT_READ | Mman.PROT_WRITE)) != 0;
    }

    // ---- CPU accesses ------------------------------------------------------------------------

    /**
     * The process reads {@code len} bytes at {@code va} into {@code dst[off..]}:
     * unprivileged CPU loads through the CPU walker, taking the demand fault
     * on a miss. Pages are done in order; on an error, the pages before the
     * failing one have been transferred (as a partial {@code copy_from_user}).
     *
     * @return 0; {@code -EFAULT} for an address outside every VMA;
     *         {@code -EACCES} for a page the VMA does not let the process read;
     *         {@code -ENOMEM} when demand paging runs out of frames;
     *         {@code -EINVAL} when {@code off}/{@code len} do not fit {@code dst};
     *         {@code -ESRCH} after exit
     */
    public int read(long va, byte[] dst, int off, int len) {
        return copy(va, dst, off, len, false);
    }

    /**
     * The process writes {@code src[off..off+len)} at {@code va}: unprivileged
     * CPU stores, faulting pages in as needed; page by page, like {@link #read}.
     *
     * @return as {@link #read}, {@code -EACCES} for a page the process may not write
     */
    public int write(long va, byte[] src, int off, int len) {
        return copy(va, src, off, len, true);
    }

    /**
     * The little-endian 64-bit value the process reads at {@code va} (any
     * alignment; may cross a page). When the read fails the result is 0 and
     * {@link #lastErrno()} holds the error, as {@link #read} returns it;
     * after a successful read {@link #lastErrno()} is 0.
     */
    public long read64(long va) {
        if ((va & PAGE_OFFSET) <= PAGE_SIZE - 8 && alive) {
            long pa = translateForCpu(va, Access.READ);
            lastErrno = pa < 0 ? (int) pa : 0;
            return pa < 0 ? 0 : memory.read64(pa);
        }
        lastErrno = copy(va, scratch, 0, 8, false);
        if (lastErrno != 0) {
            return 0;
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (scratch[i] & 0xff);
        }
        return v;
    }

    /** The process writes {@code value} little-endian at {@code va}; errors as {@link #write}. */
    public int write64(long va, long value) {
        if ((va & PAGE_OFFSET) <= PAGE_SIZE - 8 && alive) {
            long pa = translateForCpu(va, Access.WRITE);
            if (pa < 0) {
                return (int) pa;
            }
            memory.write64(pa, value);
            return 0;
        }
        for (int i = 0; i < 8; i++) {
            scratch[i] = (byte) (value >>> (8 * i));
        }
        return copy(va, scratch, 0, 8, true);
    }

    /** The error of the last {@link #read64}: 0 or a negative errno. */
    public int lastErrno() {
        return lastErrno;
    }

    private int copy(long va, byte[] buf, int off, int len, boolean write) {
        if (!alive) {
            return -Errno.ESRCH;
        }
        if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
            return -Errno.EINVAL;
        }
        int access = write ? Access.WRITE : Access.READ;
        while (len > 0) {
            long pa = translateForCpu(va, access);
            if (pa < 0) {
                return (int) pa;
            }
            int n = (int) Math.min(len, PAGE_SIZE - (va & PAGE_OFFSET));
            if (write) {
                memory.writeBytes(pa, buf, off, n);
            } else {
                memory.readBytes(pa, buf, off, n);
            }
            va += n;
            off += n;
            len -= n;
        }
        return 0;
    }

    /**
     * The PA of an unprivileged CPU access at {@code va} on the current CPU,
     * faulting the page in when the walk fails; a negative errno as
     * {@link #handleFault} returns it.
     */
    private long translateForCpu(long va, int access) {
        if (va < 0 || va >= TASK_SIZE) {
            return -Errno.EFAULT;
        }
        manager.asids().switchTo(context, cpu);
        if (cpuWalker.walk(format, tables.root(), va, access, 0, cpuWalk)) {
            return cpuWalk.outputAddress();
        }
        int err = handleFault(va, access);
        if (err != 0) {
            return err;
        }
        if (!cpuWalker.walk(format, tables.root(), va, access, 0, cpuWalk)) {
            throw new IllegalStateException(String.format("%s: the fault at 0x%x was handled but the walk still fails: %s",
                    this, va, cpuWalk));
        }
        return cpuWalk.outputAddress();
    }

    /**
     * The PA {@code va} translates to now, by a software walk that faults
     * nothing in; {@code -EFAULT} where no PTE maps it (or after exit).
     */
    public long translate(long va) {
        if (!alive || va < 0 || va >= TASK_SIZE
                || !kernelWalker.walk(format, tables.root(), va, Access.NONE, 0, kernelWalk)) {
            return -Errno.EFAULT;
        }
        return kernelWalk.outputAddress();
    }

    // ---- state ------------------------------------------------------------------------------

    /** The VMAs, in address order (like /proc/pid/maps); empty after exit. */
    public List<Vma> vmas() {
        return vmas.list();
    }

    /** Pages with a frame (RSS in pages); 0 after exit. */
    public long residentPages() {
        return resident.size();
    }

    /**
     * Tears the address space down (Linux {@code exit_mmap}): calls
     * {@link MmuNotifier#release} on every notifier, which are then dropped;
     * frees every table page and every data frame; forgets the VMAs. Does
     * nothing the second time, or when called again from a release callback.
     *
     * <p>The ASID is not handed back at once (arm64 has no such step): an
     * unpinned one is reused only after the next rollover. A pinned one is not
     * unpinned: it stays reserved, out of every rollover's reach, until the
     * last {@link #unpinAsid()}.
     */
    public void exit() {
        if (!alive || exiting) {
            return;
        }
        exiting = true;
        for (MmuNotifier n : notifiers.toArray(MmuNotifier[]::new)) {
            n.release(this);
        }
        notifiers.clear();
        alive = false;
        tables.free();
        broadcastTlbi(Dvm.TlbiOp.ASIDE1IS, 0);
        for (long pa : resident.values()) {
            dataFrames.free(pa, PAGE_SIZE);
        }
        manager.countFreed(resident.size());
        resident.clear();
        vmas.clear();
        manager.exited(this);
    }

    private static long pageAlign(long length) {
        return (length + PAGE_OFFSET) & ~PAGE_OFFSET;
    }

    @Override
    public String toString() {
        return String.format("mm %d '%s' (%s, pgd 0x%x, %s)", id, name, alive ? "alive" : "exited", tables.root(), context);
    }
}

package dev.jiommu.os;

import dev.jiommu.Errno;
import dev.jiommu.os.iommu.SvaHandle;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.mm.Mman;
import dev.jiommu.pgtable.Prot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The reference {@link IsolationRandomTest} checks the stack against, kept in
 * plain Java maps and updated only from what the test asked for (never from
 * the stack's own state): the processes with their VMAs (a protection per
 * page of a fixed window), which of their pages have a PTE and the first
 * 8 bytes of each page; which process each PASID belongs to; which (device,
 * process) pairs are bound; and each device's DMA-domain mappings with the
 * first 8 bytes of every kernel frame behind them.
 *
 * <p>From that it says what a device's access at an address, with a PASID
 * or without, must come to ({@link Expect}) and what it must read.
 *
 * <p>Invariants: a page has a PTE ({@link Proc#present}) and a remembered
 * first word only while it lies in a VMA, and a PTE only if that VMA is not
 * PROT_NONE; a bond exists only for a process with a PASID; an exited process
 * has no pages. The test checks against the stack that a PASID is held by at
 * most one process at a time ({@link #holdsPasid}).
 */
final class IsolationModel {

    static final long PAGE = Mm.PAGE_SIZE;
    /** No PASID on the transaction. */
    static final int NO_PASID = -1;

    /** The process VA window every mmap, munmap and mprotect of the test stays in; all processes use the same one. */
    static final long WINDOW = 0x40_0000_0000L;
    static final int WINDOW_PAGES = 16;
    /** Each process's completion-record page: mapped read-write at creation, touched, never changed afterwards. */
    static final long RECORD_VA = WINDOW - 4 * PAGE;
    /** Addresses nothing ever maps: above the window, and the lowest mmap address. */
    static final long[] NEVER_MAPPED = {WINDOW + (WINDOW_PAGES + 8) * PAGE, Mm.MMAP_MIN_ADDR};

    /** The DMA-domain IOVA window the test maps kernel frames into, per device. */
    static final long IOVA_WINDOW = 0x20_0000L;
    static final int IOVA_PAGES = 8;
    /** Each device's completion-record frame for PASID-less descriptors, mapped read-write at this IOVA. */
    static final long DMA_RECORD_IOVA = 0x1f_0000L;

    /** What an access must come to. */
    enum Expect {
        /** The device has no context for the PASID (never bound there, or unbound): refused at once, without a page request or a stall. */
        NO_CONTEXT,
        /** Translated at once: completes without a fault, on the page the model says. */
        DIRECT,
        /** Allowed, but the page has no PTE: exactly one recoverable fault (page request or stall) brings it in, then it completes. */
        RECOVERABLE,
        /** The device has a context, but it forbids the access (no VMA or DMA mapping, protection, exited process): it faults and nothing moves. */
        DENIED
    }

    /** One process as the test sees it. */
    static final class Proc {
        final Mm mm;
        final String name;
        boolean alive = true;
        /** Its PASID from its first bind on; kept (for messages) after it is freed. */
        int pasid = NO_PASID;
        /** Page to PROT_* for every page in a VMA. */
        final Map<Long, Integer> prot = new HashMap<>();
        /** Pages with a PTE. */
        final Set<Long> present = new HashSet<>();
        /** First 8 bytes of every page written since it was mapped (others read 0). */
        final Map<Long, Long> word = new HashMap<>();
        /** Device index to bond. */
        final Map<Integer, Bond> bonds = new TreeMap<>();

        Proc(Mm mm, String name) {
            this.mm = mm;
            this.name = name;
        }

        @Override
        public String toString() {
            return name + (alive ? "" : " (exited)");
        }
    }

    /** A bind of one process on one device: the handle and how many binds it counts. */
    static final class Bond {
        final SvaHandle handle;
        int users = 1;

        Bond(SvaHandle handle) {
            this.handle = handle;
        }
    }

    /** One page of a DMA domain: the kernel frame and the io-pgtable protection. */
    record DmaMapping(long pa, int prot) {}

    /** Every process ever created, in creation order. */
    final List<Proc> procs = new ArrayList<>();
    /** PASID to the last process it was given to. */
    final Map<Integer, Proc> pasidOwner = new HashMap<>();
    /** Every PASID bind ever returned. */
    final TreeSet<Integer> pasidsEver = new TreeSet<>();
    /** Per device: IOVA page to mapping. */
    final List<Map<Long, DmaMapping>> domains = new ArrayList<>();
    /** First 8 bytes of each kernel frame whose contents the model knows (not the rings). */
    final Map<Long, Long> frameWord = new HashMap<>();

    IsolationModel(int devices) {
        for (int i = 0; i < devices; i++) {
            domains.add(new TreeMap<>());
        }
    }

    // ---- what is reachable ---------------------------------------------------------------------------------------

    /** Whether {@code p} still holds its PASID: from its first bind until it has exited and its last bond is gone. */
    static boolean holdsPasid(Proc p) {
        return p.pasid != NO_PASID && (p.alive || !p.bonds.isEmpty());
    }

    /** The process whose bond on {@code dev} gives that device a context for {@code pasid}, or null. */
    Proc context(int dev, int pasid) {
        Proc p = pasidOwner.get(pasid);
        return p != null && p.pasid == pasid && p.bonds.containsKey(dev) ? p : null;
    }

    static boolean protAllows(int prot, boolean write) {
        return write ? (prot & Mman.PROT_WRITE) != 0 : (prot & (Mman.PROT_READ | Mman.PROT_WRITE)) != 0;
    }

    /**
     * What device {@code dev}'s access at {@code va} must come to: with a
     * PASID, through the bound process's VMAs (write implies read,
     * execute-only and PROT_NONE are unreadable); without one, through the
     * device's DMA domain.
     */
    Expect expect(int dev, int pasid, long va, boolean write) {
        long page = va & -PAGE;
        if (pasid == NO_PASID) {
            DmaMapping m = domains.get(dev).get(page);
            boolean ok = m != null && (m.prot() & (write ? Prot.WRITE : Prot.READ)) != 0;
            return ok ? Expect.DIRECT : Expect.DENIED;
        }
        Proc p = context(dev, pasid);
        if (p == null) {
            return Expect.NO_CONTEXT;
        }
        Integer prot = p.prot.get(page);
        if (!p.alive || prot == null || !protAllows(prot, write)) {
            return Expect.DENIED;
        }
        return p.present.contains(page) ? Expect.DIRECT : Expect.RECOVERABLE;
    }

    /** The first 8 bytes an allowed read at {@code va} must return, or null where the model does not track them (rings). */
    Long word(int dev, int pasid, long va) {
        long page = va & -PAGE;
        if (pasid == NO_PASID) {
            DmaMapping m = domains.get(dev).get(page);
            return m == null ? null : frameWord.get(m.pa());
        }
        Proc p = context(dev, pasid);
        return p == null ? null : p.word.getOrDefault(page, 0L);
    }

    /** The first 8 bytes of {@code dev}'s access at {@code va} become {@code value} (a device or CPU write). */
    void setWord(int dev, int pasid, long va, long value) {
        long page = va & -PAGE;
        if (pasid == NO_PASID) {
            frameWord.put(domains.get(dev).get(page).pa(), value);
        } else {
            Proc p = context(dev, pasid);
            p.word.put(page, value);
            p.present.add(page);
        }
    }

    /** A successful device access at {@code va} with {@code pasid}: the page has a PTE from now on. */
    void touched(int dev, int pasid, long va) {
        if (pasid != NO_PASID) {
            context(dev, pasid).present.add(va & -PAGE);
        }
    }

    /**
     * Every address the probes try: the window's pages, the record page,
     * never-mapped pages, the DMA IOVA window, the DMA record IOVA and each
     * device's ring.
     */
    List<Long> candidates(long[] ringIovas) {
        List<Long> c = new ArrayList<>();
        for (int i = 0; i < WINDOW_PAGES; i++) {
            c.add(WINDOW + i * PAGE);
        }
        c.add(RECORD_VA);
        for (long a : NEVER_MAPPED) {
            c.add(a);
        }
        for (int i = 0; i < IOVA_PAGES; i++) {
            c.add(IOVA_WINDOW + i * PAGE);
        }
        c.add(DMA_RECORD_IOVA);
        for (long r : ringIovas) {
            c.add(r);
        }
        return c;
    }

    // ---- process memory ------------------------------------------------------------------------------------------

    /** mmap(MAP_FIXED or MAP_FIXED_NOREPLACE) of {@code pages} pages at {@code va}: the address, or {@code -EEXIST}. */
    long mmap(Proc p, long va, int pages, int prot, boolean noReplace) {
        if (noReplace) {
            for (int i = 0; i < pages; i++) {
                if (p.prot.containsKey(va + i * PAGE)) {
                    return -Errno.EEXIST;
                }
            }
        }
        for (int i = 0; i < pages; i++) {
            long page = va + i * PAGE;
            forget(p, page);
            p.prot.put(page, prot);
        }
        return va;
    }

    void munmap(Proc p, long va, int pages) {
        for (int i = 0; i < pages; i++) {
            forget(p, va + i * PAGE);
        }
    }

    private static void forget(Proc p, long page) {
        p.prot.remove(page);
        p.present.remove(page);
        p.word.remove(page);
    }

    /**
     * mprotect as Linux does it: the pages from {@code va} up to the first
     * hole change (a PROT_NONE change drops their PTEs, contents kept);
     * {@code -ENOMEM} when there is a hole, 0 otherwise.
     */
    int mprotect(Proc p, long va, int pages, int prot) {
        for (int i = 0; i < pages; i++) {
            long page = va + i * PAGE;
            if (!p.prot.containsKey(page)) {
                return -Errno.ENOMEM;
            }
            p.prot.put(page, prot);
            if (prot == Mman.PROT_NONE) {
                p.present.remove(page);
            }
        }
        return 0;
    }

    /** The errno a CPU access by {@code p} at {@code va} returns; on success the page has a PTE. */
    int cpuAccess(Proc p, long va, boolean write) {
        long page = va & -PAGE;
        Integer prot = p.prot.get(page);
        if (prot == null) {
            return -Errno.EFAULT;
        }
        if (!protAllows(prot, write)) {
            return -Errno.EACCES;
        }
        p.present.add(page);
        return 0;
    }

    /** The process exits: its memory is gone; its bonds stay until unbound. */
    void exit(Proc p) {
        p.alive = false;
        p.prot.clear();
        p.present.clear();
        p.word.clear();
    }
}

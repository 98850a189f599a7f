package dev.jiommu.mem;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Host address space for one RAM region: an anonymous, private,
 * {@code MAP_NORESERVE} mapping (Linux {@code mmap(2)}), as QEMU and gem5 back
 * guest RAM. The kernel supplies zero pages on first touch, so a region costs
 * host memory only for the pages written; {@code madvise(MADV_DONTNEED)} gives
 * pages back. The mapping is unmapped when its owner becomes unreachable.
 */
final class HostMapping {
    private static final int PROT_READ = 1, PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4;
    private static final long MAP_FAILED = -1L;

    private static final long GUARD = 4096;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final MethodHandle MMAP, MUNMAP, MADVISE, MPROTECT;

    static {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            throw new ExceptionInInitializerError("jiommu's physical memory needs Linux (anonymous mmap with MAP_NORESERVE)");
        }
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        MADVISE = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        MPROTECT = linker.downcallHandle(libc.find("mprotect").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private HostMapping() {}

    /**
     * Reserves {@code size} bytes of zero-filled host memory, between two
     * inaccessible guard pages so that the kernel never merges it with a
     * neighbouring mapping (which keeps its accounting in smaps its own).
     *
     * @param owner the object through which alone the segment is reached; the
     *              mapping is released once it is unreachable
     * @throws IllegalStateException when the host refuses the reservation
     */
    static MemorySegment reserve(String name, long size, Object owner) {
        long total = size + 2 * GUARD;
        long base;
        int rc;
        try {
            base = ((MemorySegment) MMAP.invokeExact(MemorySegment.NULL, total, 0,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L)).address();
            rc = base == MAP_FAILED ? -1
                    : (int) MPROTECT.invokeExact(MemorySegment.ofAddress(base + GUARD), size, PROT_READ | PROT_WRITE);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed for RAM region '" + name + "'", t);
        }
        if (base == MAP_FAILED || rc != 0) {
            throw new IllegalStateException(String.format(
                    "the host refused to reserve 0x%x bytes of address space for RAM region '%s'", size, name));
        }
        CLEANER.register(owner, () -> unmap(base, total));
        // Global scope: no liveness check on each access. Safe because only the
        // owner reaches the segment, and the mapping goes only once the owner is unreachable.
        return MemorySegment.ofAddress(base + GUARD).reinterpret(size);
    }

    private static void unmap(long address, long size) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
            assert rc == 0;
        } catch (Throwable ignored) {
            // Nothing to do: the process keeps the address space until exit.
        }
    }

    /** Gives whole pages back to the host; they read as zeros afterwards. */
    static void dontNeed(MemorySegment seg, long offset, long length) {
        int rc;
        try {
            rc = (int) MADVISE.invokeExact(MemorySegment.ofAddress(seg.address() + offset), length, MADV_DONTNEED);
        } catch (Throwable t) {
            rc = -1;
        }
        if (rc != 0) {
            seg.asSlice(offset, length).fill((byte) 0);
        }
    }

    /**
     * Host bytes of private anonymous memory backing the mapping at
     * {@code address} (the "Anonymous:" line of /proc/self/smaps): pages that
     * were written and not given back. Pages only read are not counted.
     */
    static long anonymousBytes(long address) {
        String start = Long.toHexString(address) + "-";
        try (var lines = Files.lines(Path.of("/proc/self/smaps"))) {
            Iterator<String> it = lines.iterator();
            boolean inside = false;
            while (it.hasNext()) {
                String l = it.next();
                if (l.matches("[0-9a-f]+-[0-9a-f]+ .*")) {
                    inside = l.startsWith(start);
                } else if (inside && l.startsWith("Anonymous:")) {
                    return Long.parseLong(l.substring(10).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return 0;
    }
}

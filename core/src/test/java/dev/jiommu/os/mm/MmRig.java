package dev.jiommu.os.mm;

import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;

/**
 * One machine for the os.mm tests: RAM at 2 GiB, table pages from its first
 * 16 MiB, user pages from a separate range of {@code dataPages} pages, so the
 * two allocators' counts can be watched apart.
 */
final class MmRig {
    static final long RAM_BASE = 0x8000_0000L;
    static final long TABLE_BYTES = 16L << 20;
    static final int PAGE = Mm.PAGE_SIZE;

    final PhysicalMemory memory;
    final FrameAllocator tables;
    final FrameAllocator data;
    final MemoryManager mm;

    MmRig() {
        this(4096, 8);
    }

    MmRig(int dataPages, int asidBits) {
        this(dataPages, asidBits, 1);
    }

    MmRig(int dataPages, int asidBits, int cpus) {
        memory = PhysicalMemory.ram(RAM_BASE, TABLE_BYTES + (long) dataPages * PAGE);
        tables = new FrameAllocator(memory, RAM_BASE, TABLE_BYTES);
        data = new FrameAllocator(memory, RAM_BASE + TABLE_BYTES, (long) dataPages * PAGE);
        mm = new MemoryManager(memory, tables, data, 48, asidBits, cpus);
    }
}

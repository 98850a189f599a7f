package dev.jiommu.hw.bus;

import dev.jiommu.mem.MemoryFault;
import dev.jiommu.mem.PhysicalMemory;

/**
 * DMA with no IOMMU in the path: the input address is the physical address.
 * Used by devices placed behind no SMMU, and for the requests an SMMU passes
 * on after translation.
 */
public final class DirectDma implements DmaTarget {

    private final PhysicalMemory memory;

    public DirectDma(PhysicalMemory memory) {
        this.memory = memory;
    }

    @Override
    public int write(int streamId, int substreamId, long address, int attrs, byte[] src, int off, int len) {
        if (!memory.isRam(address, len)) {
            return BUS_ERROR;
        }
        try {
            memory.writeBytes(address, src, off, len);
            return OK;
        } catch (MemoryFault f) {
            return BUS_ERROR;
        }
    }

    @Override
    public int read(int streamId, int substreamId, long address, int attrs, byte[] dst, int off, int len) {
        if (!memory.isRam(address, len)) {
            return BUS_ERROR;
        }
        try {
            memory.readBytes(address, dst, off, len);
            return OK;
        } catch (MemoryFault f) {
            return BUS_ERROR;
        }
    }
}

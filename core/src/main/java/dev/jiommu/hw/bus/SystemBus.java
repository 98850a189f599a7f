package dev.jiommu.hw.bus;

import dev.jiommu.mem.PhysicalMemory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The physical address map: RAM (a {@link PhysicalMemory}) and register blocks
 * of {@link MmioDevice}s. CPU accesses (qtest, the driver) and the SMMU's own
 * non-translated accesses (MSI writes) go through here.
 *
 * <p>An access that neither a device nor RAM decodes raises the
 * {@link dev.jiommu.mem.MemoryFault} of the underlying memory; hardware models
 * catch it and answer as an external abort. Register accesses are split by
 * nothing: a device sees exactly the size the requester used.
 */
public final class SystemBus {

    /** One decoded register block. */
    public record Mapping(String name, long base, long size, MmioDevice device) {
        public boolean contains(long pa) {
            return pa - base >= 0 && pa - base < size;
        }
    }

    private final PhysicalMemory memory;
    private Mapping[] mappings = new Mapping[0];

    public SystemBus(PhysicalMemory memory) {
        this.memory = memory;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    /**
     * Decodes {@code [base, base + size)} to {@code device}. A machine is
     * assembled once; an overlap with RAM or another block is a configuration
     * error.
     *
     * @throws IllegalArgumentException on overlap or an empty block
     */
    public void map(String name, long base, long size, MmioDevice device) {
        if (size <= 0 || base < 0 || base + size > PhysicalMemory.PA_LIMIT) {
            throw new IllegalArgumentException(String.format("bad MMIO block '%s' at 0x%x size 0x%x", name, base, size));
        }
        for (Mapping m : mappings) {
            if (base < m.base() + m.size() && m.base() < base + size) {
                throw new IllegalArgumentException(String.format("MMIO block '%s' at 0x%x overlaps '%s'", name, base, m.name()));
            }
        }
        for (var region : memory.regions()) {
            if (region.kind() == dev.jiommu.mem.MemoryRegion.Kind.RAM && base < region.end() && region.base() < base + size) {
                throw new IllegalArgumentException(String.format("MMIO block '%s' at 0x%x overlaps RAM '%s'", name, base, region.name()));
            }
        }
        List<Mapping> all = new ArrayList<>(List.of(mappings));
        all.add(new Mapping(name, base, size, device));
        all.sort(Comparator.comparingLong(Mapping::base));
        mappings = all.toArray(new Mapping[0]);
    }

    public List<Mapping> mappings() {
        return List.of(mappings);
    }

    /** The block decoding {@code pa}, or null when it is RAM or nothing. */
    public Mapping deviceAt(long pa) {
        for (Mapping m : mappings) {
            if (m.contains(pa)) {
                return m;
            }
        }
        return null;
    }

    /**
     * Reads {@code size} (1, 2, 4, 8) bytes, little-endian, zero-extended.
     *
     * @throws dev.jiommu.mem.MemoryFault when nothing decodes the address
     */
    public long read(long pa, int size) {
        Mapping m = deviceAt(pa);
        if (m != null) {
            return m.device().read(pa - m.base(), size);
        }
        return switch (size) {
            case 1 -> memory.read8(pa) & 0xffL;
            case 2 -> memory.read16(pa) & 0xffffL;
            case 4 -> memory.read32(pa) & 0xffff_ffffL;
            case 8 -> memory.read64(pa);
            default -> throw new IllegalArgumentException("access size " + size);
        };
    }

    /**
     * Writes the low {@code size} (1, 2, 4, 8) bytes of {@code value}, little-endian.
     *
     * @throws dev.jiommu.mem.MemoryFault when nothing decodes the address
     */
    public void write(long pa, int size, long value) {
        Mapping m = deviceAt(pa);
        if (m != null) {
            m.device().write(pa - m.base(), size, value);
            return;
        }
        writeRam(pa, size, value);
    }

    /**
     * {@link #write(long, int, long)} with the requester's DeviceID carried
     * beside the write, as the interconnect carries it with an MSI (see
     * {@link MmioDevice#write(long, int, long, int)}). A device sees the
     * sideband; RAM has no use for it and takes a plain write.
     *
     * @param deviceId the requester's DeviceID, or {@link MmioDevice#NO_DEVICE_ID}
     * @throws dev.jiommu.mem.MemoryFault when nothing decodes the address
     */
    public void write(long pa, int size, long value, int deviceId) {
        Mapping m = deviceAt(pa);
        if (m != null) {
            m.device().write(pa - m.base(), size, value, deviceId);
            return;
        }
        writeRam(pa, size, value);
    }

    private void writeRam(long pa, int size, long value) {
        switch (size) {
            case 1 -> memory.write8(pa, (byte) value);
            case 2 -> memory.write16(pa, (short) value);
            case 4 -> memory.write32(pa, (int) value);
            case 8 -> memory.write64(pa, value);
            default -> throw new IllegalArgumentException("access size " + size);
        }
    }
}

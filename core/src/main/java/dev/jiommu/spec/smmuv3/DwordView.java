package dev.jiommu.spec.smmuv3;

import dev.jiommu.mem.PhysicalMemory;

/**
 * The plumbing shared by the flyweight views of 64-byte structures in memory
 * ({@link SteView}, {@link CdView}): where the structure is, raw dword access,
 * and checked field helpers. A view holds an address, never a copy: every
 * read and write goes to memory, so a view sees what the hardware model sees.
 *
 * @param <V> the concrete view, returned by the chaining methods
 */
abstract sealed class DwordView<V extends DwordView<V>> permits SteView, CdView {

    /** Size in bytes of the structures viewed; each is naturally aligned. */
    static final int SIZE = 64;

    private final PhysicalMemory memory;
    private final String name;
    private final int dwords;
    private long address;

    DwordView(PhysicalMemory memory, long address, String name, int dwords) {
        this.memory = memory;
        this.name = name;
        this.dwords = dwords;
        at(address);
    }

    @SuppressWarnings("unchecked")
    private V self() {
        return (V) this;
    }

    /**
     * Moves this view to the structure at {@code pa}.
     *
     * @throws IllegalArgumentException if {@code pa} is not 64-byte aligned
     */
    public V at(long pa) {
        if ((pa & (SIZE - 1)) != 0) {
            throw new IllegalArgumentException(name + " address 0x" + Long.toHexString(pa) + " is not 64-byte aligned");
        }
        this.address = pa;
        return self();
    }

    public long address() {
        return address;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    /** Dword {@code i}. */
    public long word(int i) {
        return memory.read64(address + 8L * index(i));
    }

    public V setWord(int i, long value) {
        memory.write64(address + 8L * index(i), value);
        return self();
    }

    /** Copies every dword into {@code dst}. */
    public void read(long[] dst) {
        for (int i = 0; i < dwords; i++) {
            dst[i] = word(i);
        }
    }

    /** Writes {@code src}, dword 0 first. */
    public V write(long[] src) {
        for (int i = 0; i < dwords; i++) {
            setWord(i, src[i]);
        }
        return self();
    }

    /** Zeroes the structure (V = 0). */
    public V clear() {
        for (int i = 0; i < dwords; i++) {
            setWord(i, 0);
        }
        return self();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append("@0x").append(Long.toHexString(address));
        for (int i = 0; i < 4; i++) {
            sb.append(' ').append(String.format("%016x", word(i)));
        }
        return sb.toString();
    }

    private int index(int i) {
        if (i < 0 || i >= dwords) {
            throw new IndexOutOfBoundsException(name + " dword " + i);
        }
        return i;
    }

    long field(int dw, long mask) {
        return Field.get(mask, word(dw));
    }

    boolean bit(int dw, long mask) {
        return (word(dw) & mask) != 0;
    }

    V setField(int dw, long mask, long value, String field) {
        if (!Field.fits(mask, value)) {
            throw new IllegalArgumentException(name + "." + field + " " + value + " does not fit " + Field.width(mask) + " bits");
        }
        return setWord(dw, Field.set(word(dw), mask, value));
    }

    V setBit(int dw, long mask, boolean on) {
        long w = word(dw);
        return setWord(dw, on ? w | mask : w & ~mask);
    }

    /** Replaces the address field {@code mask} of dword {@code dw} with the same bits of {@code pa}. */
    V setAddress(int dw, long mask, long pa) {
        return setWord(dw, (word(dw) & ~mask) | (pa & mask));
    }
}

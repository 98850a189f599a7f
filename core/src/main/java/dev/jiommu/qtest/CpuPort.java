package dev.jiommu.qtest;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.MemoryRegion;
import dev.jiommu.mem.PhysicalMemory;
import java.util.Arrays;

/**
 * qtest's window on the machine: byte-range reads, writes and fills at CPU
 * physical addresses, routed by the {@link SystemBus}.
 *
 * <p>How a range is carried out, in address order:
 * <ul>
 *   <li>RAM: copied in one piece per RAM region;</li>
 *   <li>a device's register block: split into naturally aligned accesses of
 *       the largest size of 8, 4, 2, 1 that fits the remaining length and the
 *       block, so an aligned {@code readl}/{@code writeq} reaches the device as
 *       one access of that size (QEMU's {@code address_space_rw} splits the
 *       same way, then narrows further to each region's maximum, which jiommu's
 *       devices do themselves);</li>
 *   <li>nothing: QEMU's unassigned memory, which reads as zero and ignores
 *       writes; each such stretch is noted in the qtest log.</li>
 * </ul>
 * A machine without a bus (QEMU's {@code none} without RAM) is all unassigned.
 * Addresses are 64-bit; everything from 2^52 up is unassigned.
 */
final class CpuPort {

    private enum Op { READ, WRITE, FILL }

    private final SystemBus bus;
    private final QtestLog log;

    /** @param bus the CPU's address map; null for a machine with none */
    CpuPort(SystemBus bus, QtestLog log) {
        this.bus = bus;
        this.log = log;
    }

    void read(long address, byte[] dst, int off, int len) {
        access(Op.READ, address, len, dst, off, (byte) 0);
    }

    void write(long address, byte[] src, int off, int len) {
        access(Op.WRITE, address, len, src, off, (byte) 0);
    }

    /** Writes {@code len} (0 to 2^63 - 1) copies of {@code value}. */
    void fill(long address, long len, byte value) {
        access(Op.FILL, address, len, null, 0, value);
    }

    /** Little-endian {@code size}-byte value at {@code address}. */
    long readValue(long address, int size) {
        byte[] b = new byte[size];
        read(address, b, 0, size);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    void writeValue(long address, int size, long value) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        write(address, b, 0, size);
    }

    private void access(Op op, long address, long len, byte[] buf, int off, byte fill) {
        long done = 0;
        while (done < len) {
            long a = address + done;
            long rest = len - done;
            SystemBus.Mapping m = bus == null ? null : bus.deviceAt(a);
            if (m != null) {
                done += device(op, m, a, rest, buf, op == Op.FILL ? 0 : off + (int) done, fill);
                continue;
            }
            MemoryRegion r = bus == null ? null : bus.memory().regionAt(a);
            if (r != null && r.kind() == MemoryRegion.Kind.RAM) {
                long n = Math.min(rest, r.end() - a);
                PhysicalMemory mem = bus.memory();
                switch (op) {
                    case READ -> mem.readBytes(a, buf, off + (int) done, (int) n);
                    case WRITE -> mem.writeBytes(a, buf, off + (int) done, (int) n);
                    case FILL -> mem.fill(a, n, fill);
                }
                done += n;
                continue;
            }
            long n = Math.min(rest, unassignedRun(a));
            if (op == Op.READ) {
                Arrays.fill(buf, off + (int) done, off + (int) (done + n), (byte) 0);
            }
            if (log.enabled()) {
                log.note(String.format("unassigned %s of 0x%x bytes at 0x%x (%s)", op == Op.READ ? "read" : "write",
                        n, a, op == Op.READ ? "read as 0" : "ignored"));
            }
            done += n;
        }
    }

    /** One access to a register block; returns the bytes it covered. */
    private static int device(Op op, SystemBus.Mapping m, long a, long rest, byte[] buf, int at, byte fill) {
        long toEnd = m.base() + m.size() - a;
        int size = 8;
        while (size > 1 && ((a & (size - 1)) != 0 || size > rest || size > toEnd)) {
            size >>= 1;
        }
        long offset = a - m.base();
        switch (op) {
            case READ -> {
                long v = m.device().read(offset, size);
                for (int i = 0; i < size; i++) {
                    buf[at + i] = (byte) (v >>> (8 * i));
                }
            }
            case WRITE -> {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = v << 8 | (buf[at + i] & 0xff);
                }
                m.device().write(offset, size, v);
            }
            case FILL -> m.device().write(offset, size, (fill & 0xffL) * (0x0101_0101_0101_0101L >>> (64 - 8 * size)));
        }
        return size;
    }

    /** Bytes from {@code a} (decoded by nothing) to the next address something decodes. */
    private long unassignedRun(long a) {
        if (a < 0 || a >= PhysicalMemory.PA_LIMIT) {
            return Long.MAX_VALUE;
        }
        long next = PhysicalMemory.PA_LIMIT;
        if (bus != null) {
            for (SystemBus.Mapping m : bus.mappings()) {
                if (m.base() > a) {
                    next = Math.min(next, m.base());
                }
            }
            for (MemoryRegion r : bus.memory().regions()) {
                if (r.base() > a) {
                    next = Math.min(next, r.base());
                }
            }
        }
        return next - a;
    }
}

package dev.jiommu.os.smmuv3;

import dev.jiommu.Errno;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.MemoryFault;

import java.util.function.IntPredicate;

/**
 * The SMMU's register block as the driver reaches it: 32- and 64-bit accesses
 * on the {@link SystemBus} at {@code base + offset} (Linux's
 * {@code readl_relaxed}/{@code writeq_relaxed} on {@code smmu->base} and
 * {@code smmu->page1}), and bounded polling.
 *
 * <p>Polling follows {@code readl_relaxed_poll_timeout(addr, val, cond, 1,
 * ARM_SMMU_POLL_TIMEOUT_US)}: one read per modelled microsecond, giving up
 * with {@code -ETIMEDOUT} after {@code timeoutUs} reads that did not satisfy
 * the condition. A register access that nothing decodes (a wrong base) is not
 * an exception: reads return all ones, as an unclaimed read does on most
 * interconnects, writes are dropped, and both are counted.
 */
final class SmmuRegs {

    private final SystemBus bus;
    private final long base;
    private final long timeoutUs;
    private long busErrors;
    private long polls;

    SmmuRegs(SystemBus bus, long base, long timeoutUs) {
        this.bus = bus;
        this.base = base;
        this.timeoutUs = timeoutUs;
    }

    long base() {
        return base;
    }

    int read32(int offset) {
        try {
            return (int) bus.read(base + offset, 4);
        } catch (MemoryFault f) {
            busErrors++;
            return -1;
        }
    }

    long read64(int offset) {
        try {
            return bus.read(base + offset, 8);
        } catch (MemoryFault f) {
            busErrors++;
            return -1L;
        }
    }

    void write32(int offset, int value) {
        try {
            bus.write(base + offset, 4, value & 0xffff_ffffL);
        } catch (MemoryFault f) {
            busErrors++;
        }
    }

    void write64(int offset, long value) {
        try {
            bus.write(base + offset, 8, value);
        } catch (MemoryFault f) {
            busErrors++;
        }
    }

    /**
     * Reads {@code offset} until {@code done} holds.
     *
     * @return 0, or {@code -ETIMEDOUT} after the timeout's worth of reads
     */
    int poll(int offset, IntPredicate done) {
        for (long i = 0; i < timeoutUs; i++) {
            polls++;
            if (done.test(read32(offset))) {
                return 0;
            }
        }
        return -Errno.ETIMEDOUT;
    }

    /**
     * Linux's {@code arm_smmu_write_reg_sync}: writes {@code value} to
     * {@code reg} and polls {@code ack} until it reads back the same value.
     */
    int writeSync(int reg, int ack, int value) {
        write32(reg, value);
        return poll(ack, v -> v == value);
    }

    long timeoutUs() {
        return timeoutUs;
    }

    long busErrors() {
        return busErrors;
    }

    long polls() {
        return polls;
    }
}

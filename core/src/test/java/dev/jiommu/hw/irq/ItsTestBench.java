package dev.jiommu.hw.irq;

import dev.jiommu.hw.bus.Scheduler;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.PhysicalMemory;

import java.util.ArrayList;
import java.util.List;

/** A bus with RAM and an {@link Its} at QEMU virt's ITS_base, and the LPIs its handlers saw. */
final class ItsTestBench {

    static final long BASE = Its.VIRT_GIC_ITS;
    static final long TRANSLATER = BASE + GitsRegs.GITS_TRANSLATER;
    static final int DEVICE = 0x0010;
    static final int EVENT = 3;
    static final int LPI = 8195;

    final Scheduler scheduler;
    final Its its;
    final SystemBus bus = new SystemBus(PhysicalMemory.ram(0x4000_0000L, 1 << 20));
    final List<Integer> seen = new ArrayList<>();

    private ItsTestBench(Scheduler scheduler) {
        this.scheduler = scheduler;
        this.its = scheduler == null ? new Its() : new Its(scheduler);
        bus.map("its", BASE, Its.REGION_SIZE, its);
    }

    /** Delivery inside the write. */
    static ItsTestBench immediate() {
        return new ItsTestBench(null);
    }

    /** Delivery through a scheduler. */
    static ItsTestBench scheduled() {
        return new ItsTestBench(new Scheduler());
    }

    /** Enabled, with ({@link #DEVICE}, {@link #EVENT}) → {@link #LPI} and a handler recording into {@link #seen}. */
    ItsTestBench mapped() {
        enable(true);
        its.mapDevice(DEVICE, 5);
        its.mapEvent(DEVICE, EVENT, LPI);
        its.onLpi(LPI, seen::add);
        return this;
    }

    void enable(boolean on) {
        bus.write(BASE + GitsRegs.GITS_CTLR, 4, on ? GitsRegs.GITS_CTLR_ENABLE : 0);
    }

    /** A 32-bit MSI write of {@code eventId} from {@code deviceId}. */
    void msi(int deviceId, long eventId) {
        bus.write(TRANSLATER, 4, eventId, deviceId);
    }
}

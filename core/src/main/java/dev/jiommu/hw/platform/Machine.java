package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.SystemBus;
import java.util.Optional;

/** A whole machine as QEMU's {@code -machine TYPE} names one. */
public sealed interface Machine permits VirtMachine, NoneMachine {

    /** QEMU's machine type name ({@code virt}, {@code none}). */
    String name();

    /**
     * The address map the CPU (and qtest) sees; empty for a machine with
     * neither RAM nor devices, where every access is unassigned.
     */
    Optional<SystemBus> cpuBus();
}

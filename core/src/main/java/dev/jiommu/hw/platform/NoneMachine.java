package dev.jiommu.hw.platform;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.mem.PhysicalMemory;
import java.util.Optional;

/**
 * QEMU's {@code none} machine ({@code hw/core/null-machine.c}): no devices,
 * and RAM only when a size is given, at address 0. Its default RAM size is 0.
 */
public final class NoneMachine implements Machine {

    private final SystemBus bus;

    /**
     * @param ramBytes RAM at address 0; 0 for none
     * @throws IllegalArgumentException when negative or not 4 KiB aligned
     */
    public NoneMachine(long ramBytes) {
        if (ramBytes < 0) {
            throw new IllegalArgumentException("RAM size " + ramBytes);
        }
        this.bus = ramBytes == 0 ? null : new SystemBus(PhysicalMemory.ram(0, ramBytes));
    }

    @Override
    public String name() {
        return "none";
    }

    @Override
    public Optional<SystemBus> cpuBus() {
        return Optional.ofNullable(bus);
    }
}

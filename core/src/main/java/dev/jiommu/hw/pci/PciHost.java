package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.MmioDevice;
import java.util.ArrayList;
import java.util.List;

/**
 * A PCI Express host bridge in the style of QEMU's GPEX
 * ({@code hw/pci-host/gpex.c}): a root bus 0 with the bridge's own function
 * ({@link HostBridge}) at 00:00.0, an ECAM window ({@link #ecam()}) for
 * configuration requests, and memory windows ({@link #memoryWindow}) through
 * which CPU accesses reach the functions' BARs.
 *
 * <p>Only bus 0 exists; the bus table has room for the 256 bus numbers an ECAM
 * window of 256 MiB addresses, so bridges can add buses later. Every CPU access
 * is decoded against the live BAR and COMMAND registers, so software
 * reprogramming a BAR takes effect on the next access.
 */
public final class PciHost {

    private final PciBus[] buses = new PciBus[256];
    private final HostBridge bridge = new HostBridge();
    private final Ecam ecam = new Ecam(this);

    public PciHost() {
        buses[0] = new PciBus(0);
        buses[0].attach(0, bridge);
    }

    public PciBus rootBus() {
        return buses[0];
    }

    public HostBridge bridge() {
        return bridge;
    }

    /** The function at {@code bus:devfn}, or null when absent. */
    public PciFunction function(int bus, int devfn) {
        PciBus b = bus >= 0 && bus < buses.length ? buses[bus] : null;
        return b == null ? null : b.function(devfn);
    }

    /** Every function on every bus, in bus and devfn order. */
    public List<PciFunction> functions() {
        List<PciFunction> all = new ArrayList<>();
        for (PciBus b : buses) {
            if (b != null) {
                all.addAll(b.functions());
            }
        }
        return all;
    }

    /** The ECAM register block (PCIe Base 6.0 §7.2.2): map it on the system bus. */
    public MmioDevice ecam() {
        return ecam;
    }

    /**
     * A window of PCI memory space for the system bus: an access at offset
     * {@code o} is a PCI memory request at bus address {@code pciBase + o}
     * (QEMU's {@code virt} maps its 32-bit window with CPU address = PCI
     * address, so {@code pciBase} is the window's CPU base).
     */
    public MmioDevice memoryWindow(long pciBase) {
        return new MemoryWindow(this, pciBase);
    }
}

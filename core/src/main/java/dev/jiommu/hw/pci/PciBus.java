package dev.jiommu.hw.pci;

import java.util.ArrayList;
import java.util.List;

/**
 * One PCI bus: 32 device slots of 8 functions, addressed by devfn
 * ({@code slot << 3 | function}).
 *
 * <p>Invariants: each devfn holds at most one function and each function sits
 * at one devfn; a function's requester ID is {@code number << 8 | devfn}.
 */
public final class PciBus {

    public static final int SLOTS = 32;
    public static final int FUNCTIONS_PER_SLOT = 8;
    public static final int DEVFNS = SLOTS * FUNCTIONS_PER_SLOT;

    private final int number;
    private final PciFunction[] functions = new PciFunction[DEVFNS];

    public PciBus(int number) {
        if (number < 0 || number > 0xff) {
            throw new IllegalArgumentException("bus number " + number);
        }
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static int devfn(int slot, int function) {
        return slot << 3 | function;
    }

    /** {@code bb:ss.f} of a requester ID, as lspci prints it. */
    public static String bdf(int requesterId) {
        return String.format("%02x:%02x.%x", requesterId >>> 8, (requesterId >>> 3) & 0x1f, requesterId & 7);
    }

    /**
     * Places {@code function} at {@code devfn}.
     *
     * @throws IllegalArgumentException when devfn is out of range or taken, or
     *                                  the function already sits on a bus
     */
    public void attach(int devfn, PciFunction function) {
        if (devfn < 0 || devfn >= DEVFNS) {
            throw new IllegalArgumentException("devfn " + devfn + " is out of range");
        }
        if (functions[devfn] != null) {
            throw new IllegalArgumentException("PCI address " + bdf(number << 8 | devfn) + " is already in use by "
                    + functions[devfn]);
        }
        function.attached(number, devfn);
        functions[devfn] = function;
    }

    /** The lowest slot whose function 0 is free, or -1 when every slot is taken (QEMU's automatic placement). */
    public int firstFreeSlot() {
        for (int slot = 0; slot < SLOTS; slot++) {
            if (functions[devfn(slot, 0)] == null) {
                return slot;
            }
        }
        return -1;
    }

    /** The function at {@code devfn}, or null when absent. */
    public PciFunction function(int devfn) {
        return devfn >= 0 && devfn < DEVFNS ? functions[devfn] : null;
    }

    /** The functions present, in devfn order. */
    public List<PciFunction> functions() {
        List<PciFunction> all = new ArrayList<>();
        for (PciFunction f : functions) {
            if (f != null) {
                all.add(f);
            }
        }
        return all;
    }
}

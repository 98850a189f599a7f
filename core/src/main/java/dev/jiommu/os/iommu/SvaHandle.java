package dev.jiommu.os.iommu;

import java.util.ArrayList;
import java.util.List;

/**
 * A bond between a device (its group) and a process address space on the
 * address space's PASID (Linux {@code struct iommu_sva} with its attach
 * handle). Binding the same device to the same address space again returns
 * this handle with one more user; the bond ends when the last user unbinds.
 *
 * <p>Invariants: while {@link #users()} &gt; 0 the handle is its group's entry
 * for {@link #pasid()}, and every device in {@link #devices()} translates that
 * PASID through {@link #domain()}.
 */
public final class SvaHandle {

    private final Device device;
    private final Group group;
    private final Domain domain;
    private final SvaMm mm;
    /** Devices of the group whose PASID the driver set up. */
    final List<Device> attached;
    int users = 1;

    SvaHandle(Device device, Group group, Domain domain, SvaMm mm, List<Device> attached) {
        this.device = device;
        this.group = group;
        this.domain = domain;
        this.mm = mm;
        this.attached = attached;
    }

    /** The device the bond was first made for. */
    public Device device() {
        return device;
    }

    public Group group() {
        return group;
    }

    public Domain domain() {
        return domain;
    }

    /** The PASID the device tags its DMA with ({@code iommu_sva_get_pasid}). */
    public int pasid() {
        return mm.pasid;
    }

    public SvaAddressSpace addressSpace() {
        return mm.mm;
    }

    /** Binds not yet undone; 0 once unbound. */
    public int users() {
        return users;
    }

    public boolean isBound() {
        return users > 0;
    }

    /** Devices of the group translating the PASID through this bond. */
    public List<Device> devices() {
        return new ArrayList<>(attached);
    }

    SvaMm mm() {
        return mm;
    }

    @Override
    public String toString() {
        return "sva(" + device.name() + ", mm" + mm.mm.id() + ", pasid " + mm.pasid + ", users " + users + ")";
    }
}

package dev.jiommu.os.iommu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The smallest set of devices the IOMMU can isolate from one another (Linux
 * {@code struct iommu_group}): they are attached to one domain together.
 *
 * <p>Invariants: while the group has devices it has a default domain, and its
 * current {@link #domain()} is the default domain or one attached through
 * {@link IommuCore#attachGroup}; every device of the group is attached to the
 * current domain; each PASID in use maps to one SVA handle
 * ({@code group->pasid_array}).
 */
public final class Group {

    private final int id;
    final List<Device> devices = new ArrayList<>();
    Domain defaultDomain;
    Domain domain;
    /** PASID → the SVA bond on it, for every device of the group. */
    final Map<Integer, SvaHandle> pasids = new LinkedHashMap<>();

    Group(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public List<Device> devices() {
        return Collections.unmodifiableList(devices);
    }

    /** The domain DMA falls back to when nothing else is attached ({@code group->default_domain}). */
    public Domain defaultDomain() {
        return defaultDomain;
    }

    /** The domain DMA without PASID is translated by now ({@code group->domain}). */
    public Domain domain() {
        return domain;
    }

    /** PASIDs with an SVA bond on this group, in binding order. */
    public List<Integer> boundPasids() {
        return List.copyOf(pasids.keySet());
    }

    @Override
    public String toString() {
        return "group" + id + devices.stream().map(Device::name).toList();
    }
}

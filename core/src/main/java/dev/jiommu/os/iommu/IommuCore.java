package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Prot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The IOMMU core of one machine (Linux {@code drivers/iommu/iommu.c} and the
 * entry points of {@code iommu-sva.c}): drivers, devices and their groups,
 * domains, mapping, reserved regions, fault reporting, SVA binding.
 *
 * <p>Every call documents its errno results; they are negated
 * {@link Errno} values. The core is single-threaded, like the simulation.
 *
 * <p>Invariants: a probed device belongs to exactly one group and is attached
 * to its group's current domain; a group's current domain is its default
 * domain unless a user domain was attached with {@link #attachGroup}; each
 * address space bound for SVA has one PASID on every device until it is
 * released and its last bond is gone.
 */
public final class IommuCore {

    /** Default PASID space: the PCIe maximum. */
    public static final int DEFAULT_PASID_BITS = DeviceFeatures.MAX_PASID_BITS;

    private final DomainType defaultDomainType;
    private final List<IommuDriver> drivers = new ArrayList<>();
    private final PasidAllocator pasids;
    private final Sva sva;
    private int nextGroupId;
    private int nextDomainId;

    /** DMA default domains, PASIDs 1 .. 2^20 - 1. */
    public IommuCore() {
        this(DomainType.DMA, DEFAULT_PASID_BITS);
    }

    /**
     * @param defaultDomainType DMA (translated, Linux's default) or IDENTITY
     *                          ({@code iommu.passthrough=1})
     * @param pasidBits         width of the global PASID space, 1..20
     */
    public IommuCore(DomainType defaultDomainType, int pasidBits) {
        if (defaultDomainType != DomainType.DMA && defaultDomainType != DomainType.IDENTITY) {
            throw new IllegalArgumentException("default domains are DMA or IDENTITY, not " + defaultDomainType);
        }
        this.defaultDomainType = defaultDomainType;
        this.pasids = new PasidAllocator(pasidBits);
        this.sva = new Sva(this, pasids);
    }

    // ---- drivers and devices ----------------------------------------------------------

    /**
     * Make an IOMMU instance available for devices ({@code iommu_device_register}).
     *
     * @return 0; {@code -EEXIST} when already registered
     */
    public int registerDriver(IommuDriver driver) {
        Objects.requireNonNull(driver, "driver");
        if (drivers.contains(driver)) {
            return -Errno.EEXIST;
        }
        drivers.add(driver);
        return 0;
    }

    public List<IommuDriver> drivers() {
        return List.copyOf(drivers);
    }

    /**
     * Probe {@code dev} ({@code iommu_probe_device}): the first registered
     * driver that does not answer {@code -ENODEV} takes it; the device joins
     * its peer's group or a new one; a new group gets a default domain
     * (DMA or IDENTITY as configured; DMA as the fallback, as Linux's
     * {@code iommu_group_alloc_default_domain} does); the device is attached to
     * the group's current domain; DIRECT reserved regions are identity-mapped
     * in a paging default domain ({@code iommu_create_device_direct_mappings}).
     *
     * @return 0; {@code -EEXIST} when already probed; {@code -ENODEV} when no
     *         driver takes the device; {@code -EINVAL} when its group peer is
     *         not probed or belongs to another driver; otherwise the errno of
     *         the driver's probe, domain allocation or attach, or of a direct
     *         mapping. On error the device is left unprobed.
     */
    public int addDevice(Device dev) {
        if (dev.group() != null) {
            return -Errno.EEXIST;
        }
        IommuDriver owner = null;
        DeviceFeatures features = null;
        for (IommuDriver d : drivers) {
            Result<DeviceFeatures> r = d.probeDevice(dev);
            if (r.error() == -Errno.ENODEV) {
                continue;
            }
            if (!r.isOk()) {
                return r.error();
            }
            owner = d;
            features = r.value();
            break;
        }
        if (owner == null) {
            return -Errno.ENODEV;
        }
        Device peer = dev.groupPeer();
        if (peer != null && (peer.group() == null || peer.driver() != owner)) {
            owner.releaseDevice(dev);
            return -Errno.EINVAL;
        }
        dev.probed(owner, features);
        Group group;
        boolean newGroup = peer == null;
        if (newGroup) {
            group = new Group(nextGroupId++);
            Result<Domain> def = allocDefaultDomain(owner);
            if (!def.isOk()) {
                owner.releaseDevice(dev);
                dev.released();
                return def.error();
            }
            group.defaultDomain = def.value();
            group.domain = def.value();
        } else {
            group = peer.group();
        }
        Domain current = group.domain;
        int err = ((DeviceDomainOps) current.ops()).attachDevice(dev);
        if (err == 0 && current == group.defaultDomain && current.type().isPaging()) {
            err = createDirectMappings(current, owner.reservedRegions(dev));
        }
        if (err != 0) {
            owner.releaseDevice(dev);
            dev.released();
            if (newGroup) {
                current.freed = true;
                current.ops().free();
            }
            return err;
        }
        current.finalised = true;
        current.groups.add(group);
        group.devices.add(dev);
        dev.joined(group);
        return 0;
    }

    private Result<Domain> allocDefaultDomain(IommuDriver driver) {
        Result<DeviceDomainOps> r = driver.domainAlloc(defaultDomainType);
        if (!r.isOk() && defaultDomainType != DomainType.DMA) {
            Result<DeviceDomainOps> dma = driver.domainAlloc(DomainType.DMA);
            if (dma.isOk()) {
                Domain d = newDomain(DomainType.DMA, driver, dma.value(), null);
                d.isDefault = true;
                return Result.ok(d);
            }
        }
        if (!r.isOk()) {
            return Result.err(r.error());
        }
        Domain d = newDomain(defaultDomainType, driver, r.value(), null);
        d.isDefault = true;
        return Result.ok(d);
    }

    private int createDirectMappings(Domain d, List<ReservedRegion> regions) {
        long pg = Long.lowestOneBit(d.pageSizeBitmap());
        for (ReservedRegion r : regions) {
            if (r.type() != ReservedRegion.Type.DIRECT && r.type() != ReservedRegion.Type.DIRECT_RELAXABLE) {
                continue;
            }
            long start = r.start() & -pg;
            long pages = Long.divideUnsigned((r.end() | (pg - 1)) - start, pg) + 1;
            for (long i = 0; i < pages; i++) {
                long a = start + i * pg;
                if (d.paging().iovaToPhys(a) != 0) {
                    continue;
                }
                int err = map(d, a, a, pg, r.prot());
                if (err != 0) {
                    return err;
                }
            }
        }
        return 0;
    }

    /**
     * Let go of {@code dev} ({@code iommu_release_device}): it leaves its
     * I/O page-fault queue (queued groups answered INVALID) and its group; the
     * driver releases it; an emptied group's default domain is freed.
     *
     * @return 0; {@code -ENODEV} when not probed; {@code -EBUSY} while an SVA
     *         bond uses the device
     */
    public int removeDevice(Device dev) {
        Group g = dev.group();
        if (g == null) {
            return -Errno.ENODEV;
        }
        for (SvaHandle h : g.pasids.values()) {
            if (h.attached.contains(dev)) {
                return -Errno.EBUSY;
            }
        }
        IopfQueue q = dev.iopfQueue();
        if (q != null) {
            q.removeDevice(dev);
        }
        IommuDriver driver = dev.driver();
        g.devices.remove(dev);
        driver.releaseDevice(dev);
        dev.released();
        if (g.devices.isEmpty()) {
            g.domain.groups.remove(g);
            Domain def = g.defaultDomain;
            def.groups.remove(g);
            def.freed = true;
            def.ops().free();
            g.domain = null;
            g.defaultDomain = null;
        }
        return 0;
    }

    /** The group of {@code dev}, or null when it is not probed ({@code iommu_group_get}). */
    public Group group(Device dev) {
        return dev.group();
    }

    /** Whether {@code dev}'s IOMMU has {@code cap}; false for an unprobed device ({@code device_iommu_capable}). */
    public boolean capable(Device dev, Capability cap) {
        return dev.driver() != null && dev.driver().capable(dev, cap);
    }

    // ---- domains ------------------------------------------------------------------

    Domain newDomain(DomainType type, IommuDriver driver, DomainOps ops, SvaAddressSpace mm) {
        return new Domain(nextDomainId++, type, driver, ops, mm);
    }

    /**
     * Allocate a domain of the only registered driver ({@code iommu_domain_alloc}).
     *
     * @return the domain; {@code -ENODEV} with no driver registered;
     *         {@code -EINVAL} with several (use {@link #domainAlloc(Device, DomainType)})
     *         or for {@link DomainType#SVA} (SVA domains come from {@link #bind});
     *         the driver's {@code -EOPNOTSUPP} or {@code -ENOMEM}
     */
    public Result<Domain> domainAlloc(DomainType type) {
        if (drivers.isEmpty()) {
            return Result.err(-Errno.ENODEV);
        }
        if (drivers.size() > 1) {
            return Result.err(-Errno.EINVAL);
        }
        return domainAlloc(drivers.getFirst(), type);
    }

    /**
     * Allocate a domain for use with {@code dev}'s IOMMU ({@code iommu_paging_domain_alloc(dev)}).
     *
     * @return the domain; {@code -ENODEV} when {@code dev} is not probed;
     *         {@code -EINVAL} for {@link DomainType#SVA}; the driver's
     *         {@code -EOPNOTSUPP} or {@code -ENOMEM}
     */
    public Result<Domain> domainAlloc(Device dev, DomainType type) {
        if (dev.driver() == null) {
            return Result.err(-Errno.ENODEV);
        }
        return domainAlloc(dev.driver(), type);
    }

    private Result<Domain> domainAlloc(IommuDriver driver, DomainType type) {
        Objects.requireNonNull(type, "type");
        if (type == DomainType.SVA) {
            return Result.err(-Errno.EINVAL);
        }
        Result<DeviceDomainOps> r = driver.domainAlloc(type);
        if (!r.isOk()) {
            return Result.err(r.error());
        }
        return Result.ok(newDomain(type, driver, r.value(), null));
    }

    /**
     * Free a domain the caller allocated ({@code iommu_domain_free}).
     *
     * @return 0; {@code -EBUSY} while a group is attached to it;
     *         {@code -EINVAL} for a group's default domain, an SVA domain
     *         (unbind frees it) or a domain already freed
     */
    public int domainFree(Domain d) {
        if (d.freed || d.isDefault || d.type() == DomainType.SVA) {
            return -Errno.EINVAL;
        }
        if (!d.groups.isEmpty()) {
            return -Errno.EBUSY;
        }
        d.freed = true;
        d.ops().free();
        return 0;
    }

    /**
     * Attach {@code g} to {@code d} in place of its default domain
     * ({@code iommu_attach_group}). All devices of the group move together;
     * when the driver refuses one, those already moved go back.
     *
     * @return 0; {@code -EBUSY} when the group is attached to a domain other
     *         than its default one (the same domain included, as Linux);
     *         {@code -EINVAL} for a freed or SVA domain, or a domain of another
     *         driver; {@code -ENODEV} for a group without devices; the driver's
     *         attach errno
     */
    public int attachGroup(Domain d, Group g) {
        if (g.devices.isEmpty()) {
            return -Errno.ENODEV;
        }
        if (g.domain != g.defaultDomain) {
            return -Errno.EBUSY;
        }
        if (d.freed || d.type() == DomainType.SVA || d.driver() != g.devices.getFirst().driver()) {
            return -Errno.EINVAL;
        }
        return setGroupDomain(g, d);
    }

    /**
     * Return {@code g} to its default domain ({@code iommu_detach_group}).
     * Linux returns nothing and warns on a mismatch; here the mismatch is an error.
     *
     * @return 0; {@code -EINVAL} when {@code g} is not attached to {@code d};
     *         the driver's errno when the default domain cannot be re-attached
     */
    public int detachGroup(Domain d, Group g) {
        if (g.domain != d || g.devices.isEmpty()) {
            return -Errno.EINVAL;
        }
        return setGroupDomain(g, g.defaultDomain);
    }

    /**
     * {@link #attachGroup} for the group of a device that is alone in it
     * ({@code iommu_attach_device}).
     *
     * @return as {@link #attachGroup}; {@code -ENODEV} when {@code dev} is not
     *         probed; {@code -EINVAL} when its group has other devices
     */
    public int attachDevice(Domain d, Device dev) {
        Group g = dev.group();
        if (g == null) {
            return -Errno.ENODEV;
        }
        if (g.devices.size() != 1) {
            return -Errno.EINVAL;
        }
        return attachGroup(d, g);
    }

    /**
     * {@link #detachGroup} for a device alone in its group ({@code iommu_detach_device}).
     *
     * @return as {@link #detachGroup}; {@code -ENODEV} when not probed;
     *         {@code -EINVAL} when its group has other devices
     */
    public int detachDevice(Domain d, Device dev) {
        Group g = dev.group();
        if (g == null) {
            return -Errno.ENODEV;
        }
        if (g.devices.size() != 1) {
            return -Errno.EINVAL;
        }
        return detachGroup(d, g);
    }

    private int setGroupDomain(Group g, Domain d) {
        Domain old = g.domain;
        if (old == d) {
            return 0;
        }
        List<Device> moved = new ArrayList<>();
        for (Device dev : g.devices) {
            int err = ((DeviceDomainOps) d.ops()).attachDevice(dev);
            if (err != 0) {
                for (Device back : moved) {
                    ((DeviceDomainOps) old.ops()).attachDevice(back);
                }
                return err;
            }
            moved.add(dev);
        }
        d.finalised = true;
        old.groups.remove(g);
        d.groups.add(g);
        g.domain = d;
        return 0;
    }

    /**
     * Set or clear the nesting attribute of an UNMANAGED domain before its
     * first attach: Linux's {@code DOMAIN_ATTR_NESTING} through
     * {@code iommu_domain_set_attr} (the 2019-era VFIO nesting series; v5.4
     * arm-smmu-v3 returns {@code -EPERM} once the domain is bound to an SMMU)
     * and its successor {@code iommu_enable_nesting} (v5.13).
     *
     * @return 0; {@code -EPERM} once the domain has been attached (its stage is
     *         fixed); {@code -EINVAL} for another domain type (as
     *         {@code iommu_enable_nesting}; v5.4 arm-smmu-v3 answered
     *         {@code -ENODEV} for DMA domains), a freed domain, or a driver
     *         without nesting
     */
    public int setNesting(Domain d, boolean nesting) {
        if (d.freed || d.type() != DomainType.UNMANAGED) {
            return -Errno.EINVAL;
        }
        if (d.finalised) {
            return -Errno.EPERM;
        }
        int err = d.paging().setNesting(nesting);
        if (err == 0) {
            d.nesting = nesting;
        }
        return err;
    }

    // ---- map / unmap ---------------------------------------------------------------

    /**
     * Map {@code [iova, iova + size)} to {@code [paddr, paddr + size)}
     * ({@code iommu_map}), in runs of the driver's page sizes as
     * {@link PageSizes#split} chooses them. All or nothing: when the driver
     * fails part-way, what this call mapped is unmapped again. A {@code prot}
     * without READ or WRITE maps nothing and returns 0, as io-pgtable does.
     *
     * @return 0; {@code -EINVAL} for a domain that is not paging or is freed,
     *         a negative size, or {@code iova}, {@code paddr} or {@code size}
     *         not aligned to the smallest page size; the driver's
     *         {@code -EEXIST} (something mapped in the range), {@code -ENOMEM},
     *         {@code -ERANGE}
     */
    public int map(Domain d, long iova, long paddr, long size, int prot) {
        if (d.freed || !d.type().isPaging() || size < 0) {
            return -Errno.EINVAL;
        }
        long bitmap = d.pageSizeBitmap();
        long min = Long.lowestOneBit(bitmap);
        if (((iova | paddr | size) & (min - 1)) != 0) {
            return -Errno.EINVAL;
        }
        if ((prot & (Prot.READ | Prot.WRITE)) == 0) {
            return 0;
        }
        PagingDomainOps ops = d.paging();
        long left = size;
        long at = iova;
        long pa = paddr;
        int err = 0;
        while (left != 0) {
            PageSizes.Run run = PageSizes.split(bitmap, at, pa, left);
            MapResult r = ops.mapPages(at, pa, run.pgsize(), run.count(), prot);
            if (Long.compareUnsigned(r.mapped(), run.bytes()) > 0) {
                throw new IllegalStateException(d.driver().name() + ": map_pages reports more mapped than asked");
            }
            left -= r.mapped();
            if (r.error() != 0) {
                err = r.error();
                break;
            }
            if (r.mapped() == 0) {
                throw new IllegalStateException(d.driver().name() + ": map_pages succeeded without mapping anything");
            }
            at += r.mapped();
            pa += r.mapped();
        }
        if (err != 0 && size - left != 0) {
            unmap(d, iova, size - left);
        }
        return err;
    }

    /**
     * Unmap {@code [iova, iova + size)} ({@code iommu_unmap}) in runs of the
     * driver's page sizes, stopping at the first run the driver cannot unmap
     * (a hole, or a block reaching outside the run).
     *
     * @return bytes unmapped: 0 for a domain that is not paging or is freed,
     *         a non-positive size, or {@code iova}/{@code size} not aligned to
     *         the smallest page size
     */
    public long unmap(Domain d, long iova, long size) {
        if (d.freed || !d.type().isPaging() || size <= 0) {
            return 0;
        }
        long bitmap = d.pageSizeBitmap();
        long min = Long.lowestOneBit(bitmap);
        if (((iova | size) & (min - 1)) != 0) {
            return 0;
        }
        PagingDomainOps ops = d.paging();
        long done = 0;
        while (done < size) {
            PageSizes.Run run = PageSizes.split(bitmap, iova + done, iova + done, size - done);
            long n = ops.unmapPages(iova + done, run.pgsize(), run.count());
            if (n == 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /**
     * The physical address {@code iova} translates to in {@code d}
     * ({@code iommu_iova_to_phys}): {@code iova} itself for IDENTITY, 0 for
     * BLOCKED, SVA, freed domains and unmapped addresses.
     */
    public long iovaToPhys(Domain d, long iova) {
        if (d.freed) {
            return 0;
        }
        return switch (d.type()) {
            case IDENTITY -> iova;
            case BLOCKED, SVA -> 0;
            case DMA, UNMANAGED -> d.paging().iovaToPhys(iova);
        };
    }

    // ---- reserved regions ------------------------------------------------------------

    /**
     * The reserved regions of {@code dev} ({@code iommu_get_resv_regions}): the
     * driver's hardware regions plus the software MSI window
     * {@link ReservedRegion#softwareMsi()}, by start address. Empty for an
     * unprobed device.
     */
    public List<ReservedRegion> reservedRegions(Device dev) {
        if (dev.driver() == null) {
            return List.of();
        }
        List<ReservedRegion> out = new ArrayList<>(dev.driver().reservedRegions(dev));
        out.add(ReservedRegion.softwareMsi());
        out.sort(Comparator.comparingLong(ReservedRegion::start).thenComparing(ReservedRegion::type));
        return out;
    }

    /**
     * The reserved regions of every device of {@code g}
     * ({@code iommu_get_group_resv_regions}): regions of the same type that
     * overlap or touch are merged (keeping the first one's prot); regions of
     * different types stay separate. By start address.
     */
    public List<ReservedRegion> groupReservedRegions(Group g) {
        List<ReservedRegion> all = new ArrayList<>();
        for (Device dev : g.devices) {
            all.addAll(reservedRegions(dev));
        }
        all.sort(Comparator.comparing(ReservedRegion::type).thenComparingLong(ReservedRegion::start));
        List<ReservedRegion> merged = new ArrayList<>();
        for (ReservedRegion r : all) {
            ReservedRegion top = merged.isEmpty() ? null : merged.getLast();
            if (top != null && top.type() == r.type() && r.start() <= top.end() + 1) {
                long end = Math.max(top.end(), r.end());
                merged.set(merged.size() - 1, new ReservedRegion(top.start(), end - top.start() + 1, top.prot(), top.type()));
            } else {
                merged.add(r);
            }
        }
        merged.sort(Comparator.comparingLong(ReservedRegion::start).thenComparing(ReservedRegion::type));
        return merged;
    }

    // ---- fault reporting -------------------------------------------------------------

    /**
     * Receive {@code dev}'s faults ({@code iommu_register_device_fault_handler}).
     *
     * @return 0; {@code -EINVAL} when {@code dev} is not probed;
     *         {@code -EBUSY} when it has a handler already
     */
    public int registerDeviceFaultHandler(Device dev, DeviceFaultHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (dev.group() == null) {
            return -Errno.EINVAL;
        }
        if (dev.faultHandler() != null) {
            return -Errno.EBUSY;
        }
        dev.faultHandler(handler);
        return 0;
    }

    /**
     * Stop receiving {@code dev}'s faults ({@code iommu_unregister_device_fault_handler}).
     *
     * @return 0; {@code -EINVAL} when {@code dev} is not probed or has no handler
     */
    public int unregisterDeviceFaultHandler(Device dev) {
        if (dev.group() == null || dev.faultHandler() == null) {
            return -Errno.EINVAL;
        }
        dev.faultHandler(null);
        return 0;
    }

    /**
     * Report an unrecoverable fault of {@code dev}: to the device's handler
     * when it has one ({@code iommu_report_device_fault}), else to the fault
     * handler of the domain that translated the access — the SVA domain of
     * the fault's PASID, or the group's current domain
     * ({@code report_iommu_fault}).
     *
     * @return 0 when the device handler took it; the domain handler's result;
     *         {@code -ENOSYS} when there is no handler (as
     *         {@code report_iommu_fault}); {@code -ENODEV} when {@code dev} is
     *         not probed
     */
    public int reportUnrecoverable(Device dev, UnrecoverableFault fault) {
        Group g = dev.group();
        if (g == null) {
            return -Errno.ENODEV;
        }
        if (dev.faultHandler() != null) {
            dev.faultHandler().onFault(dev, fault);
            return 0;
        }
        Domain d = g.domain;
        if (fault.pasidValid()) {
            SvaHandle h = g.pasids.get(fault.pasid());
            if (h != null) {
                d = h.domain();
            }
        }
        DomainFaultHandler handler = d.faultHandler();
        return handler == null ? -Errno.ENOSYS : handler.onFault(d, dev, fault);
    }

    /** Hand a failed recoverable fault to the device's handler, if any. */
    void reportToDevice(Device dev, FaultReport report) {
        DeviceFaultHandler h = dev.faultHandler();
        if (h != null) {
            h.onFault(dev, report);
        }
    }

    /** A queue for the recoverable faults of one IOMMU instance's devices ({@code iopf_queue_alloc}). */
    public IopfQueue iopfQueueAlloc(String name) {
        return new IopfQueue(this, Objects.requireNonNull(name, "name"));
    }

    // ---- SVA --------------------------------------------------------------------------

    /**
     * Bind {@code dev} to the address space {@code mm} ({@code iommu_sva_bind_device}).
     * The address space gets a PASID on its first bind, the same for every
     * device, kept until it exits and its last bond is gone. Binding the same
     * device (group) to the same address space again returns the same handle
     * with one more user. An SVA domain of the address space that the driver
     * accepts for this device is shared; otherwise the driver allocates one.
     * Any address space may be bound, not only the caller's.
     *
     * <p>Check order: group, SVA support, liveness, PASID. Linux allocates the
     * PASID before the driver refuses SVA; here a device without SVA does not
     * consume a PASID.
     *
     * @return the handle; {@code -ENODEV} when {@code dev} has no group;
     *         {@code -EOPNOTSUPP} when the driver or device lacks SVA (no
     *         {@link Capability#SVA}, no PASID enabled), or from the driver's
     *         domain allocation; {@code -ESRCH} when {@code mm} has exited (the
     *         model's choice: Linux callers hold a live mm); {@code -EOVERFLOW}
     *         when the address space's PASID is beyond the device's width;
     *         {@code -ENOSPC} when no PASID is free below the device's width;
     *         {@code -EBUSY} when the group uses that PASID for something else;
     *         the driver's {@code -EINVAL}, {@code -ENOMEM}, {@code -ENOSPC}
     */
    public Result<SvaHandle> bind(Device dev, SvaAddressSpace mm) {
        return sva.bind(dev, Objects.requireNonNull(mm, "mm"));
    }

    /**
     * Drop one user of {@code handle} ({@code iommu_sva_unbind_device}). The
     * last one ends the bond: the driver removes the PASID from every device
     * of the group (and drains its hardware queues); the PASID's partial
     * faults are dropped and its queued groups answered INVALID; the SVA
     * domain is freed when no bond uses it. The PASID stays with the address
     * space.
     *
     * @return 0; {@code -EINVAL} for a handle already fully unbound
     */
    public int unbind(SvaHandle handle) {
        return sva.unbind(handle);
    }

    /** The PASID of {@code mm}, or {@code -ENOENT} when it has none ({@code mm_get_pasid}). */
    public int pasidOf(SvaAddressSpace mm) {
        return sva.pasidOf(mm);
    }

    /**
     * A PASID from the global space for a device's own use, e.g. a kernel
     * DMA context ({@code iommu_alloc_global_pasid}).
     *
     * @return the PASID; {@code -ENOSPC} when none is free below the device's
     *         width or the device has no PASID (Linux returns
     *         {@code IOMMU_PASID_INVALID})
     */
    public int allocGlobalPasid(Device dev) {
        return pasids.allocate(dev.features().maxPasids());
    }

    /** Return a PASID from {@link #allocGlobalPasid} ({@code iommu_free_global_pasid}). */
    public void freeGlobalPasid(int pasid) {
        pasids.free(pasid);
    }

    /** The global PASID space. */
    public PasidAllocator pasids() {
        return pasids;
    }

    Sva sva() {
        return sva;
    }
}

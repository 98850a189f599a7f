package dev.jiommu.os.iommu;

import dev.jiommu.Errno;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binding devices to process address spaces (Linux {@code iommu-sva.c}); the
 * public entry points are {@link IommuCore#bind} and {@link IommuCore#unbind}.
 */
final class Sva {

    private final IommuCore core;
    private final PasidAllocator pasids;
    private final Map<SvaAddressSpace, SvaMm> mms = new IdentityHashMap<>();

    Sva(IommuCore core, PasidAllocator pasids) {
        this.core = core;
        this.pasids = pasids;
    }

    Result<SvaHandle> bind(Device dev, SvaAddressSpace mm) {
        Group group = dev.group();
        if (group == null) {
            return Result.err(-Errno.ENODEV);
        }
        IommuDriver driver = dev.driver();
        int maxPasids = dev.features().maxPasids();
        if (maxPasids == 0 || !driver.capable(dev, Capability.SVA)) {
            return Result.err(-Errno.EOPNOTSUPP);
        }
        if (!mm.isAlive()) {
            return Result.err(-Errno.ESRCH);
        }
        SvaMm data = mms.get(mm);
        if (data == null) {
            int pasid = pasids.allocate(maxPasids);
            if (pasid < 0) {
                return Result.err(pasid);
            }
            data = new SvaMm(this, mm, pasid);
            mms.put(mm, data);
            mm.addListener(data);
        } else if (data.pasid >= maxPasids) {
            return Result.err(-Errno.EOVERFLOW);
        }

        SvaHandle existing = group.pasids.get(data.pasid);
        if (existing != null) {
            if (existing.mm() != data) {
                return Result.err(-Errno.EBUSY);
            }
            existing.users++;
            return Result.ok(existing);
        }

        for (Domain d : data.domains) {
            if (d.driver() != driver) {
                continue;
            }
            List<Device> attached = new ArrayList<>(group.devices.size());
            if (attachPasid(d, group, data.pasid, attached) == 0) {
                d.svaUsers++;
                return Result.ok(newHandle(dev, group, d, data, attached));
            }
        }

        Result<SvaDomainOps> alloc = driver.domainAllocSva(dev, mm);
        if (!alloc.isOk()) {
            return Result.err(alloc.error());
        }
        Domain d = core.newDomain(DomainType.SVA, driver, alloc.value(), mm);
        List<Device> attached = new ArrayList<>(group.devices.size());
        int err = attachPasid(d, group, data.pasid, attached);
        if (err != 0) {
            d.freed = true;
            alloc.value().free();
            return Result.err(err);
        }
        d.svaUsers = 1;
        data.domains.add(d);
        return Result.ok(newHandle(dev, group, d, data, attached));
    }

    private SvaHandle newHandle(Device dev, Group group, Domain d, SvaMm data, List<Device> attached) {
        SvaHandle h = new SvaHandle(dev, group, d, data, attached);
        group.pasids.put(data.pasid, h);
        data.handles.add(h);
        return h;
    }

    /**
     * Sets the PASID up on every device of the group that supports it
     * ({@code iommu_attach_device_pasid}); all or nothing.
     */
    private int attachPasid(Domain d, Group group, int pasid, List<Device> attached) {
        SvaDomainOps ops = (SvaDomainOps) d.ops();
        for (Device dev : group.devices) {
            if (dev.features().maxPasids() <= pasid) {
                continue;
            }
            int err = dev.driver() != d.driver() ? -Errno.EINVAL : ops.setDevPasid(dev, pasid);
            if (err != 0) {
                for (Device done : attached) {
                    done.driver().removeDevPasid(done, pasid, ops);
                }
                attached.clear();
                return err;
            }
            attached.add(dev);
        }
        d.finalised = true;
        return 0;
    }

    int unbind(SvaHandle h) {
        if (h.users <= 0) {
            return -Errno.EINVAL;
        }
        if (--h.users > 0) {
            return 0;
        }
        SvaMm data = h.mm();
        Domain d = h.domain();
        SvaDomainOps ops = (SvaDomainOps) d.ops();
        h.group().pasids.remove(data.pasid);
        data.handles.remove(h);
        for (Device dev : h.attached) {
            dev.driver().removeDevPasid(dev, data.pasid, ops);
            IopfQueue q = dev.iopfQueue();
            if (q != null) {
                q.flushPasid(dev, data.pasid);
            }
        }
        if (--d.svaUsers == 0) {
            data.domains.remove(d);
            d.freed = true;
            ops.free();
        }
        dropIfDone(data);
        return 0;
    }

    /** The address space exits: every SVA domain of it faults all accesses; queued groups are answered. */
    void release(SvaMm data) {
        if (data.released) {
            return;
        }
        data.released = true;
        for (Domain d : data.domains) {
            d.released = true;
            ((SvaDomainOps) d.ops()).release();
        }
        for (SvaHandle h : List.copyOf(data.handles)) {
            for (Device dev : h.attached) {
                IopfQueue q = dev.iopfQueue();
                if (q != null) {
                    q.flushBond(h);
                }
            }
        }
        dropIfDone(data);
    }

    private void dropIfDone(SvaMm data) {
        if (data.released && data.domains.isEmpty()) {
            mms.remove(data.mm);
            pasids.free(data.pasid);
        }
    }

    /** The bond translating {@code fault}'s PASID for {@code dev}, or null. */
    SvaHandle bondFor(Device dev, IopfFault fault) {
        Group g = dev.group();
        if (!fault.pasidValid() || g == null) {
            return null;
        }
        SvaHandle h = g.pasids.get(fault.pasid());
        return h != null && h.attached.contains(dev) ? h : null;
    }

    /** The PASID of {@code mm}, or {@code -ENOENT} when it has none. */
    int pasidOf(SvaAddressSpace mm) {
        SvaMm data = mms.get(mm);
        return data == null ? -Errno.ENOENT : data.pasid;
    }
}

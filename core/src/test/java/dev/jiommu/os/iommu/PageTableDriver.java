package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Stage;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A test IOMMU driver: paging domains are real {@link IoPageTable}s in
 * simulated memory; everything the core asks of the driver is recorded so
 * tests can check what reached the driver boundary. Devices on which it
 * sets up an SVA PASID join its I/O page-fault queue (as arm-smmu-v3 enables
 * IOPF with the first SVA context) and leave it with their last PASID.
 */
final class PageTableDriver implements IommuDriver {

    static final long BITMAP_4K = (1L << 12) | (1L << 21) | (1L << 30);

    final String name;
    final long pgsizeBitmap;
    final FrameAllocator frames;
    final IopfQueue queue;
    /** StreamIDs this instance serves. */
    IntPredicate claims = sid -> true;
    int ssidBits = 20;
    final Set<Capability> caps = EnumSet.of(Capability.CACHE_COHERENCY, Capability.NOEXEC, Capability.SVA,
            Capability.IOPF, Capability.NESTING);
    final List<ReservedRegion> hwRegions = new ArrayList<>();
    /** Device names whose attach the driver refuses with -EINVAL. */
    final Set<String> refuseAttach = new HashSet<>();
    /** When set, domainAllocSva fails with this errno. */
    int svaAllocError;

    // records
    final List<String> log = new ArrayList<>();
    final List<Response> responses = new ArrayList<>();
    final List<Device> released = new ArrayList<>();
    final Map<Device, Set<Integer>> pasidsOf = new HashMap<>();

    record Response(Device dev, IopfFault last, PageResponse response) {}

    PageTableDriver(IommuCore core, String name, long pgsizeBitmap) {
        this(core, name, pgsizeBitmap, new FrameAllocator(PhysicalMemory.ram(0x4000_0000L, 64L << 20), 0x4000_0000L, 64L << 20));
    }

    PageTableDriver(IommuCore core, String name, long pgsizeBitmap, FrameAllocator frames) {
        this.name = name;
        this.pgsizeBitmap = pgsizeBitmap;
        this.frames = frames;
        this.queue = core.iopfQueueAlloc(name + "-iopf");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Result<DeviceFeatures> probeDevice(Device dev) {
        for (int sid : dev.streamIds()) {
            if (!claims.test(sid)) {
                return Result.err(-Errno.ENODEV);
            }
        }
        log.add("probe " + dev.name());
        return Result.ok(new DeviceFeatures(Math.min(ssidBits, dev.supportedPasidBits()), dev.atsCapable(),
                dev.priCapable() && dev.atsCapable(), dev.canStall()));
    }

    @Override
    public void releaseDevice(Device dev) {
        released.add(dev);
        log.add("release " + dev.name());
    }

    @Override
    public boolean capable(Device dev, Capability cap) {
        return caps.contains(cap);
    }

    @Override
    public long pageSizeBitmap() {
        return pgsizeBitmap;
    }

    @Override
    public Result<DeviceDomainOps> domainAlloc(DomainType type) {
        return switch (type) {
            case DMA, UNMANAGED -> Result.ok(new Paging(type));
            case IDENTITY, BLOCKED -> Result.ok(new Fixed(type));
            case SVA -> Result.err(-Errno.EOPNOTSUPP);
        };
    }

    @Override
    public Result<SvaDomainOps> domainAllocSva(Device dev, SvaAddressSpace mm) {
        if (svaAllocError != 0) {
            return Result.err(svaAllocError);
        }
        mm.pinAsid();
        log.add("alloc-sva mm" + mm.id());
        return Result.ok(new Sva(mm));
    }

    @Override
    public void removeDevPasid(Device dev, int pasid, SvaDomainOps domain) {
        log.add("remove-pasid " + dev.name() + " " + pasid);
        ((Sva) domain).pasids.remove(dev.name() + ":" + pasid);
        Set<Integer> set = pasidsOf.get(dev);
        set.remove(pasid);
        if (set.isEmpty() && dev.iopfQueue() == queue) {
            queue.removeDevice(dev);
        }
    }

    @Override
    public void pageResponse(Device dev, IopfFault last, PageResponse response) {
        responses.add(new Response(dev, last, response));
    }

    @Override
    public List<ReservedRegion> reservedRegions(Device dev) {
        return List.copyOf(hwRegions);
    }

    /** Something that records which devices it was attached to. */
    abstract class Attachable implements DeviceDomainOps {
        final DomainType type;
        final List<Device> attached = new ArrayList<>();
        boolean freed;

        Attachable(DomainType type) {
            this.type = type;
        }

        @Override
        public int attachDevice(Device dev) {
            if (freed) {
                throw new AssertionError("attach to a freed domain");
            }
            if (refuseAttach.contains(dev.name())) {
                return -Errno.EINVAL;
            }
            attached.add(dev);
            log.add("attach " + dev.name() + " " + type);
            return 0;
        }

        @Override
        public void free() {
            if (freed) {
                throw new AssertionError("double free");
            }
            freed = true;
            log.add("free " + type);
        }
    }

    /** IDENTITY or BLOCKED. */
    final class Fixed extends Attachable {
        Fixed(DomainType type) {
            super(type);
        }
    }

    /** A DMA or UNMANAGED domain over an io-pgtable. */
    final class Paging extends Attachable implements PagingDomainOps {
        IoPageTable table;
        boolean nesting;
        /** Every mapPages call as {iova, paddr, pgsize, pgcount}. */
        final List<long[]> mapCalls = new ArrayList<>();
        final List<long[]> unmapCalls = new ArrayList<>();
        /** Fail mapPages with -ENOMEM once this many more pages have been mapped; negative: never. */
        long failAfterPages = -1;

        Paging(DomainType type) {
            super(type);
            this.table = IoPageTable.create(Stage.STAGE1, pgsizeBitmap, 48, 48, 0, frames);
        }

        @Override
        public long pageSizeBitmap() {
            return table.pageSizeBitmap();
        }

        @Override
        public MapResult mapPages(long iova, long paddr, long pgsize, long pgcount, int prot) {
            mapCalls.add(new long[] {iova, paddr, pgsize, pgcount});
            long done = 0;
            for (long i = 0; i < pgcount; i++) {
                if (failAfterPages == 0) {
                    return MapResult.failed(-Errno.ENOMEM, done);
                }
                int err = table.map(iova + done, paddr + done, pgsize, prot);
                if (err != 0) {
                    return MapResult.failed(err, done);
                }
                if (failAfterPages > 0) {
                    failAfterPages--;
                }
                done += pgsize;
            }
            return MapResult.ok(done);
        }

        @Override
        public long unmapPages(long iova, long pgsize, long pgcount) {
            unmapCalls.add(new long[] {iova, pgsize, pgcount});
            long done = 0;
            for (long i = 0; i < pgcount; i++) {
                long n = table.unmap(iova + done, pgsize);
                if (n != pgsize) {
                    break;
                }
                done += n;
            }
            return done;
        }

        @Override
        public long iovaToPhys(long iova) {
            return table.iovaToPhys(iova);
        }

        @Override
        public int setNesting(boolean on) {
            if (!caps.contains(Capability.NESTING)) {
                return -Errno.EINVAL;
            }
            table.free();
            table = IoPageTable.create(on ? Stage.STAGE2 : Stage.STAGE1, pgsizeBitmap, 48, 48, 0, frames);
            nesting = on;
            return 0;
        }

        @Override
        public void free() {
            super.free();
            table.free();
        }
    }

    /** An SVA domain: records PASIDs, invalidations and the switch to fault-all. */
    final class Sva implements SvaDomainOps {
        final SvaAddressSpace mm;
        final Set<String> pasids = new HashSet<>();
        final List<long[]> invalidations = new ArrayList<>();
        boolean faultAll;
        boolean freed;

        Sva(SvaAddressSpace mm) {
            this.mm = mm;
        }

        @Override
        public int setDevPasid(Device dev, int pasid) {
            if (refuseAttach.contains(dev.name())) {
                return -Errno.EINVAL;
            }
            pasids.add(dev.name() + ":" + pasid);
            pasidsOf.computeIfAbsent(dev, d -> new HashSet<>()).add(pasid);
            if (dev.features().iopf() && dev.iopfQueue() == null) {
                int err = queue.addDevice(dev);
                if (err != 0) {
                    throw new AssertionError("iopf queue add: " + Errno.name(err));
                }
            }
            log.add("set-pasid " + dev.name() + " " + pasid);
            return 0;
        }

        @Override
        public void invalidateRange(long start, long end) {
            invalidations.add(new long[] {start, end});
        }

        @Override
        public void release() {
            faultAll = true;
            log.add("sva-release mm" + mm.id());
        }

        @Override
        public void free() {
            if (freed) {
                throw new AssertionError("double free");
            }
            freed = true;
            mm.unpinAsid();
            log.add("free-sva mm" + mm.id());
        }
    }
}

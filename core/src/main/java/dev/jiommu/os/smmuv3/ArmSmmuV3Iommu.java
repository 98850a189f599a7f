package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Event.*;

import dev.jiommu.Errno;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.os.iommu.Capability;
import dev.jiommu.os.iommu.Device;
import dev.jiommu.os.iommu.DeviceDomainOps;
import dev.jiommu.os.iommu.DeviceFeatures;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.os.iommu.IommuCore;
import dev.jiommu.os.iommu.IommuDriver;
import dev.jiommu.os.iommu.IopfFault;
import dev.jiommu.os.iommu.IopfQueue;
import dev.jiommu.os.iommu.PageRequest;
import dev.jiommu.os.iommu.PageResponse;
import dev.jiommu.os.iommu.ReservedRegion;
import dev.jiommu.os.iommu.ResponseCode;
import dev.jiommu.os.iommu.Result;
import dev.jiommu.os.iommu.StallFault;
import dev.jiommu.os.iommu.SvaAddressSpace;
import dev.jiommu.os.iommu.SvaDomainOps;
import dev.jiommu.os.iommu.UnrecoverableFault;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Cd;
import dev.jiommu.spec.smmuv3.Cmd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * The SMMUv3 driver as the IOMMU core drives it: Linux's
 * {@code arm_smmu_ops} over one probed {@link ArmSmmuV3}
 * ({@code arm_smmu_probe_device}, {@code arm_smmu_attach_dev},
 * {@code arm_smmu_sva_set_dev_pasid}, {@code arm_smmu_remove_dev_pasid},
 * {@code arm_smmu_page_response}, and the fault paths
 * {@code arm_smmu_handle_evt} / {@code arm_smmu_handle_ppr}).
 *
 * <p><b>Devices</b> ({@link SmmuMaster}): PASID width is the smaller of the
 * device's and SSIDSIZE (and of the linear CD-table limit without 2-level CD
 * tables); ATS only when the SMMU has ATS; PRI only with ATS and an SMMU with
 * PRI; stall only when the device can stall, the SMMU supports the stall
 * model and ATS is off (EATS with stalls is ILLEGAL). The CD table is
 * allocated at probe and the STE written abort until the core attaches the
 * default domain.
 *
 * <p><b>ASIDs</b>: SVA domains use the process's pinned CPU ASID (the shared
 * ASID design of Linux up to 6.9); paging domains take ASIDs from the top of
 * the SMMU's ASID space downwards, skipping ASIDs in use. An SVA domain whose
 * pinned CPU ASID is held by a paging domain is refused with {@code -ENOSPC}
 * (Linux instead moved the paging domain to a new ASID:
 * {@code arm_smmu_share_asid}).
 *
 * <p><b>Faults</b>: page requests from the PRI queue and stalled events are
 * reported to this driver's {@link IopfQueue} as {@link PageRequest} and
 * {@link StallFault}, and the queue is then processed, which answers through
 * {@link #pageResponse}. Requests the queue refuses (device not on it) are
 * answered at once as failed page-ins, as Linux's {@code iopf_error_response}
 * does: PRI InvalidRequest, stall terminate. Response Failure (CMD_PRI_RESP
 * 0b00, which stops the function's PRI for good) is sent only for a
 * {@link ResponseCode#FAILURE} from the queue. Other translation and
 * configuration events go to {@link IommuCore#reportUnrecoverable}.
 *
 * <p>Errors are negated {@link Errno} values; nothing the hardware does
 * throws. Single-threaded, as the core calls it.
 */
public final class ArmSmmuV3Iommu implements IommuDriver {

    /**
     * MAIR as Linux's io-pgtable and the arm64 kernel lay out the attribute
     * indexes the page tables use: 0 Normal non-cacheable (0x44), 1 Normal
     * write-back (0xff), 2 Device-nGnRE (0x04), 3 inner write-back outer
     * non-cacheable (0xf4).
     */
    public static final long MAIR = 0xf404ff44L;

    private final String name;
    private final ArmSmmuV3 smmu;
    private final IommuCore core;
    private final FrameAllocator tableFrames;
    private final IntPredicate covers;
    private final IopfQueue queue;
    private final SteMake.Features steFeatures;
    private final Map<Device, SmmuMaster> masters = new HashMap<>();
    private final Map<Integer, SmmuMaster> bySid = new HashMap<>();
    /** ASID to its users: one paging domain, or the SVA domains of one address space. */
    private final Map<Integer, List<Object>> asids = new HashMap<>();
    private long priRequests;
    private long stallFaults;
    private long unrecoverable;

    /**
     * Takes over a probed SMMU and installs its event and PRI consumers.
     *
     * @param smmu        the probed, enabled SMMU
     * @param core        the core whose I/O page-fault queue and fault reports this driver uses
     * @param tableFrames where paging domains' page tables come from
     * @param covers      the StreamIDs firmware places behind this SMMU (IORT ID mappings)
     */
    public ArmSmmuV3Iommu(String name, ArmSmmuV3 smmu, IommuCore core, FrameAllocator tableFrames,
                          IntPredicate covers) {
        this.name = Objects.requireNonNull(name, "name");
        this.smmu = Objects.requireNonNull(smmu, "smmu");
        this.core = Objects.requireNonNull(core, "core");
        this.tableFrames = Objects.requireNonNull(tableFrames, "tableFrames");
        this.covers = Objects.requireNonNull(covers, "covers");
        this.queue = core.iopfQueueAlloc(name + "-iopf");
        Features f = smmu.features();
        this.steFeatures = new SteMake.Features(f.stalls(), false, f.e2h());
        smmu.onPriRequest(this::handlePpr);
        smmu.onEvent(this::handleEvent);
    }

    /** {@link #ArmSmmuV3Iommu(String, ArmSmmuV3, IommuCore, FrameAllocator, IntPredicate)} covering every StreamID below 2^SIDSIZE. */
    public ArmSmmuV3Iommu(String name, ArmSmmuV3 smmu, IommuCore core, FrameAllocator tableFrames) {
        this(name, smmu, core, tableFrames, sid -> sid >= 0 && sid < 1L << smmu.features().sidBits());
    }

    public ArmSmmuV3 smmu() {
        return smmu;
    }

    /** The I/O page-fault queue fault-capable devices join with their first SVA PASID. */
    public IopfQueue iopfQueue() {
        return queue;
    }

    /** Leaves of {@code dev}'s CD table allocated so far (0 for a linear table); -1 for a device this driver did not probe. */
    public int cdLeaves(Device dev) {
        SmmuMaster m = masters.get(dev);
        return m == null ? -1 : m.cdTable.leaves();
    }

    /** Page requests taken from the PRI queue. */
    public long priRequests() {
        return priRequests;
    }

    /** Stalled transactions taken from the event queue. */
    public long stallFaults() {
        return stallFaults;
    }

    /** Events reported to the core as unrecoverable. */
    public long unrecoverableFaults() {
        return unrecoverable;
    }

    @Override
    public String name() {
        return name;
    }

    // ---- devices -------------------------------------------------------------------------------------------

    /**
     * @return the features enabled; {@code -ENODEV} for a StreamID not behind
     *         this SMMU; {@code -ERANGE} for one the stream table cannot hold;
     *         {@code -ENOMEM} when the STE's L2 table or the CD table cannot be allocated
     */
    @Override
    public Result<DeviceFeatures> probeDevice(Device dev) {
        int[] sids = dev.streamIds();
        for (int sid : sids) {
            if (!covers.test(sid)) {
                return Result.err(-Errno.ENODEV);
            }
        }
        for (int sid : sids) {
            long pa = smmu.steAddress(sid);
            if (pa < 0) {
                return Result.err((int) pa);
            }
            if (bySid.containsKey(sid)) {
                return Result.err(-Errno.EINVAL);
            }
        }
        Features f = smmu.features();
        int pasidBits = Math.min(dev.supportedPasidBits(), f.ssidBits());
        if (!f.twoLevelCdtab()) {
            pasidBits = Math.min(pasidBits, Cd.CTXDESC_LINEAR_CDMAX);
        }
        if (!f.s1p()) {
            pasidBits = 0;
        }
        boolean ats = f.ats() && dev.atsCapable();
        boolean pri = ats && f.pri() && dev.priCapable();
        boolean stall = !ats && f.stalls() && dev.canStall();
        CdTable table = smmu.allocCdTable(pasidBits, sids);
        if (table == null) {
            return Result.err(-Errno.ENOMEM);
        }
        SmmuMaster m = new SmmuMaster(dev, pasidBits, ats, pri, stall, table);
        int err = m.writeSte(smmu, steFeatures);
        if (err != 0) {
            table.free();
            return Result.err(err);
        }
        masters.put(dev, m);
        for (int sid : sids) {
            bySid.put(sid, m);
        }
        return Result.ok(new DeviceFeatures(pasidBits, ats, pri, stall));
    }

    /** Writes abort STEs, frees the CD table and forgets the device ({@code arm_smmu_release_device}). */
    @Override
    public void releaseDevice(Device dev) {
        SmmuMaster m = masters.remove(dev);
        if (m == null) {
            return;
        }
        if (m.domain instanceof SmmuPagingDomain p) {
            p.masters.remove(m);
        }
        m.domain = null;
        m.pasids.clear();
        m.writeSte(smmu, steFeatures);
        m.atcInv(smmu, ArmSmmuV3.NO_SSID, 0, 0);
        for (int sid : m.sids) {
            bySid.remove(sid);
        }
        if (dev.iopfQueue() == queue) {
            queue.removeDevice(dev);
        }
        m.cdTable.free();
    }

    @Override
    public boolean capable(Device dev, Capability cap) {
        Features f = smmu.features();
        SmmuMaster m = masters.get(dev);
        return switch (cap) {
            case CACHE_COHERENCY -> f.coherent();
            case NOEXEC -> true;
            case NESTING -> false;
            case SVA -> m != null && m.pasidBits > 0 && svaSupported(f);
            case IOPF -> m != null && m.iopf();
        };
    }

    private static boolean svaSupported(Features f) {
        return f.s1p() && f.coherent() && f.gran4k();
    }

    /** The 4 KiB granule's page and block sizes the SMMU supports. */
    @Override
    public long pageSizeBitmap() {
        return smmu.features().pgsizeBitmap() & Granule.G4K.pageSizeBitmap(false);
    }

    /** None: the model has no firmware-described regions. */
    @Override
    public List<ReservedRegion> reservedRegions(Device dev) {
        return List.of();
    }

    // ---- domains ----------------------------------------------------------------------------------------------

    /**
     * @return IDENTITY and BLOCKED domains; DMA and UNMANAGED paging domains
     *         ({@code -EOPNOTSUPP} without stage 1 or the 4 KiB granule,
     *         {@code -ENOSPC} without a free ASID, {@code -ENOMEM} without a
     *         frame for the start table); {@code -EOPNOTSUPP} for SVA
     */
    @Override
    public Result<DeviceDomainOps> domainAlloc(DomainType type) {
        switch (type) {
            case IDENTITY, BLOCKED -> {
                return Result.ok(new SmmuFixedDomain(this, type));
            }
            case DMA, UNMANAGED -> {
                Features f = smmu.features();
                if (!f.s1p() || !f.gran4k()) {
                    return Result.err(-Errno.EOPNOTSUPP);
                }
                int asid = allocPagingAsid();
                if (asid < 0) {
                    return Result.err(asid);
                }
                IoPageTable table;
                try {
                    table = IoPageTable.create(Stage.STAGE1, pageSizeBitmap(), Math.min(48, f.ias()), f.oas(), 0,
                            tableFrames);
                } catch (IllegalStateException noFrame) {
                    return Result.err(-Errno.ENOMEM);
                }
                SmmuPagingDomain d = new SmmuPagingDomain(this, table, asid);
                asids.put(asid, new ArrayList<>(List.of(d)));
                return Result.ok(d);
            }
            default -> {
                return Result.err(-Errno.EOPNOTSUPP);
            }
        }
    }

    private int allocPagingAsid() {
        for (int asid = (1 << smmu.features().asidBits()) - 1; asid > 0; asid--) {
            if (!asids.containsKey(asid)) {
                return asid;
            }
        }
        return -Errno.ENOSPC;
    }

    void releaseAsid(int asid, Object user) {
        List<Object> users = asids.get(asid);
        if (users != null) {
            users.remove(user);
            if (users.isEmpty()) {
                asids.remove(asid);
            }
        }
    }

    /**
     * @return the domain, with the process's CPU ASID pinned;
     *         {@code -EINVAL} for a device this driver did not probe;
     *         {@code -EOPNOTSUPP} without PASIDs, stage 1, coherent walks, or
     *         for a table format the SMMU cannot walk (granule, output size);
     *         {@code -ENOSPC} when the ASID cannot be pinned, does not fit the
     *         SMMU's ASID width or is a paging domain's; {@code -ESRCH} after exit
     */
    @Override
    public Result<SvaDomainOps> domainAllocSva(Device dev, SvaAddressSpace mm) {
        SmmuMaster m = masters.get(dev);
        if (m == null) {
            return Result.err(-Errno.EINVAL);
        }
        Features f = smmu.features();
        TableFormat fmt = mm.format();
        if (m.pasidBits == 0 || !svaSupported(f) || fmt.stage() != Stage.STAGE1 || fmt.granule() != Granule.G4K
                || fmt.outputBits() > f.oas() || fmt.inputBits() > f.ias()) {
            return Result.err(-Errno.EOPNOTSUPP);
        }
        int asid = mm.pinAsidChecked();
        if (asid < 0) {
            return Result.err(asid);
        }
        List<Object> users = asids.get(asid);
        boolean clash = users != null && !users.stream().allMatch(u -> u instanceof SmmuSvaDomain s && s.mm == mm);
        if (asid >= 1 << f.asidBits() || clash) {
            mm.unpinAsid();
            return Result.err(-Errno.ENOSPC);
        }
        SmmuSvaDomain d = new SmmuSvaDomain(this, mm, asid);
        asids.computeIfAbsent(asid, a -> new ArrayList<>(1)).add(d);
        return Result.ok(d);
    }

    /** {@code arm_smmu_attach_dev}: the device's PASID-less traffic now goes through {@code domain}. */
    int attach(Device dev, Object domain) {
        SmmuMaster m = masters.get(dev);
        if (m == null) {
            return -Errno.EINVAL;
        }
        Object old = m.domain;
        if (domain instanceof SmmuPagingDomain p) {
            long[] cd = CdMake.s1(p.asid, p.table.format(), p.table.root(), MAIR, cdOptions(m));
            int err = m.writeCd(smmu, 0, cd);
            if (err != 0) {
                restoreCd0(m, old);
                return err;
            }
        }
        m.domain = domain;
        int err = m.writeSte(smmu, steFeatures);
        if (err != 0) {
            m.domain = old;
            restoreCd0(m, old);
            m.writeSte(smmu, steFeatures);
            return err;
        }
        if (old instanceof SmmuPagingDomain p && old != domain) {
            p.masters.remove(m);
        }
        if (domain instanceof SmmuPagingDomain p && !p.masters.contains(m)) {
            p.masters.add(m);
        }
        if (!(domain instanceof SmmuPagingDomain)) {
            m.writeCd(smmu, 0, CdMake.clear());
        }
        m.atcInv(smmu, ArmSmmuV3.NO_SSID, 0, 0);
        return 0;
    }

    private void restoreCd0(SmmuMaster m, Object old) {
        m.writeCd(smmu, 0, old instanceof SmmuPagingDomain p
                ? CdMake.s1(p.asid, p.table.format(), p.table.root(), MAIR, cdOptions(m)) : CdMake.clear());
    }

    private CdMake.Options cdOptions(SmmuMaster m) {
        return CdMake.Options.DEFAULT.withStall(m.stall).withStallForced(smmu.features().stallForce())
                .withCoherentWalk(smmu.features().coherent());
    }

    /** The CD an SVA domain puts at a PASID of {@code m}: the live one, or the released one after exit. */
    long[] svaCd(SmmuSvaDomain d, SmmuMaster m) {
        CdMake.Options o = cdOptions(m).withCoherentWalk(true).withSharedAsid(smmu.usesBroadcastTlb());
        return d.released ? CdMake.svaReleased(d.asid, d.mm.format(), MAIR, o)
                : CdMake.sva(d.asid, d.mm.format(), d.mm.pgd(), MAIR, o);
    }

    /** {@code arm_smmu_sva_set_dev_pasid}; errors as {@link SmmuSvaDomain#setDevPasid}. */
    int setPasid(Device dev, int pasid, SmmuSvaDomain d) {
        SmmuMaster m = masters.get(dev);
        if (m == null || (!d.released && !d.mm.isAlive())) {
            return -Errno.EINVAL;
        }
        if (m.pasidBits == 0) {
            return -Errno.EOPNOTSUPP;
        }
        if (pasid <= 0 || pasid >= 1 << m.pasidBits) {
            return -Errno.ENOSPC;
        }
        if (m.pasids.containsKey(pasid)) {
            return -Errno.EBUSY;
        }
        int err = m.writeCd(smmu, pasid, svaCd(d, m));
        if (err != 0) {
            m.writeCd(smmu, pasid, CdMake.clear());
            return err;
        }
        m.pasids.put(pasid, d);
        err = m.writeSte(smmu, steFeatures);
        if (err == 0 && m.iopf() && dev.iopfQueue() == null) {
            err = queue.addDevice(dev);
        }
        if (err != 0) {
            m.pasids.remove(pasid);
            m.writeCd(smmu, pasid, CdMake.clear());
            m.writeSte(smmu, steFeatures);
            return err;
        }
        d.bonds.add(new SmmuSvaDomain.Bond(m, pasid));
        return 0;
    }

    /**
     * Clears the CD (a breaking write: V = 0 first), invalidates the PASID's ATC
     * entries and, when no bond of the domain is left, the ASID's TLB entries;
     * drains the event and PRI queues into the fault queue; a device without
     * PASIDs left leaves the fault queue and gets its STE back
     * ({@code arm_smmu_remove_dev_pasid}).
     */
    @Override
    public void removeDevPasid(Device dev, int pasid, SvaDomainOps domain) {
        SmmuMaster m = masters.get(dev);
        if (m == null || !(domain instanceof SmmuSvaDomain d) || m.pasids.get(pasid) != d) {
            return;
        }
        m.writeCd(smmu, pasid, CdMake.clear());
        m.atcInv(smmu, pasid, 0, 0);
        d.bonds.remove(new SmmuSvaDomain.Bond(m, pasid));
        if (d.bonds.isEmpty()) {
            smmu.tlbiAsid(d.asid);
        }
        smmu.serviceInterrupts();
        m.pasids.remove(pasid);
        if (m.pasids.isEmpty()) {
            if (dev.iopfQueue() == queue) {
                queue.removeDevice(dev);
            }
            m.writeSte(smmu, steFeatures);
        }
    }

    // ---- faults -------------------------------------------------------------------------------------------------

    /**
     * CMD_PRI_RESP for a page request group, in the encoding of SMMUv3
     * §4.5.2 (Linux's names differ, see {@link Cmd#PRI_RESP_DENY}): SUCCESS
     * as Success, INVALID as InvalidRequest ({@code PRI_RESP_FAIL}, 0b01: this
     * group's access fails), FAILURE as ResponseFailure ({@code PRI_RESP_DENY},
     * 0b00: the function stops page requests); CMD_RESUME with RETRY on
     * SUCCESS, else ABORT, for a stall.
     */
    @Override
    public void pageResponse(Device dev, IopfFault last, PageResponse response) {
        SmmuMaster m = masters.get(dev);
        if (m == null) {
            return;
        }
        switch (last) {
            case PageRequest pr -> {
                long code = switch (response.code()) {
                    case SUCCESS -> Cmd.PRI_RESP_SUCC;
                    case INVALID -> Cmd.PRI_RESP_FAIL;
                    case FAILURE -> Cmd.PRI_RESP_DENY;
                };
                smmu.priResponse(m.sids[0], pr.pasidValid() ? pr.pasid() : ArmSmmuV3.NO_SSID, pr.prgIndex(),
                        (int) code);
            }
            case StallFault sf -> smmu.resume(sf.streamId(), sf.stag(), response.code() == ResponseCode.SUCCESS);
        }
    }

    /**
     * {@code arm_smmu_handle_ppr}: report, or answer InvalidRequest at once when
     * nobody takes it ({@code iopf_error_response}); then run the fault queue.
     */
    private void handlePpr(PriRequest r) {
        priRequests++;
        SmmuMaster m = bySid.get(r.sid());
        int perm = (r.read() ? Access.READ : 0) | (r.write() ? Access.WRITE : 0) | (r.exec() ? Access.EXEC : 0)
                | (r.priv() ? Access.PRIV : 0);
        int err = -Errno.ENODEV;
        if (m != null && perm != 0) {
            PageRequest pr = new PageRequest(r.pasidValid(), r.pasidValid() ? r.pasid() : 0, r.prgIndex(), r.last(),
                    perm, r.address(), r.pasidValid());
            err = queue.reportFault(m.dev, pr);
        }
        if (err != 0) {
            if (r.last()) {
                smmu.priResponse(r, (int) Cmd.PRI_RESP_FAIL);
            }
            return;
        }
        queue.process();
    }

    /** {@code arm_smmu_handle_evt}: stalls to the fault queue, translation and configuration faults to the core. */
    private void handleEvent(SmmuEvent ev) {
        SmmuMaster m = bySid.get(ev.sid());
        int perm = (ev.read() ? Access.READ : Access.WRITE) | (ev.instruction() ? Access.EXEC : 0)
                | (ev.privileged() ? Access.PRIV : 0);
        if (ev.stall()) {
            stallFaults++;
            int err = -Errno.ENODEV;
            if (m != null) {
                err = queue.reportFault(m.dev, new StallFault(ev.sid(), ev.stag(), ev.ssv(), ev.ssv() ? ev.ssid() : 0,
                        perm, ev.address()));
            }
            if (err != 0) {
                smmu.resume(ev.sid(), ev.stag(), false);
                return;
            }
            queue.process();
            return;
        }
        if (m == null || !ev.handled()) {
            return;
        }
        unrecoverable++;
        core.reportUnrecoverable(m.dev, new UnrecoverableFault(reason(ev.id()), ev.ssv(), ev.ssv() ? ev.ssid() : 0,
                perm, true, ev.address()));
    }

    private static UnrecoverableFault.Reason reason(int id) {
        return switch (id) {
            case EVT_ID_TRANSLATION_FAULT -> UnrecoverableFault.Reason.PTE_FETCH;
            case EVT_ID_PERMISSION_FAULT -> UnrecoverableFault.Reason.PERMISSION;
            case EVT_ID_ACCESS_FAULT -> UnrecoverableFault.Reason.ACCESS;
            case EVT_ID_ADDR_SIZE_FAULT -> UnrecoverableFault.Reason.OOR_ADDRESS;
            case EVT_ID_BAD_CD_CONFIG -> UnrecoverableFault.Reason.BAD_PASID_ENTRY;
            case EVT_ID_BAD_SUBSTREAMID_CONFIG -> UnrecoverableFault.Reason.PASID_INVALID;
            case EVT_ID_CD_FETCH_FAULT -> UnrecoverableFault.Reason.PASID_FETCH;
            case EVT_ID_WALK_EABT -> UnrecoverableFault.Reason.WALK_EABT;
            default -> UnrecoverableFault.Reason.UNKNOWN;
        };
    }

    @Override
    public String toString() {
        return name + " (" + masters.size() + " masters)";
    }
}

package dev.jiommu.os.smmuv3;

import dev.jiommu.Errno;
import dev.jiommu.os.iommu.Device;
import dev.jiommu.os.iommu.SvaAddressSpace;
import dev.jiommu.os.iommu.SvaDomainOps;

import java.util.ArrayList;
import java.util.List;

/**
 * An SVA domain of an {@link ArmSmmuV3Iommu}: the SMMU walks the process's
 * own stage-1 tables under the process's pinned CPU ASID (Linux
 * {@code arm-smmu-v3-sva.c} as of the shared-ASID design: {@code
 * arm_smmu_sva_domain_alloc}, {@code arm_smmu_sva_set_dev_pasid}, the MMU
 * notifier's {@code arch_invalidate_secondary_tlbs} and {@code release}).
 *
 * <p>Invariants: the ASID is pinned from allocation until {@link #free};
 * {@link #bonds} lists each (master, PASID) whose CD is this domain's; after
 * {@link #release} every such CD is the "released" CD (EPD0: every access
 * faults without a page request), and later binds write that CD as well.
 */
final class SmmuSvaDomain implements SvaDomainOps {

    /** One PASID of one master using this domain. */
    record Bond(SmmuMaster master, int pasid) {}

    /** Ranges above this many pages are invalidated by ASID (Linux's {@code CMDQ_MAX_TLBI_OPS} cut-off). */
    static final long MAX_TLBI_PAGES = 512;

    final ArmSmmuV3Iommu driver;
    final SvaAddressSpace mm;
    final int asid;
    final List<Bond> bonds = new ArrayList<>(1);
    boolean released;
    private boolean freed;

    SmmuSvaDomain(ArmSmmuV3Iommu driver, SvaAddressSpace mm, int asid) {
        this.driver = driver;
        this.mm = mm;
        this.asid = asid;
    }

    /**
     * Writes the SVA CD ({@code arm_smmu_make_sva_cd}) at {@code pasid} of the
     * master's CD table, then makes sure the STE is the CD-table one (EATS with
     * ATS, S1DSS from the PASID-less domain), and adds a fault-capable device
     * to the driver's I/O page-fault queue with its first PASID.
     *
     * @return 0; {@code -EINVAL} for a device this driver did not probe or
     *         a process that has exited; {@code -EOPNOTSUPP} when the device
     *         has no PASIDs; {@code -ENOSPC} for PASID 0 or one beyond the
     *         CD table; {@code -EBUSY} when the PASID is bound already;
     *         {@code -ENOMEM}; {@code -ETIMEDOUT} from a command queue sync
     */
    @Override
    public int setDevPasid(Device dev, int pasid) {
        if (freed) {
            return -Errno.EINVAL;
        }
        return driver.setPasid(dev, pasid, this);
    }

    /**
     * TLBI_NH_VA for the ASID over {@code [start, end)} (non-leaf: table pages
     * may have gone too), or TLBI_NH_ASID for a large range, then ATC_INV of the
     * range for every bound PASID of every ATS master. With broadcast TLB
     * maintenance ({@link ArmSmmuV3#usesBroadcastTlb}) the CPU's TLBI ...IS,
     * done before the notifier runs, has reached the SMMU's TLB already, so
     * only the ATCs are left (the PCIe SVM series'
     * {@code arm_smmu_mm_invalidate_range}).
     */
    @Override
    public void invalidateRange(long start, long end) {
        if (end <= start) {
            return;
        }
        long size = end - start;
        ArmSmmuV3 smmu = driver.smmu();
        if (!smmu.usesBroadcastTlb()) {
            if (size / 4096 > MAX_TLBI_PAGES) {
                smmu.tlbiAsid(asid);
            } else {
                smmu.tlbiVa(asid, start, size, 4096, false);
            }
        }
        for (Bond b : bonds) {
            b.master().atcInv(smmu, b.pasid(), size / 4096 > MAX_TLBI_PAGES ? 0 : start,
                    size / 4096 > MAX_TLBI_PAGES ? 0 : size);
        }
    }

    /**
     * The process is exiting: every bound CD becomes the released CD
     * ({@link CdMake#svaReleased}), then the ASID's TLB entries and the bound
     * PASIDs' ATC entries are invalidated ({@code arm_smmu_mm_release}).
     */
    @Override
    public void release() {
        released = true;
        for (Bond b : bonds) {
            b.master().writeCd(driver.smmu(), b.pasid(), driver.svaCd(this, b.master()));
        }
        driver.smmu().tlbiAsid(asid);
        for (Bond b : bonds) {
            b.master().atcInv(driver.smmu(), b.pasid(), 0, 0);
        }
    }

    /** Unpins the ASID. The core frees the domain only once no PASID uses it. */
    @Override
    public void free() {
        if (freed) {
            return;
        }
        freed = true;
        driver.releaseAsid(asid, this);
        mm.unpinAsid();
    }

    boolean freed() {
        return freed;
    }
}

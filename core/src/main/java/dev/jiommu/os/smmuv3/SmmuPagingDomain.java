package dev.jiommu.os.smmuv3;

import dev.jiommu.os.iommu.Device;
import dev.jiommu.os.iommu.MapResult;
import dev.jiommu.os.iommu.PagingDomainOps;
import dev.jiommu.pgtable.IoPageTable;

import java.util.ArrayList;
import java.util.List;

/**
 * A DMA or UNMANAGED domain of an {@link ArmSmmuV3Iommu}: a stage-1
 * {@link IoPageTable} with the 4 KiB granule and a driver-allocated ASID
 * (Linux's {@code arm_smmu_domain} with {@code ARM_SMMU_DOMAIN_S1}, finalised
 * by {@code arm_smmu_domain_finalise_s1}).
 *
 * <p>Attaching writes CD 0 of the master ({@code arm_smmu_make_s1_cd}) and a
 * CD-table STE with S1DSS = SSID0, so PASID-less traffic uses this domain and
 * PASID traffic may use the other CDs ({@code arm_smmu_attach_dev}).
 *
 * <p>Invariants: the ASID belongs to this domain from allocation to
 * {@link #free}; {@link #masters} lists the masters whose CD 0 points at
 * {@link #table}; when {@link #unmapPages} returns, the IOTLB (TLBI_NH_VA for
 * the ASID) and the ATCs of ATS masters no longer hold what was removed.
 */
final class SmmuPagingDomain implements PagingDomainOps {

    final ArmSmmuV3Iommu driver;
    final IoPageTable table;
    final int asid;
    final List<SmmuMaster> masters = new ArrayList<>();

    SmmuPagingDomain(ArmSmmuV3Iommu driver, IoPageTable table, int asid) {
        this.driver = driver;
        this.table = table;
        this.asid = asid;
    }

    /** @return 0; {@code -EINVAL} for a device this driver did not probe; the STE/CD write errors */
    @Override
    public int attachDevice(Device dev) {
        return driver.attach(dev, this);
    }

    @Override
    public long pageSizeBitmap() {
        return table.pageSizeBitmap();
    }

    /** Maps page by page so a failure reports the pages mapped before it; errors are {@link IoPageTable#map}'s. */
    @Override
    public MapResult mapPages(long iova, long paddr, long pgsize, long pgcount, int prot) {
        long done = 0;
        for (long i = 0; i < pgcount; i++) {
            int err = table.map(iova + done, paddr + done, pgsize, prot);
            if (err != 0) {
                return MapResult.failed(err, done);
            }
            done += pgsize;
        }
        return MapResult.ok(done);
    }

    /**
     * Unmaps until a hole or a larger block, then invalidates: TLBI_NH_VA for
     * this ASID over what was removed and CMD_SYNC ({@code arm_smmu_iotlb_sync}),
     * then ATC_INV without PASID for each ATS master ({@code arm_smmu_atc_inv_domain}).
     */
    @Override
    public long unmapPages(long iova, long pgsize, long pgcount) {
        long done = 0;
        for (long i = 0; i < pgcount; i++) {
            long n = table.unmap(iova + done, pgsize);
            if (n != pgsize) {
                break;
            }
            done += n;
        }
        if (done > 0) {
            driver.smmu().tlbiVa(asid, iova, done, pgsize, true);
            for (int i = 0; i < masters.size(); i++) {
                masters.get(i).atcInv(driver.smmu(), ArmSmmuV3.NO_SSID, iova, done);
            }
        }
        return done;
    }

    @Override
    public long iovaToPhys(long iova) {
        return table.iovaToPhys(iova);
    }

    /** Frees the tables, invalidates the ASID (TLBI_NH_ASID) and returns it to the driver. */
    @Override
    public void free() {
        driver.smmu().tlbiAsid(asid);
        table.free();
        driver.releaseAsid(asid, this);
    }
}

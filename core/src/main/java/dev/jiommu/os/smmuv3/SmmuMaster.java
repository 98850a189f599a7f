package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_S1DSS_BYPASS;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_S1DSS_SSID0;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_S1DSS_TERMINATE;

import dev.jiommu.Errno;
import dev.jiommu.os.iommu.Device;
import dev.jiommu.os.iommu.DomainType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One probed device behind the SMMU (Linux {@code struct arm_smmu_master}):
 * its StreamIDs, what was enabled for it, its CD table, the domain translating
 * its PASID-less traffic and the SVA domains bound to its PASIDs.
 *
 * <p>Invariants: {@link #cdTable} is allocated at probe and lives until
 * release; CD 0 is valid exactly while a paging domain is attached; the STE of
 * every StreamID is the one {@link #steTarget} computes from the current state
 * whenever the driver returns to the core ({@link #writeSte} is called after
 * every change).
 */
final class SmmuMaster {

    final Device dev;
    final int[] sids;
    final int pasidBits;
    final boolean ats;
    final boolean pri;
    final boolean stall;
    final CdTable cdTable;
    /** The domain for traffic without PASID: a {@link SmmuPagingDomain} or {@link SmmuFixedDomain}; null before the first attach (abort). */
    Object domain;
    /** PASID to SVA domain, in bind order. */
    final Map<Integer, SmmuSvaDomain> pasids = new LinkedHashMap<>();

    SmmuMaster(Device dev, int pasidBits, boolean ats, boolean pri, boolean stall, CdTable cdTable) {
        this.dev = dev;
        this.sids = dev.streamIds();
        this.pasidBits = pasidBits;
        this.ats = ats;
        this.pri = pri;
        this.stall = stall;
        this.cdTable = cdTable;
    }

    /** Whether the device's translation faults are recoverable (PRI or stall). */
    boolean iopf() {
        return pri || stall;
    }

    /**
     * The STE this master's state calls for ({@code arm_smmu_attach_dev} and
     * {@code arm_smmu_set_pasid} choose the same): a paging domain, or any SVA
     * PASID, needs the CD-table STE, whose S1DSS says what PASID-less traffic
     * does (SSID0 for a paging domain, BYPASS for identity, TERMINATE for
     * blocked); without PASIDs, identity is a bypass STE and blocked (or no
     * domain yet) an abort STE.
     */
    long[] steTarget(SteMake.Features features) {
        SteMake.Master m = new SteMake.Master(ats, stall);
        SteMake.CdTable cd = new SteMake.CdTable(cdTable.cdtabDma(), cdTable.s1fmt(), cdTable.s1cdmax());
        if (domain instanceof SmmuPagingDomain) {
            return SteMake.cdTable(features, m, cd, STRTAB_STE_1_S1DSS_SSID0);
        }
        boolean identity = domain instanceof SmmuFixedDomain f && f.type == DomainType.IDENTITY;
        if (!pasids.isEmpty()) {
            return SteMake.cdTable(features, m, cd, identity ? STRTAB_STE_1_S1DSS_BYPASS : STRTAB_STE_1_S1DSS_TERMINATE);
        }
        return identity ? SteMake.bypass(features) : SteMake.abort();
    }

    /**
     * Writes {@link #steTarget} into the STE of every StreamID with the
     * hitless writer.
     *
     * @return 0, or the first failed sync's errno ({@code -ETIMEDOUT}), or
     *         {@code -ERANGE}/{@code -ENOMEM} when an STE cannot be reached
     */
    int writeSte(ArmSmmuV3 smmu, SteMake.Features features) {
        long[] target = steTarget(features);
        int err = 0;
        for (int sid : sids) {
            DriverEntryStore store = smmu.steStore(sid);
            if (store == null) {
                err = err != 0 ? err : (int) Math.min(-1, smmu.steAddress(sid));
                continue;
            }
            EntryWriter.writeSte(store, target);
            if (err == 0 && store.lastSyncResult() != 0) {
                err = store.lastSyncResult();
            }
        }
        return err;
    }

    /**
     * Writes {@code cd} into CD {@code ssid} with the hitless writer; the
     * store's sync is CFGI_CD for every StreamID and CMD_SYNC.
     *
     * @return 0; {@code -ENOMEM} when the CD's leaf cannot be allocated;
     *         {@code -ENOSPC} for an SSID beyond the table; the sync's errno
     */
    int writeCd(ArmSmmuV3 smmu, int ssid, long[] cd) {
        if (ssid < 0 || ssid >= 1L << cdTable.s1cdmax()) {
            return -Errno.ENOSPC;
        }
        DriverEntryStore store = smmu.cdStore(cdTable, ssid);
        if (store == null) {
            return -Errno.ENOMEM;
        }
        EntryWriter.writeCd(store, cd);
        return store.lastSyncResult();
    }

    /** ATC_INV of {@code [iova, iova + size)} ({@code size == 0}: all) for {@code ssid} on every StreamID; nothing without ATS. */
    int atcInv(ArmSmmuV3 smmu, int ssid, long iova, long size) {
        if (!ats) {
            return 0;
        }
        int err = 0;
        for (int sid : sids) {
            int r = smmu.atcInv(sid, ssid, iova, size);
            err = err != 0 ? err : r;
        }
        return err;
    }

    @Override
    public String toString() {
        return "master " + dev.name();
    }
}

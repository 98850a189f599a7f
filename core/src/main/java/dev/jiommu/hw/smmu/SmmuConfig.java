package dev.jiommu.hw.smmu;

import dev.jiommu.hw.cache.Replacement;

/**
 * What an SMMUv3 implementation offers, as its ID registers advertise it
 * (SMMUv3 §6.3.1–6.3.6), plus the sizes of the caches this model keeps.
 *
 * <p>Invariants (checked): SIDSIZE 1..32, SSIDSIZE 0..20, OAS one of
 * 32/36/40/42/44/48/52, queue sizes within the architecture's limits
 * (CMDQS ≤ 19, EVENTQS and PRIQS ≤ 19), at least one stage and one granule.
 *
 * @param stage1         IDR0.S1P
 * @param stage2         IDR0.S2P
 * @param twoLevelStreamTable IDR0.ST_LVL = 2-level
 * @param twoLevelCd     IDR0.CD2L
 * @param sidBits        IDR1.SIDSIZE
 * @param ssidBits       IDR1.SSIDSIZE (0: no substreams)
 * @param ats            IDR0.ATS
 * @param pri            IDR0.PRI
 * @param stallModel     IDR0.STALL_MODEL: 0 stall and terminate, 1 terminate only, 2 stall forced
 * @param httu           IDR0.HTTU: 0 none, 1 access flag, 2 access flag and dirty state
 * @param msi            IDR0.MSI
 * @param asid16         IDR0.ASID16
 * @param vmid16         IDR0.VMID16
 * @param btm            IDR0.BTM
 * @param hyp            IDR0.HYP (EL2 translation regime, STE.STRW = EL2)
 * @param ril            IDR3.RIL (range invalidation)
 * @param gran4k         IDR5.GRAN4K
 * @param gran16k        IDR5.GRAN16K
 * @param gran64k        IDR5.GRAN64K
 * @param oasBits        IDR5.OAS
 * @param cmdqLog2       IDR1.CMDQS
 * @param evtqLog2       IDR1.EVENTQS
 * @param priqLog2       IDR1.PRIQS
 * @param tlbEntries     TLB capacity (0: no TLB; every translation walks)
 * @param configCacheEntries configuration cache capacity for STEs and CDs (0: none; every translation fetches)
 * @param replacement    how a full cache chooses its victim
 */
public record SmmuConfig(boolean stage1, boolean stage2, boolean twoLevelStreamTable, boolean twoLevelCd,
                         int sidBits, int ssidBits, boolean ats, boolean pri, int stallModel, int httu,
                         boolean msi, boolean asid16, boolean vmid16, boolean btm, boolean hyp, boolean ril,
                         boolean gran4k, boolean gran16k, boolean gran64k, int oasBits,
                         int cmdqLog2, int evtqLog2, int priqLog2,
                         int tlbEntries, int configCacheEntries, Replacement replacement) {

    public SmmuConfig {
        if (!stage1 && !stage2) {
            throw new IllegalArgumentException("an SMMU implements stage 1, stage 2 or both");
        }
        if (!gran4k && !gran16k && !gran64k) {
            throw new IllegalArgumentException("an SMMU supports at least one granule");
        }
        if (sidBits < 1 || sidBits > 32) {
            throw new IllegalArgumentException("SIDSIZE " + sidBits + " is outside 1..32");
        }
        if (ssidBits < 0 || ssidBits > 20) {
            throw new IllegalArgumentException("SSIDSIZE " + ssidBits + " is outside 0..20");
        }
        if (stallModel < 0 || stallModel > 2) {
            throw new IllegalArgumentException("STALL_MODEL " + stallModel + " is not 0, 1 or 2");
        }
        if (httu < 0 || httu > 2) {
            throw new IllegalArgumentException("HTTU " + httu + " is not 0, 1 or 2");
        }
        if (dev.jiommu.pgtable.TableFormat.ipsEncoding(oasBits) < 0) {
            throw new IllegalArgumentException("OAS " + oasBits + " is not one of 32/36/40/42/44/48/52");
        }
        if (cmdqLog2 < 0 || cmdqLog2 > 19 || evtqLog2 < 0 || evtqLog2 > 19 || priqLog2 < 0 || priqLog2 > 19) {
            throw new IllegalArgumentException("queue sizes are at most 2^19 entries");
        }
        if (tlbEntries < 0 || configCacheEntries < 0) {
            throw new IllegalArgumentException("cache sizes are not negative");
        }
        if (replacement == null) {
            throw new IllegalArgumentException("replacement policy is required");
        }
    }

    /**
     * Everything on: both stages, 2-level tables, 16-bit StreamIDs, 20-bit
     * SubstreamIDs, ATS, PRI, stall and terminate, HTTU with dirty state, MSIs,
     * 16-bit ASIDs and VMIDs, BTM, EL2, range invalidation, all granules, 48-bit
     * OAS; 256-entry queues; a 1024-entry TLB and 256-entry configuration cache
     * with LRU replacement.
     */
    public static SmmuConfig full() {
        return new SmmuConfig(true, true, true, true, 16, 20, true, true, 0, 2, true, true, true, true, true, true,
                true, true, true, 48, 8, 8, 8, 1024, 256, Replacement.LRU);
    }

    /**
     * The SMMU QEMU's {@code virt} machine has ({@code iommu=smmuv3}): stage 1
     * and stage 2, 16-bit SIDs, 2-level stream tables, 44-bit OAS, 4K and 64K
     * granules, 2^19-entry queues; no substreams, ATS, PRI, stall or HTTU.
     * Used by the qtest machine; caches as in {@link #full()}.
     */
    public static SmmuConfig qemuVirt() {
        return new SmmuConfig(true, true, true, true, 16, 0, false, false, 1, 0, false, true, true, false, false, true,
                true, true, true, 44, 19, 19, 19, 1024, 256, Replacement.LRU);
    }

    public SmmuConfig withCaches(int tlb, int configCache) {
        return new SmmuConfig(stage1, stage2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, stallModel,
                httu, msi, asid16, vmid16, btm, hyp, ril, gran4k, gran16k, gran64k, oasBits, cmdqLog2, evtqLog2,
                priqLog2, tlb, configCache, replacement);
    }

    public SmmuConfig withReplacement(Replacement r) {
        return new SmmuConfig(stage1, stage2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, stallModel,
                httu, msi, asid16, vmid16, btm, hyp, ril, gran4k, gran16k, gran64k, oasBits, cmdqLog2, evtqLog2,
                priqLog2, tlbEntries, configCacheEntries, r);
    }

    public SmmuConfig withQueues(int cmdq, int evtq, int priq) {
        return new SmmuConfig(stage1, stage2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, stallModel,
                httu, msi, asid16, vmid16, btm, hyp, ril, gran4k, gran16k, gran64k, oasBits, cmdq, evtq, priq,
                tlbEntries, configCacheEntries, replacement);
    }

    /** The same SMMU with or without IDR0.BTM (taking part in the PEs' broadcast TLB maintenance). */
    public SmmuConfig withBtm(boolean on) {
        return new SmmuConfig(stage1, stage2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, stallModel,
                httu, msi, asid16, vmid16, on, hyp, ril, gran4k, gran16k, gran64k, oasBits, cmdqLog2, evtqLog2,
                priqLog2, tlbEntries, configCacheEntries, replacement);
    }

    public SmmuConfig withStallModel(int model) {
        return new SmmuConfig(stage1, stage2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, model,
                httu, msi, asid16, vmid16, btm, hyp, ril, gran4k, gran16k, gran64k, oasBits, cmdqLog2, evtqLog2,
                priqLog2, tlbEntries, configCacheEntries, replacement);
    }

    public SmmuConfig withStages(boolean s1, boolean s2) {
        return new SmmuConfig(s1, s2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, stallModel,
                httu, msi, asid16, vmid16, btm, hyp, ril, gran4k, gran16k, gran64k, oasBits, cmdqLog2, evtqLog2,
                priqLog2, tlbEntries, configCacheEntries, replacement);
    }

    public SmmuConfig withHttu(int level) {
        return new SmmuConfig(stage1, stage2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, stallModel,
                level, msi, asid16, vmid16, btm, hyp, ril, gran4k, gran16k, gran64k, oasBits, cmdqLog2, evtqLog2,
                priqLog2, tlbEntries, configCacheEntries, replacement);
    }

    public SmmuConfig withRil(boolean on) {
        return new SmmuConfig(stage1, stage2, twoLevelStreamTable, twoLevelCd, sidBits, ssidBits, ats, pri, stallModel,
                httu, msi, asid16, vmid16, btm, hyp, on, gran4k, gran16k, gran64k, oasBits, cmdqLog2, evtqLog2,
                priqLog2, tlbEntries, configCacheEntries, replacement);
    }

    /**
     * The granule a CD.TG0 or STE.S2TG encoding names (0 4K, 1 64K, 2 16K),
     * or null when it is reserved or this SMMU lacks the granule.
     */
    public dev.jiommu.pgtable.Granule granuleOfTg0(int tg) {
        return switch (tg) {
            case 0 -> gran4k ? dev.jiommu.pgtable.Granule.G4K : null;
            case 1 -> gran64k ? dev.jiommu.pgtable.Granule.G64K : null;
            case 2 -> gran16k ? dev.jiommu.pgtable.Granule.G16K : null;
            default -> null;
        };
    }

    /** The granule a CD.TG1 encoding names (1 16K, 2 4K, 3 64K), or null as for {@link #granuleOfTg0}. */
    public dev.jiommu.pgtable.Granule granuleOfTg1(int tg) {
        return switch (tg) {
            case 1 -> granuleOfTg0(2);
            case 2 -> granuleOfTg0(0);
            case 3 -> granuleOfTg0(1);
            default -> null;
        };
    }

    /** Whether the stall model allows STE.S2S / CD.S = 1. */
    public boolean stallSupported() {
        return stallModel != 1;
    }
}

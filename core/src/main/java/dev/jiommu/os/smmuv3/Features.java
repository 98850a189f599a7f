package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;

import dev.jiommu.spec.smmuv3.Cmd;
import dev.jiommu.spec.smmuv3.Event;
import dev.jiommu.spec.smmuv3.PriQueueEntry;
import dev.jiommu.spec.smmuv3.Ste;

/**
 * What the driver learnt from SMMU_IDR0/1/3/5 and decided from it, as Linux's
 * {@code arm_smmu_device_hw_probe} fills {@code smmu->features}, the queue
 * sizes, {@code sid_bits}/{@code ssid_bits}, {@code ias}/{@code oas} and
 * {@code pgsize_bitmap} (IHI 0070 §6.3.1–6.3.6).
 *
 * <p>Invariants, as Linux decides them: {@link #twoLevelStrtab} is false when
 * {@code sidBits <= STRTAB_SPLIT} even if IDR0.ST_LVL offers it; queue sizes are
 * IDR1's capped at {@code *_MAX_SZ_SHIFT}; {@link #nesting} needs both stages;
 * {@link #btm} is dropped when the kernel runs at EL2 (VHE) and the SMMU has
 * no HYP; {@link #e2h} needs both VHE and IDR0.HYP; {@code ias >= oas}.
 *
 * @param s1p          IDR0.S1P (ARM_SMMU_FEAT_TRANS_S1)
 * @param s2p          IDR0.S2P (ARM_SMMU_FEAT_TRANS_S2)
 * @param nesting      both stages (ARM_SMMU_FEAT_NESTING)
 * @param ats          IDR0.ATS
 * @param pri          IDR0.PRI
 * @param stallModel   IDR0.STALL_MODEL field value
 * @param stalls       stalling is possible (ARM_SMMU_FEAT_STALLS)
 * @param stallForce   stalling is forced (ARM_SMMU_FEAT_STALL_FORCE)
 * @param stallMax     IDR5.STALL_MAX (outstanding stalls)
 * @param httuHa       hardware access flag update (ARM_SMMU_FEAT_HA)
 * @param httuHd       hardware dirty state update (ARM_SMMU_FEAT_HD)
 * @param btm          broadcast TLB maintenance (ARM_SMMU_FEAT_BTM)
 * @param msi          IDR0.MSI
 * @param msiPoll      CMD_SYNC completion by MSI write to the queue (ARM_SMMU_OPT_MSIPOLL)
 * @param sev          IDR0.SEV
 * @param hyp          IDR0.HYP
 * @param e2h          the SMMU tags stage-1 translations as EL2-E2H (ARM_SMMU_FEAT_E2H)
 * @param coherent     IDR0.COHACC
 * @param ril          IDR3.RIL (ARM_SMMU_FEAT_RANGE_INV)
 * @param fwb          IDR3.FWB (ARM_SMMU_FEAT_S2FWB)
 * @param asidBits     16 with IDR0.ASID16, else 8
 * @param vmidBits     16 with IDR0.VMID16, else 8
 * @param sidBits      IDR1.SIDSIZE
 * @param ssidBits     IDR1.SSIDSIZE
 * @param twoLevelStrtab use a 2-level stream table (ARM_SMMU_FEAT_2_LVL_STRTAB)
 * @param twoLevelCdtab  IDR0.CD2L (ARM_SMMU_FEAT_2_LVL_CDTAB)
 * @param cmdqMaxLog2  command queue entries, log2
 * @param evtqMaxLog2  event queue entries, log2
 * @param priqMaxLog2  PRI queue entries, log2 (meaningful with PRI)
 * @param oas          output address size in bits
 * @param ias          input address size in bits
 * @param vax52        IDR5.VAX = 52 bits (ARM_SMMU_FEAT_VAX)
 * @param pgsizeBitmap page and block sizes of the supported granules
 */
public record Features(boolean s1p, boolean s2p, boolean nesting, boolean ats, boolean pri, int stallModel,
                       boolean stalls, boolean stallForce, int stallMax, boolean httuHa, boolean httuHd,
                       boolean btm, boolean msi, boolean msiPoll, boolean sev, boolean hyp, boolean e2h,
                       boolean coherent, boolean ril, boolean fwb, int asidBits, int vmidBits, int sidBits,
                       int ssidBits, boolean twoLevelStrtab, boolean twoLevelCdtab, int cmdqMaxLog2,
                       int evtqMaxLog2, int priqMaxLog2, int oas, int ias, boolean vax52, long pgsizeBitmap) {

    /**
     * Linux's {@code CMDQ_BATCH_ENTRIES} ({@code BITS_PER_LONG}): a batch of
     * commands plus its CMD_SYNC must fit in the command queue.
     */
    public static final int CMDQ_BATCH_ENTRIES = 64;

    /** Whether the 4 KiB translation granule is supported. */
    public boolean gran4k() {
        return (pgsizeBitmap & (1L << 12)) != 0;
    }

    /** Whether the 16 KiB translation granule is supported. */
    public boolean gran16k() {
        return (pgsizeBitmap & (1L << 14)) != 0;
    }

    /** Whether the 64 KiB translation granule is supported. */
    public boolean gran64k() {
        return (pgsizeBitmap & (1L << 16)) != 0;
    }

    /**
     * Decodes the ID registers as {@code arm_smmu_device_hw_probe} does.
     *
     * @param vhe        the kernel runs at EL2 ({@code is_kernel_in_hyp_mode()})
     * @param msiPolling MSI-based CMD_SYNC polling allowed ({@code !disable_msipolling})
     * @param log        where refusals and notes are logged
     * @return the features, or null when Linux refuses the hardware (-ENXIO), logged
     */
    static Features decode(int idr0, int idr1, int idr3, int idr5, boolean vhe, boolean msiPolling, DriverLog log) {
        long r0 = idr0 & 0xffff_ffffL;
        long r1 = idr1 & 0xffff_ffffL;
        long r3 = idr3 & 0xffff_ffffL;
        long r5 = idr5 & 0xffff_ffffL;

        long endian = get(IDR0_TTENDIAN, r0);
        if (endian != IDR0_TTENDIAN_MIXED && endian != IDR0_TTENDIAN_LE) {
            log.err("unknown/unsupported TT endianness!");
            return null;
        }
        boolean s1p = (r0 & IDR0_S1P) != 0;
        boolean s2p = (r0 & IDR0_S2P) != 0;
        if (!s1p && !s2p) {
            log.err("no translation support!");
            return null;
        }
        int ias = 0;
        long ttf = get(IDR0_TTF, r0);
        if (ttf == IDR0_TTF_AARCH32_64) {
            ias = 40;
        } else if (ttf != IDR0_TTF_AARCH64) {
            log.err("AArch64 table format not supported!");
            return null;
        }
        if ((r1 & (IDR1_TABLES_PRESET | IDR1_QUEUES_PRESET | IDR1_REL)) != 0) {
            log.err("embedded implementation not supported");
            return null;
        }
        int cmdq = (int) Math.min(Cmd.CMDQ_MAX_SZ_SHIFT, get(IDR1_CMDQS, r1));
        if (cmdq <= Integer.numberOfTrailingZeros(CMDQ_BATCH_ENTRIES)) {
            log.err("command queue size <= %d entries not supported", CMDQ_BATCH_ENTRIES);
            return null;
        }
        int evtq = (int) Math.min(Event.EVTQ_MAX_SZ_SHIFT, get(IDR1_EVTQS, r1));
        int priq = (int) Math.min(PriQueueEntry.PRIQ_MAX_SZ_SHIFT, get(IDR1_PRIQS, r1));
        int ssidBits = (int) get(IDR1_SSIDSIZE, r1);
        int sidBits = (int) get(IDR1_SIDSIZE, r1);
        boolean twoLevel = get(IDR0_ST_LVL, r0) == IDR0_ST_LVL_2LVL && sidBits > Ste.STRTAB_SPLIT;

        long stallModel = get(IDR0_STALL_MODEL, r0);
        boolean stallForce = stallModel == IDR0_STALL_MODEL_FORCE;
        boolean stalls = stallForce || stallModel == IDR0_STALL_MODEL_STALL;
        long httu = get(IDR0_HTTU, r0);
        boolean hyp = (r0 & IDR0_HYP) != 0;
        boolean msi = (r0 & IDR0_MSI) != 0;
        boolean coherent = (r0 & IDR0_COHACC) != 0;

        long pgsize = 0;
        if ((r5 & IDR5_GRAN64K) != 0) {
            pgsize |= (1L << 16) | (1L << 29);
        }
        if ((r5 & IDR5_GRAN16K) != 0) {
            pgsize |= (1L << 14) | (1L << 25);
        }
        if ((r5 & IDR5_GRAN4K) != 0) {
            pgsize |= (1L << 12) | (1L << 21) | (1L << 30);
        }
        int oas;
        long oasField = get(IDR5_OAS, r5);
        if (oasField == IDR5_OAS_32_BIT) {
            oas = 32;
        } else if (oasField == IDR5_OAS_36_BIT) {
            oas = 36;
        } else if (oasField == IDR5_OAS_40_BIT) {
            oas = 40;
        } else if (oasField == IDR5_OAS_42_BIT) {
            oas = 42;
        } else if (oasField == IDR5_OAS_44_BIT) {
            oas = 44;
        } else if (oasField == IDR5_OAS_52_BIT) {
            oas = 52;
            pgsize |= 1L << 42;
        } else {
            if (oasField != IDR5_OAS_48_BIT) {
                log.info("unknown output address size. Truncating to 48-bit");
            }
            oas = 48;
        }
        ias = Math.max(ias, oas);

        return new Features(s1p, s2p, s1p && s2p, (r0 & IDR0_ATS) != 0, (r0 & IDR0_PRI) != 0, (int) stallModel,
                stalls, stallForce, (int) get(IDR5_STALL_MAX, r5),
                httu == IDR0_HTTU_ACCESS || httu == IDR0_HTTU_ACCESS_DIRTY, httu == IDR0_HTTU_ACCESS_DIRTY,
                (r0 & IDR0_BTM) != 0 && (!vhe || hyp), msi, msi && coherent && msiPolling, (r0 & IDR0_SEV) != 0,
                hyp, hyp && vhe, coherent, (r3 & IDR3_RIL) != 0, (r3 & IDR3_FWB) != 0,
                (r0 & IDR0_ASID16) != 0 ? 16 : 8, (r0 & IDR0_VMID16) != 0 ? 16 : 8, sidBits, ssidBits, twoLevel,
                (r0 & IDR0_CD2L) != 0, cmdq, evtq, priq, oas, ias, get(IDR5_VAX, r5) == IDR5_VAX_52_BIT, pgsize);
    }
}

package dev.jiommu.os.smmuv3;

import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Field;

import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * The Stream Table Entries the Linux SMMUv3 driver installs, as pure functions
 * returning a fresh {@code long[8]} (IHI0070 5.2; Linux's
 * {@code arm_smmu_make_abort_ste()}, {@code _bypass_ste()},
 * {@code _cdtable_ste()}, {@code _s2_domain_ste()} and, from the iommufd
 * code, {@code arm_smmu_make_nested_cd_table_ste()}).
 *
 * <p>Every entry is valid (V = 1) and sets only bits that
 * {@link EntryWriter#steUsed} reports as used for its configuration, so
 * {@link EntryWriter#writeSte} can move between any two of them. Qwords 4..7
 * (MPAM, Secure and Realm fields) are always zero. The model is little-endian,
 * so S2ENDI is never set.
 *
 * <p>Which switches are hitless follows from the used bits. Note one that
 * surprises: a stage-1 STE (S2VMID = 0 without E2H) and a stage-2 STE with a
 * VMID other than 0 differ in the used bits of qwords 0 and 2, so switching
 * between them is a breaking update (Linux's KUnit test sees a hitless one
 * only because its stage-2 domain has VMID 0).
 *
 * <pre>
 *  entry      Config  qword 0                         qword 1                          qwords 2, 3
 *  abort      0b000   V
 *  bypass     0b100   V                               SHCFG=incoming (ATTR_TYPES_OVR)
 *  cdTable    0b101   V S1ContextPtr S1Fmt S1CDMax    S1DSS S1CIR/COR=WBRA S1CSH=ISH   S2VMID=0 (no E2H)
 *                                                     S1STALLD EATS STRW [SHCFG]
 *  s2Domain   0b110   V                               EATS S2FWB SHCFG                 S2VMID VTCR S2AA64
 *                                                                                      S2PTW S2S S2R, S2TTB
 *  nested     0b111   V + the guest's stage-1 fields  stage 2's, + guest S1 fields, MEV  as s2Domain
 * </pre>
 */
public final class SteMake {

    private static final long NESTED_GUEST_0 =
            STRTAB_STE_0_V | STRTAB_STE_0_CFG | STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR_MASK | STRTAB_STE_0_S1CDMAX;
    private static final long NESTED_GUEST_1 = STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR | STRTAB_STE_1_S1COR
            | STRTAB_STE_1_S1CSH | STRTAB_STE_1_S1STALLD;

    private SteMake() {
    }

    /**
     * SMMU features that shape STEs (Linux {@code smmu->features}).
     *
     * @param stalls            {@code ARM_SMMU_FEAT_STALLS}: the SMMU supports the
     *                          stall model (IDR0.STALL_MODEL = 0b00), so STEs of
     *                          masters that do not stall set S1STALLD
     * @param attrTypesOverride {@code ARM_SMMU_FEAT_ATTR_TYPES_OVR} (IDR1.ATTR_TYPES_OVR):
     *                          bypassing traffic keeps its incoming shareability
     *                          (SHCFG = 0b01) instead of the reset default
     * @param e2h               {@code ARM_SMMU_FEAT_E2H}: the host runs at EL2 with
     *                          VHE, so stage-1 STEs use StreamWorld EL2 (STRW = 0b10)
     *                          to match the CPU's ASIDs; otherwise NS-EL1 with VMID 0
     */
    public record Features(boolean stalls, boolean attrTypesOverride, boolean e2h) {

        /** What Linux's KUnit test uses: stalls and attribute override, no E2H. */
        public static final Features KUNIT = new Features(true, true, false);
    }

    /**
     * Per-device state that shapes STEs (Linux {@code arm_smmu_master}).
     *
     * @param ats   ATS is enabled for the device: EATS = 0b01 (translated
     *              requests allowed); otherwise 0b00 (ATS requests aborted)
     * @param stall the device's faults may stall ({@code master->stall_enabled},
     *              platform devices with a firmware "dma-can-stall" property):
     *              S1STALLD is left clear and a stage-2 STE sets S2S
     * @throws IllegalArgumentException when both are set: an STE with EATS
     *              and S2S both non-zero is ILLEGAL (IHI0070 5.2), and Linux
     *              never enables both
     */
    public record Master(boolean ats, boolean stall) {
        public Master {
            if (ats && stall) {
                throw new IllegalArgumentException("a master cannot both use ATS and stall (EATS with S2S is ILLEGAL)");
            }
        }
    }

    /**
     * A device's table of Context Descriptors (Linux {@code arm_smmu_ctx_desc_cfg}).
     *
     * @param pa      S1ContextPtr: physical address of the linear CD table, or
     *                of the level-1 table of a 2-level one; 64-byte aligned,
     *                below 2^52
     * @param s1Fmt   S1Fmt: {@link dev.jiommu.spec.smmuv3.Ste#STRTAB_STE_0_S1FMT_LINEAR},
     *                {@code _4K_L2} or {@code _64K_L2} (Linux uses linear or 64K_L2)
     * @param s1CdMax S1CDMax: log2 of the number of CDs, 0..20; 0 means one
     *                CD and no substreams
     */
    public record CdTable(long pa, long s1Fmt, int s1CdMax) {
        public CdTable {
            if ((pa & ~STRTAB_STE_0_S1CTXPTR_MASK) != 0) {
                throw new IllegalArgumentException(String.format("CD table %#x is not 64-byte aligned below 2^52", pa));
            }
            if (s1Fmt != STRTAB_STE_0_S1FMT_LINEAR && s1Fmt != STRTAB_STE_0_S1FMT_4K_L2
                    && s1Fmt != STRTAB_STE_0_S1FMT_64K_L2) {
                throw new IllegalArgumentException("S1Fmt " + s1Fmt + " is reserved");
            }
            if (s1CdMax < 0 || s1CdMax > 20) {
                throw new IllegalArgumentException("S1CDMax " + s1CdMax + " is outside 0..20");
            }
        }
    }

    /**
     * A stage-2 translation (Linux {@code arm_smmu_s2_cfg} plus the io-pgtable
     * configuration of the domain).
     *
     * @param vmid         S2VMID, 0..65535 (Linux reserves 0 for stage-1 STEs)
     * @param format       a {@link Stage#STAGE2} format: gives S2T0SZ (64 - IAS),
     *                     S2SL0 (start level), S2TG (granule) and S2PS (OAS)
     * @param ttb          S2TTB: base of the start table(s), aligned to
     *                     {@code format.startTableBytes()}, below 2^52
     * @param coherentWalk walks are cache coherent: S2SH0 = inner shareable,
     *                     S2IR0/S2OR0 = write-back write-allocate; otherwise outer
     *                     shareable, non-cacheable
     * @param fwb          S2FWB (SMMUv3.2 forced write-back; Linux's
     *                     {@code IO_PGTABLE_QUIRK_ARM_S2FWB})
     */
    public record Stage2(int vmid, TableFormat format, long ttb, boolean coherentWalk, boolean fwb) {
        public Stage2 {
            if (vmid < 0 || vmid > 0xffff) {
                throw new IllegalArgumentException("VMID " + vmid + " is outside 0..65535");
            }
            if (format == null || format.stage() != Stage.STAGE2) {
                throw new IllegalArgumentException("a stage-2 table format is required, not " + format);
            }
            WalkAttributes.tableBase("S2TTB", ttb, STRTAB_STE_3_S2TTB_MASK, format);
        }
    }

    /** Abort: Config = 0b000, V = 1; all traffic is terminated without an event (5.2). */
    public static long[] abort() {
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STRTAB_STE_0_V | Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
        return ste;
    }

    /**
     * Bypass: Config = 0b100; traffic passes untranslated. With
     * {@code features.attrTypesOverride()} SHCFG keeps the incoming
     * shareability.
     */
    public static long[] bypass(Features features) {
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STRTAB_STE_0_V | Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
        if (features.attrTypesOverride()) {
            ste[1] = Field.prep(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
        }
        return ste;
    }

    /**
     * Stage 1 through a CD table: Config = 0b101 (Linux's
     * {@code arm_smmu_make_cdtable_ste()}).
     *
     * @param features SMMU features: S1STALLD, SHCFG, STRW
     * @param master   the device: EATS, S1STALLD
     * @param cdTable  S1ContextPtr, S1Fmt, S1CDMax
     * @param s1dss    S1DSS, what traffic without a SubstreamID does:
     *                 {@link dev.jiommu.spec.smmuv3.Ste#STRTAB_STE_1_S1DSS_TERMINATE},
     *                 {@code _BYPASS} (then SHCFG = incoming with the override) or
     *                 {@code _SSID0} (use CD 0)
     * @return V, Config, the CD table fields; S1CIR = S1COR = WBRA and S1CSH =
     *         ISH for CD table fetches; S1STALLD when the SMMU stalls but the
     *         master does not; EATS; STRW = EL2 with E2H, else NS-EL1 and S2VMID = 0
     */
    public static long[] cdTable(Features features, Master master, CdTable cdTable, long s1dss) {
        checkS1dss(s1dss);
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STRTAB_STE_0_V
                | Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS)
                | Field.prep(STRTAB_STE_0_S1FMT, cdTable.s1Fmt())
                | cdTable.pa()
                | Field.prep(STRTAB_STE_0_S1CDMAX, cdTable.s1CdMax());
        ste[1] = stage1Attributes(features, master, s1dss) | eats(master);
        if (features.attrTypesOverride() && s1dss == STRTAB_STE_1_S1DSS_BYPASS) {
            ste[1] |= Field.prep(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
        }
        if (features.e2h()) {
            ste[1] |= Field.prep(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_EL2);
        } else {
            ste[1] |= Field.prep(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_NSEL1);
            ste[2] = Field.prep(STRTAB_STE_2_S2VMID, 0);
        }
        return ste;
    }

    /**
     * Stage 2 only: Config = 0b110 (Linux's {@code arm_smmu_make_s2_domain_ste()}).
     *
     * @param features SMMU features: SHCFG
     * @param master   the device: EATS, S2S
     * @param stage2   VMID, table format, S2TTB, walk attributes, FWB
     * @return V, Config; EATS, S2FWB, SHCFG = incoming with the override;
     *         S2VMID, VTCR, S2AA64, S2PTW (stage-1 walks to Device memory
     *         fault), S2S when the master stalls, S2R (record faults); S2TTB
     */
    public static long[] s2Domain(Features features, Master master, Stage2 stage2) {
        TableFormat f = stage2.format();
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STRTAB_STE_0_V | Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
        ste[1] = eats(master);
        if (stage2.fwb()) {
            ste[1] |= STRTAB_STE_1_S2FWB;
        }
        if (features.attrTypesOverride()) {
            ste[1] |= Field.prep(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
        }
        long vtcr = Field.prep(STRTAB_STE_2_VTCR_S2T0SZ, f.tsz())
                | Field.prep(STRTAB_STE_2_VTCR_S2SL0, f.sl0())
                | Field.prep(STRTAB_STE_2_VTCR_S2IR0, WalkAttributes.rgn(stage2.coherentWalk()))
                | Field.prep(STRTAB_STE_2_VTCR_S2OR0, WalkAttributes.rgn(stage2.coherentWalk()))
                | Field.prep(STRTAB_STE_2_VTCR_S2SH0, WalkAttributes.sh(stage2.coherentWalk()))
                | Field.prep(STRTAB_STE_2_VTCR_S2TG, WalkAttributes.tg0(f.granule()))
                | Field.prep(STRTAB_STE_2_VTCR_S2PS, WalkAttributes.ips(f));
        ste[2] = Field.prep(STRTAB_STE_2_S2VMID, stage2.vmid())
                | Field.prep(STRTAB_STE_2_VTCR, vtcr)
                | STRTAB_STE_2_S2AA64
                | STRTAB_STE_2_S2PTW
                | (master.stall() ? STRTAB_STE_2_S2S : 0)
                | STRTAB_STE_2_S2R;
        ste[3] = stage2.ttb();
        return ste;
    }

    /**
     * Stage 1 and stage 2: Config = 0b111, for a device whose stage 1 belongs
     * to a guest. Equivalent to {@link #nestedFromGuest} with the stage-1
     * fields {@link #cdTable} would write (without STRW, which a nested STE
     * leaves at NS-EL1, and without SHCFG/EATS, which come from stage 2).
     */
    public static long[] nested(Features features, Master master, Stage2 stage2, CdTable cdTable, long s1dss) {
        checkS1dss(s1dss);
        long guest0 = STRTAB_STE_0_V
                | Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS)
                | Field.prep(STRTAB_STE_0_S1FMT, cdTable.s1Fmt())
                | cdTable.pa()
                | Field.prep(STRTAB_STE_0_S1CDMAX, cdTable.s1CdMax());
        return nestedFromGuest(features, master, stage2, guest0, stage1Attributes(features, master, s1dss));
    }

    /**
     * Stage 1 and stage 2 from a guest's virtual STE (Linux's
     * {@code arm_smmu_make_nested_cd_table_ste()}): the host's
     * {@link #s2Domain} entry with Config = 0b111, the guest's stage-1 fields
     * merged in, and MEV set so a guest cannot flood the event queue.
     *
     * @param guestSte0 qword 0 of the guest's STE: V = 1, Config = 0b101 and
     *                  only S1Fmt, S1ContextPtr (an IPA) and S1CDMax besides
     * @param guestSte1 qword 1 of the guest's STE: only S1DSS, S1CIR, S1COR,
     *                  S1CSH and S1STALLD
     * @throws IllegalArgumentException when the guest words set anything else
     *         (Linux's {@code arm_smmu_validate_vste()} rejects such an STE)
     */
    public static long[] nestedFromGuest(Features features, Master master, Stage2 stage2,
                                         long guestSte0, long guestSte1) {
        if ((guestSte0 & ~NESTED_GUEST_0) != 0 || (guestSte1 & ~NESTED_GUEST_1) != 0
                || (guestSte0 & STRTAB_STE_0_V) == 0
                || Field.get(STRTAB_STE_0_CFG, guestSte0) != STRTAB_STE_0_CFG_S1_TRANS) {
            throw new IllegalArgumentException(String.format(
                    "guest STE %#x %#x is not a valid stage-1 CD table STE of the allowed fields", guestSte0, guestSte1));
        }
        checkS1dss(Field.get(STRTAB_STE_1_S1DSS, guestSte1));
        long[] ste = s2Domain(features, master, stage2);
        ste[0] = STRTAB_STE_0_V | Field.prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_NESTED)
                | (guestSte0 & ~STRTAB_STE_0_CFG);
        ste[1] |= guestSte1 | STRTAB_STE_1_MEV;
        return ste;
    }

    private static long stage1Attributes(Features features, Master master, long s1dss) {
        return Field.prep(STRTAB_STE_1_S1DSS, s1dss)
                | Field.prep(STRTAB_STE_1_S1CIR, STRTAB_STE_1_S1C_CACHE_WBRA)
                | Field.prep(STRTAB_STE_1_S1COR, STRTAB_STE_1_S1C_CACHE_WBRA)
                | Field.prep(STRTAB_STE_1_S1CSH, STRTAB_STE_1_S1C_SH_ISH)
                | (features.stalls() && !master.stall() ? STRTAB_STE_1_S1STALLD : 0);
    }

    private static long eats(Master master) {
        return Field.prep(STRTAB_STE_1_EATS, master.ats() ? STRTAB_STE_1_EATS_TRANS : STRTAB_STE_1_EATS_ABT);
    }

    private static void checkS1dss(long s1dss) {
        if (s1dss != STRTAB_STE_1_S1DSS_TERMINATE && s1dss != STRTAB_STE_1_S1DSS_BYPASS
                && s1dss != STRTAB_STE_1_S1DSS_SSID0) {
            throw new IllegalArgumentException("S1DSS " + s1dss + " is reserved");
        }
    }
}

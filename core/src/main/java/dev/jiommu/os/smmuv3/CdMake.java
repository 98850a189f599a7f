package dev.jiommu.os.smmuv3;

import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Field;

import static dev.jiommu.spec.smmuv3.Cd.*;

/**
 * The Context Descriptors the Linux SMMUv3 driver installs, as pure functions
 * returning a fresh {@code long[8]} (IHI0070 5.4; Linux's
 * {@code arm_smmu_make_s1_cd()}, {@code arm_smmu_make_sva_cd()} and the
 * all-zero CD of {@code arm_smmu_clear_cd()}).
 *
 * <p>Every CD Linux makes translates through TTB0 only (EPD1 = 1, TT1 walks
 * fault), uses VMSAv8-64 tables (AA64), records faults (R), aborts rather than
 * RAZ/WI terminated transactions (A), and puts its ASID in the private ASID
 * set (ASET = 1: no broadcast TLB maintenance from the CPU), except an SVA CD
 * when the driver uses broadcast TLB maintenance ({@link Options#sharedAsid}:
 * ASET = 0, as the PCIe SVM series writes it for a CD with an mm; mainline
 * Linux, which does not use BTM, keeps ASET = 1). Only qwords 0, 1 (TTB0) and 3 (MAIR) are
 * ever non-zero. The model is little-endian, so ENDI is never set.
 */
public final class CdMake {

    private CdMake() {
    }

    /**
     * Per-CD choices that come from the SMMU's and the device's features.
     *
     * @param stall          the device's faults stall (CD.S = 1; Linux
     *                       {@code master->stall_enabled})
     * @param stallForced    the SMMU forces the stall model
     *                       ({@code ARM_SMMU_FEAT_STALL_FORCE}): a released SVA
     *                       CD must keep S and R, which otherwise it clears so
     *                       that faults abort at once
     * @param coherentWalk   table walks are cache coherent: SH0 = inner shareable,
     *                       IRGN0/ORGN0 = WBWA; otherwise outer shareable,
     *                       non-cacheable ({@link #s1} only: SVA walks the
     *                       CPU's tables and requires coherency)
     * @param hardwareAccess HA: the SMMU sets Access flags (HTTU)
     * @param hardwareDirty  HD: the SMMU manages dirty state (HTTU); requires HA
     * @param sharedAsid     ASET = 0: the ASID is the CPU's and the SMMU's TLB
     *                       entries take the CPUs' broadcast invalidations
     *                       ({@link #sva} and {@link #svaReleased} only)
     */
    public record Options(boolean stall, boolean stallForced, boolean coherentWalk,
                          boolean hardwareAccess, boolean hardwareDirty, boolean sharedAsid) {

        /** No stall, coherent walks, no hardware table updates, a private ASID. */
        public static final Options DEFAULT = new Options(false, false, true, false, false, false);

        public Options {
            if (hardwareDirty && !hardwareAccess) {
                throw new IllegalArgumentException("HD requires HA (IHI0070 5.4)");
            }
        }

        public Options withSharedAsid(boolean shared) {
            return new Options(stall, stallForced, coherentWalk, hardwareAccess, hardwareDirty, shared);
        }

        public Options withStall(boolean s) {
            return new Options(s, stallForced, coherentWalk, hardwareAccess, hardwareDirty, sharedAsid);
        }

        public Options withStallForced(boolean forced) {
            return new Options(stall, forced, coherentWalk, hardwareAccess, hardwareDirty, sharedAsid);
        }

        public Options withCoherentWalk(boolean coherent) {
            return new Options(stall, stallForced, coherent, hardwareAccess, hardwareDirty, sharedAsid);
        }

        /** HA and HD; Linux's dirty tracking ({@code IO_PGTABLE_QUIRK_ARM_HD}) sets both. */
        public Options withHttu(boolean ha, boolean hd) {
            return new Options(stall, stallForced, coherentWalk, ha, hd, sharedAsid);
        }
    }

    /**
     * A stage-1 domain's CD (Linux's {@code arm_smmu_make_s1_cd()}).
     *
     * @param asid    ASID, 0..65535
     * @param format  a {@link Stage#STAGE1} format: T0SZ (64 - IAS), TG0, IPS (OAS)
     * @param ttb0    TTB0, aligned to {@code format.startTableBytes()}, below 2^52
     * @param mair    MAIR, as the io-pgtable configured it
     * @param options S, walk attributes, HA/HD
     * @return V, T0SZ, TG0, IRGN0/ORGN0/SH0 per {@code coherentWalk}, EPD1,
     *         IPS, AA64, S, R, A, ASET, ASID, HA/HD; TTB0; MAIR
     */
    public static long[] s1(int asid, TableFormat format, long ttb0, long mair, Options options) {
        checkStage1(format);
        if (options.sharedAsid()) {
            throw new IllegalArgumentException("a paging domain's ASID is private; sharedAsid is for SVA CDs");
        }
        long[] cd = new long[EntryWriter.QWORDS];
        cd[0] = tt0(format, options.coherentWalk()) | common(asid, format, options);
        cd[1] = WalkAttributes.tableBase("TTB0", ttb0, CTXDESC_CD_1_TTB0_MASK, format);
        cd[3] = mair;
        return cd;
    }

    /**
     * A CD that shares a process's page tables with the device (Linux's
     * {@code arm_smmu_make_sva_cd()} with an mm).
     *
     * @param asid    ASID of the SVA domain, 0..65535
     * @param format  the process's stage-1 format: T0SZ = 64 - VA bits, TG0 =
     *                the CPU page size, IPS = the CPU's physical address size
     * @param ttb0    the process's page-table root (its pgd)
     * @param mair    the CPU's MAIR_EL1, so attribute indexes mean the same
     * @param options S and HA/HD; walks are always WBWA inner shareable, as the
     *                CPU's are
     * @throws IllegalArgumentException when {@code options.coherentWalk()} is
     *         false: Linux offers SVA only on a coherent SMMU
     */
    public static long[] sva(int asid, TableFormat format, long ttb0, long mair, Options options) {
        checkStage1(format);
        checkSva(options);
        long[] cd = new long[EntryWriter.QWORDS];
        cd[0] = tt0(format, true) | common(asid, format, options);
        cd[1] = WalkAttributes.tableBase("TTB0", ttb0, CTXDESC_CD_1_TTB0_MASK, format);
        cd[3] = mair;
        return cd;
    }

    /**
     * The CD an SVA binding keeps once its process has exited while the
     * device may still issue DMA (Linux's {@code arm_smmu_make_sva_cd()}
     * without an mm, written by its {@code mm_release} notifier): still valid,
     * so no C_BAD_CD events, but with EPD0 set every access faults. TTB0 and
     * the TT0 walk fields are IGNORED under EPD0, so {@link EntryWriter}
     * switches between this CD and {@link #sva} with the same ASID, format and
     * MAIR hitlessly. Unless the SMMU forces stalls, S and R are cleared so
     * that faults abort silently and at once.
     *
     * @param format only its output size is used (IPS), matching {@link #sva}
     */
    public static long[] svaReleased(int asid, TableFormat format, long mair, Options options) {
        checkStage1(format);
        checkSva(options);
        long[] cd = new long[EntryWriter.QWORDS];
        cd[0] = common(asid, format, options.withHttu(false, false)) | CTXDESC_CD_0_TCR_EPD0;
        if (!options.stallForced()) {
            cd[0] &= ~(CTXDESC_CD_0_S | CTXDESC_CD_0_R);
        }
        cd[3] = mair;
        return cd;
    }

    /** The invalid, all-zero CD (V = 0): substream traffic raises C_BAD_CD. */
    public static long[] clear() {
        return new long[EntryWriter.QWORDS];
    }

    private static long tt0(TableFormat format, boolean coherentWalk) {
        return Field.prep(CTXDESC_CD_0_TCR_T0SZ, format.tsz())
                | Field.prep(CTXDESC_CD_0_TCR_TG0, WalkAttributes.tg0(format.granule()))
                | Field.prep(CTXDESC_CD_0_TCR_IRGN0, WalkAttributes.rgn(coherentWalk))
                | Field.prep(CTXDESC_CD_0_TCR_ORGN0, WalkAttributes.rgn(coherentWalk))
                | Field.prep(CTXDESC_CD_0_TCR_SH0, WalkAttributes.sh(coherentWalk));
    }

    private static long common(int asid, TableFormat format, Options options) {
        if (asid < 0 || asid > 0xffff) {
            throw new IllegalArgumentException("ASID " + asid + " is outside 0..65535");
        }
        return CTXDESC_CD_0_TCR_EPD1
                | CTXDESC_CD_0_V
                | Field.prep(CTXDESC_CD_0_TCR_IPS, WalkAttributes.ips(format))
                | CTXDESC_CD_0_AA64
                | (options.stall() ? CTXDESC_CD_0_S : 0)
                | CTXDESC_CD_0_R
                | CTXDESC_CD_0_A
                | (options.sharedAsid() ? 0 : CTXDESC_CD_0_ASET)
                | Field.prep(CTXDESC_CD_0_ASID, asid)
                | (options.hardwareAccess() ? CTXDESC_CD_0_TCR_HA : 0)
                | (options.hardwareDirty() ? CTXDESC_CD_0_TCR_HD : 0);
    }

    private static void checkStage1(TableFormat format) {
        if (format == null || format.stage() != Stage.STAGE1) {
            throw new IllegalArgumentException("a stage-1 table format is required, not " + format);
        }
    }

    private static void checkSva(Options options) {
        if (!options.coherentWalk()) {
            throw new IllegalArgumentException("SVA needs coherent table walks (Linux: ARM_SMMU_FEAT_COHERENCY)");
        }
    }
}

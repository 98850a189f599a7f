package dev.jiommu.hw.smmu;

import dev.jiommu.pgtable.TableFormat;

/**
 * A Stream Table Entry as the configuration cache holds it after a successful
 * fetch and validation (SMMUv3 §5.2). Immutable: a cached copy keeps behaving
 * as the STE was when fetched until CFGI_STE removes it.
 *
 * @param streamId      the StreamID this entry is for
 * @param config        STE.Config: {@link #ABORT}, {@link #BYPASS}, {@link #S1}, {@link #S2}, {@link #NESTED}
 * @param s1ContextPtr  STE.S1ContextPtr (an IPA when stage 2 is on)
 * @param s1CdMax       STE.S1CDMax: log2 of the number of CDs; 0 means one CD and no substreams
 * @param s1Fmt         STE.S1Fmt: 0 linear, 1 2-level with 4 KiB leaves (64 CDs), 2 2-level with 64 KiB leaves (1024 CDs)
 * @param s1Dss         STE.S1DSS for transactions without a SubstreamID when S1CDMax > 0
 * @param s1StallDisable STE.S1STALLD
 * @param eats          STE.EATS
 * @param strw          STE.STRW: 0 NS-EL1, 2 EL2
 * @param vmid          STE.S2VMID (0 when stage 2 is not implemented)
 * @param s2Format      the stage-2 table format, or null without stage 2
 * @param s2Ttb         STE.S2TTB
 * @param s2Flags       walker flags for stage 2 (HA, HD, AFFD)
 * @param s2Stall       STE.S2S: stage-2 faults stall
 * @param s2Record      STE.S2R: terminated stage-2 faults are recorded
 * @param s2Ptw         STE.S2PTW: stage-1 table walks to device memory fault
 * @param ppar          STE.PPAR: automatic PRI responses carry the PASID
 */
record StreamConfig(int streamId, int config, long s1ContextPtr, int s1CdMax, int s1Fmt, int s1Dss,
                    boolean s1StallDisable, int eats, int strw, int vmid, TableFormat s2Format, long s2Ttb,
                    int s2Flags, boolean s2Stall, boolean s2Record, boolean s2Ptw,
                    boolean ppar) implements SteLookup {

    static final int ABORT = 0;
    static final int BYPASS = 4;
    static final int S1 = 5;
    static final int S2 = 6;
    static final int NESTED = 7;

    /** STE.S1DSS values (§5.2): what a transaction without a SubstreamID gets when S1CDMax > 0. */
    static final int DSS_TERMINATE = 0;
    static final int DSS_BYPASS = 1;
    static final int DSS_SSID0 = 2;

    /** STE.STRW = EL2. */
    static final int STRW_EL2 = 2;

    boolean stage1() {
        return (config & 1) != 0 && config >= 4;
    }

    boolean stage2() {
        return (config & 2) != 0 && config >= 4;
    }

    String configName() {
        return switch (config) {
            case ABORT -> "abort";
            case BYPASS -> "bypass";
            case S1 -> "stage 1";
            case S2 -> "stage 2";
            case NESTED -> "nested";
            default -> "config " + config;
        };
    }
}

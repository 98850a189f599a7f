package dev.jiommu.hw.smmu;

import static dev.jiommu.spec.smmuv3.Field.prep;
import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * The read-only identification registers (SMMUv3 §6.3.1–6.3.6, 6.3.7 IIDR,
 * 6.3.8 AIDR) an {@link SmmuConfig} implies. TTF is AArch64 only and TTENDIAN
 * little-endian only, which is what the model walks.
 */
final class IdRegisters {

    /** Outstanding stalled transactions the model keeps (IDR5.STALL_MAX). */
    static final int STALL_MAX = 256;

    private IdRegisters() {
    }

    static int idr0(SmmuConfig c) {
        long v = prep(IDR0_ST_LVL, c.twoLevelStreamTable() ? IDR0_ST_LVL_2LVL : IDR0_ST_LVL_1LVL)
                | prep(IDR0_STALL_MODEL, c.stallModel())
                | prep(IDR0_TTENDIAN, IDR0_TTENDIAN_LE)
                | prep(IDR0_HTTU, c.httu())
                | prep(IDR0_TTF, IDR0_TTF_AARCH64)
                | IDR0_SEV;
        v |= c.twoLevelCd() ? IDR0_CD2L : 0;
        v |= c.vmid16() ? IDR0_VMID16 : 0;
        v |= c.pri() ? IDR0_PRI : 0;
        v |= c.msi() ? IDR0_MSI : 0;
        v |= c.asid16() ? IDR0_ASID16 : 0;
        v |= c.ats() ? IDR0_ATS : 0;
        v |= c.hyp() ? IDR0_HYP : 0;
        v |= c.btm() ? IDR0_BTM : 0;
        v |= c.stage1() ? IDR0_S1P : 0;
        v |= c.stage2() ? IDR0_S2P : 0;
        v |= IDR0_COHACC;
        return (int) v;
    }

    static int idr1(SmmuConfig c) {
        return (int) (prep(IDR1_CMDQS, c.cmdqLog2()) | prep(IDR1_EVTQS, c.evtqLog2()) | prep(IDR1_PRIQS, c.priqLog2())
                | prep(IDR1_SSIDSIZE, c.ssidBits()) | prep(IDR1_SIDSIZE, c.sidBits()));
    }

    static int idr3(SmmuConfig c) {
        return (int) (c.ril() ? IDR3_RIL : 0);
    }

    static int idr5(SmmuConfig c) {
        long v = prep(IDR5_STALL_MAX, c.stallSupported() ? STALL_MAX : 0)
                | prep(IDR5_OAS, dev.jiommu.pgtable.TableFormat.ipsEncoding(c.oasBits()))
                | prep(IDR5_VAX, IDR5_VAX_48_BIT);
        v |= c.gran4k() ? IDR5_GRAN4K : 0;
        v |= c.gran16k() ? IDR5_GRAN16K : 0;
        v |= c.gran64k() ? IDR5_GRAN64K : 0;
        return (int) v;
    }

    /** SMMUv3.2: range invalidation and HTTU belong to it. */
    static int aidr() {
        return (int) AIDR_ARCHMINORREV_V3_2;
    }
}

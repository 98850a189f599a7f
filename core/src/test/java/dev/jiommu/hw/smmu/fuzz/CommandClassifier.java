package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.hw.smmu.SmmuConfig;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Field.genmask;
import static dev.jiommu.spec.smmuv3.Field.get;

/**
 * Whether the Non-secure Command queue of an SMMU with a given
 * {@link SmmuConfig} must reject a command with CERROR_ILL, must accept it, or
 * may do either, written from SMMUv3 chapter 4 and not from the model:
 *
 * <ul>
 *   <li>§4.1.1: reserved opcodes are ILLEGAL; the Secure-only (0x50..0x60),
 *       DPT (0x70, 0x73, without IDR3.DPT) and EL3 (0x18, 0x1A, on the
 *       Non-secure queue) opcodes are too; 0x80..0x8F are IMPLEMENTATION
 *       DEFINED (either).</li>
 *   <li>§4.1.6: SSec = 1 on the Non-secure queue is ILLEGAL where the command
 *       has SSec (prefetch, CFGI_*, RESUME, STALL_TERM).</li>
 *   <li>§4.1.5: a non-zero reserved field may or may not be detected
 *       (either), unless something else makes the command ILLEGAL.</li>
 *   <li>§4.3: CFGI_CD and CFGI_CD_ALL are ILLEGAL without stage 1;
 *       CFGI_VMS_PIDM is ILLEGAL without MPAM (never modelled).</li>
 *   <li>§4.4: TLBI_NH_* need stage 1, TLBI_EL2_* need IDR0.Hyp, TLBI_S2_IPA
 *       and TLBI_S12_VMALL need stage 2. With range invalidation, TG ≠ 0 with
 *       NUM = SCALE = TTL = 0 is a reserved combination (ILLEGAL); without
 *       it, TG/TTL/NUM/SCALE are RES0 (either).</li>
 *   <li>§4.5: ATC_INV needs IDR0.ATS (Size above 52 either); PRI_RESP needs
 *       IDR0.PRI and Resp = 0b11 is ILLEGAL.</li>
 *   <li>§4.7: RESUME and STALL_TERM are ILLEGAL when STALL_MODEL = 0b01;
 *       CMD_SYNC with CS = 0b11 is ILLEGAL.</li>
 *   <li>§4.1.7: out-of-range StreamIDs, SubstreamIDs and other parameters
 *       are not command errors.</li>
 * </ul>
 */
final class CommandClassifier {

    enum Verdict { LEGAL, ILLEGAL, EITHER }

    private CommandClassifier() {
    }

    private static final long OP = genmask(7, 0);
    private static final long SSEC = CMDQ_0_SSEC;
    private static final long SSV = CMDQ_0_SSV;
    private static final long SSID = genmask(31, 12);
    private static final long SID = genmask(63, 32);
    private static final long NUM = CMDQ_TLBI_0_NUM;
    private static final long SCALE = CMDQ_TLBI_0_SCALE;
    private static final long VMID = CMDQ_TLBI_0_VMID;
    private static final long ASID = CMDQ_TLBI_0_ASID;
    private static final long TLBI_W1 = CMDQ_TLBI_1_LEAF | CMDQ_TLBI_1_TTL | CMDQ_TLBI_1_TG | CMDQ_TLBI_1_VA_MASK;
    private static final long TLBI_W1_IPA = CMDQ_TLBI_1_LEAF | CMDQ_TLBI_1_TTL | CMDQ_TLBI_1_TG | CMDQ_TLBI_1_IPA_MASK;

    static Verdict classify(long w0, long w1, SmmuConfig c) {
        int op = (int) (w0 & 0xff);
        boolean ssec = (w0 & SSEC) != 0;
        return switch (op) {
            case CMDQ_OP_PREFETCH_CFG -> ssec ? Verdict.ILLEGAL : fields(w0, w1, OP | SSEC | SSV | SSID | SID, 0);
            case CMDQ_OP_PREFETCH_ADDR -> ssec ? Verdict.ILLEGAL
                    : fields(w0, w1, OP | SSEC | SSV | SSID | SID, CMDQ_PREFETCH_1_SIZE | CMDQ_PREFETCH_1_ADDR_MASK);
            case CMDQ_OP_CFGI_STE -> ssec ? Verdict.ILLEGAL : fields(w0, w1, OP | SSEC | SID, CMDQ_CFGI_1_LEAF);
            case CMDQ_OP_CFGI_STE_RANGE -> ssec ? Verdict.ILLEGAL : fields(w0, w1, OP | SSEC | SID, CMDQ_CFGI_1_RANGE);
            case CMDQ_OP_CFGI_CD -> ssec || !c.stage1() ? Verdict.ILLEGAL
                    : fields(w0, w1, OP | SSEC | SSID | SID, CMDQ_CFGI_1_LEAF);
            case CMDQ_OP_CFGI_CD_ALL -> ssec || !c.stage1() ? Verdict.ILLEGAL : fields(w0, w1, OP | SSEC | SID, 0);
            case CMDQ_OP_CFGI_VMS_PIDM -> Verdict.ILLEGAL;
            case CMDQ_OP_TLBI_NH_ALL -> !c.stage1() ? Verdict.ILLEGAL : fields(w0, w1, OP | vmid(c), 0);
            case CMDQ_OP_TLBI_NH_ASID -> !c.stage1() ? Verdict.ILLEGAL : fields(w0, w1, OP | vmid(c) | asid(c), 0);
            case CMDQ_OP_TLBI_NH_VA -> !c.stage1() ? Verdict.ILLEGAL : range(w0, w1, c, OP | vmid(c) | asid(c), TLBI_W1);
            case CMDQ_OP_TLBI_NH_VAA -> !c.stage1() ? Verdict.ILLEGAL : range(w0, w1, c, OP | vmid(c), TLBI_W1);
            case CMDQ_OP_TLBI_EL3_ALL, CMDQ_OP_TLBI_EL3_VA -> Verdict.ILLEGAL;
            case CMDQ_OP_TLBI_EL2_ALL -> el2(c, fields(w0, w1, OP, 0));
            case CMDQ_OP_TLBI_EL2_ASID -> el2(c, fields(w0, w1, OP | asid(c), 0));
            case CMDQ_OP_TLBI_EL2_VA -> el2(c, range(w0, w1, c, OP | asid(c), TLBI_W1));
            case CMDQ_OP_TLBI_EL2_VAA -> el2(c, range(w0, w1, c, OP, TLBI_W1));
            case CMDQ_OP_TLBI_S12_VMALL -> !c.stage2() ? Verdict.ILLEGAL : fields(w0, w1, OP | vmid(c), 0);
            case CMDQ_OP_TLBI_S2_IPA -> !c.stage2() ? Verdict.ILLEGAL : range(w0, w1, c, OP | vmid(c), TLBI_W1_IPA);
            case CMDQ_OP_TLBI_NSNH_ALL -> fields(w0, w1, OP, 0);
            case CMDQ_OP_ATC_INV -> {
                if (!c.ats()) {
                    yield Verdict.ILLEGAL;
                }
                Verdict v = fields(w0, w1, OP | CMDQ_ATC_0_GLOBAL | SSV | SSID | SID,
                        CMDQ_ATC_1_SIZE | CMDQ_ATC_1_ADDR_MASK);
                yield get(CMDQ_ATC_1_SIZE, w1) > ATC_INV_SIZE_ALL ? Verdict.EITHER : v;
            }
            case CMDQ_OP_PRI_RESP -> !c.pri() || get(CMDQ_PRI_1_RESP, w1) == 3 ? Verdict.ILLEGAL
                    : fields(w0, w1, OP | SSV | SSID | SID, CMDQ_PRI_1_GRPID | CMDQ_PRI_1_RESP);
            case CMDQ_OP_RESUME -> ssec || c.stallModel() == 1 ? Verdict.ILLEGAL
                    : fields(w0, w1, OP | SSEC | CMDQ_RESUME_0_AC | CMDQ_RESUME_0_AB | SID, CMDQ_RESUME_1_STAG);
            case CMDQ_OP_STALL_TERM -> ssec || c.stallModel() == 1 ? Verdict.ILLEGAL
                    : fields(w0, w1, OP | SSEC | SID, 0);
            case CMDQ_OP_CMD_SYNC -> get(CMDQ_SYNC_0_CS, w0) == 3 ? Verdict.ILLEGAL
                    : fields(w0, w1, OP | CMDQ_SYNC_0_CS | CMDQ_SYNC_0_MSH | CMDQ_SYNC_0_MSIATTR | CMDQ_SYNC_0_MSIDATA,
                    CMDQ_SYNC_1_MSIADDR_MASK);
            default -> op >= 0x80 && op <= 0x8f ? Verdict.EITHER : Verdict.ILLEGAL;
        };
    }

    /** The opcodes §4.1.1 defines (some of which a given SMMU rejects). */
    static final int[] DEFINED = {
        CMDQ_OP_PREFETCH_CFG, CMDQ_OP_PREFETCH_ADDR, CMDQ_OP_CFGI_STE, CMDQ_OP_CFGI_STE_RANGE, CMDQ_OP_CFGI_CD,
        CMDQ_OP_CFGI_CD_ALL, CMDQ_OP_CFGI_VMS_PIDM, CMDQ_OP_TLBI_NH_ALL, CMDQ_OP_TLBI_NH_ASID, CMDQ_OP_TLBI_NH_VA,
        CMDQ_OP_TLBI_NH_VAA, CMDQ_OP_TLBI_EL3_ALL, CMDQ_OP_TLBI_EL3_VA, CMDQ_OP_TLBI_EL2_ALL, CMDQ_OP_TLBI_EL2_ASID,
        CMDQ_OP_TLBI_EL2_VA, CMDQ_OP_TLBI_EL2_VAA, CMDQ_OP_TLBI_S12_VMALL, CMDQ_OP_TLBI_S2_IPA, CMDQ_OP_TLBI_NSNH_ALL,
        CMDQ_OP_ATC_INV, CMDQ_OP_PRI_RESP, CMDQ_OP_RESUME, CMDQ_OP_STALL_TERM, CMDQ_OP_CMD_SYNC,
        0x50, 0x51, 0x52, 0x53, 0x58, 0x5a, 0x60, 0x70, 0x73,
    };

    /** TLBI_EL2_*: ILLEGAL without Hyp; an SMMU that claims Hyp without stage 1 is not one the spec describes. */
    private static Verdict el2(SmmuConfig c, Verdict v) {
        if (!c.hyp()) {
            return Verdict.ILLEGAL;
        }
        return c.stage1() ? v : Verdict.EITHER;
    }

    /** VMID is a parameter with stage 2 (16 or 8 bits); RES0 otherwise (§4.4.2). */
    private static long vmid(SmmuConfig c) {
        return c.stage2() ? (c.vmid16() ? VMID : genmask(39, 32)) : 0;
    }

    private static long asid(SmmuConfig c) {
        return c.asid16() ? ASID : genmask(55, 48);
    }

    /** An address-based TLBI: the range and level-hint fields (§4.4.1.1). */
    private static Verdict range(long w0, long w1, SmmuConfig c, long w0Fields, long w1Fields) {
        long tg = get(CMDQ_TLBI_1_TG, w1);
        if (!c.ril()) {
            return fields(w0, w1, w0Fields, w1Fields & ~(CMDQ_TLBI_1_TG | CMDQ_TLBI_1_TTL));
        }
        if (tg != 0 && get(NUM, w0) == 0 && get(SCALE, w0) == 0 && get(CMDQ_TLBI_1_TTL, w1) == 0) {
            return Verdict.ILLEGAL;
        }
        if (tg == 0) {
            return fields(w0, w1, w0Fields, w1Fields & ~CMDQ_TLBI_1_TTL);
        }
        if (tg == 2 && get(CMDQ_TLBI_1_TTL, w1) == 1) {
            return Verdict.EITHER; // §4.4.1.1 is self-contradictory about this encoding without DS
        }
        return fields(w0, w1, w0Fields | NUM | SCALE, w1Fields);
    }

    /** LEGAL when only defined fields are set, else EITHER (§4.1.5). */
    private static Verdict fields(long w0, long w1, long w0Defined, long w1Defined) {
        return (w0 & ~w0Defined) == 0 && (w1 & ~w1Defined) == 0 ? Verdict.LEGAL : Verdict.EITHER;
    }
}

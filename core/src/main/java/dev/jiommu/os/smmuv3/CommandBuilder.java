package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Cmd.*;

import dev.jiommu.Errno;
import dev.jiommu.spec.smmuv3.Field;
import dev.jiommu.spec.smmuv3.Registers;

/**
 * Encodes commands as Linux's {@code arm_smmu_cmdq_build_cmd} does (IHI 0070
 * chapter 4; layouts in {@link dev.jiommu.spec.smmuv3.Cmd}).
 *
 * <p>Results: 0 with both dwords written; {@code -ENOENT} for a TLBI record
 * whose opcode is not a TLBI this builder knows (Linux's unknown opcode);
 * {@code -EINVAL} for a PRI response code other than DENY/FAIL/SUCC, as Linux,
 * and — where Linux's {@code FIELD_PREP} would silently truncate — for a value
 * that does not fit its field. Nothing is thrown.
 */
final class CommandBuilder {

    private CommandBuilder() {
    }

    /** @param out receives dwords 0 and 1 (left alone on an error) */
    static int build(CmdqEnt ent, long[] out) {
        long w0;
        long w1 = 0;
        switch (ent) {
            case CmdqEnt.PrefetchCfg p -> w0 = op(CMDQ_OP_PREFETCH_CFG) | sid(CMDQ_PREFETCH_0_SID, p.sid());
            case CmdqEnt.CfgiSte c -> {
                w0 = op(CMDQ_OP_CFGI_STE) | sid(CMDQ_CFGI_0_SID, c.sid());
                w1 = c.leaf() ? CMDQ_CFGI_1_LEAF : 0;
            }
            case CmdqEnt.CfgiSteRange c -> {
                if (!Field.fits(CMDQ_CFGI_1_RANGE, c.range())) {
                    return -Errno.EINVAL;
                }
                w0 = op(CMDQ_OP_CFGI_STE_RANGE) | sid(CMDQ_CFGI_0_SID, c.sid());
                w1 = Field.prep(CMDQ_CFGI_1_RANGE, c.range());
            }
            case CmdqEnt.CfgiAll c -> {
                w0 = op(CMDQ_OP_CFGI_ALL);
                w1 = Field.prep(CMDQ_CFGI_1_RANGE, CMDQ_CFGI_1_RANGE_ALL);
            }
            case CmdqEnt.CfgiCd c -> {
                if (!Field.fits(CMDQ_CFGI_0_SSID, c.ssid())) {
                    return -Errno.EINVAL;
                }
                w0 = op(CMDQ_OP_CFGI_CD) | Field.prep(CMDQ_CFGI_0_SSID, c.ssid()) | sid(CMDQ_CFGI_0_SID, c.sid());
                w1 = c.leaf() ? CMDQ_CFGI_1_LEAF : 0;
            }
            case CmdqEnt.CfgiCdAll c -> w0 = op(CMDQ_OP_CFGI_CD_ALL) | sid(CMDQ_CFGI_0_SID, c.sid());
            case CmdqEnt.Tlbi t -> {
                if (!Field.fits(CMDQ_TLBI_0_ASID, t.asid()) || !Field.fits(CMDQ_TLBI_0_VMID, t.vmid())
                        || !Field.fits(CMDQ_TLBI_0_NUM, t.num()) || !Field.fits(CMDQ_TLBI_0_SCALE, t.scale())
                        || !Field.fits(CMDQ_TLBI_1_TG, t.tg()) || !Field.fits(CMDQ_TLBI_1_TTL, t.ttl())) {
                    return -Errno.EINVAL;
                }
                long asid = Field.prep(CMDQ_TLBI_0_ASID, t.asid());
                long vmid = Field.prep(CMDQ_TLBI_0_VMID, t.vmid());
                long range = Field.prep(CMDQ_TLBI_0_NUM, t.num()) | Field.prep(CMDQ_TLBI_0_SCALE, t.scale());
                long hint = (t.leaf() ? CMDQ_TLBI_1_LEAF : 0) | Field.prep(CMDQ_TLBI_1_TTL, t.ttl())
                        | Field.prep(CMDQ_TLBI_1_TG, t.tg());
                w0 = op(t.opcode());
                switch (t.opcode()) {
                    case CMDQ_OP_TLBI_NH_ASID -> w0 |= asid | vmid;
                    case CMDQ_OP_TLBI_NH_ALL, CMDQ_OP_TLBI_S12_VMALL -> w0 |= vmid;
                    case CMDQ_OP_TLBI_EL2_ASID -> w0 |= asid;
                    case CMDQ_OP_TLBI_NH_VA -> {
                        w0 |= vmid | range | asid;
                        w1 = hint | (t.addr() & CMDQ_TLBI_1_VA_MASK);
                    }
                    case CMDQ_OP_TLBI_EL2_VA -> {
                        w0 |= range | asid;
                        w1 = hint | (t.addr() & CMDQ_TLBI_1_VA_MASK);
                    }
                    case CMDQ_OP_TLBI_S2_IPA -> {
                        w0 |= range | vmid;
                        w1 = hint | (t.addr() & CMDQ_TLBI_1_IPA_MASK);
                    }
                    case CMDQ_OP_TLBI_EL2_ALL, CMDQ_OP_TLBI_NSNH_ALL -> {
                        // no fields
                    }
                    default -> {
                        return -Errno.ENOENT;
                    }
                }
            }
            case CmdqEnt.AtcInv a -> {
                if (!Field.fits(CMDQ_ATC_1_SIZE, a.size()) || a.ssid() != CmdqEnt.NO_SSID
                        && !Field.fits(CMDQ_ATC_0_SSID, a.ssid())) {
                    return -Errno.EINVAL;
                }
                w0 = op(CMDQ_OP_ATC_INV) | ssid(CMDQ_ATC_0_SSID, a.ssid()) | (a.global() ? CMDQ_ATC_0_GLOBAL : 0)
                        | sid(CMDQ_ATC_0_SID, a.sid());
                w1 = Field.prep(CMDQ_ATC_1_SIZE, a.size()) | (a.addr() & CMDQ_ATC_1_ADDR_MASK);
            }
            case CmdqEnt.PriResp p -> {
                if (p.resp() != PRI_RESP_DENY && p.resp() != PRI_RESP_FAIL && p.resp() != PRI_RESP_SUCC) {
                    return -Errno.EINVAL;
                }
                if (!Field.fits(CMDQ_PRI_1_GRPID, p.grpid()) || p.ssid() != CmdqEnt.NO_SSID
                        && !Field.fits(CMDQ_PRI_0_SSID, p.ssid())) {
                    return -Errno.EINVAL;
                }
                w0 = op(CMDQ_OP_PRI_RESP) | ssid(CMDQ_PRI_0_SSID, p.ssid()) | sid(CMDQ_PRI_0_SID, p.sid());
                w1 = Field.prep(CMDQ_PRI_1_GRPID, p.grpid()) | Field.prep(CMDQ_PRI_1_RESP, p.resp());
            }
            case CmdqEnt.Resume r -> {
                if (!Field.fits(CMDQ_RESUME_0_RESP, r.resp()) || !Field.fits(CMDQ_RESUME_1_STAG, r.stag())) {
                    return -Errno.EINVAL;
                }
                w0 = op(CMDQ_OP_RESUME) | sid(CMDQ_RESUME_0_SID, r.sid()) | Field.prep(CMDQ_RESUME_0_RESP, r.resp());
                w1 = Field.prep(CMDQ_RESUME_1_STAG, r.stag());
            }
            case CmdqEnt.StallTerm s -> w0 = op(CMDQ_OP_STALL_TERM) | sid(CMDQ_STALL_TERM_0_SID, s.sid());
            case CmdqEnt.Sync s -> {
                w0 = op(CMDQ_OP_CMD_SYNC);
                if (s.msiAddr() != 0) {
                    w0 |= Field.prep(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_IRQ);
                    w1 = s.msiAddr() & CMDQ_SYNC_1_MSIADDR_MASK;
                } else {
                    w0 |= Field.prep(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_SEV);
                }
                w0 |= Field.prep(CMDQ_SYNC_0_MSH, Registers.ARM_SMMU_SH_ISH)
                        | Field.prep(CMDQ_SYNC_0_MSIATTR, Registers.ARM_SMMU_MEMATTR_OIWB);
            }
        }
        out[0] = w0;
        out[1] = w1;
        return 0;
    }

    private static long op(int opcode) {
        return Field.prep(CMDQ_0_OP, opcode);
    }

    private static long sid(long mask, int sid) {
        return Field.prep(mask, Integer.toUnsignedLong(sid));
    }

    private static long ssid(long mask, int ssid) {
        return ssid == CmdqEnt.NO_SSID ? 0 : CMDQ_0_SSV | Field.prep(mask, ssid);
    }
}

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
 *
 * <p>The commands the driver issues per fault or per unmap (TLBI, ATC_INV,
 * PRI_RESP, RESUME, SYNC) can also be built from their fields without a
 * {@link CmdqEnt} record; {@link #build} encodes a record through the same
 * methods, so both give the same dwords.
 */
final class CommandBuilder {

    private CommandBuilder() {
    }

    /** @param out receives dwords 0 and 1 (left alone on an error) */
    static int build(CmdqEnt ent, long[] out) {
        return build(ent, out, 0);
    }

    /** @param out receives dwords 0 and 1 at {@code out[at]} and {@code out[at + 1]} (left alone on an error) */
    static int build(CmdqEnt ent, long[] out, int at) {
        return switch (ent) {
            case CmdqEnt.PrefetchCfg p -> put(out, at, op(CMDQ_OP_PREFETCH_CFG) | sid(CMDQ_PREFETCH_0_SID, p.sid()), 0);
            case CmdqEnt.CfgiSte c -> put(out, at, op(CMDQ_OP_CFGI_STE) | sid(CMDQ_CFGI_0_SID, c.sid()),
                    c.leaf() ? CMDQ_CFGI_1_LEAF : 0);
            case CmdqEnt.CfgiSteRange c -> !Field.fits(CMDQ_CFGI_1_RANGE, c.range()) ? -Errno.EINVAL
                    : put(out, at, op(CMDQ_OP_CFGI_STE_RANGE) | sid(CMDQ_CFGI_0_SID, c.sid()),
                    Field.prep(CMDQ_CFGI_1_RANGE, c.range()));
            case CmdqEnt.CfgiAll c -> put(out, at, op(CMDQ_OP_CFGI_ALL),
                    Field.prep(CMDQ_CFGI_1_RANGE, CMDQ_CFGI_1_RANGE_ALL));
            case CmdqEnt.CfgiCd c -> !Field.fits(CMDQ_CFGI_0_SSID, c.ssid()) ? -Errno.EINVAL
                    : put(out, at, op(CMDQ_OP_CFGI_CD) | Field.prep(CMDQ_CFGI_0_SSID, c.ssid())
                    | sid(CMDQ_CFGI_0_SID, c.sid()), c.leaf() ? CMDQ_CFGI_1_LEAF : 0);
            case CmdqEnt.CfgiCdAll c -> put(out, at, op(CMDQ_OP_CFGI_CD_ALL) | sid(CMDQ_CFGI_0_SID, c.sid()), 0);
            case CmdqEnt.Tlbi t -> tlbi(t.opcode(), t.asid(), t.vmid(), t.addr(), t.leaf(), t.num(), t.scale(), t.tg(),
                    t.ttl(), out, at);
            case CmdqEnt.AtcInv a -> atcInv(a.sid(), a.ssid(), a.addr(), a.size(), a.global(), out, at);
            case CmdqEnt.PriResp p -> priResp(p.sid(), p.ssid(), p.grpid(), p.resp(), out, at);
            case CmdqEnt.Resume r -> resume(r.sid(), r.stag(), r.resp(), out, at);
            case CmdqEnt.StallTerm st -> put(out, at, op(CMDQ_OP_STALL_TERM) | sid(CMDQ_STALL_TERM_0_SID, st.sid()), 0);
            case CmdqEnt.Sync sy -> sync(sy.msiAddr(), out, at);
        };
    }

    /** {@link CmdqEnt.Tlbi} from its fields, without the record; results as {@link #build}. */
    static int tlbi(int opcode, int asid, int vmid, long addr, boolean leaf, int num, int scale, int tg, int ttl,
                    long[] out, int at) {
        if (!Field.fits(CMDQ_TLBI_0_ASID, asid) || !Field.fits(CMDQ_TLBI_0_VMID, vmid)
                || !Field.fits(CMDQ_TLBI_0_NUM, num) || !Field.fits(CMDQ_TLBI_0_SCALE, scale)
                || !Field.fits(CMDQ_TLBI_1_TG, tg) || !Field.fits(CMDQ_TLBI_1_TTL, ttl)) {
            return -Errno.EINVAL;
        }
        long asidField = Field.prep(CMDQ_TLBI_0_ASID, asid);
        long vmidField = Field.prep(CMDQ_TLBI_0_VMID, vmid);
        long range = Field.prep(CMDQ_TLBI_0_NUM, num) | Field.prep(CMDQ_TLBI_0_SCALE, scale);
        long hint = (leaf ? CMDQ_TLBI_1_LEAF : 0) | Field.prep(CMDQ_TLBI_1_TTL, ttl) | Field.prep(CMDQ_TLBI_1_TG, tg);
        long w0 = op(opcode);
        long w1 = 0;
        switch (opcode) {
            case CMDQ_OP_TLBI_NH_ASID -> w0 |= asidField | vmidField;
            case CMDQ_OP_TLBI_NH_ALL, CMDQ_OP_TLBI_S12_VMALL -> w0 |= vmidField;
            case CMDQ_OP_TLBI_EL2_ASID -> w0 |= asidField;
            case CMDQ_OP_TLBI_NH_VA -> {
                w0 |= vmidField | range | asidField;
                w1 = hint | (addr & CMDQ_TLBI_1_VA_MASK);
            }
            case CMDQ_OP_TLBI_EL2_VA -> {
                w0 |= range | asidField;
                w1 = hint | (addr & CMDQ_TLBI_1_VA_MASK);
            }
            case CMDQ_OP_TLBI_S2_IPA -> {
                w0 |= range | vmidField;
                w1 = hint | (addr & CMDQ_TLBI_1_IPA_MASK);
            }
            case CMDQ_OP_TLBI_EL2_ALL, CMDQ_OP_TLBI_NSNH_ALL -> {
                // no fields
            }
            default -> {
                return -Errno.ENOENT;
            }
        }
        return put(out, at, w0, w1);
    }

    /** {@link CmdqEnt.AtcInv} from its fields; results as {@link #build}. */
    static int atcInv(int sid, int ssid, long addr, int size, boolean global, long[] out, int at) {
        if (!Field.fits(CMDQ_ATC_1_SIZE, size) || ssid != CmdqEnt.NO_SSID && !Field.fits(CMDQ_ATC_0_SSID, ssid)) {
            return -Errno.EINVAL;
        }
        return put(out, at, op(CMDQ_OP_ATC_INV) | ssid(CMDQ_ATC_0_SSID, ssid) | (global ? CMDQ_ATC_0_GLOBAL : 0)
                | sid(CMDQ_ATC_0_SID, sid), Field.prep(CMDQ_ATC_1_SIZE, size) | (addr & CMDQ_ATC_1_ADDR_MASK));
    }

    /** {@link CmdqEnt.PriResp} from its fields; results as {@link #build}. */
    static int priResp(int sid, int ssid, int grpid, int resp, long[] out, int at) {
        if (resp != PRI_RESP_DENY && resp != PRI_RESP_FAIL && resp != PRI_RESP_SUCC) {
            return -Errno.EINVAL;
        }
        if (!Field.fits(CMDQ_PRI_1_GRPID, grpid) || ssid != CmdqEnt.NO_SSID && !Field.fits(CMDQ_PRI_0_SSID, ssid)) {
            return -Errno.EINVAL;
        }
        return put(out, at, op(CMDQ_OP_PRI_RESP) | ssid(CMDQ_PRI_0_SSID, ssid) | sid(CMDQ_PRI_0_SID, sid),
                Field.prep(CMDQ_PRI_1_GRPID, grpid) | Field.prep(CMDQ_PRI_1_RESP, resp));
    }

    /** {@link CmdqEnt.Resume} from its fields; results as {@link #build}. */
    static int resume(int sid, int stag, int resp, long[] out, int at) {
        if (!Field.fits(CMDQ_RESUME_0_RESP, resp) || !Field.fits(CMDQ_RESUME_1_STAG, stag)) {
            return -Errno.EINVAL;
        }
        return put(out, at, op(CMDQ_OP_RESUME) | sid(CMDQ_RESUME_0_SID, sid) | Field.prep(CMDQ_RESUME_0_RESP, resp),
                Field.prep(CMDQ_RESUME_1_STAG, stag));
    }

    /** {@link CmdqEnt.Sync}; never fails. */
    static int sync(long msiAddr, long[] out, int at) {
        long w0 = op(CMDQ_OP_CMD_SYNC);
        long w1 = 0;
        if (msiAddr != 0) {
            w0 |= Field.prep(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_IRQ);
            w1 = msiAddr & CMDQ_SYNC_1_MSIADDR_MASK;
        } else {
            w0 |= Field.prep(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_SEV);
        }
        w0 |= Field.prep(CMDQ_SYNC_0_MSH, Registers.ARM_SMMU_SH_ISH)
                | Field.prep(CMDQ_SYNC_0_MSIATTR, Registers.ARM_SMMU_MEMATTR_OIWB);
        return put(out, at, w0, w1);
    }

    private static int put(long[] out, int at, long w0, long w1) {
        out[at] = w0;
        out[at + 1] = w1;
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

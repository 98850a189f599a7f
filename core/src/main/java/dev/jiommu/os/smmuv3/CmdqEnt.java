package dev.jiommu.os.smmuv3;

/**
 * A command before it is encoded: Linux's {@code struct arm_smmu_cmdq_ent}, one
 * record per command family (IHI 0070 chapter 4). {@link CommandBuilder}
 * turns one into the two dwords the queue holds.
 *
 * <p>SubstreamIDs: {@link #NO_SSID} means "no SubstreamID" (SSV = 0); Linux
 * spells it {@code substream_valid = false}.
 */
public sealed interface CmdqEnt {

    /** No SubstreamID: the command is sent with SSV = 0. */
    int NO_SSID = -1;

    /** CMD_PREFETCH_CONFIG. */
    record PrefetchCfg(int sid) implements CmdqEnt {
    }

    /** CMD_CFGI_STE; {@code leaf = false} also drops cached level-1 descriptors. */
    record CfgiSte(int sid, boolean leaf) implements CmdqEnt {
    }

    /** CMD_CFGI_STE_RANGE over the aligned {@code 2^(range+1)} StreamIDs holding {@code sid}. */
    record CfgiSteRange(int sid, int range) implements CmdqEnt {
    }

    /** CMD_CFGI_ALL: CFGI_STE_RANGE with RANGE = 31. */
    record CfgiAll() implements CmdqEnt {
    }

    /** CMD_CFGI_CD of CD {@code ssid} in the table of {@code sid}. */
    record CfgiCd(int sid, int ssid, boolean leaf) implements CmdqEnt {
    }

    /** CMD_CFGI_CD_ALL of {@code sid}. */
    record CfgiCdAll(int sid) implements CmdqEnt {
    }

    /**
     * A TLB invalidation: {@code opcode} is one of CMDQ_OP_TLBI_NH_ALL,
     * _NH_ASID, _NH_VA, _EL2_ALL, _EL2_ASID, _EL2_VA, _S12_VMALL, _S2_IPA,
     * _NSNH_ALL; fields a command does not have are ignored, as Linux's
     * builder ignores them.
     */
    record Tlbi(int opcode, int asid, int vmid, long addr, boolean leaf, int num, int scale, int tg, int ttl)
            implements CmdqEnt {

        /** A command without address or range fields. */
        public static Tlbi of(int opcode, int asid, int vmid) {
            return new Tlbi(opcode, asid, vmid, 0, false, 0, 0, 0, 0);
        }
    }

    /** CMD_ATC_INV of {@code 4096 << size} bytes at {@code addr}; {@code size} 52 is everything. */
    record AtcInv(int sid, int ssid, long addr, int size, boolean global) implements CmdqEnt {
    }

    /** CMD_PRI_RESP with a {@code PRI_RESP_*} code. */
    record PriResp(int sid, int ssid, int grpid, int resp) implements CmdqEnt {
    }

    /** CMD_RESUME with a {@code CMDQ_RESUME_0_RESP_*} action. */
    record Resume(int sid, int stag, int resp) implements CmdqEnt {
    }

    /** CMD_STALL_TERM of every stalled transaction of {@code sid}. */
    record StallTerm(int sid) implements CmdqEnt {
    }

    /**
     * CMD_SYNC; with {@code msiAddr != 0} completion writes 0 there (CS = SIG_IRQ),
     * otherwise it signals an event (CS = SIG_SEV), as Linux's builder chooses.
     */
    record Sync(long msiAddr) implements CmdqEnt {
    }
}

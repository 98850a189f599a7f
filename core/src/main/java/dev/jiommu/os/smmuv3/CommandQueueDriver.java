package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Registers.*;

import dev.jiommu.Errno;
import dev.jiommu.mem.MemoryFault;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Field;

/**
 * The driver's side of the command queue (IHI 0070 §3.5, §4): Linux's
 * {@code arm_smmu_cmdq_issue_cmdlist}, {@code arm_smmu_cmdq_batch_*} and
 * {@code __arm_smmu_cmdq_skip_err}, for one CPU.
 *
 * <p>Issuing: wait until the queue has room for the commands and the CMD_SYNC
 * ({@code queue_has_space}, refreshing CONS from the register), write the
 * entries from PROD with the wrap bit toggling at the end, write the CMD_SYNC,
 * publish PROD, then wait for the sync: with MSI polling (IDR0.MSI, coherent,
 * {@code ARM_SMMU_OPT_MSIPOLL}) the CMD_SYNC's MSI writes 0 over the first word
 * of its own queue slot and the driver polls that word; otherwise the driver
 * polls CMDQ_CONS until it has moved past the CMD_SYNC.
 *
 * <p>One CPU: on hardware, while a CPU spins in one of these waits the GERROR
 * interrupt can run on it. Here the wait itself notices an active
 * GERROR.CMDQ_ERR and runs the global error handler, which skips the faulty
 * command as Linux does (CERROR_ILL: the entry becomes a CMD_SYNC; CERROR_ABT:
 * the fetch is retried; CERROR_ATC_INV: the CMD_SYNC is retried) and
 * acknowledges through GERRORN, so the queue goes on.
 *
 * <p>Bounded waits: where Linux would keep spinning after its
 * {@code "CMDQ timeout"}, this driver returns {@code -ETIMEDOUT}, counted and
 * logged; the commands already published stay in the queue.
 */
final class CommandQueueDriver {

    private final SmmuRegs regs;
    private final PhysicalMemory memory;
    final DriverQueue q;
    private final boolean msiPoll;
    private final DriverLog log;
    private final DriverStats stats;
    /** Runs the global error handler (set once the handler exists). */
    private Runnable gerrorHandler = () -> { };
    private final long[] scratch = new long[2];
    /**
     * The one command of {@link #issueOne} and the {@code issue*} helpers,
     * encoded; it is written to the queue before anything that waits runs, so
     * no nested use (the global error handler, run from a wait) finds it in
     * use.
     */
    private final long[] one = new long[2];
    private static final long[] NONE = new long[0];
    /** A batch that is not in use, handed out by {@link #batch()}; null while it is. */
    private Batch spare = new Batch();

    CommandQueueDriver(SmmuRegs regs, PhysicalMemory memory, DriverQueue q, boolean msiPoll, DriverLog log,
                       DriverStats stats) {
        this.regs = regs;
        this.memory = memory;
        this.q = q;
        this.msiPoll = msiPoll;
        this.log = log;
        this.stats = stats;
    }

    void gerrorHandler(Runnable handler) {
        this.gerrorHandler = handler;
    }

    boolean msiPoll() {
        return msiPoll;
    }

    /** {@code arm_smmu_cmdq_issue_cmd}: one command, no CMD_SYNC. */
    int issue(CmdqEnt ent) {
        return issueOne(ent, false);
    }

    /** {@code arm_smmu_cmdq_issue_cmd_with_sync}: one command and a CMD_SYNC, waited for. */
    int issueWithSync(CmdqEnt ent) {
        return issueOne(ent, true);
    }

    private int issueOne(CmdqEnt ent, boolean sync) {
        int ret = CommandBuilder.build(ent, one, 0);
        return ret != 0 ? refused(ent, ret) : issueCmdlist(one, 1, sync);
    }

    /** CMD_PRI_RESP from its fields, no CMD_SYNC; as {@link #issue} of a {@link CmdqEnt.PriResp}. */
    int issuePriResp(int sid, int ssid, int grpid, int resp) {
        int ret = CommandBuilder.priResp(sid, ssid, grpid, resp, one, 0);
        return ret != 0 ? refused(new CmdqEnt.PriResp(sid, ssid, grpid, resp), ret) : issueCmdlist(one, 1, false);
    }

    /** CMD_RESUME from its fields, no CMD_SYNC; as {@link #issue} of a {@link CmdqEnt.Resume}. */
    int issueResume(int sid, int stag, int resp) {
        int ret = CommandBuilder.resume(sid, stag, resp, one, 0);
        return ret != 0 ? refused(new CmdqEnt.Resume(sid, stag, resp), ret) : issueCmdlist(one, 1, false);
    }

    /** CMD_ATC_INV from its fields and a CMD_SYNC; as {@link #issueWithSync} of a {@link CmdqEnt.AtcInv}. */
    int issueAtcInvWithSync(int sid, int ssid, long addr, int size) {
        int ret = CommandBuilder.atcInv(sid, ssid, addr, size, false, one, 0);
        return ret != 0 ? refused(new CmdqEnt.AtcInv(sid, ssid, addr, size, false), ret)
                : issueCmdlist(one, 1, true);
    }

    /** A command the builder refused: counted, logged, {@code -EINVAL}. */
    private int refused(CmdqEnt ent, int ret) {
        stats.badCommands++;
        log.warn("ignoring unknown CMDQ command %s (%s)", ent, Errno.name(ret));
        return -Errno.EINVAL;
    }

    /** A CMD_SYNC alone, waited for. */
    int sync() {
        return issueCmdlist(NONE, 0, true);
    }

    /**
     * Writes {@code n} encoded commands ({@code cmds[2i]} and
     * {@code cmds[2i + 1]} the dwords of command {@code i}) and, if
     * {@code sync}, a CMD_SYNC after them, then waits for the sync.
     *
     * @return 0; {@code -EINVAL} when the list cannot fit the queue at all;
     *         {@code -ETIMEDOUT} when space or the sync never came
     */
    int issueCmdlist(long[] cmds, int n, boolean sync) {
        int needed = n + (sync ? 1 : 0);
        if (needed > q.entries()) {
            log.err("CMDQ: %d commands cannot fit a %d-entry queue", needed, q.entries());
            return -Errno.EINVAL;
        }
        if (!q.hasSpace(needed)) {
            stats.queueFullWaits++;
            if (pollUntilNotFull(needed) != 0) {
                stats.queueFullTimeouts++;
                log.err("CMDQ timeout");
                return -Errno.ETIMEDOUT;
            }
        }
        int prod = q.prod;
        for (int i = 0; i < n; i++) {
            write(prod, cmds[2 * i], cmds[2 * i + 1]);
            prod = q.inc(prod, 1);
        }
        int syncAt = prod;
        if (sync) {
            CommandBuilder.sync(msiPoll ? q.entryAddress(syncAt) : 0, scratch, 0);
            write(syncAt, scratch[0], scratch[1]);
            prod = q.inc(prod, 1);
            stats.syncs++;
        }
        stats.commands += needed;
        q.prod = prod;
        regs.write32(q.prodReg, q.wrapIdx(prod));
        if (!sync) {
            return 0;
        }
        int ret = msiPoll ? pollUntilMsi(syncAt) : pollUntilConsumed(syncAt);
        if (ret != 0) {
            stats.syncTimeouts++;
            log.err("CMD_SYNC timeout at 0x%08x [hwprod 0x%08x, hwcons 0x%08x]", q.wrapIdx(syncAt),
                    regs.read32(q.prodReg), regs.read32(q.consReg));
        }
        return ret;
    }

    private void write(int index, long w0, long w1) {
        long a = q.entryAddress(index);
        memory.write64(a, w0);
        memory.write64(a + 8, w1);
    }

    /** Reads CMDQ_CONS into the driver's copy (index and wrap bits only; ERR is not an index). */
    private int readCons() {
        int cons = regs.read32(q.consReg);
        q.cons = q.wrapIdx(cons);
        return cons;
    }

    /** Whether a global command queue error is active; if so runs the handler, as the interrupt would. */
    private void serviceErrors() {
        int active = regs.read32(ARM_SMMU_GERROR) ^ regs.read32(ARM_SMMU_GERRORN);
        if ((active & GERROR_CMDQ_ERR) != 0) {
            gerrorHandler.run();
        }
    }

    /** {@code arm_smmu_cmdq_poll_until_not_full}. */
    private int pollUntilNotFull(int needed) {
        for (long i = 0; i < regs.timeoutUs(); i++) {
            readCons();
            if (q.hasSpace(needed)) {
                return 0;
            }
            serviceErrors();
        }
        return -Errno.ETIMEDOUT;
    }

    /** {@code __arm_smmu_cmdq_poll_until_consumed}: CONS has moved past {@code at}. */
    private int pollUntilConsumed(int at) {
        for (long i = 0; i < regs.timeoutUs(); i++) {
            readCons();
            if (q.consumed(q.cons, at)) {
                return 0;
            }
            serviceErrors();
        }
        return -Errno.ETIMEDOUT;
    }

    /** {@code __arm_smmu_cmdq_poll_until_msi}: the CMD_SYNC's MSI zeroed the first word of its slot. */
    private int pollUntilMsi(int at) {
        long slot = q.entryAddress(at);
        for (long i = 0; i < regs.timeoutUs(); i++) {
            int word;
            try {
                word = memory.read32(slot);
            } catch (MemoryFault f) {
                return -Errno.EIO;
            }
            if (word == 0) {
                readCons();
                return 0;
            }
            serviceErrors();
        }
        return -Errno.ETIMEDOUT;
    }

    /**
     * {@code __arm_smmu_cmdq_skip_err}: reads CMDQ_CONS.ERR, logs it, and for
     * CERROR_ILL (or an unknown code) replaces the command at CONS with a
     * CMD_SYNC so that consumption can go on once GERRORN acknowledges.
     */
    void skipErr() {
        int cons = regs.read32(q.consReg);
        int idx = (int) Field.get(CMDQ_CONS_ERR, cons & 0xffff_ffffL);
        stats.cmdqErrors[Math.min(idx, stats.cmdqErrors.length - 1)]++;
        log.err("CMDQ error (cons 0x%08x): %s", cons, cerrorName(idx));
        if (idx == CMDQ_ERR_CERROR_ABT_IDX) {
            log.err("retrying command fetch");
            return;
        }
        if (idx == CMDQ_ERR_CERROR_NONE_IDX || idx == CMDQ_ERR_CERROR_ATC_INV_IDX) {
            return;
        }
        long a = q.entryAddress(cons);
        long w0 = memory.read64(a);
        long w1 = memory.read64(a + 8);
        log.err("skipping command in error state: %s [0x%016x 0x%016x]", Commands.describe(w0, w1), w0, w1);
        CommandBuilder.sync(0, scratch, 0);
        write(cons, scratch[0], scratch[1]);
        stats.commandsSkipped++;
    }

    private static String cerrorName(int idx) {
        return switch (idx) {
            case (int) CMDQ_ERR_CERROR_NONE_IDX -> "No error";
            case (int) CMDQ_ERR_CERROR_ILL_IDX -> "Illegal command";
            case (int) CMDQ_ERR_CERROR_ABT_IDX -> "Abort on command fetch";
            case (int) CMDQ_ERR_CERROR_ATC_INV_IDX -> "ATC invalidate timeout";
            default -> "Unknown";
        };
    }

    /**
     * Linux's {@code struct arm_smmu_cmdq_batch}: up to
     * {@link Features#CMDQ_BATCH_ENTRIES} commands gathered and issued together;
     * a full batch is issued without a sync, {@link #submit} issues the rest
     * with one. A batch is used once: {@link #submit} hands it back to the
     * driver, which reuses it for the next {@link #batch()} (Linux keeps it on
     * the stack).
     */
    final class Batch implements InvalidationCommands.TlbiSink {
        private final long[] cmds = new long[2 * Features.CMDQ_BATCH_ENTRIES];
        private int num;
        private int error;

        /** {@code arm_smmu_cmdq_batch_add}; a command the builder refuses is logged and left out. */
        void add(CmdqEnt ent) {
            makeRoom();
            int ret = CommandBuilder.build(ent, cmds, 2 * num);
            if (ret != 0) {
                noteRefused(refused(ent, ret));
                return;
            }
            num++;
        }

        /** {@link #add} of a {@link CmdqEnt.Tlbi} given by its fields. */
        @Override
        public void tlbi(int opcode, int asid, int vmid, long addr, boolean leaf, int num, int scale, int tg,
                         int ttl) {
            makeRoom();
            int ret = CommandBuilder.tlbi(opcode, asid, vmid, addr, leaf, num, scale, tg, ttl, cmds, 2 * this.num);
            if (ret != 0) {
                noteRefused(refused(new CmdqEnt.Tlbi(opcode, asid, vmid, addr, leaf, num, scale, tg, ttl), ret));
                return;
            }
            this.num++;
        }

        private void makeRoom() {
            if (num == Features.CMDQ_BATCH_ENTRIES) {
                int ret = issueCmdlist(cmds, num, false);
                if (ret != 0 && error == 0) {
                    error = ret;
                }
                num = 0;
            }
        }

        private void noteRefused(int ret) {
            if (error == 0) {
                error = ret;
            }
        }

        /** {@code arm_smmu_cmdq_batch_submit}: the rest and a CMD_SYNC; the first error met, else 0. */
        int submit() {
            int ret = issueCmdlist(cmds, num, true);
            int result = error != 0 ? error : ret;
            num = 0;
            error = 0;
            spare = this;
            return result;
        }
    }

    /** An empty batch: the driver's spare one, or a new one while that is in use. */
    Batch batch() {
        Batch b = spare;
        if (b == null) {
            return new Batch();
        }
        spare = null;
        return b;
    }
}

package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.mem.MemoryFault;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;

/**
 * The command queue (SMMUv3 §4): software is the producer; the SMMU consumes
 * when CMDQEN = 1 and no command error is pending, each time PROD moves.
 * Every command completes before the next one starts, so a CMD_SYNC
 * completes as soon as it is consumed.
 *
 * <p>Errors (§4.1.3, §7.1): a command the SMMU does not recognise or whose
 * fields are illegal (among them SSec = 1 on this Non-secure queue, §4.1.6;
 * a Reserved TLBI range encoding, §4.4.1.1; a command for a feature the SMMU
 * lacks) stops consumption with CONS pointing at it,
 * CMDQ_CONS.ERR = CERROR_ILL and GERROR.CMDQ_ERR active; a command that
 * cannot be read gives CERROR_ABT. Consumption resumes from CONS when software
 * acknowledges the error by making GERRORN.CMDQ_ERR equal GERROR.CMDQ_ERR.
 */
final class CommandQueue {

    final Smmu smmu;
    final Queue queue;
    private final Invalidations invalidations;
    long consumed;
    long syncs;
    long errors;
    long sev;
    final long[] byOpcode = new long[256];
    /** The MSI of the CMD_SYNC being completed: its address and data come from the command each time. */
    private final Interrupts.Msi syncMsi = new Interrupts.Msi();

    CommandQueue(Smmu smmu, Queue queue) {
        this.smmu = smmu;
        this.queue = queue;
        this.invalidations = new Invalidations(smmu);
    }

    /** True while commands are being consumed; see {@link #process()}. */
    private boolean consuming;
    /** Set when something asked for consumption while it was under way. */
    private boolean again;
    /** Commands the current consumption may still read. */
    private int budget;

    /**
     * Consumes commands while the queue is enabled, error-free and not empty.
     * A request that arrives while commands are being consumed — a CMD_SYNC or
     * GERROR MSI aimed at the SMMU's own CMDQ_PROD or GERRORN — does not
     * recurse: it makes the running consumption look at the queue once more.
     * One call reads at most twice the queue's size of commands — more than
     * any PROD value can put between CONS and PROD; only commands whose MSIs
     * move PROD themselves can ask for more, and those wait for the next PROD
     * write (or error acknowledgement), so the model's register write always
     * returns.
     */
    void process() {
        if (consuming) {
            again = true;
            return;
        }
        consuming = true;
        budget = 2 * queue.size();
        try {
            do {
                again = false;
                consume();
            } while (again && budget > 0);
        } finally {
            consuming = false;
        }
    }

    private void consume() {
        while ((smmu.cr0 & CR0_CMDQEN) != 0 && !smmu.globalErrorActive(GERROR_CMDQ_ERR) && !queue.empty()
                && budget-- > 0) {
            long a = queue.entryAddress(queue.cons);
            long w0;
            long w1;
            try {
                w0 = smmu.memory.read64(a);
                w1 = smmu.memory.read64(a + 8);
            } catch (MemoryFault f) {
                fail(CMDQ_ERR_CERROR_ABT_IDX);
                return;
            }
            if (!execute(w0, w1, a)) {
                fail(CMDQ_ERR_CERROR_ILL_IDX);
                return;
            }
            consumed++;
            byOpcode[(int) (w0 & 0xff)]++;
            queue.cons = queue.next(queue.cons);
        }
    }

    private void fail(long cerror) {
        errors++;
        queue.cons = (queue.cons & ~(int) CMDQ_CONS_ERR) | (int) (cerror << 24);
        smmu.raiseGlobalError(GERROR_CMDQ_ERR);
    }

    /** Commands with an SSec field (§4.1.6): a Non-secure queue requires SSec = 0. */
    private static boolean hasSsec(int op) {
        return switch (op) {
            case CMDQ_OP_PREFETCH_CFG, CMDQ_OP_PREFETCH_ADDR, CMDQ_OP_CFGI_STE, CMDQ_OP_CFGI_STE_RANGE,
                 CMDQ_OP_CFGI_CD, CMDQ_OP_CFGI_CD_ALL, CMDQ_OP_RESUME, CMDQ_OP_STALL_TERM -> true;
            default -> false;
        };
    }

    /** Executes one command; false when it is illegal. */
    private boolean execute(long w0, long w1, long address) {
        int op = (int) get(CMDQ_0_OP, w0);
        SmmuConfig c = smmu.config;
        if (hasSsec(op) && (w0 & CMDQ_0_SSEC) != 0) {
            return false;
        }
        return switch (op) {
            case CMDQ_OP_PREFETCH_CFG -> {
                smmu.translator.prefetch((int) get(CMDQ_PREFETCH_0_SID, w0));
                yield true;
            }
            case CMDQ_OP_PREFETCH_ADDR -> true;
            case CMDQ_OP_CFGI_STE -> {
                invalidations.streams(get(CMDQ_CFGI_0_SID, w0), 1);
                yield true;
            }
            case CMDQ_OP_CFGI_STE_RANGE -> {
                int range = (int) get(CMDQ_CFGI_1_RANGE, w1);
                long span = 2L << range;
                invalidations.streams(get(CMDQ_CFGI_0_SID, w0) & -span, span);
                yield true;
            }
            case CMDQ_OP_CFGI_CD -> {
                if (!c.stage1()) {
                    yield false;
                }
                invalidations.cd((int) get(CMDQ_CFGI_0_SID, w0), (int) get(CMDQ_CFGI_0_SSID, w0));
                yield true;
            }
            case CMDQ_OP_CFGI_CD_ALL -> {
                if (!c.stage1()) {
                    yield false;
                }
                invalidations.cds((int) get(CMDQ_CFGI_0_SID, w0));
                yield true;
            }
            case CMDQ_OP_TLBI_NH_ALL, CMDQ_OP_TLBI_NH_ASID, CMDQ_OP_TLBI_NH_VA, CMDQ_OP_TLBI_NH_VAA -> {
                if (!c.stage1() || isAddressed(op) && invalidations.reservedRange(w0, w1)) {
                    yield false;
                }
                invalidations.stage1(op, Tlb.NH, w0, w1);
                yield true;
            }
            case CMDQ_OP_TLBI_EL2_ALL, CMDQ_OP_TLBI_EL2_ASID, CMDQ_OP_TLBI_EL2_VA, CMDQ_OP_TLBI_EL2_VAA -> {
                if (!c.hyp() || !c.stage1() || isAddressed(op) && invalidations.reservedRange(w0, w1)) {
                    yield false;
                }
                invalidations.stage1(op, Tlb.EL2, w0, w1);
                yield true;
            }
            case CMDQ_OP_TLBI_S12_VMALL -> {
                if (!c.stage2()) {
                    yield false;
                }
                invalidations.vmall((int) get(CMDQ_TLBI_0_VMID, w0));
                yield true;
            }
            case CMDQ_OP_TLBI_S2_IPA -> {
                if (!c.stage2() || invalidations.reservedRange(w0, w1)) {
                    yield false;
                }
                invalidations.ipa(w0, w1);
                yield true;
            }
            case CMDQ_OP_TLBI_NSNH_ALL -> {
                invalidations.nsnh();
                yield true;
            }
            case CMDQ_OP_ATC_INV -> {
                if (!c.ats()) {
                    yield false;
                }
                if (!smmu.enabled()) {
                    yield true; // §4.5.1: IGNORED while SMMUEN = 0
                }
                int sid = (int) get(CMDQ_ATC_0_SID, w0);
                int ssid = (w0 & CMDQ_0_SSV) != 0 ? (int) get(CMDQ_ATC_0_SSID, w0) : DmaTarget.NO_SUBSTREAM;
                smmu.requester(sid).atcInvalidate(ssid, w1 & CMDQ_ATC_1_ADDR_MASK, (int) get(CMDQ_ATC_1_SIZE, w1),
                        (w0 & CMDQ_ATC_0_GLOBAL) != 0);
                yield true;
            }
            case CMDQ_OP_PRI_RESP -> {
                int resp = (int) get(CMDQ_PRI_1_RESP, w1);
                if (!c.pri() || resp > PRI_RESP_SUCC) {
                    yield false;
                }
                if (!smmu.enabled()) {
                    yield true; // §4.5.2: IGNORED while SMMUEN = 0
                }
                int sid = (int) get(CMDQ_PRI_0_SID, w0);
                int ssid = (w0 & CMDQ_0_SSV) != 0 ? (int) get(CMDQ_PRI_0_SSID, w0) : DmaTarget.NO_SUBSTREAM;
                smmu.requester(sid).pageResponse(ssid, (int) get(CMDQ_PRI_1_GRPID, w1), resp);
                yield true;
            }
            case CMDQ_OP_RESUME -> {
                if (!c.stallSupported()) {
                    yield false;
                }
                smmu.translator.resume((int) get(CMDQ_RESUME_0_SID, w0), (int) get(CMDQ_RESUME_1_STAG, w1),
                        (w0 & CMDQ_RESUME_0_AC) != 0, (w0 & CMDQ_RESUME_0_AB) != 0);
                yield true;
            }
            case CMDQ_OP_STALL_TERM -> {
                if (!c.stallSupported()) {
                    yield false;
                }
                smmu.translator.terminateStalls((int) get(CMDQ_STALL_TERM_0_SID, w0));
                yield true;
            }
            case CMDQ_OP_CMD_SYNC -> sync(w0, w1);
            default -> false;
        };
    }

    /** The TLBI commands that name an address (and may name a range). */
    private static boolean isAddressed(int op) {
        return op == CMDQ_OP_TLBI_NH_VA || op == CMDQ_OP_TLBI_NH_VAA || op == CMDQ_OP_TLBI_EL2_VA
                || op == CMDQ_OP_TLBI_EL2_VAA;
    }

    /**
     * CMD_SYNC (§4.7.3): everything before it has completed. CS = SIG_IRQ
     * pulses the wired "cmdq-sync" line and, when MSIs are implemented and
     * MSIAddr is not 0, also writes MSIData to MSIAddr; SIG_SEV sends an event
     * (counted); CS = 0b11 is reserved and illegal.
     */
    private boolean sync(long w0, long w1) {
        long cs = get(CMDQ_SYNC_0_CS, w0);
        if (cs == 3) {
            return false;
        }
        syncs++;
        if (cs == CMDQ_SYNC_0_CS_IRQ) {
            Interrupts.Msi msi = syncMsi;
            msi.address = w1 & CMDQ_SYNC_1_MSIADDR_MASK;
            msi.data = (int) get(CMDQ_SYNC_0_MSIDATA, w0);
            if (!msi.signal(smmu, CMDQ_SYNC_1_MSIADDR_MASK & smmu.oasMask, smmu.lines.cmdSync())) {
                smmu.raiseGlobalError(GERROR_MSI_CMDQ_ABT_ERR);
            }
        } else if (cs == CMDQ_SYNC_0_CS_SEV) {
            sev++;
        }
        return true;
    }
}

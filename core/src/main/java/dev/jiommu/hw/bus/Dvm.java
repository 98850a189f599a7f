package dev.jiommu.hw.bus;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The interconnect's broadcast of TLB maintenance (AMBA DVM messages): a PE's
 * Inner Shareable {@code TLBI} reaches every other agent in the domain that
 * takes part — here, SMMUs with SMMU_IDR0.BTM (SMMUv3 §3.17). The PEs of the
 * model run the host at Non-secure EL1 without EL2 in use, so every message
 * is of the EL1&amp;0 regime and carries VMID 0 (§3.17: a PE that does not use
 * EL2 sends VMID 0).
 *
 * <p>Delivery is synchronous and in join order, and complete when
 * {@link #broadcast} returns: the PE's {@code TLBI} followed by {@code DSB ISH}.
 */
public final class Dvm {

    /** The A64 {@code TLBI} operations of the EL1&amp;0 regime, Inner Shareable. */
    public enum TlbiOp {
        /** All stage-1 entries of the VMID. */
        VMALLE1IS,
        /** Non-global entries of the ASID. */
        ASIDE1IS,
        /** Entries for the VA: of the ASID, or global. */
        VAE1IS,
        /** As {@link #VAE1IS}, last level (leaf) entries only. */
        VALE1IS,
        /** Entries for the VA, of any ASID. */
        VAAE1IS,
        /** As {@link #VAAE1IS}, last level only. */
        VAALE1IS
    }

    /** An agent that receives broadcast TLB maintenance. */
    @FunctionalInterface
    public interface Participant {
        /**
         * One broadcast invalidation. Must not throw; a message the agent
         * cannot apply is ignored (§3.17).
         *
         * @param va the input address for VA operations (page aligned by the sender), else 0
         */
        void tlbiBroadcast(TlbiOp op, int vmid, int asid, long va);
    }

    private final List<Participant> participants = new ArrayList<>();

    /** Adds an agent to the shareability domain. */
    public void join(Participant p) {
        participants.add(Objects.requireNonNull(p, "participant"));
    }

    /** Sends {@code op} to every participant (a PE's TLBI ...IS; DSB ISH). */
    public void broadcast(TlbiOp op, int vmid, int asid, long va) {
        for (Participant p : participants) {
            p.tlbiBroadcast(op, vmid, asid, va);
        }
    }

    /** Agents that have joined. */
    public int participants() {
        return participants.size();
    }
}

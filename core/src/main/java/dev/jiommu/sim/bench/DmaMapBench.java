package dev.jiommu.sim.bench;

import dev.jiommu.hw.pci.DmaEngine;
import dev.jiommu.hw.smmu.SmmuStats;
import dev.jiommu.os.iommu.Domain;
import dev.jiommu.os.iommu.DomainType;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.sim.scenarios.SvaSystem;

import java.util.List;

import static dev.jiommu.spec.smmuv3.Cmd.*;

/**
 * Map and unmap of one 4 KiB page in a DMA domain with strict invalidation,
 * through the whole stack ({@link SvaSystem} with a DMA default domain, one
 * jiommu-dma engine attached to it): {@code IommuCore.map} of the page, then
 * {@code IommuCore.unmap}, which clears the PTE and, before it returns, has
 * the SMMU invalidate it: CMD_TLBI_NH_VA for the domain's ASID and a
 * CMD_SYNC waited for, then, for an engine with ATS, CMD_ATC_INV and another
 * CMD_SYNC (Linux's {@code arm_smmu_tlb_inv_range_domain} and
 * {@code arm_smmu_atc_inv_domain}). Every command goes through the command
 * queue in memory and the SMMU model's registers; CMD_SYNC completes by MSI
 * write to the queue slot, as Linux polls for it.
 *
 * <p>{@link #check()} verifies from the SMMU model's command counters that
 * every {@link #mapUnmap()} issued exactly those commands.
 */
public final class DmaMapBench {

    /** The IOVA mapped and unmapped: inside the domain, clear of the ring and the MSI window. */
    public static final long IOVA = 0x4000_0000L;

    private final SvaSystem sys;
    private final Domain domain;
    private final long pa;
    private final boolean ats;
    private final long[] commandsAtStart;
    private long ops;

    /** @param ats whether the engine has ATS (then each unmap also invalidates its ATC) */
    public DmaMapBench(boolean ats) {
        this.ats = ats;
        DmaEngine.Options o = ats ? DmaEngine.Options.full() : new DmaEngine.Options(0, 0, 20);
        this.sys = new SvaSystem(256L << 20, List.of(o), false, DomainType.DMA);
        this.domain = sys.core().group(sys.device(0)).defaultDomain();
        this.pa = sys.kernelFrames().allocate(4096);
        this.commandsAtStart = sys.smmuModel().stats().commandsByOpcode.clone();
    }

    public SvaSystem system() {
        return sys;
    }

    public Domain domain() {
        return domain;
    }

    /**
     * Maps the page read-write and unmaps it again.
     *
     * @throws IllegalStateException when either call fails
     */
    public void mapUnmap() {
        int err = sys.core().map(domain, IOVA, pa, 4096, Prot.READ | Prot.WRITE);
        long n = sys.core().unmap(domain, IOVA, 4096);
        if (err != 0 || n != 4096) {
            throw new IllegalStateException("map returned " + err + ", unmap " + n);
        }
        ops++;
    }

    /** {@link #mapUnmap()} calls so far. */
    public long ops() {
        return ops;
    }

    /**
     * The commands the SMMU consumed since this rig was built, by opcode:
     * CMD_TLBI_NH_VA, CMD_ATC_INV, CMD_SYNC, and all others together.
     */
    public long[] commands() {
        long[] c = sys.smmuModel().stats().commandsByOpcode;
        long all = 0;
        for (int op = 0; op < c.length; op++) {
            all += c[op] - commandsAtStart[op];
        }
        long tlbi = c[CMDQ_OP_TLBI_NH_VA] - commandsAtStart[CMDQ_OP_TLBI_NH_VA];
        long atc = c[CMDQ_OP_ATC_INV] - commandsAtStart[CMDQ_OP_ATC_INV];
        long sync = c[CMDQ_OP_CMD_SYNC] - commandsAtStart[CMDQ_OP_CMD_SYNC];
        return new long[] {tlbi, atc, sync, all - tlbi - atc - sync};
    }

    /**
     * Checks that every {@link #mapUnmap()} so far made the SMMU consume one
     * CMD_TLBI_NH_VA and one CMD_SYNC, plus with ATS one CMD_ATC_INV and a
     * second CMD_SYNC, and nothing else; and that the page is unmapped.
     *
     * @return null when that holds, else what differed
     */
    public String check() {
        long[] c = commands();
        long[] want = {ops, ats ? ops : 0, ats ? 2 * ops : ops, 0};
        String[] names = {"CMD_TLBI_NH_VA", "CMD_ATC_INV", "CMD_SYNC", "other commands"};
        StringBuilder bad = new StringBuilder();
        for (int i = 0; i < c.length; i++) {
            if (c[i] != want[i]) {
                bad.append(names[i]).append(' ').append(c[i]).append(", expected ").append(want[i]).append("; ");
            }
        }
        if (sys.core().iovaToPhys(domain, IOVA) != 0) {
            bad.append("the page is still mapped; ");
        }
        SmmuStats s = sys.smmuModel().stats();
        if (s.globalErrors != 0) {
            bad.append(s.globalErrors).append(" global errors; ");
        }
        return bad.isEmpty() ? null : bad.toString();
    }
}

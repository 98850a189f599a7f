package dev.jiommu.hw.smmu;

import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_OP_TLBI_NH_VA;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_TLBI_1_TG_4K;
import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.cache.Replacement;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/**
 * CMD_TLBI_NH_VA finds its entries through the TLB's index: it must remove
 * exactly what the command's definition removes — entries of the regime and
 * VMID, of the ASID or global, in either ASID set (commands ignore ASET),
 * overlapping the range — tested against that definition applied by a scan
 * to a twin TLB, over random entries of several regimes, VMIDs, ASIDs, ASETs
 * and sizes, single-address and range commands.
 */
class TlbiByVaIndexedTest {

    private static final int[] SHIFTS = {12, 21, 30};

    @Test
    void tlbiByVaRemovesWhatTheCommandDefinesInEitherAsidSet() {
        PhysicalMemory mem = PhysicalMemory.ram(0x4000_0000L, 1L << 20);
        Smmu smmu = new Smmu(SmmuConfig.full(), new SystemBus(mem));
        Invalidations inv = new Invalidations(smmu);
        Tlb indexed = smmu.translator.tlb;
        Tlb scanned = new Tlb(indexed.capacity(), Replacement.LRU);
        SplittableRandom r = new SplittableRandom(7);
        long removed = 0;
        for (int step = 0; step < 20_000; step++) {
            if (r.nextInt(3) != 0) {
                int regime = r.nextInt(8) == 0 ? Tlb.S2 : Tlb.NH;
                int vmid = r.nextInt(2);
                int asid = r.nextInt(3);
                boolean aset = r.nextBoolean();
                boolean global = regime == Tlb.NH && r.nextInt(5) == 0;
                long tag = regime == Tlb.S2 ? Tlb.tag(Tlb.S2, vmid, 0) : Tlb.tag(regime, vmid, asid, aset);
                int shift = SHIFTS[r.nextInt(SHIFTS.length)];
                long va = (long) r.nextInt(1 << 12) << 12;
                indexed.fill(tag, global, va, 0x8000_0000L, shift, 3);
                scanned.fill(tag, global, va, 0x8000_0000L, shift, 3);
            } else {
                int vmid = r.nextInt(2);
                int asid = r.nextInt(3);
                long va = (long) r.nextInt(1 << 12) << 12;
                boolean range = smmu.config.ril() && r.nextBoolean();
                int num = range ? r.nextInt(32) : 0;
                int scale = range ? r.nextInt(4) : 0;
                long[] cmd = range ? Commands.tlbiNhVa(vmid, asid, va, true, num, scale, CMDQ_TLBI_1_TG_4K, 3)
                        : Commands.tlbiNhVa(vmid, asid, va, true);
                long size = range ? (num + 1L) << (scale + 12) : 1;
                inv.stage1(CMDQ_OP_TLBI_NH_VA, Tlb.NH, cmd[0], cmd[1]);
                int m = scanned.invalidate((tag, first, bytes) -> Tlb.regimeOf(tag) == Tlb.NH
                        && Tlb.vmidOf(tag) == vmid && (Tlb.asidOf(tag) == asid || Tlb.asidOf(tag) == Tlb.GLOBAL)
                        && Long.compareUnsigned(first, va + size - 1) <= 0
                        && Long.compareUnsigned(va, first + bytes - 1) <= 0);
                removed += m;
            }
            assertEquals(scanned.size(), indexed.size(), "step " + step);
        }
        assertEquals(scanned.cache.invalidated, indexed.cache.invalidated);
        assertTrue(removed > 500, "the commands removed entries: " + removed);
    }
}

package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.Dvm;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.CR2_E2H;

import dev.jiommu.hw.cache.RangeCache;

/**
 * What each configuration and TLB invalidation command removes (SMMUv3 §4.3,
 * §4.4). TLB entries hold leaves only, so the Leaf hint changes nothing.
 *
 * <p>Address ranges: without range invalidation (IDR3.RIL = 0) or with
 * TG = 0 a command names one address, and removes the entries that translate
 * it. With RIL and TG ≠ 0 it names {@code (NUM + 1) × 2^SCALE} pages of the TG
 * granule from the address (§4.4.1.1; unlike a PE's TLBI R, whose SCALE
 * counts units of {@code 2^(5 × SCALE + 1)}).
 *
 * <p>With EL2 (CR2.E2H = 0) there are no ASIDs: TLBI_EL2_VA ignores its ASID
 * (§4.4.2.8).
 */
final class Invalidations {

    private final Smmu smmu;
    /** The tags of an indexed TLBI by VA. */
    private final long[] tags = new long[4];

    Invalidations(Smmu smmu) {
        this.smmu = smmu;
    }

    private Tlb tlb() {
        return smmu.translator.tlb;
    }

    void streams(long first, long count) {
        smmu.translator.configCache.invalidateStreams(first, count);
    }

    void cd(int sid, int ssid) {
        smmu.translator.configCache.invalidateCd(sid, ssid);
    }

    void cds(int sid) {
        smmu.translator.configCache.invalidateCds(sid);
    }

    /** TLBI_NH_* and TLBI_EL2_*: stage-1 entries of one regime. */
    void stage1(int op, int regime, long w0, long w1) {
        int vmid = regime == Tlb.NH ? vmid(w0) : 0;
        int asid = asid(w0);
        long va = w1 & CMDQ_TLBI_1_VA_MASK;
        long size = rangeBytes(w0, w1);
        int kind = op & 3; // ALL, ASID, VA, VAA in opcode order
        if (regime == Tlb.EL2 && kind == 2 && (smmu.cr2 & CR2_E2H) == 0) {
            kind = 3;
        }
        int scope = kind;
        if (scope == 2) {
            // The ASID's entries and the global ones of the regime and VMID that overlap the range, either ASET.
            int n = Tlb.commandTags(regime, vmid, asid, tags);
            tlb().invalidate(tags, n, va, va + size - 1);
            return;
        }
        tlb().invalidate((tag, first, bytes) -> {
            if (Tlb.regimeOf(tag) != regime || Tlb.vmidOf(tag) != vmid) {
                return false;
            }
            int entryAsid = Tlb.asidOf(tag);
            return switch (scope) {
                case 0 -> true;
                case 1 -> entryAsid == asid;
                case 2 -> (entryAsid == asid || entryAsid == Tlb.GLOBAL) && overlaps(first, bytes, va, size);
                default -> overlaps(first, bytes, va, size);
            };
        });
    }

    /**
     * A PE's broadcast TLBI of the Non-secure EL1&0 regime (§3.17): stage-1
     * and nested entries of the VMID; the ASID-matching operations (ASIDE1IS,
     * VA{L}E1IS) pass over private entries (CD.ASET = 1), ASIDE1IS over global
     * ones. Stage-2-only and EL2 entries are not of this regime. Leaf-only
     * forms remove the same entries: the TLB holds leaves only.
     */
    void broadcast(Dvm.TlbiOp op, int vmid, int asid, long va) {
        int v = vmid & vmidMask();
        int a = asid & (smmu.config.asid16() ? 0xffff : 0xff);
        tlb().invalidate((tag, first, bytes) -> {
            if (Tlb.regimeOf(tag) != Tlb.NH || Tlb.vmidOf(tag) != v) {
                return false;
            }
            int entryAsid = Tlb.asidOf(tag);
            boolean shared = !Tlb.privateAsid(tag);
            return switch (op) {
                case VMALLE1IS -> true;
                case ASIDE1IS -> shared && entryAsid == a;
                case VAE1IS, VALE1IS -> shared && (entryAsid == a || entryAsid == Tlb.GLOBAL)
                        && overlaps(first, bytes, va, 1);
                case VAAE1IS, VAALE1IS -> overlaps(first, bytes, va, 1);
            };
        });
    }

    void vmall(int vmid) {
        int v = vmid & vmidMask();
        tlb().invalidate((tag, first, bytes) -> Tlb.regimeOf(tag) != Tlb.EL2 && Tlb.vmidOf(tag) == v);
    }

    void ipa(long w0, long w1) {
        int vmid = vmid(w0);
        long ipa = w1 & CMDQ_TLBI_1_IPA_MASK;
        long size = rangeBytes(w0, w1);
        tlb().invalidate(Tlb.tag(Tlb.S2, vmid, 0), RangeCache.NO_TAG, ipa, ipa + size - 1);
    }

    void nsnh() {
        tlb().invalidate((tag, first, bytes) -> Tlb.regimeOf(tag) != Tlb.EL2);
    }

    private int vmidMask() {
        return smmu.config.vmid16() ? 0xffff : 0xff;
    }

    private int vmid(long w0) {
        return (int) get(CMDQ_TLBI_0_VMID, w0) & vmidMask();
    }

    private int asid(long w0) {
        return (int) get(CMDQ_TLBI_0_ASID, w0) & (smmu.config.asid16() ? 0xffff : 0xff);
    }

    /** Bytes the command covers from its address; 1 when it names a single address. */
    private long rangeBytes(long w0, long w1) {
        long tg = get(CMDQ_TLBI_1_TG, w1);
        if (!smmu.config.ril() || tg == 0) {
            return 1;
        }
        int granuleShift = tg == CMDQ_TLBI_1_TG_4K ? 12 : tg == CMDQ_TLBI_1_TG_16K ? 14 : 16;
        long num = get(CMDQ_TLBI_0_NUM, w0);
        int scale = (int) get(CMDQ_TLBI_0_SCALE, w0);
        int shift = scale + granuleShift;
        return shift >= 58 ? Long.MAX_VALUE : (num + 1) << shift;
    }

    /**
     * Whether an address-based TLBI uses a Reserved range encoding (§4.4.1.1),
     * a CERROR_ILL: with RIL, TG ≠ 0 and NUM = SCALE = TTL = 0; or TTL = 0b01
     * with the 16K granule (there are no 16K level-1 leaves without IDR5.DS).
     */
    boolean reservedRange(long w0, long w1) {
        long tg = get(CMDQ_TLBI_1_TG, w1);
        if (!smmu.config.ril() || tg == 0) {
            return false;
        }
        long ttl = get(CMDQ_TLBI_1_TTL, w1);
        return get(CMDQ_TLBI_0_NUM, w0) == 0 && get(CMDQ_TLBI_0_SCALE, w0) == 0 && ttl == 0
                || tg == CMDQ_TLBI_1_TG_16K && ttl == 1;
    }

    private static boolean overlaps(long first, long bytes, long start, long size) {
        return Long.compareUnsigned(first, start + size - 1) <= 0 && Long.compareUnsigned(start, first + bytes - 1) <= 0;
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.pgtable.Granule;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One configuration the conformance contract runs under: how the driver lays
 * out its stream table and CD tables, which translation granule its page
 * tables use, and whether the SMMU keeps a TLB and a configuration cache.
 *
 * <p>The SMMU itself is always {@link SmmuConfig#full()} (it advertises both
 * table formats and all granules); with caches off it is
 * {@code full().withCaches(0, 0)}, so every translation fetches its STE and CD
 * and walks its tables, and a change in memory takes effect at once.
 *
 * @param twoLevelStreamTable STRTAB_BASE_CFG.FMT = 2-level (else linear)
 * @param twoLevelCdTable     STE.S1Fmt = 64K_L2 (else a linear CD table)
 * @param granule             TG of every page table the driver builds
 * @param caches              TLB and configuration cache present
 */
record Variant(boolean twoLevelStreamTable, boolean twoLevelCdTable, Granule granule, boolean caches) {

    SmmuConfig config() {
        return caches ? SmmuConfig.full() : SmmuConfig.full().withCaches(0, 0);
    }

    /** The 2 × 2 × 3 × 2 = 24 variants. */
    static Stream<Variant> all() {
        List<Variant> all = new ArrayList<>();
        for (boolean st : new boolean[] {false, true}) {
            for (boolean cd : new boolean[] {false, true}) {
                for (Granule g : Granule.values()) {
                    for (boolean caches : new boolean[] {true, false}) {
                        all.add(new Variant(st, cd, g, caches));
                    }
                }
            }
        }
        return all.stream();
    }

    @Override
    public String toString() {
        return (twoLevelStreamTable ? "2lvl-ST " : "linear-ST ") + (twoLevelCdTable ? "2lvl-CD " : "linear-CD ")
                + granule.name().substring(1) + (caches ? " caches-on" : " caches-off");
    }
}

package dev.jiommu.hw.smmu;

import dev.jiommu.mem.MemoryFault;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.Walker;

import static dev.jiommu.spec.smmuv3.Event.*;
import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static dev.jiommu.spec.smmuv3.Ste.*;

/**
 * Finds and validates a StreamID's STE (SMMUv3 §3.3, §5.2): the linear or
 * 2-level stream table that STRTAB_BASE/_CFG describe, then the STE's fields
 * against what the implementation supports.
 *
 * <p>Outcomes: C_BAD_STREAMID when the StreamID lies beyond the table
 * (LOG2SIZE, SIDSIZE, an L1 descriptor with Span 0 or a Span too small);
 * F_STE_FETCH when a descriptor or the STE cannot be read; C_BAD_STE when
 * V = 0 or a field holds an illegal or unsupported value (including the
 * stall and HTTU combinations §5.5 and §5.2 make ILLEGAL); else the decoded
 * {@link StreamConfig}. Reserved encodings the architecture says behave as
 * another are taken as that one: Config 0b001..0b011 as abort, S1Fmt and
 * S1DSS 0b11 as 0b00; STRW is IGNORED when stage 2 is enabled.
 */
final class StreamTable {

    private final Smmu smmu;

    StreamTable(Smmu smmu) {
        this.smmu = smmu;
    }

    SteLookup fetch(int sid) {
        SmmuConfig c = smmu.config;
        long cfg = smmu.strtabBaseCfg;
        int log2 = Math.min((int) get(STRTAB_BASE_CFG_LOG2SIZE, cfg), c.sidBits());
        long sidU = sid & 0xffff_ffffL;
        if ((sidU >>> log2) != 0) {
            return ConfigError.of(EVT_ID_BAD_STREAMID_CONFIG, "StreamID beyond STRTAB_BASE_CFG.LOG2SIZE " + log2);
        }
        long base = smmu.strtabBase & STRTAB_BASE_ADDR_MASK & smmu.oasMask;
        long steAddr;
        if (c.twoLevelStreamTable() && get(STRTAB_BASE_CFG_FMT, cfg) == STRTAB_BASE_CFG_FMT_2LVL) {
            int split = (int) get(STRTAB_BASE_CFG_SPLIT, cfg);
            if (split != 6 && split != 8 && split != 10) {
                split = 6; // §6.3.24: other SPLIT values behave as one of the legal ones
            }
            long l1Addr = base + (sidU >>> split) * 8;
            long l1;
            try {
                l1 = smmu.memory.read64(l1Addr);
            } catch (MemoryFault f) {
                return ConfigError.fetch(EVT_ID_STE_FETCH_FAULT, l1Addr, "L1STD not readable");
            }
            int span = (int) get(STRTAB_L1_DESC_SPAN, l1);
            long index = sidU & ((1L << split) - 1);
            if (span == 0 || span > split + 1 || (index >>> (span - 1)) != 0) {
                return ConfigError.of(EVT_ID_BAD_STREAMID_CONFIG, "L1STD Span " + span + " does not cover the StreamID");
            }
            steAddr = (l1 & STRTAB_L1_DESC_L2PTR_MASK & smmu.oasMask) + index * 64;
        } else {
            steAddr = base + sidU * 64;
        }
        long[] w = new long[4];
        try {
            for (int i = 0; i < 4; i++) {
                w[i] = smmu.memory.read64(steAddr + 8L * i);
            }
        } catch (MemoryFault f) {
            return ConfigError.fetch(EVT_ID_STE_FETCH_FAULT, steAddr, "STE not readable");
        }
        return decode(sid, w);
    }

    private SteLookup decode(int sid, long[] w) {
        SmmuConfig c = smmu.config;
        if ((w[0] & STRTAB_STE_0_V) == 0) {
            return bad("STE.V = 0");
        }
        int config = (int) get(STRTAB_STE_0_CFG, w[0]);
        if (config > 0 && config < 4) {
            config = StreamConfig.ABORT; // §5.2: Config 0b0xx is Reserved and behaves as 0b000
        }
        boolean s1 = config == StreamConfig.S1 || config == StreamConfig.NESTED;
        boolean s2 = config == StreamConfig.S2 || config == StreamConfig.NESTED;
        if (s1 && !c.stage1() || s2 && !c.stage2()) {
            return bad("STE.Config " + config + " needs a stage the SMMU does not implement");
        }
        int s1Fmt = (int) get(STRTAB_STE_0_S1FMT, w[0]);
        int cdMax = (int) get(STRTAB_STE_0_S1CDMAX, w[0]);
        int s1Dss = (int) get(STRTAB_STE_1_S1DSS, w[1]);
        int strw = (int) get(STRTAB_STE_1_STRW, w[1]);
        boolean stallD = (w[1] & STRTAB_STE_1_S1STALLD) != 0;
        if (s1Fmt == 3) {
            s1Fmt = 0; // §5.2: S1Fmt 0b11 is Reserved and behaves as 0b00
        }
        if (s1Dss == 3) {
            s1Dss = StreamConfig.DSS_TERMINATE; // §5.2: S1DSS 0b11 is Reserved and behaves as 0b00
        }
        if (s2) {
            strw = 0; // §5.2: with stage 2 enabled STRW is IGNORED; the StreamWorld is NS-EL1
        }
        if (s1) {
            if (s1Fmt != 0 && cdMax != 0 && !c.twoLevelCd()) {
                return bad("STE.S1Fmt " + s1Fmt + " needs 2-level CD tables (IDR0.CD2L)");
            }
            if (cdMax > c.ssidBits()) {
                return bad("STE.S1CDMax " + cdMax + " exceeds SSIDSIZE " + c.ssidBits());
            }
            if (strw == 1 || strw == 3 || (strw == STRTAB_STE_1_STRW_EL2 && !c.hyp())) {
                return bad("STE.STRW " + strw + " is not usable here");
            }
            if (stallD && c.stallModel() != 0) {
                return bad("STE.S1STALLD = 1 but the stall model is not configurable (§5.5)");
            }
            if (!s2 && (w[0] & STRTAB_STE_0_S1CTXPTR_MASK & ~smmu.oasMask) != 0) {
                // §3.4.3 note 1: a PA S1ContextPtr beyond OAS is C_BAD_STE (SMMUv3.1 and later).
                return bad("STE.S1ContextPtr beyond OAS");
            }
        }
        int vmid = 0;
        TableFormat s2f = null;
        long s2ttb = 0;
        int s2Flags = 0;
        boolean s2s = false;
        boolean s2r = false;
        if (c.stage2()) {
            vmid = (int) get(STRTAB_STE_2_S2VMID, w[2]) & (c.vmid16() ? 0xffff : 0xff);
        }
        if (s2) {
            long vtcr = get(STRTAB_STE_2_VTCR, w[2]);
            if ((w[2] & STRTAB_STE_2_S2AA64) == 0) {
                return bad("STE.S2AA64 = 0: AArch32 stage-2 tables are not supported");
            }
            if ((w[2] & STRTAB_STE_2_S2ENDI) != 0) {
                return bad("STE.S2ENDI = 1: big-endian tables are not supported");
            }
            Granule g = smmu.config.granuleOfTg0((int) get(STRTAB_STE_2_VTCR_S2TG, vtcr));
            if (g == null) {
                return bad("STE.S2TG " + get(STRTAB_STE_2_VTCR_S2TG, vtcr) + " is reserved or unsupported");
            }
            int ps = TableFormat.outputBitsOf((int) get(STRTAB_STE_2_VTCR_S2PS, vtcr));
            int oas = Math.min(ps < 0 ? c.oasBits() : ps, c.oasBits());
            if (oas == 52 && g != Granule.G64K) {
                oas = 48;
            }
            int ias = 64 - (int) get(STRTAB_STE_2_VTCR_S2T0SZ, vtcr);
            int level = TableFormat.startLevelOfSl0(g, (int) get(STRTAB_STE_2_VTCR_S2SL0, vtcr));
            String problem = TableFormat.problem(Stage.STAGE2, g, ias, oas, level);
            if (problem != null) {
                return bad("stage-2 format: " + problem);
            }
            s2f = new TableFormat(Stage.STAGE2, g, ias, oas, level);
            s2ttb = w[3] & STRTAB_STE_3_S2TTB_MASK;
            if ((s2ttb >>> oas) != 0) {
                return bad("STE.S2TTB beyond the effective S2PS of " + oas + " bits"); // §5.2, §3.4.3
            }
            s2s = (w[2] & STRTAB_STE_2_S2S) != 0;
            s2r = (w[2] & STRTAB_STE_2_S2R) != 0;
            if (s2s && !c.stallSupported()) {
                return bad("STE.S2S = 1 but the SMMU cannot stall");
            }
            if (!s2s && c.stallModel() == 2) {
                return bad("STE.S2S = 0 but the SMMU forces the stall model (§5.5)");
            }
            boolean s2ha = (w[2] & STRTAB_STE_2_S2HA) != 0;
            boolean s2hd = (w[2] & STRTAB_STE_2_S2HD) != 0;
            if (s2ha && c.httu() == 0 || s2hd && c.httu() < 2) {
                return bad("STE.S2HA/S2HD beyond IDR0.HTTU " + c.httu());
            }
            if (s2ha) {
                s2Flags |= Walker.HA;
                if (s2hd) {
                    s2Flags |= Walker.HD;
                }
            }
            if ((w[2] & STRTAB_STE_2_S2AFFD) != 0) {
                s2Flags |= Walker.AFFD;
            }
        }
        return new StreamConfig(sid, config, w[0] & STRTAB_STE_0_S1CTXPTR_MASK, s1 ? cdMax : 0, s1Fmt, s1Dss,
                stallD, (int) get(STRTAB_STE_1_EATS, w[1]), s1 ? strw : 0, vmid, s2f, s2ttb,
                s2Flags, s2s, s2r, (w[2] & STRTAB_STE_2_S2PTW) != 0, (w[1] & STRTAB_STE_1_PPAR) != 0);
    }

    private static ConfigError bad(String reason) {
        return ConfigError.of(EVT_ID_BAD_STE_CONFIG, reason);
    }
}

package dev.jiommu.pgtable;

/**
 * The shape of one translation table tree (Arm ARM D8.2): stage, granule,
 * input size (IAS, from TxSZ), output size (OAS, from IPS/PS) and the level
 * the walk starts at.
 *
 * <p>Invariants (checked by the constructor): IAS is 25..48 bits, or up to 52
 * with the 64 KiB granule; OAS is one of 32, 36, 40, 42, 44, 48, 52 (52 only
 * with 64 KiB); the start level lies within the granule's levels and resolves
 * at least one bit. A stage-1 start table resolves at most one table's worth of
 * bits; a stage-2 start table may resolve up to four more, as up to 16
 * concatenated tables (D8.2.6).
 */
public record TableFormat(Stage stage, Granule granule, int inputBits, int outputBits, int startLevel) {

    /** The output sizes the IPS/PS encodings name (Arm ARM: 0b000..0b110). */
    private static final int[] OUTPUT_SIZES = {32, 36, 40, 42, 44, 48, 52};

    public TableFormat {
        String problem = problem(stage, granule, inputBits, outputBits, startLevel);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Why {@code (stage, granule, inputBits, outputBits, startLevel)} is not a
     * format, or null when it is one. Hardware models decoding software's
     * configuration call this first and answer with their own error (an SMMU
     * C_BAD_STE or C_BAD_CD) instead of catching an exception.
     */
    public static String problem(Stage stage, Granule granule, int inputBits, int outputBits, int startLevel) {
        if (stage == null || granule == null) {
            return "stage and granule are required";
        }
        int maxIn = granule == Granule.G64K ? 52 : 48;
        if (inputBits < 25 || inputBits > maxIn) {
            return "input size " + inputBits + " bits is outside 25.." + maxIn + " for " + granule;
        }
        if (ipsEncoding(outputBits) < 0 || (outputBits == 52 && granule != Granule.G64K)) {
            return "output size " + outputBits + " bits is not one of 32/36/40/42/44/48 (52 with 64K)";
        }
        if (startLevel < granule.minLevel() || startLevel > 3) {
            return "start level " + startLevel + " is not a level of " + granule;
        }
        int startBits = inputBits - granule.levelShift(startLevel);
        int maxStartBits = granule.bitsPerLevel() + (stage == Stage.STAGE2 ? 4 : 0);
        if (startBits < 1 || startBits > maxStartBits) {
            return String.format("%s %s: a walk of %d input bits cannot start at level %d", stage, granule, inputBits, startLevel);
        }
        return null;
    }

    /** The natural stage-1 start level for {@code ias} input bits (Linux ARM_LPAE_START_LVL). */
    public static int stage1StartLevel(Granule g, int ias) {
        return naturalStartLevel(g, ias);
    }

    /** Stage 1 over {@code ias} input bits: the walk starts where the levels run out (Linux ARM_LPAE_START_LVL). */
    public static TableFormat stage1(Granule g, int ias, int oas) {
        return new TableFormat(Stage.STAGE1, g, ias, oas, naturalStartLevel(g, ias));
    }

    /**
     * Stage 2 as Linux's io-pgtable lays it out: where the walk would start at
     * level 0 with at most 16 entries there, it starts at level 1 on
     * concatenated tables instead.
     */
    public static TableFormat stage2(Granule g, int ias, int oas) {
        int start = naturalStartLevel(g, ias);
        if (start == 0 && (1 << (ias - g.levelShift(0))) <= 16) {
            start = 1;
        }
        return new TableFormat(Stage.STAGE2, g, ias, oas, start);
    }

    private static int naturalStartLevel(Granule g, int ias) {
        int bits = ias - g.shift();
        int levels = (bits + g.bitsPerLevel() - 1) / g.bitsPerLevel();
        return 4 - levels;
    }

    /** Lowest input bit resolved at {@code level}. */
    public int levelShift(int level) {
        return granule.levelShift(level);
    }

    /** Entries in the start table (more than one page's worth when concatenated). */
    public long startEntries() {
        return 1L << (inputBits - levelShift(startLevel));
    }

    /** Bytes of the start table: what its base address must be aligned to. */
    public long startTableBytes() {
        return startEntries() * 8;
    }

    /** Number of concatenated tables at the start level (1 unless stage 2 concatenates). */
    public int concatenatedTables() {
        return (int) Math.max(1, startEntries() / granule.entriesPerTable());
    }

    /** True with 52-bit output addresses, where the 64 KiB format packs PA[51:48] into bits [15:12]. */
    public boolean lpa() {
        return outputBits == 52;
    }

    /** Size of a leaf at {@code level}. */
    public long blockSize(int level) {
        return 1L << levelShift(level);
    }

    /** Page sizes the format can map, Linux's io-pgtable bitmap for its granule. */
    public long pageSizeBitmap() {
        return granule.pageSizeBitmap(lpa());
    }

    /** TxSZ / S2T0SZ: 64 - IAS. */
    public int tsz() {
        return 64 - inputBits;
    }

    /** IPS / S2PS encoding of an output size, or -1 when there is none. */
    public static int ipsEncoding(int outputBits) {
        for (int i = 0; i < OUTPUT_SIZES.length; i++) {
            if (OUTPUT_SIZES[i] == outputBits) {
                return i;
            }
        }
        return -1;
    }

    /** Output size named by an IPS / PS encoding, or -1 for a reserved one. */
    public static int outputBitsOf(int ipsEncoding) {
        return ipsEncoding >= 0 && ipsEncoding < OUTPUT_SIZES.length ? OUTPUT_SIZES[ipsEncoding] : -1;
    }

    /**
     * VTCR.SL0 / STE.S2SL0 for this stage-2 start level (Arm ARM D8.2.6): for
     * 4K, 0b00 = level 2, 0b01 = level 1, 0b10 = level 0; for 16K and 64K,
     * 0b00 = level 3, 0b01 = level 2, 0b10 = level 1.
     */
    public int sl0() {
        return granule == Granule.G4K ? 2 - startLevel : 3 - startLevel;
    }

    /** The start level an SL0 encoding names for a granule, or -1 for a reserved encoding. */
    public static int startLevelOfSl0(Granule g, int sl0) {
        if (sl0 < 0 || sl0 > 2) {
            return -1;
        }
        return g == Granule.G4K ? 2 - sl0 : 3 - sl0;
    }

    @Override
    public String toString() {
        return String.format("%s %s IAS=%d OAS=%d start=L%d%s", stage == Stage.STAGE1 ? "S1" : "S2",
                granule.name().substring(1), inputBits, outputBits, startLevel,
                concatenatedTables() > 1 ? " (" + concatenatedTables() + " concatenated)" : "");
    }
}

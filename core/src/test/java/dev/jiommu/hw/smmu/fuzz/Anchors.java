package dev.jiommu.hw.smmu.fuzz;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.hw.smmu.Translation;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.IoPageTable;
import dev.jiommu.pgtable.Prot;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.spec.smmuv3.Commands;

import java.util.List;
import java.util.SplittableRandom;

import static dev.jiommu.hw.smmu.fuzz.FuzzRig.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Known-good translations the fuzzer returns to between random cases, so a
 * model that stops translating fails the test: io-pgtable tables (a stage-1
 * table mapping {@link #PAGES} pages of {@link #VA} to the targets, and a
 * stage-2 table mapping all of RAM and the targets to themselves) and STEs/CDs from
 * {@link RefEncoder}.
 */
final class Anchors {

    static final long VA = 0x0000_5a5a_0000_0000L;
    static final int PAGES = 16;
    /** Where the anchor pages land, inside the targets. */
    static final long PA = TARGET + 0x0300_0000L;

    final Granule granule;
    final IoPageTable s1;
    final IoPageTable s2;
    private final FuzzRig rig;
    private final Translation out = new Translation();

    Anchors(FuzzRig rig) {
        this.rig = rig;
        SmmuConfig c = rig.config;
        granule = c.gran4k() ? Granule.G4K : c.gran16k() ? Granule.G16K : Granule.G64K;
        FrameAllocator frames = new FrameAllocator(rig.mem, FRAMES, FRAMES_SIZE);
        int oas = Math.min(c.oasBits(), 48);
        long bitmap = granule.pageSizeBitmap(false);
        s1 = c.stage1() ? IoPageTable.create(Stage.STAGE1, bitmap, 48, oas, 0, frames) : null;
        s2 = c.stage2() ? IoPageTable.create(Stage.STAGE2, bitmap, oas, oas, 0, frames) : null;
        if (s1 != null) {
            for (int i = 0; i < PAGES; i++) {
                int err = s1.map(VA + i * granule.size(), PA + i * granule.size(), granule.size(), Prot.READ | Prot.WRITE);
                assertEquals(0, err, "anchor stage-1 map");
            }
        }
        if (s2 != null) {
            int err = s2.mapPages(RAM_BASE, RAM_BASE, granule.size(), RAM_SIZE / granule.size(), Prot.READ | Prot.WRITE);
            assertEquals(0, err, "anchor stage-2 identity map");
            err = s2.mapPages(TARGET, TARGET, granule.size(), TARGET_SIZE / granule.size(), Prot.READ | Prot.WRITE);
            assertEquals(0, err, "anchor stage-2 identity map of the targets");
        }
    }

    TableFormat s1Format() {
        return s1.format();
    }

    TableFormat s2Format() {
        return s2.format();
    }

    /** The STE configurations this SMMU can translate with. */
    int[] configs() {
        SmmuConfig c = rig.config;
        if (c.stage1() && c.stage2()) {
            return new int[] {RefEncoder.CFG_S1, RefEncoder.CFG_S2, RefEncoder.CFG_NESTED, RefEncoder.CFG_BYPASS};
        }
        return c.stage1() ? new int[] {RefEncoder.CFG_S1, RefEncoder.CFG_BYPASS}
                : new int[] {RefEncoder.CFG_S2, RefEncoder.CFG_BYPASS};
    }

    /** Where the STE of {@code sid} lives under the current stream table (linear or 2-level as given). */
    long steAddress(int sid, boolean twoLevel, int split) {
        if (!twoLevel) {
            return STRTAB + (sid & 0xffff_ffffL) * 64;
        }
        long l1 = STRTAB + ((sid & 0xffff_ffffL) >>> split) * 8;
        rig.mem.write64(l1, RefEncoder.l1std(ANCHOR_L2STE, split + 1));
        return ANCHOR_L2STE + (sid & ((1L << split) - 1)) * 64;
    }

    /**
     * Installs a valid STE (and CD) of a random translating kind for
     * {@code sid}, invalidates, and checks that translation and DMA through it
     * give exactly what the tables say.
     *
     * @param where  what the fuzzer was doing, for messages
     */
    void check(SplittableRandom r, int sid, boolean twoLevel, int split, String where) {
        int[] kinds = configs();
        int config = kinds[r.nextInt(kinds.length)];
        long steAddr = steAddress(sid, twoLevel, split);
        int asid = r.nextInt(rig.config.asid16() ? 0x10000 : 0x100);
        int vmid = r.nextInt(rig.config.vmid16() ? 0x10000 : 0x100);
        boolean forced = rig.config.stallModel() == 2; // §5.5: CD.S and STE.S2S must be 1 when stalls are forced
        long[] cd = s1 == null ? null : RefEncoder.cd(asid, s1.format(), s1.root(), true, true, forced);
        long[] ste = RefEncoder.ste(config, ANCHOR_CD, 0, 0, 0, false, false, s2 == null ? null : s2.format(),
                s2 == null ? 0 : s2.root(), vmid, forced, true);
        if (cd != null) {
            rig.writeWords(ANCHOR_CD, cd);
        }
        rig.writeWords(steAddr, ste);
        boolean enabled = (rig.r32(ARM_SMMU_CR0) & CR0_SMMUEN) != 0;
        rig.cr0Set(CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
        rig.recoverCommandError();
        rig.drainEvents();
        List<long[]> cmds = new java.util.ArrayList<>(List.of(Commands.cfgiSte(sid, r.nextBoolean()),
                Commands.tlbiNsnhAll()));
        if (rig.config.hyp() && rig.config.stage1()) {
            cmds.add(Commands.tlbiEl2All());
        }
        cmds.add(Commands.sync(dev.jiommu.spec.smmuv3.Cmd.CMDQ_SYNC_0_CS_NONE, 0, 0));
        for (long[] c : cmds) {
            assertTrue(rig.submit(c), where + ": anchor invalidation " + Commands.describe(c[0], c[1]) + " not consumed");
        }
        int page = r.nextInt(PAGES);
        long offset = r.nextLong(granule.size() - 64) & ~7L;
        long input;
        long expected;
        if (config == RefEncoder.CFG_S1 || config == RefEncoder.CFG_NESTED) {
            input = VA + page * granule.size() + offset;
            expected = PA + page * granule.size() + offset;
        } else {
            input = PA + page * granule.size() + offset; // stage 2 maps RAM to itself; bypass is the identity
            expected = input;
        }
        String what = String.format("%s: anchor STE config %d sid 0x%x input 0x%x", where, config, sid, input);
        int status = rig.smmu.translate(sid, DmaTarget.NO_SUBSTREAM, input, Access.READ | Access.WRITE, out);
        assertEquals(config == RefEncoder.CFG_BYPASS ? Translation.BYPASS : Translation.OK, status, what + ": " + out);
        assertEquals(expected, out.outputAddress(), what);
        byte[] data = new byte[1 + r.nextInt(63)];
        r.nextBytes(data);
        assertEquals(DmaTarget.OK, rig.smmu.write(sid, DmaTarget.NO_SUBSTREAM, input, 0, data, 0, data.length), what);
        byte[] inMemory = new byte[data.length];
        rig.mem.readBytes(expected, inMemory, 0, inMemory.length);
        assertArrayEquals(data, inMemory, what + ": DMA write did not land at the PA");
        byte[] back = new byte[data.length];
        assertEquals(DmaTarget.OK, rig.smmu.read(sid, DmaTarget.NO_SUBSTREAM, input, 0, back, 0, back.length), what);
        assertArrayEquals(data, back, what + ": DMA read");
        List<long[]> events = rig.drainEvents();
        assertTrue(events.isEmpty(), what + ": unexpected events " + describe(events));
        if (!enabled) {
            rig.cr0Clear(CR0_SMMUEN);
        }
    }

    static String describe(List<long[]> events) {
        StringBuilder sb = new StringBuilder("[");
        for (long[] e : events) {
            sb.append(sb.length() > 1 ? ", " : "").append(dev.jiommu.spec.smmuv3.Event.describe(e));
        }
        return sb.append(']').toString();
    }

    static String words(long[] w) {
        StringBuilder sb = new StringBuilder("[");
        for (long x : w) {
            sb.append(sb.length() > 1 ? " " : "").append(String.format("%016x", x));
        }
        return sb.append(']').toString();
    }
}

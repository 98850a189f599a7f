package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jiommu.Errno;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.platform.VirtMachine;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Field;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Command submission against the model: CMD_SYNC completed by MSI and by
 * polling CONS, wrap-around, waiting for space, an illegal command skipped
 * (from a wait and from the GERROR interrupt), and a sync that never completes.
 */
class CommandQueueTest {

    /** The SMMU's count of consumed commands. */
    private static long consumed(DriverRig rig) {
        return rig.model().stats().commands;
    }

    @Test
    void aSyncCompletesByMsiWriteIntoItsOwnQueueSlot() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        assertTrue(rig.smmu.msiPolling());
        long before = rig.model().stats().syncs;
        assertEquals(0, rig.smmu.issueWithSync(new CmdqEnt.CfgiSte(8, true)));
        assertEquals(before + 1, rig.model().stats().syncs);
        long cmdqBase = rig.reg64(ARM_SMMU_CMDQ_BASE) & Q_BASE_ADDR_MASK;
        int prod = rig.reg32(ARM_SMMU_CMDQ_PROD);
        long syncSlot = cmdqBase + 16L * ((prod - 1) & 255);
        assertEquals(0, rig.memory.read32(syncSlot), "the MSI wrote 0 over the sync's first word");
        assertEquals(syncSlot, rig.memory.read64(syncSlot + 8) & CMDQ_SYNC_1_MSIADDR_MASK);
        assertEquals(prod, rig.reg32(ARM_SMMU_CMDQ_CONS));
    }

    @Test
    void aSyncCompletesByPollingConsWithoutMsis() {
        DriverRig rig = new DriverRig(SmmuConfig.qemuVirt());
        assertFalse(rig.smmu.msiPolling());
        int prod = rig.reg32(ARM_SMMU_CMDQ_PROD);
        assertEquals(0, rig.smmu.issueWithSync(new CmdqEnt.CfgiAll()));
        assertEquals(prod + 2, rig.reg32(ARM_SMMU_CMDQ_CONS));
        long slot = (rig.reg64(ARM_SMMU_CMDQ_BASE) & Q_BASE_ADDR_MASK) + 16L * (prod + 1);
        assertEquals(CMDQ_SYNC_0_CS_SEV, Field.get(CMDQ_SYNC_0_CS, rig.memory.read64(slot)),
                "without an MSI address the sync signals SEV, as Linux builds it");
    }

    @Test
    void theQueueWrapsAndTheWrapBitTogglesAcrossManyBatches() {
        DriverRig rig = new DriverRig(SmmuConfig.full().withQueues(7, 8, 8));
        assertEquals(128, rig.smmu.cmdqEntries());
        List<CmdqEnt> cmds = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            cmds.add(new CmdqEnt.CfgiSte(i, true));
        }
        long before = consumed(rig);
        assertEquals(0, rig.smmu.issueAll(cmds));
        assertEquals(1000 + 1, consumed(rig) - before, "full batches go without a sync; one sync at the end");
        int cons = rig.reg32(ARM_SMMU_CMDQ_CONS);
        assertEquals(rig.reg32(ARM_SMMU_CMDQ_PROD), cons);
        assertEquals(0, rig.smmu.stats().cmdqErrorsTotal());
    }

    /**
     * A register block that holds CMDQ_PROD writes back until the driver reads
     * CMDQ_CONS: the queue fills as on hardware that consumes slowly, and the
     * driver must wait for space.
     */
    private static final class SlowConsumer implements MmioDevice {
        final Smmu model;
        boolean slow;
        boolean stuck;
        long pendingProd = -1;
        long consReads;

        SlowConsumer(Smmu model) {
            this.model = model;
        }

        @Override
        public long read(long offset, int size) {
            if (offset == ARM_SMMU_CMDQ_CONS && pendingProd >= 0 && !stuck) {
                consReads++;
                model.write(ARM_SMMU_CMDQ_PROD, 4, pendingProd);
                pendingProd = -1;
            }
            return model.read(offset, size);
        }

        @Override
        public void write(long offset, int size, long value) {
            if (slow && offset == ARM_SMMU_CMDQ_PROD) {
                pendingProd = value;
                return;
            }
            model.write(offset, size, value);
        }
    }

    private record Slow(SlowConsumer regs, ArmSmmuV3 smmu) {
    }

    private static Slow slowRig(long timeoutUs) {
        PhysicalMemory mem = PhysicalMemory.ram(VirtMachine.RAM_BASE, 64L << 20);
        SystemBus bus = new SystemBus(mem);
        SlowConsumer regs = new SlowConsumer(new Smmu(SmmuConfig.qemuVirt().withQueues(7, 8, 8), bus));
        bus.map("smmu", VirtMachine.SMMU_BASE, VirtMachine.SMMU_SIZE, regs);
        FrameAllocator frames = new FrameAllocator(mem, VirtMachine.RAM_BASE, 64L << 20);
        ArmSmmuV3.Probe p = ArmSmmuV3.probe(bus, VirtMachine.SMMU_BASE, mem, frames, IrqSetup.NONE,
                ArmSmmuV3.Options.defaults().withPollTimeoutUs(1000));
        assertTrue(p.ok());
        regs.slow = true;
        return new Slow(regs, p.smmu());
    }

    @Test
    void whenTheQueueIsFullTheDriverWaitsForSpaceAndEveryCommandIsConsumed() {
        Slow s = slowRig(1000);
        long before = s.regs.model.stats().commands;
        for (int i = 0; i < 300; i++) {
            assertEquals(0, s.smmu.issue(new CmdqEnt.CfgiSte(i, true)));
        }
        assertTrue(s.smmu.stats().queueFullWaits >= 2, "300 commands do not fit 128 slots");
        assertEquals(0, s.smmu.sync());
        assertEquals(301, s.regs.model.stats().commands - before);
        assertEquals(0, s.smmu.stats().queueFullTimeouts);
    }

    @Test
    void aSyncThatNeverCompletesIsEtimedoutAndLogged() {
        Slow s = slowRig(1000);
        s.regs.stuck = true;
        assertEquals(-Errno.ETIMEDOUT, s.smmu.issueWithSync(new CmdqEnt.CfgiAll()));
        assertEquals(1, s.smmu.stats().syncTimeouts);
        assertTrue(s.smmu.log().contains(DriverLog.Level.ERR, "CMD_SYNC timeout"));
        for (int i = 0; i < 126; i++) {
            s.smmu.issue(new CmdqEnt.CfgiSte(i, true));
        }
        assertEquals(-Errno.ETIMEDOUT, s.smmu.issue(new CmdqEnt.CfgiSte(0, true)), "no space ever comes");
        assertEquals(1, s.smmu.stats().queueFullTimeouts);
        assertTrue(s.smmu.log().contains(DriverLog.Level.ERR, "CMDQ timeout"));
    }

    /** An SMMU that cannot stall: CMD_RESUME is CERROR_ILL (IHI 0070 §4.7.1). */
    private static SmmuConfig noStall() {
        return SmmuConfig.full().withStallModel(1);
    }

    @Test
    void anIllegalCommandIsSkippedAsLinuxDoesAndTheQueueGoesOn() {
        DriverRig rig = new DriverRig(noStall());
        long cmdqBase = rig.reg64(ARM_SMMU_CMDQ_BASE) & Q_BASE_ADDR_MASK;
        int badAt = rig.reg32(ARM_SMMU_CMDQ_PROD) + 1;
        long before = consumed(rig);
        int ret = rig.smmu.issueAll(List.of(new CmdqEnt.CfgiSte(1, true), new CmdqEnt.Resume(1, 7, 1),
                new CmdqEnt.CfgiSte(2, true)));
        assertEquals(0, ret, "the sync after the bad command completed");
        DriverStats st = rig.smmu.stats();
        assertEquals(1, st.cmdqErrors[(int) CMDQ_ERR_CERROR_ILL_IDX]);
        assertEquals(1, st.commandsSkipped);
        assertTrue(rig.smmu.log().contains(DriverLog.Level.ERR, "Illegal command"));
        assertTrue(rig.smmu.log().contains(DriverLog.Level.ERR, "skipping command in error state: CMD_RESUME"));
        assertEquals(CMDQ_OP_CMD_SYNC, Commands.opcode(rig.memory.read64(cmdqBase + 16L * badAt)),
                "the bad entry became a CMD_SYNC");
        assertEquals(rig.reg32(ARM_SMMU_GERROR), rig.reg32(ARM_SMMU_GERRORN), "acknowledged");
        assertEquals(1, st.gerrors[0], "GERROR.CMDQ_ERR counted");
        assertEquals(4, consumed(rig) - before, "CFGI_STE, the replacing sync, CFGI_STE, the sync");
        assertEquals(0, rig.smmu.issueWithSync(new CmdqEnt.CfgiAll()), "later commands complete");
        rig.run();
        assertEquals(1, st.gerrorIrqs, "the GERROR LPI came too");
        assertEquals(1, st.gerrorInterrupts, "and found nothing left to do");
    }

    @Test
    void anIllegalCommandWithoutASyncIsSkippedByTheGerrorInterrupt() {
        DriverRig rig = new DriverRig(noStall());
        assertEquals(0, rig.smmu.resume(1, 3, true), "issued without a sync");
        assertNotEquals(rig.reg32(ARM_SMMU_GERROR), rig.reg32(ARM_SMMU_GERRORN), "CMDQ_ERR active");
        assertEquals(rig.reg32(ARM_SMMU_CMDQ_PROD) - 1, rig.reg32(ARM_SMMU_CMDQ_CONS) & 0xffffff,
                "the SMMU stopped at the bad command");
        rig.run(); // the GERROR MSI's LPI is delivered
        DriverStats st = rig.smmu.stats();
        assertEquals(1, st.gerrorIrqs);
        assertEquals(1, st.commandsSkipped);
        assertEquals(rig.reg32(ARM_SMMU_GERROR), rig.reg32(ARM_SMMU_GERRORN));
        assertEquals(rig.reg32(ARM_SMMU_CMDQ_PROD), rig.reg32(ARM_SMMU_CMDQ_CONS) & 0xffffff,
                "consumption went on");
    }

    @Test
    void aCommandTheBuilderRefusesIsNotIssued() {
        DriverRig rig = new DriverRig(SmmuConfig.full());
        int prod = rig.reg32(ARM_SMMU_CMDQ_PROD);
        assertEquals(-Errno.EINVAL, rig.smmu.priResponse(1, 0, 1, 3), "response code 0b11");
        assertEquals(-Errno.EINVAL, rig.smmu.issue(CmdqEnt.Tlbi.of(CMDQ_OP_CFGI_STE, 0, 0)), "not a TLBI");
        assertEquals(-Errno.EINVAL, rig.smmu.issueAll(List.of(new CmdqEnt.CfgiCd(1, 1 << 20, true),
                new CmdqEnt.CfgiSte(1, true))), "SSID too wide; the rest is issued");
        assertEquals(3, rig.smmu.stats().badCommands);
        assertEquals(prod + 2, rig.reg32(ARM_SMMU_CMDQ_PROD), "only the CFGI_STE and its sync");
        assertEquals(0, rig.smmu.issueAll(List.of(new CmdqEnt.CfgiSte(2, true))),
                "the next batch does not inherit the refused command's error");
        assertEquals(-Errno.EINVAL, rig.smmu.tlbiVa(1 << 16, 0x1000, 4096, 4096, true), "ASID too wide");
        assertEquals(0, rig.smmu.tlbiVa(1, 0x1000, 4096, 4096, true));
        assertEquals(prod + 7, rig.reg32(ARM_SMMU_CMDQ_PROD), "CFGI_STE and TLBI with a sync each, and the refused TLBI's lone sync");
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.spec.smmuv3.Commands;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.jiommu.spec.smmuv3.Cmd.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The command queue (§4, §7.1): CMD_SYNC completion seen through CONS, a
 * wired interrupt and an MSI; command errors (CERROR_ILL, CERROR_ABT) that
 * stop consumption with CONS at the culprit until GERROR.CMDQ_ERR is
 * acknowledged.
 */
class CommandQueueConformanceTest extends SmmuConformance {

    private static final int MSI_DATA = 0xdead_beef;

    // ---- CMD_SYNC --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdSyncCompletionIsObservedAsConsPassingIt(Variant v) {
        Fixture f = fixture(v);
        int syncIrqs = f.syncIrq.pulses;

        f.driver.submit(Commands.tlbiNsnhAll(), Commands.cfgiAll(), Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0),
                Commands.sync(CMDQ_SYNC_0_CS_SEV, 0, 0));

        assertEquals(f.driver.cmdProd, f.driver.cmdCons(), "CONS has passed both CMD_SYNCs");
        assertEquals(syncIrqs, f.syncIrq.pulses, "SIG_NONE and SIG_SEV raise no interrupt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdSyncWithSigIrqPulsesTheWiredCmdSyncInterrupt(Variant v) {
        Fixture f = fixture(v);
        int syncIrqs = f.syncIrq.pulses;

        f.driver.submit(Commands.sync(CMDQ_SYNC_0_CS_IRQ, 0, 0));
        f.driver.submit(Commands.tlbiNsnhAll(), Commands.sync(CMDQ_SYNC_0_CS_IRQ, 0, 0));

        assertEquals(f.driver.cmdProd, f.driver.cmdCons());
        assertEquals(syncIrqs + 2, f.syncIrq.pulses, "one pulse per completed CMD_SYNC");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdSyncWithSigIrqAndAnMsiAddressWritesMsiDataThere(Variant v) {
        Fixture f = fixture(v);
        long page = f.dataPage(0xee);
        long msi = page + 0x40;
        int syncIrqs = f.syncIrq.pulses;

        f.driver.submit(Commands.sync(CMDQ_SYNC_0_CS_IRQ, msi, MSI_DATA, ARM_SMMU_SH_ISH, ARM_SMMU_MEMATTR_OIWB));

        assertEquals(f.driver.cmdProd, f.driver.cmdCons());
        assertEquals(MSI_DATA, f.memory.read32(msi), "MSIData written at MSIAddress");
        assertEquals(0xeeee_eeee, f.memory.read32(msi + 4), "a 32-bit write: the next word is untouched");
        assertEquals(0xeeee_eeee, f.memory.read32(msi - 4));
        // §4.7.3: with wired interrupts implemented, the wired output is asserted regardless of MSIAddress.
        assertEquals(syncIrqs + 1, f.syncIrq.pulses);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdSyncMsiIgnoresItsAddressWhenMsisAreNotImplemented(Variant v) {
        SmmuConfig c = v.config();
        SmmuConfig noMsi = new SmmuConfig(c.stage1(), c.stage2(), c.twoLevelStreamTable(), c.twoLevelCd(), c.sidBits(),
                c.ssidBits(), c.ats(), c.pri(), c.stallModel(), c.httu(), false, c.asid16(), c.vmid16(), c.btm(),
                c.hyp(), c.ril(), c.gran4k(), c.gran16k(), c.gran64k(), c.oasBits(), c.cmdqLog2(), c.evtqLog2(),
                c.priqLog2(), c.tlbEntries(), c.configCacheEntries(), c.replacement());
        Fixture f = new Fixture(v, noMsi, 6, CR2_RECINVSID | CR2_PTM, true);
        long msi = f.dataPage(0);

        f.driver.submit(Commands.sync(CMDQ_SYNC_0_CS_IRQ, msi, MSI_DATA));

        assertEquals(0, f.driver.read32(ARM_SMMU_IDR0) & IDR0_MSI);
        assertEquals(0, f.memory.read32(msi), "no MSI without IDR0.MSI");
        assertEquals(1, f.syncIrq.pulses);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cmdSyncMsiThatAbortsActivatesGerrorMsiCmdqAbtErr(Variant v) {
        Fixture f = fixture(v);
        int gerrorIrqs = f.gerrorIrq.pulses;

        f.driver.submit(Commands.sync(CMDQ_SYNC_0_CS_IRQ, NOT_RAM, MSI_DATA));

        assertEquals(f.driver.cmdProd, f.driver.cmdCons(), "the CMD_SYNC is consumed");
        assertEquals(GERROR_MSI_CMDQ_ABT_ERR, f.driver.activeGlobalErrors());
        assertEquals(gerrorIrqs + 1, f.gerrorIrq.pulses, "GERROR interrupt");
        f.driver.acknowledgeGlobalErrors();
        assertEquals(0, f.driver.activeGlobalErrors());
    }

    // ---- command errors --------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void illegalCommandStopsConsumptionWithCerrorIllUntilGerrorIsAcknowledged(Variant v) {
        Fixture f = fixture(v);
        Map<String, long[]> illegal = new LinkedHashMap<>();
        illegal.put("reserved opcode 0x00", new long[] {0, 0});
        illegal.put("reserved opcode 0x0b", new long[] {0x0b, 0});
        illegal.put("reserved opcode 0xff", new long[] {0xff, 0});
        illegal.put("CMD_TLBI_EL3_ALL on the Non-secure queue", new long[] {CMDQ_OP_TLBI_EL3_ALL, 0});
        illegal.put("CMD_SYNC with CS = 0b11", Commands.sync(3, 0, 0));
        long[] secure = Commands.cfgiSte(SID, true);
        secure[0] |= CMDQ_0_SSEC;
        illegal.put("CMD_CFGI_STE with SSec = 1", secure);
        illegal.put("CMD_PRI_RESP with Resp = 0b11", Commands.priResp(SID, NO_SSID, 1, 3));
        illegal.put("CMD_TLBI_NH_VA with TG != 0 and NUM = SCALE = TTL = 0",
                Commands.tlbiNhVa(VMID, ASID, VA, true, 0, 0, CMDQ_TLBI_1_TG_4K, 0));
        illegal.put("CMD_TLBI_S2_IPA with TG = 16K and TTL = 0b01",
                Commands.tlbiS2Ipa(VMID, VA, true, 1, 0, CMDQ_TLBI_1_TG_16K, 1));
        int wrap = (2 << SmmuDriver.CMDQ_LOG2) - 1;

        for (Map.Entry<String, long[]> e : illegal.entrySet()) {
            String what = e.getKey();
            long msi = f.dataPage(0);
            int gerrorIrqs = f.gerrorIrq.pulses;
            int bad = (f.driver.cmdProd + 1) & wrap;

            f.driver.submit(Commands.cfgiAll(), e.getValue(), Commands.sync(CMDQ_SYNC_0_CS_IRQ, msi, MSI_DATA));

            assertEquals(bad, f.driver.cmdCons(), what + ": CONS stops at the illegal command");
            assertEquals(CMDQ_ERR_CERROR_ILL_IDX, f.driver.cmdError(), what + ": CMDQ_CONS.ERR");
            assertEquals(GERROR_CMDQ_ERR, f.driver.activeGlobalErrors(), what + ": GERROR.CMDQ_ERR active");
            assertEquals(gerrorIrqs + 1, f.gerrorIrq.pulses, what + ": GERROR interrupt");
            assertEquals(0, f.memory.read32(msi), what + ": the CMD_SYNC after it is not consumed");

            f.driver.submit(Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0));
            assertEquals(bad, f.driver.cmdCons(), what + ": nothing is consumed while the error is active");

            // Linux's recovery: replace the culprit with a CMD_SYNC, then acknowledge.
            f.driver.writeCommandAt(bad, Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0));
            f.driver.acknowledgeGlobalErrors();

            assertEquals(0, f.driver.activeGlobalErrors(), what);
            assertEquals(f.driver.cmdProd, f.driver.cmdCons(), what + ": consumption resumes from CONS");
            assertEquals(MSI_DATA, f.memory.read32(msi), what + ": the held-back CMD_SYNC completes");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void commandsForAStageTheSmmuDoesNotImplementAreCerrorIll(Variant v) {
        Fixture s2Only = new Fixture(v, v.config().withStages(false, true), 6, CR2_RECINVSID | CR2_PTM, true);
        Fixture s1Only = new Fixture(v, v.config().withStages(true, false), 6, CR2_RECINVSID | CR2_PTM, true);
        assertIllegal(s2Only, Commands.cfgiCd(SID, 0, true));          // §4.3.3
        assertIllegal(s2Only, Commands.cfgiCdAll(SID));                // §4.3.4
        assertIllegal(s2Only, Commands.tlbiNhAll(0));                  // §4.4.2
        assertIllegal(s1Only, Commands.tlbiS12Vmall(0));               // §4.4.3.2
        assertIllegal(s1Only, Commands.tlbiS2Ipa(0, UNMAPPED_IPA, false)); // §4.4.3.1
        s2Only.driver.cmd(Commands.tlbiNsnhAll());                     // valid whatever the stages
        s1Only.driver.cmd(Commands.tlbiNsnhAll());
    }

    /** Submits {@code cmd}, checks it stops the queue with CERROR_ILL, then recovers. */
    private static void assertIllegal(Fixture f, long[] cmd) {
        int at = f.driver.cmdProd;
        f.driver.submit(cmd);
        String what = Commands.describe(cmd[0], cmd[1]);
        assertEquals(at, f.driver.cmdCons(), what + " stops the queue");
        assertEquals(CMDQ_ERR_CERROR_ILL_IDX, f.driver.cmdError(), what + " is CERROR_ILL");
        f.driver.writeCommandAt(at, Commands.sync(CMDQ_SYNC_0_CS_NONE, 0, 0));
        f.driver.acknowledgeGlobalErrors();
        assertEquals(f.driver.cmdProd, f.driver.cmdCons());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void commandQueueInUnreadableMemoryStopsWithCerrorAbt(Variant v) {
        Fixture f = fixture(v);
        long others = CR0_EVTQEN | CR0_PRIQEN | CR0_SMMUEN;
        f.driver.writeCr0(others);
        f.driver.write64(ARM_SMMU_CMDQ_BASE, NOT_RAM | SmmuDriver.CMDQ_LOG2);
        f.driver.write32(ARM_SMMU_CMDQ_PROD, 0);
        f.driver.write32(ARM_SMMU_CMDQ_CONS, 0);
        f.driver.writeCr0(others | CR0_CMDQEN);

        f.driver.write32(ARM_SMMU_CMDQ_PROD, 1);

        assertEquals(0, f.driver.cmdCons(), "CONS does not move past a command that could not be fetched");
        assertEquals(CMDQ_ERR_CERROR_ABT_IDX, f.driver.cmdError());
        assertEquals(GERROR_CMDQ_ERR, f.driver.activeGlobalErrors());

        // Recovery: disable the queue, point it back at memory, acknowledge, enable.
        f.driver.writeCr0(others);
        f.driver.write64(ARM_SMMU_CMDQ_BASE, Q_BASE_RWA | f.driver.cmdq | SmmuDriver.CMDQ_LOG2);
        f.driver.write32(ARM_SMMU_CMDQ_PROD, 0);
        f.driver.write32(ARM_SMMU_CMDQ_CONS, 0);
        f.driver.cmdProd = 0;
        f.driver.acknowledgeGlobalErrors();
        f.driver.writeCr0(others | CR0_CMDQEN);
        f.driver.cmd(Commands.cfgiAll());
        assertNotEquals(0, f.driver.cmdCons());
    }
}

package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.PageRequest;
import dev.jiommu.spec.smmuv3.Commands;
import dev.jiommu.spec.smmuv3.Field;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static dev.jiommu.spec.smmuv3.Cmd.PRI_RESP_SUCC;
import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Register behaviour (§6.3): the CR0/CR0ACK and IRQ_CTRL/IRQ_CTRLACK
 * handshakes, GBPA's update protocol and what it does to traffic while
 * SMMUEN = 0, registers that ignore writes while what they configure is
 * enabled; and the PRI queue as the driver reads it.
 */
class RegisterConformanceTest extends SmmuConformance {

    private static final long ALL_QUEUES = CR0_CMDQEN | CR0_EVTQEN | CR0_PRIQEN;

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cr0AckFollowsEveryCr0Write(Variant v) {
        Fixture f = new Fixture(v, v.config(), 6, CR2_RECINVSID, false);
        assertEquals(0, f.driver.read32(ARM_SMMU_CR0ACK), "everything disabled at reset");

        for (long value : new long[] {CR0_CMDQEN, ALL_QUEUES, ALL_QUEUES | CR0_SMMUEN, CR0_SMMUEN, 0}) {
            f.driver.write32(ARM_SMMU_CR0, value);
            assertEquals(value, f.driver.read32(ARM_SMMU_CR0) & 0xffff_ffffL);
            assertEquals(value, f.driver.read32(ARM_SMMU_CR0ACK) & 0xffff_ffffL, "CR0ACK after CR0 = " + value);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void irqCtrlAckFollowsIrqCtrl(Variant v) {
        Fixture f = fixture(v);
        for (long value : new long[] {0, IRQ_CTRL_GERROR_IRQEN, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_PRIQ_IRQEN}) {
            f.driver.write32(ARM_SMMU_IRQ_CTRL, value);
            assertEquals(value, f.driver.read32(ARM_SMMU_IRQ_CTRLACK) & 0xffff_ffffL);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void gbpaUpdateProtocolSetsAbortOrBypassForTrafficWhileSmmuIsDisabled(Variant v) {
        Fixture f = fixture(v);
        f.driver.writeCr0(ALL_QUEUES); // SMMUEN = 0: GBPA governs every transaction
        long pa = f.dataPage(0x66);
        assertEquals(0, f.driver.read32(ARM_SMMU_GBPA) & GBPA_UPDATE, "Update reads as 0 when no update is underway");

        f.driver.write32(ARM_SMMU_GBPA, GBPA_UPDATE | GBPA_ABORT);
        assertEquals(GBPA_ABORT, f.driver.read32(ARM_SMMU_GBPA) & 0xffff_ffffL, "update complete, ABORT = 1");
        assertStatus(DmaTarget.ABORTED, f.write(SID, NO_SSID, pa, bytes(8, 1)));
        assertArrayEquals(filled(8, 0x66), f.memoryAt(pa, 8));

        // SMMUv3.2 and later: a write without Update = 1 is ignored (§6.3.14.1).
        f.driver.write32(ARM_SMMU_GBPA, Field.prep(GBPA_SHCFG, GBPA_SHCFG_INCOMING));
        assertEquals(GBPA_ABORT, f.driver.read32(ARM_SMMU_GBPA) & 0xffff_ffffL, "a write without Update is ignored");

        f.driver.write32(ARM_SMMU_GBPA, GBPA_UPDATE | Field.prep(GBPA_SHCFG, GBPA_SHCFG_INCOMING));
        assertEquals(Field.prep(GBPA_SHCFG, GBPA_SHCFG_INCOMING), f.driver.read32(ARM_SMMU_GBPA) & 0xffff_ffffL);
        int beyondStreamTable = 1 << SmmuDriver.STREAM_BITS;
        f.writeOk(beyondStreamTable, 5, pa, bytes(8, 2));
        assertArrayEquals(bytes(8, 2), f.memoryAt(pa, 8), "with SMMUEN = 0 and ABORT = 0 traffic bypasses");
        f.expectNoEvents();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void streamTableRegistersIgnoreWritesWhileSmmuIsEnabled(Variant v) {
        Fixture f = fixture(v);
        long pa = f.dataPage(0);
        f.driver.installSte(SID, SteBuilder.bypass().words());
        long base = f.driver.read64(ARM_SMMU_STRTAB_BASE);
        int cfg = f.driver.read32(ARM_SMMU_STRTAB_BASE_CFG);

        f.driver.write64(ARM_SMMU_STRTAB_BASE, NOT_RAM);
        f.driver.write32(ARM_SMMU_STRTAB_BASE_CFG, 0);
        f.driver.cmd(Commands.cfgiAll());

        assertEquals(base, f.driver.read64(ARM_SMMU_STRTAB_BASE));
        assertEquals(cfg, f.driver.read32(ARM_SMMU_STRTAB_BASE_CFG));
        f.writeOk(SID, NO_SSID, pa, bytes(8, 3));
        f.expectNoEvents();

        f.driver.writeCr0(ALL_QUEUES);
        f.driver.write64(ARM_SMMU_STRTAB_BASE, NOT_RAM);
        assertEquals(NOT_RAM, f.driver.read64(ARM_SMMU_STRTAB_BASE), "writable again with SMMUEN = 0");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void queueBaseRegistersIgnoreWritesWhileTheirQueueIsEnabled(Variant v) {
        Fixture f = fixture(v);
        long cmdq = f.driver.read64(ARM_SMMU_CMDQ_BASE);
        long evtq = f.driver.read64(ARM_SMMU_EVTQ_BASE);

        f.driver.write64(ARM_SMMU_CMDQ_BASE, NOT_RAM | 4);
        f.driver.write64(ARM_SMMU_EVTQ_BASE, NOT_RAM | 4);

        assertEquals(cmdq, f.driver.read64(ARM_SMMU_CMDQ_BASE));
        assertEquals(evtq, f.driver.read64(ARM_SMMU_EVTQ_BASE));
        f.driver.cmd(Commands.tlbiNsnhAll());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void pageRequestsArriveInThePriQueueAndCmdPriRespAnswersThem(Variant v) {
        Fixture f = fixture(v);
        int irqs = f.priIrq.pulses;

        f.smmu.pageRequest(new PageRequest(SID, SSID, VA + 0x1234, true, true, false, true, 0x1a5, true));
        f.smmu.pageRequest(new PageRequest(SID, NO_SSID, VA + f.pageSize, true, false, false, false, 0x007, false));

        List<long[]> entries = f.driver.pageRequests();
        assertEquals(2, entries.size());
        assertArrayEquals(new long[] {
                SID | PRIQ_0_SSID_V | Field.prep(PRIQ_0_SSID, SSID) | PRIQ_0_PERM_READ | PRIQ_0_PERM_WRITE
                        | PRIQ_0_PERM_PRIV | PRIQ_0_PRG_LAST,
                Field.prep(PRIQ_1_PRG_IDX, 0x1a5) | ((VA + 0x1234) & PRIQ_1_ADDR_MASK)}, entries.get(0));
        assertArrayEquals(new long[] {SID | PRIQ_0_PERM_READ,
                Field.prep(PRIQ_1_PRG_IDX, 0x007) | ((VA + f.pageSize) & PRIQ_1_ADDR_MASK)}, entries.get(1));
        assertNotEquals(irqs, f.priIrq.pulses, "PRI queue interrupt");

        f.driver.cmd(Commands.priResp(SID, SSID, 0x1a5, PRI_RESP_SUCC));
        assertEquals(1, f.requester.pageResponses.size());
        assertArrayEquals(new int[] {SSID, 0x1a5, PageRequest.SUCCESS}, f.requester.pageResponses.get(0));
    }
}

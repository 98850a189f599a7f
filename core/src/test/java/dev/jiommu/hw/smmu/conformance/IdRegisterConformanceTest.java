package dev.jiommu.hw.smmu.conformance;

import dev.jiommu.hw.cache.Replacement;
import dev.jiommu.hw.bus.SystemBus;
import dev.jiommu.hw.smmu.Smmu;
import dev.jiommu.hw.smmu.SmmuConfig;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.TableFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static dev.jiommu.spec.smmuv3.Field.get;
import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ID registers (§6.3.1–6.3.6) advertise exactly what an
 * {@link SmmuConfig} describes, so a driver that probes them (as Linux's
 * arm_smmu_device_hw_probe does) configures only what the model implements.
 * Runs over implementations rather than driver variants.
 */
class IdRegisterConformanceTest {

    static Stream<Arguments> configs() {
        SmmuConfig full = SmmuConfig.full();
        return Stream.of(
                Arguments.of("full", full),
                Arguments.of("qemu virt", SmmuConfig.qemuVirt()),
                Arguments.of("stage 1 only, HTTU AF, no RIL", full.withStages(true, false).withHttu(1).withRil(false)),
                Arguments.of("stage 2 only, stall forced", full.withStages(false, true).withStallModel(2).withHttu(0)),
                Arguments.of("small queues", full.withQueues(3, 4, 5)),
                Arguments.of("4K only, 40-bit OAS, 8-bit ids", new SmmuConfig(true, true, false, false, 8, 0, false,
                        false, 1, 0, false, false, false, false, false, false, true, false, false, 40, 8, 8, 8, 64, 16,
                        Replacement.FIFO)));
    }

    private static boolean bit(int reg, long mask) {
        return (reg & mask) != 0;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void idRegistersDescribeTheImplementation(String name, SmmuConfig c) {
        Smmu smmu = new Smmu(c, new SystemBus(PhysicalMemory.ram(0x4000_0000L, 1 << 20)));
        int idr0 = (int) smmu.read(ARM_SMMU_IDR0, 4);
        int idr1 = (int) smmu.read(ARM_SMMU_IDR1, 4);
        int idr3 = (int) smmu.read(ARM_SMMU_IDR3, 4);
        int idr5 = (int) smmu.read(ARM_SMMU_IDR5, 4);

        assertEquals(c.stage1(), bit(idr0, IDR0_S1P), "IDR0.S1P");
        assertEquals(c.stage2(), bit(idr0, IDR0_S2P), "IDR0.S2P");
        assertEquals(c.twoLevelStreamTable() ? IDR0_ST_LVL_2LVL : IDR0_ST_LVL_1LVL, get(IDR0_ST_LVL, idr0), "IDR0.ST_LVL");
        assertEquals(c.twoLevelCd(), bit(idr0, IDR0_CD2L), "IDR0.CD2L");
        assertEquals(c.ats(), bit(idr0, IDR0_ATS), "IDR0.ATS");
        assertEquals(c.pri(), bit(idr0, IDR0_PRI), "IDR0.PRI");
        assertEquals(c.stallModel(), get(IDR0_STALL_MODEL, idr0), "IDR0.STALL_MODEL");
        assertEquals(c.httu(), get(IDR0_HTTU, idr0), "IDR0.HTTU");
        assertEquals(c.msi(), bit(idr0, IDR0_MSI), "IDR0.MSI");
        assertEquals(c.asid16(), bit(idr0, IDR0_ASID16), "IDR0.ASID16");
        assertEquals(c.vmid16(), bit(idr0, IDR0_VMID16), "IDR0.VMID16");
        assertEquals(c.btm(), bit(idr0, IDR0_BTM), "IDR0.BTM");
        assertEquals(c.hyp(), bit(idr0, IDR0_HYP), "IDR0.Hyp");
        assertEquals(IDR0_TTF_AARCH64, get(IDR0_TTF, idr0), "IDR0.TTF: VMSAv8-64 tables");
        assertEquals(IDR0_TTENDIAN_LE, get(IDR0_TTENDIAN, idr0), "IDR0.TTENDIAN: little-endian tables");

        assertEquals(c.sidBits(), get(IDR1_SIDSIZE, idr1), "IDR1.SIDSIZE");
        assertEquals(c.ssidBits(), get(IDR1_SSIDSIZE, idr1), "IDR1.SSIDSIZE");
        assertEquals(c.cmdqLog2(), get(IDR1_CMDQS, idr1), "IDR1.CMDQS");
        assertEquals(c.evtqLog2(), get(IDR1_EVTQS, idr1), "IDR1.EVENTQS");
        assertEquals(c.priqLog2(), get(IDR1_PRIQS, idr1), "IDR1.PRIQS");

        assertEquals(c.ril(), bit(idr3, IDR3_RIL), "IDR3.RIL");

        assertEquals(TableFormat.ipsEncoding(c.oasBits()), get(IDR5_OAS, idr5), "IDR5.OAS");
        assertEquals(c.gran4k(), bit(idr5, IDR5_GRAN4K), "IDR5.GRAN4K");
        assertEquals(c.gran16k(), bit(idr5, IDR5_GRAN16K), "IDR5.GRAN16K");
        assertEquals(c.gran64k(), bit(idr5, IDR5_GRAN64K), "IDR5.GRAN64K");
        assertEquals(c.stallSupported(), get(IDR5_STALL_MAX, idr5) > 0, "IDR5.STALL_MAX");
    }
}

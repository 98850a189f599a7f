package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.Registers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values of {@link Registers}. Every expected value is a literal: the
 * {@code linux*} tests transcribe Linux's arm-smmu-v3.h (or the older driver
 * and io-pgtable-arm.h, where the class says so); the {@code spec*} tests pin
 * what Linux does not name: IHI0070 bit positions (section 6.3) and the few
 * values derived from Linux's build (queue size limits, MMIO page layout).
 * {@link ConstantsCoverageTest} checks that no constant escapes these tests.
 */
class RegistersGoldenTest {

    @Test
    void linuxIdr0() {
        assertEquals(0x0L, ARM_SMMU_IDR0);
        assertEquals(0x1800_0000L, IDR0_ST_LVL);
        assertEquals(1L, IDR0_ST_LVL_2LVL);
        assertEquals(0x300_0000L, IDR0_STALL_MODEL);
        assertEquals(0L, IDR0_STALL_MODEL_STALL);
        assertEquals(2L, IDR0_STALL_MODEL_FORCE);
        assertEquals(0x60_0000L, IDR0_TTENDIAN);
        assertEquals(0L, IDR0_TTENDIAN_MIXED);
        assertEquals(2L, IDR0_TTENDIAN_LE);
        assertEquals(3L, IDR0_TTENDIAN_BE);
        assertEquals(0x8_0000L, IDR0_CD2L);
        assertEquals(0x4_0000L, IDR0_VMID16);
        assertEquals(0x1_0000L, IDR0_PRI);
        assertEquals(0x4000L, IDR0_SEV);
        assertEquals(0x2000L, IDR0_MSI);
        assertEquals(0x1000L, IDR0_ASID16);
        assertEquals(0x400L, IDR0_ATS);
        assertEquals(0x200L, IDR0_HYP);
        assertEquals(0xc0L, IDR0_HTTU);
        assertEquals(1L, IDR0_HTTU_ACCESS);
        assertEquals(2L, IDR0_HTTU_ACCESS_DIRTY);
        assertEquals(0x20L, IDR0_BTM);
        assertEquals(0x10L, IDR0_COHACC);
        assertEquals(0xcL, IDR0_TTF);
        assertEquals(2L, IDR0_TTF_AARCH64);
        assertEquals(3L, IDR0_TTF_AARCH32_64);
        assertEquals(0x2L, IDR0_S1P);
        assertEquals(0x1L, IDR0_S2P);
    }

    @Test
    void linuxIdr1() {
        assertEquals(0x4L, ARM_SMMU_IDR1);
        assertEquals(0x4000_0000L, IDR1_TABLES_PRESET);
        assertEquals(0x2000_0000L, IDR1_QUEUES_PRESET);
        assertEquals(0x1000_0000L, IDR1_REL);
        assertEquals(0x800_0000L, IDR1_ATTR_TYPES_OVR);
        assertEquals(0x3e0_0000L, IDR1_CMDQS);
        assertEquals(0x1f_0000L, IDR1_EVTQS);
        assertEquals(0xf800L, IDR1_PRIQS);
        assertEquals(0x7c0L, IDR1_SSIDSIZE);
        assertEquals(0x3fL, IDR1_SIDSIZE);
    }

    @Test
    void linuxIdr3() {
        assertEquals(0xcL, ARM_SMMU_IDR3);
        assertEquals(0x100L, IDR3_FWB);
        assertEquals(0x400L, IDR3_RIL);
        assertEquals(0x1800L, IDR3_BBML);
        assertEquals(0L, IDR3_BBML0);
        assertEquals(1L, IDR3_BBML1);
        assertEquals(2L, IDR3_BBML2);
    }

    @Test
    void linuxIdr5() {
        assertEquals(0x14L, ARM_SMMU_IDR5);
        assertEquals(0xffff_0000L, IDR5_STALL_MAX);
        assertEquals(0x40L, IDR5_GRAN64K);
        assertEquals(0x20L, IDR5_GRAN16K);
        assertEquals(0x10L, IDR5_GRAN4K);
        assertEquals(0x7L, IDR5_OAS);
        assertEquals(0L, IDR5_OAS_32_BIT);
        assertEquals(1L, IDR5_OAS_36_BIT);
        assertEquals(2L, IDR5_OAS_40_BIT);
        assertEquals(3L, IDR5_OAS_42_BIT);
        assertEquals(4L, IDR5_OAS_44_BIT);
        assertEquals(5L, IDR5_OAS_48_BIT);
        assertEquals(6L, IDR5_OAS_52_BIT);
        assertEquals(0xc00L, IDR5_VAX);
        assertEquals(1L, IDR5_VAX_52_BIT);
    }

    @Test
    void linuxIidr() {
        assertEquals(0x18L, ARM_SMMU_IIDR);
        assertEquals(0xfff0_0000L, IIDR_PRODUCTID);
        assertEquals(0xf_0000L, IIDR_VARIANT);
        assertEquals(0xf000L, IIDR_REVISION);
        assertEquals(0xfffL, IIDR_IMPLEMENTER);
    }

    @Test
    void linuxControl() {
        assertEquals(0x20L, ARM_SMMU_CR0);
        assertEquals(0x10L, CR0_ATSCHK);
        assertEquals(0x8L, CR0_CMDQEN);
        assertEquals(0x4L, CR0_EVTQEN);
        assertEquals(0x2L, CR0_PRIQEN);
        assertEquals(0x1L, CR0_SMMUEN);
        assertEquals(0x24L, ARM_SMMU_CR0ACK);
        assertEquals(0x28L, ARM_SMMU_CR1);
        assertEquals(0xc00L, CR1_TABLE_SH);
        assertEquals(0x300L, CR1_TABLE_OC);
        assertEquals(0xc0L, CR1_TABLE_IC);
        assertEquals(0x30L, CR1_QUEUE_SH);
        assertEquals(0xcL, CR1_QUEUE_OC);
        assertEquals(0x3L, CR1_QUEUE_IC);
        assertEquals(0L, CR1_CACHE_NC);
        assertEquals(1L, CR1_CACHE_WB);
        assertEquals(2L, CR1_CACHE_WT);
        assertEquals(0x2cL, ARM_SMMU_CR2);
        assertEquals(0x4L, CR2_PTM);
        assertEquals(0x2L, CR2_RECINVSID);
        assertEquals(0x1L, CR2_E2H);
        assertEquals(0x44L, ARM_SMMU_GBPA);
        assertEquals(0x8000_0000L, GBPA_UPDATE);
        assertEquals(0x10_0000L, GBPA_ABORT);
        assertEquals(0x50L, ARM_SMMU_IRQ_CTRL);
        assertEquals(0x4L, IRQ_CTRL_EVTQ_IRQEN);
        assertEquals(0x2L, IRQ_CTRL_PRIQ_IRQEN);
        assertEquals(0x1L, IRQ_CTRL_GERROR_IRQEN);
        assertEquals(0x54L, ARM_SMMU_IRQ_CTRLACK);
    }

    @Test
    void linuxGerror() {
        assertEquals(0x60L, ARM_SMMU_GERROR);
        assertEquals(0x100L, GERROR_SFM_ERR);
        assertEquals(0x80L, GERROR_MSI_GERROR_ABT_ERR);
        assertEquals(0x40L, GERROR_MSI_PRIQ_ABT_ERR);
        assertEquals(0x20L, GERROR_MSI_EVTQ_ABT_ERR);
        assertEquals(0x10L, GERROR_MSI_CMDQ_ABT_ERR);
        assertEquals(0x8L, GERROR_PRIQ_ABT_ERR);
        assertEquals(0x4L, GERROR_EVTQ_ABT_ERR);
        assertEquals(0x1L, GERROR_CMDQ_ERR);
        assertEquals(0x1fdL, GERROR_ERR_MASK);
        assertEquals(0x64L, ARM_SMMU_GERRORN);
        assertEquals(0x68L, ARM_SMMU_GERROR_IRQ_CFG0);
        assertEquals(0x70L, ARM_SMMU_GERROR_IRQ_CFG1);
        assertEquals(0x74L, ARM_SMMU_GERROR_IRQ_CFG2);
    }

    @Test
    void linuxStrtab() {
        assertEquals(0x80L, ARM_SMMU_STRTAB_BASE);
        assertEquals(0x4000_0000_0000_0000L, STRTAB_BASE_RA);
        assertEquals(0xf_ffff_ffff_ffc0L, STRTAB_BASE_ADDR_MASK);
        assertEquals(0x88L, ARM_SMMU_STRTAB_BASE_CFG);
        assertEquals(0x3_0000L, STRTAB_BASE_CFG_FMT);
        assertEquals(0L, STRTAB_BASE_CFG_FMT_LINEAR);
        assertEquals(1L, STRTAB_BASE_CFG_FMT_2LVL);
        assertEquals(0x7c0L, STRTAB_BASE_CFG_SPLIT);
        assertEquals(0x3fL, STRTAB_BASE_CFG_LOG2SIZE);
    }

    @Test
    void linuxQueues() {
        assertEquals(0x90L, ARM_SMMU_CMDQ_BASE);
        assertEquals(0x98L, ARM_SMMU_CMDQ_PROD);
        assertEquals(0x9cL, ARM_SMMU_CMDQ_CONS);
        assertEquals(0xa0L, ARM_SMMU_EVTQ_BASE);
        assertEquals(0x100a8L, ARM_SMMU_EVTQ_PROD);
        assertEquals(0x100acL, ARM_SMMU_EVTQ_CONS);
        assertEquals(0xb0L, ARM_SMMU_EVTQ_IRQ_CFG0);
        assertEquals(0xb8L, ARM_SMMU_EVTQ_IRQ_CFG1);
        assertEquals(0xbcL, ARM_SMMU_EVTQ_IRQ_CFG2);
        assertEquals(0xc0L, ARM_SMMU_PRIQ_BASE);
        assertEquals(0x100c8L, ARM_SMMU_PRIQ_PROD);
        assertEquals(0x100ccL, ARM_SMMU_PRIQ_CONS);
        assertEquals(0xd0L, ARM_SMMU_PRIQ_IRQ_CFG0);
        assertEquals(0xd8L, ARM_SMMU_PRIQ_IRQ_CFG1);
        assertEquals(0xdcL, ARM_SMMU_PRIQ_IRQ_CFG2);
        assertEquals(0xe00L, ARM_SMMU_REG_SZ);
        assertEquals(0x8000_0000L, Q_OVERFLOW_FLAG);
        assertEquals(0x4000_0000_0000_0000L, Q_BASE_RWA);
        assertEquals(0xf_ffff_ffff_ffe0L, Q_BASE_ADDR_MASK);
        assertEquals(0x1fL, Q_BASE_LOG2SIZE);
        assertEquals(0x7f00_0000L, CMDQ_CONS_ERR);
        assertEquals(0L, CMDQ_ERR_CERROR_NONE_IDX);
        assertEquals(1L, CMDQ_ERR_CERROR_ILL_IDX);
        assertEquals(2L, CMDQ_ERR_CERROR_ABT_IDX);
        assertEquals(3L, CMDQ_ERR_CERROR_ATC_INV_IDX);
    }

    @Test
    void linuxMsi() {
        assertEquals(0xf_ffff_ffff_fffcL, MSI_CFG0_ADDR_MASK);
        assertEquals(0x30L, MSI_CFG2_SH);
        assertEquals(0xfL, MSI_CFG2_MEMATTR);
        assertEquals(0L, ARM_SMMU_SH_NSH);
        assertEquals(2L, ARM_SMMU_SH_OSH);
        assertEquals(3L, ARM_SMMU_SH_ISH);
        assertEquals(0x1L, ARM_SMMU_MEMATTR_DEVICE_nGnRE);
        assertEquals(0xfL, ARM_SMMU_MEMATTR_OIWB);
    }

    @Test
    void specIdr0() {
        assertEquals(0x4000_0000L, IDR0_RME_IMPL);
        assertEquals(0L, IDR0_ST_LVL_1LVL);
        assertEquals(0x400_0000L, IDR0_TERM_MODEL);
        assertEquals(1L, IDR0_STALL_MODEL_TERM);
        assertEquals(0x80_0000L, IDR0_ATSRECERR);
        assertEquals(0x10_0000L, IDR0_VATOS);
        assertEquals(0x2_0000L, IDR0_VMW);
        assertEquals(0x8000L, IDR0_ATOS);
        assertEquals(0x800L, IDR0_NS1ATS);
        assertEquals(0x100L, IDR0_DORMHINT);
        assertEquals(1L, IDR0_TTF_AARCH32);
    }

    @Test
    void specIdr1() {
        assertEquals(0x400_0000L, IDR1_ATTR_PERMS_OVR);
    }

    @Test
    void specIdr2To4() {
        assertEquals(0x8L, ARM_SMMU_IDR2);
        assertEquals(0x10L, ARM_SMMU_IDR4);
        assertEquals(0x4L, IDR3_HAD);
        assertEquals(0x8L, IDR3_PBHA);
        assertEquals(0x10L, IDR3_XNX);
        assertEquals(0x20L, IDR3_PPS);
        assertEquals(0x80L, IDR3_MPAM);
        assertEquals(0x200L, IDR3_STT);
        assertEquals(0x2000L, IDR3_E0PD);
        assertEquals(0x4000L, IDR3_PTWNNC);
        assertEquals(0x8000L, IDR3_DPT);
    }

    @Test
    void specIdr5() {
        assertEquals(0L, IDR5_VAX_48_BIT);
    }

    @Test
    void specAidr() {
        assertEquals(0x1cL, ARM_SMMU_AIDR);
        assertEquals(0xf0L, AIDR_ARCHMAJORREV);
        assertEquals(0xfL, AIDR_ARCHMINORREV);
        assertEquals(0L, AIDR_ARCHMINORREV_V3_0);
        assertEquals(1L, AIDR_ARCHMINORREV_V3_1);
        assertEquals(2L, AIDR_ARCHMINORREV_V3_2);
        assertEquals(3L, AIDR_ARCHMINORREV_V3_3);
        assertEquals(4L, AIDR_ARCHMINORREV_V3_4);
    }

    @Test
    void specControl() {
        assertEquals(0x40L, ARM_SMMU_STATUSR);
        assertEquals(0x48L, ARM_SMMU_AGBPA);
        assertEquals(0xc_0000L, GBPA_INSTCFG);
        assertEquals(0x3_0000L, GBPA_PRIVCFG);
        assertEquals(0x3000L, GBPA_SHCFG);
        assertEquals(0L, GBPA_SHCFG_NSH);
        assertEquals(1L, GBPA_SHCFG_INCOMING);
        assertEquals(2L, GBPA_SHCFG_OSH);
        assertEquals(3L, GBPA_SHCFG_ISH);
        assertEquals(0xf00L, GBPA_ALLOCCFG);
        assertEquals(0x10L, GBPA_MTCFG);
        assertEquals(0xfL, GBPA_MEMATTR);
    }

    @Test
    void specQueues() {
        assertEquals(0x10000L, ARM_SMMU_PAGE_SIZE);
        assertEquals(0x10000L, ARM_SMMU_PAGE1);
        assertEquals(0x20000L, ARM_SMMU_MMIO_SIZE);
        assertEquals(20L, Q_MAX_SZ_SHIFT);
    }
}

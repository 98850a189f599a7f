package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_ATTRS;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_DBELL;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_GPA_HI;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_GPA_LO;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_GVA_HI;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_GVA_LO;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_LEN;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_RESULT;
import static dev.jiommu.hw.pci.IommuTestDevice.ITD_REG_DMA_TRIGGERING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jiommu.hw.bus.DirectDma;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.mem.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * QEMU's {@code iommu-testdev} register semantics and every RESULT code, with
 * no IOMMU in the path ({@link DirectDma}) unless a test says otherwise.
 */
class IommuTestDeviceTest {

    private static final long RAM = 0x4000_0000L;

    private PhysicalMemory memory;
    private PciHost host;
    private MmioDevice bar0;

    private void build(DmaTarget dma) {
        memory = PhysicalMemory.ram(RAM, 16L << 20);
        host = new PciHost();
        host.rootBus().attach(8, new IommuTestDevice(dma == null ? new DirectDma(memory) : dma, memory));
        host.ecam().write(8 << 12 | 0x04, 2, 7);
        host.ecam().write(8 << 12 | 0x10, 4, 0x1000_0000L);
        bar0 = host.memoryWindow(0x1000_0000L);
    }

    @BeforeEach
    void directDma() {
        build(null);
    }

    private long reg(int off) {
        return bar0.read(off, 4);
    }

    private void set(int off, long v) {
        bar0.write(off, 4, v);
    }

    /** Programs a DMA of {@code len} bytes to {@code gva}, checked at {@code gpa}, and arms it. */
    private void program(long gva, long gpa, int len) {
        set(ITD_REG_DMA_GVA_LO, gva & 0xffff_ffffL);
        set(ITD_REG_DMA_GVA_HI, gva >>> 32);
        set(ITD_REG_DMA_GPA_LO, gpa & 0xffff_ffffL);
        set(ITD_REG_DMA_GPA_HI, gpa >>> 32);
        set(ITD_REG_DMA_LEN, len);
        set(ITD_REG_DMA_ATTRS, 0xa);
        set(ITD_REG_DMA_DBELL, 1);
    }

    private long trigger() {
        assertEquals(0, reg(ITD_REG_DMA_TRIGGERING));
        return reg(ITD_REG_DMA_RESULT);
    }

    @Test
    void identityAndBarAsQemuDeclaresThem() {
        MmioDevice ecam = host.ecam();
        assertEquals(0x0005_1b36L, ecam.read(8 << 12, 4));
        assertEquals(0x00ff_0000L, ecam.read(8 << 12 | 0x08, 4), "revision 0, class word 0x00ff");
        assertEquals(0, ecam.read(8 << 12 | 0x0e, 1), "header type 0");
        assertEquals(0, ecam.read(8 << 12 | 0x34, 1), "no capabilities");
        assertEquals(0, ecam.read(8 << 12 | 0x3d, 1), "no interrupt pin");
        ecam.write(8 << 12 | 0x10, 4, 0xffff_ffffL);
        assertEquals(0xffff_f000L, ecam.read(8 << 12 | 0x10, 4));
    }

    @Test
    void resetState() {
        assertEquals(0, reg(ITD_REG_DMA_GVA_LO));
        assertEquals(0, reg(ITD_REG_DMA_GVA_HI));
        assertEquals(0, reg(ITD_REG_DMA_LEN));
        assertEquals(0xffff_ffffL, reg(ITD_REG_DMA_RESULT));
        assertEquals(0, reg(ITD_REG_DMA_DBELL));
        assertEquals(2, reg(ITD_REG_DMA_ATTRS));
        assertEquals(0, reg(ITD_REG_DMA_GPA_LO));
        assertEquals(0, reg(ITD_REG_DMA_GPA_HI));
    }

    @Test
    void registersReadBackAndOtherOffsetsReadZero() {
        set(ITD_REG_DMA_GVA_LO, 0x8060_4567L);
        set(ITD_REG_DMA_GVA_HI, 0x80);
        set(ITD_REG_DMA_GPA_LO, 0x4ecb_a567L);
        set(ITD_REG_DMA_GPA_HI, 0x1);
        set(ITD_REG_DMA_LEN, 0x1234);
        set(ITD_REG_DMA_RESULT, 0x42);
        set(ITD_REG_DMA_ATTRS, 0xa);
        set(0x24, 0xffff_ffffL);
        set(0xffc, 0xffff_ffffL);
        assertEquals(0x8060_4567L, reg(ITD_REG_DMA_GVA_LO));
        assertEquals(0x80, reg(ITD_REG_DMA_GVA_HI));
        assertEquals(0x4ecb_a567L, reg(ITD_REG_DMA_GPA_LO));
        assertEquals(0x1, reg(ITD_REG_DMA_GPA_HI));
        assertEquals(0x1234, reg(ITD_REG_DMA_LEN));
        assertEquals(0x42, reg(ITD_REG_DMA_RESULT));
        assertEquals(0xa, reg(ITD_REG_DMA_ATTRS));
        assertEquals(0, reg(0x24));
        assertEquals(0, reg(0xffc));
    }

    @Test
    void doorbellArmsToBusyAndDisarmsToIdle() {
        set(ITD_REG_DMA_DBELL, 1);
        assertEquals(0xffff_fffeL, reg(ITD_REG_DMA_RESULT));
        assertEquals(0, reg(ITD_REG_DMA_DBELL), "DBELL reads 0");
        set(ITD_REG_DMA_DBELL, 0);
        assertEquals(0xffff_ffffL, reg(ITD_REG_DMA_RESULT));
        assertEquals(0xdead_0005L, trigger(), "disarmed");
    }

    @Test
    void onlyAlignedFourByteAccessesReachARegisterAndEightBytesAreTwo() {
        set(ITD_REG_DMA_LEN, 0x1234_5678L);
        assertEquals(0, bar0.read(ITD_REG_DMA_LEN, 2));
        assertEquals(0, bar0.read(ITD_REG_DMA_LEN, 1));
        assertEquals(0, bar0.read(ITD_REG_DMA_LEN + 1, 4));
        bar0.write(ITD_REG_DMA_LEN, 2, 0);
        bar0.write(ITD_REG_DMA_LEN + 2, 4, 0);
        assertEquals(0x1234_5678L, reg(ITD_REG_DMA_LEN));
        bar0.write(ITD_REG_DMA_GVA_LO, 8, 0x0000_0080_8060_4567L);
        assertEquals(0x0000_0080_8060_4567L, bar0.read(ITD_REG_DMA_GVA_LO, 8));
    }

    @Test
    void dmaToRamWritesThePatternAndSucceeds() {
        long target = RAM + 0x1_0567L;
        program(target, target, 10);
        assertEquals(0, trigger());
        byte[] got = new byte[11];
        memory.readBytes(target, got, 0, 11);
        assertArrayEquals(new byte[] {0x78, 0x56, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0x78, 0x56, 0}, got);
        assertEquals(0xdead_0005L, trigger(), "a trigger consumes the arming");
    }

    @Test
    void aDmaLargerThanOneChunkIsCheckedWhole() {
        long target = RAM + 0x10_0000L;
        program(target, target, 200_000);
        assertEquals(0, trigger());
        assertEquals(0x1234_5678, memory.read32(target + 199_996));
    }

    @Test
    void lengthZeroIsBadLen() {
        program(RAM, RAM, 0);
        assertEquals(0xdead_0001L, trigger());
        assertEquals(0xdead_0005L, trigger());
    }

    @Test
    void unarmedIsNotArmed() {
        assertEquals(0xdead_0005L, trigger());
    }

    @Test
    void unmappedTargetIsTxFail() {
        program(0x80_8060_4567L, RAM, 4);
        assertEquals(0xdead_0002L, trigger());
    }

    @Test
    void readBackOutsideRamIsRdFail() {
        program(RAM, 0x10L, 4);
        assertEquals(0xdead_0003L, trigger());
    }

    @Test
    void differentGpaIsMismatch() {
        program(RAM, RAM + 0x1000, 4);
        assertEquals(0xdead_0004L, trigger());
    }

    @Test
    void busMasterDisabledIsTxFailWithoutARequest() {
        List<Long> seen = new ArrayList<>();
        build(new DmaTarget() {
            @Override
            public int write(int sid, int ssid, long address, int attrs, byte[] src, int off, int len) {
                seen.add(address);
                return OK;
            }

            @Override
            public int read(int sid, int ssid, long address, int attrs, byte[] dst, int off, int len) {
                return OK;
            }
        });
        host.ecam().write(8 << 12 | 0x04, 2, 2);
        program(RAM, RAM, 4);
        assertEquals(0xdead_0002L, trigger());
        assertEquals(List.of(), seen);
    }

    @ParameterizedTest
    @CsvSource({"0x8, 0xdead0006", "0xb, 0xdead0006", "0x9, 0xdead0004", "0xa, 0xdead0004", "0x2, 0xdead0004",
        "0xd, 0xdead0004", "0x1, 0xdead0004"})
    void inconsistentSecurityAttributesAreBadAttrsOthersGoAhead(String attrs, String expected) {
        program(RAM, RAM + 0x1000, 4);
        set(ITD_REG_DMA_ATTRS, Long.decode(attrs));
        assertEquals(Long.decode(expected), trigger());
    }

    @Test
    void dmaCarriesTheRequesterIdAsStreamIdWithoutPasid() {
        List<String> seen = new ArrayList<>();
        build(new DmaTarget() {
            @Override
            public int write(int sid, int ssid, long address, int attrs, byte[] src, int off, int len) {
                seen.add(sid + " " + ssid + " " + Long.toHexString(address) + " " + attrs + " " + len);
                return ABORTED;
            }

            @Override
            public int read(int sid, int ssid, long address, int attrs, byte[] dst, int off, int len) {
                return OK;
            }
        });
        program(0x80_8060_4567L, RAM, 4);
        assertEquals(0xdead_0002L, trigger());
        assertEquals(List.of("8 -1 8080604567 0 4"), seen);
        assertFalse(((IommuTestDevice) host.function(0, 8)).armed());
    }
}

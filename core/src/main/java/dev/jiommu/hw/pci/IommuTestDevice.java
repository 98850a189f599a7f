package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.mem.MemoryFault;
import dev.jiommu.mem.PhysicalMemory;
import java.util.Arrays;

/**
 * QEMU's {@code iommu-testdev} ({@code hw/misc/iommu-testdev.c},
 * {@code include/hw/misc/iommu-testdev.h}): a conventional PCI function,
 * vendor 1b36 device 0005 revision 0, class word 0x00ff, with one 4 KiB 32-bit
 * non-prefetchable memory BAR and no capabilities, interrupts or MSI.
 *
 * <p>BAR0 holds 32-bit little-endian registers ({@code ITD_REG_*}); other
 * offsets read 0 and ignore writes. As in QEMU only naturally aligned 4-byte
 * accesses reach a register: a 1- or 2-byte or misaligned access reads 0 and
 * writes nothing, and an 8-byte one is two 4-byte accesses, low address first
 * (QEMU's memory core splits it, the region's maximum being 4). Reset state:
 * addresses and length 0, RESULT {@link #RESULT_IDLE}, not armed, ATTRS
 * {@link #ATTRS_RESET} (space Non-secure).
 *
 * <p>A read of TRIGGERING runs the armed DMA synchronously, then returns 0:
 * <ol>
 *   <li>not armed: RESULT = {@link #ERR_NOT_ARMED}, nothing else;</li>
 *   <li>LEN 0: {@link #ERR_BAD_LEN};</li>
 *   <li>ATTRS space_valid with space Secure or Non-secure that disagrees with
 *       the secure bit: {@link #ERR_BAD_ATTRS};</li>
 *   <li>write LEN bytes of {@code 78 56 34 12 ...} (the little-endian bytes of
 *       {@link #WRITE_VALUE}, repeated) as a DMA to GVA through the upstream
 *       {@link DmaTarget}, requester ID as StreamID, no PASID: any status but
 *       OK (and COMMAND.MASTER clear) gives {@link #ERR_TX_FAIL};</li>
 *   <li>read LEN bytes at GPA from physical memory without the IOMMU; outside
 *       RAM: {@link #ERR_RD_FAIL};</li>
 *   <li>compare: a difference gives {@link #ERR_MISMATCH}, else RESULT 0;</li>
 *   <li>whatever happened, the device is disarmed.</li>
 * </ol>
 * The whole write completes before the read begins, as in QEMU; both go in
 * bounded chunks, so LEN up to 4 GiB needs no 4 GiB buffer.
 */
public final class IommuTestDevice extends PciFunction {

    public static final Identity IDENTITY = new Identity(PciRegs.PCI_VENDOR_ID_REDHAT,
            PciRegs.PCI_DEVICE_ID_REDHAT_TEST, 0, PciRegs.PCI_CLASS_OTHERS);
    public static final int BAR0_SIZE = 0x1000;

    public static final int ITD_REG_DMA_TRIGGERING = 0x00;
    public static final int ITD_REG_DMA_GVA_LO = 0x04;
    public static final int ITD_REG_DMA_GVA_HI = 0x08;
    public static final int ITD_REG_DMA_LEN = 0x0c;
    public static final int ITD_REG_DMA_RESULT = 0x10;
    public static final int ITD_REG_DMA_DBELL = 0x14;
    public static final int ITD_REG_DMA_ATTRS = 0x18;
    public static final int ITD_REG_DMA_GPA_LO = 0x1c;
    public static final int ITD_REG_DMA_GPA_HI = 0x20;

    /** DBELL bit 0: arm (1) or disarm (0). */
    public static final int DBELL_ARM = 0x1;
    /** ATTRS bit 0: secure; bits [2:1]: security space (0 Secure, 1 Non-secure); bit 3: space valid. */
    public static final int ATTRS_SECURE = 0x1;
    public static final int ATTRS_SPACE_SHIFT = 1;
    public static final int ATTRS_SPACE_VALID = 0x8;
    public static final int SPACE_SECURE = 0;
    public static final int SPACE_NONSECURE = 1;
    public static final int ATTRS_RESET = SPACE_NONSECURE << ATTRS_SPACE_SHIFT;

    public static final int RESULT_IDLE = 0xffff_ffff;
    public static final int RESULT_BUSY = 0xffff_fffe;
    public static final int ERR_BAD_LEN = 0xdead_0001;
    public static final int ERR_TX_FAIL = 0xdead_0002;
    public static final int ERR_RD_FAIL = 0xdead_0003;
    public static final int ERR_MISMATCH = 0xdead_0004;
    public static final int ERR_NOT_ARMED = 0xdead_0005;
    public static final int ERR_BAD_ATTRS = 0xdead_0006;

    /** The value whose little-endian bytes the DMA writes, repeated. */
    public static final int WRITE_VALUE = 0x1234_5678;

    /** Bytes moved per step of the DMA and of the read-back (a multiple of 4). */
    private static final int CHUNK = 64 * 1024;

    private final DmaTarget upstream;
    private final PhysicalMemory memory;

    private long gva;
    private long gpa;
    private int len;
    private int result;
    private boolean armed;
    private int attrs;

    /**
     * @param upstream where DMA goes: the IOMMU in front of the bus, or {@link dev.jiommu.hw.bus.DirectDma}
     * @param memory   system memory, read directly for the GPA check
     */
    public IommuTestDevice(DmaTarget upstream, PhysicalMemory memory) {
        super(IDENTITY, false);
        this.upstream = upstream;
        this.memory = memory;
        addBar(new Bar(0, BAR0_SIZE, false, new Registers()));
        reset();
    }

    /** Device reset: the register state QEMU's {@code iommu_testdev_reset} sets. */
    public void reset() {
        gva = 0;
        gpa = 0;
        len = 0;
        result = RESULT_IDLE;
        armed = false;
        attrs = ATTRS_RESET;
    }

    public int result() {
        return result;
    }

    public boolean armed() {
        return armed;
    }

    private int readRegister(int offset) {
        return switch (offset) {
            case ITD_REG_DMA_TRIGGERING -> {
                runDma();
                yield 0;
            }
            case ITD_REG_DMA_GVA_LO -> (int) gva;
            case ITD_REG_DMA_GVA_HI -> (int) (gva >>> 32);
            case ITD_REG_DMA_GPA_LO -> (int) gpa;
            case ITD_REG_DMA_GPA_HI -> (int) (gpa >>> 32);
            case ITD_REG_DMA_LEN -> len;
            case ITD_REG_DMA_RESULT -> result;
            case ITD_REG_DMA_ATTRS -> attrs;
            default -> 0;
        };
    }

    private void writeRegister(int offset, int value) {
        long v = value & 0xffff_ffffL;
        switch (offset) {
            case ITD_REG_DMA_GVA_LO -> gva = gva & 0xffff_ffff_0000_0000L | v;
            case ITD_REG_DMA_GVA_HI -> gva = gva & 0xffff_ffffL | v << 32;
            case ITD_REG_DMA_GPA_LO -> gpa = gpa & 0xffff_ffff_0000_0000L | v;
            case ITD_REG_DMA_GPA_HI -> gpa = gpa & 0xffff_ffffL | v << 32;
            case ITD_REG_DMA_LEN -> len = value;
            case ITD_REG_DMA_RESULT -> result = value;
            case ITD_REG_DMA_DBELL -> {
                armed = (value & DBELL_ARM) != 0;
                result = armed ? RESULT_BUSY : RESULT_IDLE;
            }
            case ITD_REG_DMA_ATTRS -> attrs = value;
            default -> { }
        }
    }

    private void runDma() {
        if (!armed) {
            result = ERR_NOT_ARMED;
            return;
        }
        result = dma();
        armed = false;
    }

    private int dma() {
        if (len == 0) {
            return ERR_BAD_LEN;
        }
        if (attrsInconsistent(attrs)) {
            return ERR_BAD_ATTRS;
        }
        long total = len & 0xffff_ffffL;
        byte[] pattern = new byte[(int) Math.min(CHUNK, total)];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (WRITE_VALUE >>> (8 * (i % 4)));
        }
        for (long done = 0; done < total; done += pattern.length) {
            int n = (int) Math.min(pattern.length, total - done);
            if (dmaWrite(upstream, gva + done, pattern, 0, n) != DmaTarget.OK) {
                return ERR_TX_FAIL;
            }
        }
        byte[] readBack = new byte[pattern.length];
        for (long done = 0; done < total; done += readBack.length) {
            int n = (int) Math.min(readBack.length, total - done);
            if (!memory.isRam(gpa + done, n)) {
                return ERR_RD_FAIL;
            }
            try {
                memory.readBytes(gpa + done, readBack, 0, n);
            } catch (MemoryFault f) {
                return ERR_RD_FAIL;
            }
            if (Arrays.mismatch(pattern, 0, n, readBack, 0, n) >= 0) {
                return ERR_MISMATCH;
            }
        }
        return 0;
    }

    /** QEMU's {@code iommu_testdev_attrs_inconsistent}. */
    private static boolean attrsInconsistent(int attrs) {
        if ((attrs & ATTRS_SPACE_VALID) == 0) {
            return false;
        }
        int space = (attrs >>> ATTRS_SPACE_SHIFT) & 3;
        boolean secure = (attrs & ATTRS_SECURE) != 0;
        return (space == SPACE_SECURE || space == SPACE_NONSECURE) && secure != (space == SPACE_SECURE);
    }

    /** BAR0. */
    private final class Registers implements MmioDevice {
        @Override
        public long read(long offset, int size) {
            if (size == 8) {
                return read(offset, 4) | read(offset + 4, 4) << 32;
            }
            if (size != 4 || (offset & 3) != 0 || offset < 0 || offset >= BAR0_SIZE) {
                return 0;
            }
            return readRegister((int) offset) & 0xffff_ffffL;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (size == 8) {
                write(offset, 4, value);
                write(offset + 4, 4, value >>> 32);
                return;
            }
            if (size == 4 && (offset & 3) == 0 && offset >= 0 && offset < BAR0_SIZE) {
                writeRegister((int) offset, (int) value);
            }
        }
    }
}

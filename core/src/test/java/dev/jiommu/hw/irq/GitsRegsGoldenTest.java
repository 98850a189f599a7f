package dev.jiommu.hw.irq;

import static dev.jiommu.hw.irq.GitsRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Golden values of {@link GitsRegs} and of the identification {@link Its}
 * reports. Every expected value is a literal: {@code linux*} transcribes
 * {@code include/linux/irqchip/arm-gic-v3.h}; {@code spec*} pins what Linux
 * does not name (IHI 0069 register layout, QEMU's virt memory map and ID
 * values); {@code model*} pins this ITS's choices.
 */
class GitsRegsGoldenTest {

    private static final Set<String> PINNED = Set.of(
            "GITS_CTLR", "GITS_IIDR", "GITS_TYPER", "GITS_PIDR2", "GITS_TRANSLATION_FRAME", "GITS_TRANSLATER",
            "GITS_CTLR_ENABLE", "GITS_CTLR_QUIESCENT",
            "GITS_TYPER_PLPIS", "GITS_TYPER_ITT_ENTRY_SIZE_SHIFT", "GITS_TYPER_ITT_ENTRY_SIZE",
            "GITS_TYPER_IDBITS_SHIFT", "GITS_TYPER_IDBITS", "GITS_TYPER_DEVBITS_SHIFT", "GITS_TYPER_DEVBITS",
            "GIC_PIDR2_ARCH_MASK", "GIC_PIDR2_ARCH_GICv3", "MIN_LPI", "ITS_MAX_LPI_NRBITS");

    @Test
    void linuxOffsets() {
        assertEquals(0x0000, GITS_CTLR);
        assertEquals(0x0004, GITS_IIDR);
        assertEquals(0x0008, GITS_TYPER);
        assertEquals(0xffe8, GITS_PIDR2);
        assertEquals(0x10040, GITS_TRANSLATER);
    }

    @Test
    void linuxFields() {
        assertEquals(0x1, GITS_CTLR_ENABLE);
        assertEquals(0x8000_0000, GITS_CTLR_QUIESCENT);
        assertEquals(0x1L, GITS_TYPER_PLPIS);
        assertEquals(4, GITS_TYPER_ITT_ENTRY_SIZE_SHIFT);
        assertEquals(0xf0L, GITS_TYPER_ITT_ENTRY_SIZE);
        assertEquals(8, GITS_TYPER_IDBITS_SHIFT);
        assertEquals(13, GITS_TYPER_DEVBITS_SHIFT);
        assertEquals(0x3_e000L, GITS_TYPER_DEVBITS);
        assertEquals(0xf0, GIC_PIDR2_ARCH_MASK);
        assertEquals(0x30, GIC_PIDR2_ARCH_GICv3);
        assertEquals(16, ITS_MAX_LPI_NRBITS);
    }

    @Test
    void specLayout() {
        assertEquals(0x1f00L, GITS_TYPER_IDBITS);
        assertEquals(0x10000, GITS_TRANSLATION_FRAME);
        assertEquals(8192, MIN_LPI);
        assertEquals(0x0808_0000L, Its.VIRT_GIC_ITS);
        assertEquals(0x2_0000L, Its.REGION_SIZE);
        assertEquals(0x43b, Its.IIDR);
        assertEquals(0x3b, Its.PIDR2);
    }

    @Test
    void modelTyper() {
        assertEquals(16, Its.DEVICE_ID_BITS);
        assertEquals(16, Its.EVENT_ID_BITS);
        assertEquals(16, Its.INTID_BITS);
        assertEquals(8, Its.ITT_ENTRY_BYTES);
        // Physical, ITT_entry_size 8-1, ID_bits 16-1, Devbits 16-1.
        assertEquals(0x1_ef71L, Its.TYPER);
    }

    @Test
    void everyConstantIsPinned() {
        Set<String> declared = Arrays.stream(GitsRegs.class.getDeclaredFields())
                .filter(f -> Modifier.isPublic(f.getModifiers()) && Modifier.isStatic(f.getModifiers()))
                .map(Field::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(PINNED), declared);
    }
}

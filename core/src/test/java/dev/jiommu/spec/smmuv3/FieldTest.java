package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Field} against Linux's GENMASK_ULL, BIT_ULL, FIELD_GET and FIELD_PREP semantics. */
class FieldTest {

    @Test
    void genmaskSetsTheInclusiveRange() {
        assertEquals(0x1L, Field.genmask(0, 0));
        assertEquals(0xeL, Field.genmask(3, 1));
        assertEquals(0x7_ffff_0000_0000L, Field.genmask(50, 32));
        assertEquals(0xf800_0000_0000_0000L, Field.genmask(63, 59));
        assertEquals(0x8000_0000_0000_0000L, Field.genmask(63, 63));
        assertEquals(-1L, Field.genmask(63, 0));
    }

    @Test
    void genmaskAndBitRejectPositionsOutsideADword() {
        assertThrows(IllegalArgumentException.class, () -> Field.genmask(64, 0));
        assertThrows(IllegalArgumentException.class, () -> Field.genmask(3, -1));
        assertThrows(IllegalArgumentException.class, () -> Field.genmask(1, 3));
        assertThrows(IllegalArgumentException.class, () -> Field.bit(64));
        assertThrows(IllegalArgumentException.class, () -> Field.bit(-1));
    }

    @Test
    void bitShiftAndWidth() {
        assertEquals(0x8000_0000_0000_0000L, Field.bit(63));
        assertEquals(0x800L, Field.bit(11));
        assertEquals(59, Field.shift(0xf800_0000_0000_0000L));
        assertEquals(5, Field.width(0xf800_0000_0000_0000L));
        assertEquals(0, Field.shift(-1L));
        assertEquals(64, Field.width(-1L));
    }

    @Test
    void getExtractsAndShiftsDown() {
        assertEquals(5L, Field.get(0xeL, 0xffff_ffff_ffff_fffbL));
        assertEquals(0x1fL, Field.get(0xf800_0000_0000_0000L, -1L));
        assertEquals(-1L, Field.get(-1L, -1L));
        assertEquals(0L, Field.get(0xf0L, 0x0fL));
    }

    @Test
    void prepShiftsUpAndMasks() {
        assertEquals(0xaL, Field.prep(0xeL, 5));
        assertEquals(0x2L, Field.prep(0xeL, 9), "bits beyond the field are dropped");
        assertEquals(0xa000_0000_0000_0000L, Field.prep(0xf800_0000_0000_0000L, 20));
    }

    @Test
    void setReplacesOnlyTheField() {
        assertEquals(0xffff_ffff_ffff_fffbL, Field.set(-1L, 0xeL, 5));
        assertEquals(0x1_0000_0000_000aL, Field.set(0x1_0000_0000_0000L, 0xeL, 5));
    }

    @Test
    void isSetAndFits() {
        assertTrue(Field.isSet(0x800L, 0x801L));
        assertFalse(Field.isSet(0x800L, 0x7ffL));
        assertTrue(Field.fits(0xffff_0000_0000L, 0xffffL));
        assertFalse(Field.fits(0xffff_0000_0000L, 0x1_0000L));
        assertFalse(Field.fits(0xffff_0000_0000L, -1L));
        assertTrue(Field.fits(-1L, -1L));
    }
}

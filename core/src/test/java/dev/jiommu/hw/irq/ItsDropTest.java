package dev.jiommu.hw.irq;

import static dev.jiommu.hw.irq.ItsTestBench.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jiommu.hw.bus.MmioDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

/**
 * Writes GITS_TRANSLATER ignores (IHI 0069, GITS_TRANSLATER): each is
 * counted under its reason, raises nothing, and throws nothing.
 */
class ItsDropTest {

    private final ItsTestBench b = scheduled().mapped();

    private void assertDroppedOnly(DropReason reason) {
        b.scheduler.runUntilIdle();
        assertEquals(List.of(), b.seen);
        assertEquals(0, b.its.translated());
        assertEquals(1, b.its.dropped(reason), reason.name());
        assertEquals(1, b.its.dropped());
        assertEquals(0, b.its.delivered() + b.its.unclaimed());
    }

    @Test
    void disabledIts() {
        b.enable(false);
        b.msi(DEVICE, EVENT);
        assertDroppedOnly(DropReason.DISABLED);
    }

    @Test
    void plainWriteWithoutSideband() {
        b.bus.write(TRANSLATER, 4, EVENT);
        assertDroppedOnly(DropReason.NO_DEVICE_ID);
    }

    @Test
    void sidebandSayingNoDeviceId() {
        b.msi(MmioDevice.NO_DEVICE_ID, EVENT);
        assertDroppedOnly(DropReason.NO_DEVICE_ID);
    }

    @Test
    void deviceIdWiderThanDevbits() {
        b.msi(1 << Its.DEVICE_ID_BITS, EVENT);
        assertDroppedOnly(DropReason.DEVICE_OUT_OF_RANGE);
    }

    @Test
    void unmappedDevice() {
        b.msi(DEVICE + 1, EVENT);
        assertDroppedOnly(DropReason.UNMAPPED_DEVICE);
    }

    @Test
    void unmappedDeviceAfterMapdWithValidClear() {
        b.its.unmapDevice(DEVICE);
        b.msi(DEVICE, EVENT);
        assertDroppedOnly(DropReason.UNMAPPED_DEVICE);
    }

    @Test
    void eventIdBeyondTheDevicesRange() {
        b.msi(DEVICE, 1 << 5);
        assertDroppedOnly(DropReason.EVENT_OUT_OF_RANGE);
    }

    @Test
    void eventIdBeyondIdBitsIsIgnoredRatherThanTruncated() {
        b.its.mapDevice(0x20, Its.EVENT_ID_BITS);
        b.its.mapEvent(0x20, EVENT, 9000);
        b.msi(0x20, (1L << Its.EVENT_ID_BITS) | EVENT);
        assertDroppedOnly(DropReason.EVENT_OUT_OF_RANGE);
    }

    @Test
    void unmappedEvent() {
        b.msi(DEVICE, EVENT + 1);
        assertDroppedOnly(DropReason.UNMAPPED_EVENT);
    }

    @Test
    void discardedEvent() {
        b.its.unmapEvent(DEVICE, EVENT);
        b.msi(DEVICE, EVENT);
        assertDroppedOnly(DropReason.UNMAPPED_EVENT);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void accessSizesOtherThanSixteenAndThirtyTwoBits(int size) {
        b.bus.write(TRANSLATER, size, EVENT, DEVICE);
        assertDroppedOnly(DropReason.ACCESS_SIZE);
    }

    @Test
    void theFirstApplicableReasonCounts() {
        b.enable(false);
        b.bus.write(TRANSLATER, 4, EVENT);
        assertDroppedOnly(DropReason.DISABLED);
    }
}

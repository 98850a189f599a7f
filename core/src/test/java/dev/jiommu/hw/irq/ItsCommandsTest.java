package dev.jiommu.hw.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The calls that stand for MAPD, MAPTI and DISCARD refuse what the ITS would answer with a command error. */
class ItsCommandsTest {

    private final Its its = new Its();

    @ParameterizedTest
    @ValueSource(ints = {-1, 0x1_0000, Integer.MAX_VALUE})
    void mapdRejectsDeviceIdsBeyondDevbits(int deviceId) {
        var e = assertThrows(IllegalArgumentException.class, () -> its.mapDevice(deviceId, 4));
        assertTrue(e.getMessage().contains("E_ITS_MAPD_DEVICE_OOR"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> its.unmapDevice(deviceId));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 17, -1})
    void mapdRejectsIttSizesBeyondIdBits(int bits) {
        var e = assertThrows(IllegalArgumentException.class, () -> its.mapDevice(1, bits));
        assertTrue(e.getMessage().contains("E_ITS_MAPD_ITTSIZE_OOR"), e.getMessage());
    }

    @Test
    void mapdAcceptsTheWholeRange() {
        its.mapDevice(0, 1);
        its.mapDevice(0xffff, 16);
        its.mapEvent(0xffff, 0xffff, 0xffff);
        its.mapEvent(0, 1, 8192);
    }

    @Test
    void mapdTwiceIsRefused() {
        its.mapDevice(1, 4);
        assertThrows(IllegalStateException.class, () -> its.mapDevice(1, 4));
    }

    @Test
    void unmapDeviceForgetsItsEvents() {
        its.mapDevice(1, 4);
        its.mapEvent(1, 2, 9000);
        assertTrue(its.unmapDevice(1));
        assertFalse(its.unmapDevice(1));
        its.mapDevice(1, 4);
        assertFalse(its.unmapEvent(1, 2));
        its.mapEvent(1, 2, 9001);
    }

    @Test
    void maptiNeedsAMappedDevice() {
        var e = assertThrows(IllegalStateException.class, () -> its.mapEvent(7, 0, 8192));
        assertTrue(e.getMessage().contains("E_ITS_MAPTI_UNMAPPED_DEVICE"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> its.unmapEvent(7, 0));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 16})
    void maptiRejectsEventIdsOutsideTheDevicesRange(int eventId) {
        its.mapDevice(1, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> its.mapEvent(1, eventId, 8192));
        assertTrue(e.getMessage().contains("E_ITS_MAPTI_ID_OOR"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> its.unmapEvent(1, eventId));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 1023, 8191, 0x1_0000, -8192})
    void maptiRejectsIntidsThatAreNotLpis(int intid) {
        its.mapDevice(1, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> its.mapEvent(1, 0, intid));
        assertTrue(e.getMessage().contains("E_ITS_MAPTI_PHYSICALID_OOR"), e.getMessage());
    }

    @Test
    void maptiTwiceIsRefusedUntilDiscard() {
        its.mapDevice(1, 4);
        its.mapEvent(1, 0, 8192);
        assertThrows(IllegalStateException.class, () -> its.mapEvent(1, 0, 8193));
        assertTrue(its.unmapEvent(1, 0));
        its.mapEvent(1, 0, 8193);
    }

    @ParameterizedTest
    @ValueSource(ints = {8191, 0x1_0000, 0})
    void handlersAreForLpisOnly(int intid) {
        assertThrows(IllegalArgumentException.class, () -> its.onLpi(intid, i -> { }));
        assertThrows(IllegalArgumentException.class, () -> its.removeLpiHandler(intid));
        assertFalse(its.isPending(intid));
    }

    @Test
    void aNullHandlerIsRefused() {
        assertThrows(NullPointerException.class, () -> its.onLpi(8192, null));
        assertThrows(NullPointerException.class, () -> new Its(null));
    }

    @Test
    void countersStartAtZero() {
        assertEquals(0, its.translated() + its.delivered() + its.unclaimed() + its.coalesced() + its.dropped());
        for (DropReason r : DropReason.values()) {
            assertEquals(0, its.dropped(r));
        }
    }
}

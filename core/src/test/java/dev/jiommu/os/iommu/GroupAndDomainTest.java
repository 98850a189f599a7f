package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jiommu.os.iommu.CoreFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probe, groups, default domains, attach/detach, nesting, capabilities. */
class GroupAndDomainTest {

    private final CoreFixture f = new CoreFixture();

    @Test
    void eachDeviceGetsItsOwnGroupWithADmaDefaultDomain() {
        Device a = f.device("a", 0x100);
        Device b = f.device("b", 0x108);
        assertNotSame(a.group(), b.group());
        assertEquals(List.of(a), a.group().devices());
        Domain def = a.group().defaultDomain();
        assertEquals(DomainType.DMA, def.type());
        assertSame(def, a.group().domain());
        assertTrue(def.isDefault() && def.isFinalised());
        assertEquals(List.of(a), ((PageTableDriver.Attachable) def.ops()).attached);
        assertSame(f.driver, a.driver());
    }

    @Test
    void aDeviceToldToShareJoinsItsPeersGroup() {
        Device a = f.device("fn0", 0x200);
        Device b = Device.builder("fn1").streamIds(0x201).sharesGroupWith(a).build();
        assertErrno(0, f.core.addDevice(b));
        assertSame(a.group(), b.group());
        assertEquals(List.of(a, b), a.group().devices());
        assertEquals(List.of(a, b), ((PageTableDriver.Attachable) a.group().domain().ops()).attached);
    }

    @Test
    void probeErrors() {
        Device a = f.device("a", 1);
        assertErrno(-Errno.EEXIST, f.core.addDevice(a));
        f.driver.claims = sid -> sid < 0x1000;
        Device far = Device.builder("far").streamIds(0x2000).build();
        assertErrno(-Errno.ENODEV, f.core.addDevice(far));
        assertNull(far.group());
        Device orphan = Device.builder("orphan").streamIds(2).sharesGroupWith(far).build();
        assertErrno(-Errno.EINVAL, f.core.addDevice(orphan));
        assertNull(orphan.group());
        assertErrno(-Errno.ENODEV, new IommuCore().addDevice(Device.builder("x").streamIds(3).build()));
    }

    @Test
    void aSecondDriverTakesWhatTheFirstDoesNotClaim() {
        IommuCore core = new IommuCore();
        PageTableDriver s0 = new PageTableDriver(core, "smmu0", PageTableDriver.BITMAP_4K);
        PageTableDriver s1 = new PageTableDriver(core, "smmu1", PageTableDriver.BITMAP_4K);
        s0.claims = sid -> sid < 0x100;
        assertErrno(0, core.registerDriver(s0));
        assertErrno(0, core.registerDriver(s1));
        assertErrno(-Errno.EEXIST, core.registerDriver(s1));
        Device d = Device.builder("d").streamIds(0x180).build();
        assertErrno(0, core.addDevice(d));
        assertSame(s1, d.driver());
        assertErrno(-Errno.EINVAL, core.domainAlloc(DomainType.UNMANAGED));
        Domain u = core.domainAlloc(d, DomainType.UNMANAGED).value();
        assertSame(s1, u.driver());
        Device e = Device.builder("e").streamIds(0x10).build();
        assertErrno(0, core.addDevice(e));
        assertErrno(-Errno.EINVAL, core.attachDevice(u, e));
    }

    @Test
    void passthroughDefaultDomain() {
        CoreFixture p = new CoreFixture(new IommuCore(DomainType.IDENTITY, 20));
        Device a = p.device("a", 1);
        assertEquals(DomainType.IDENTITY, a.group().defaultDomain().type());
        assertEquals(0x1234_0000L, p.core.iovaToPhys(a.group().domain(), 0x1234_0000L));
    }

    @Test
    void attachAndDetachGroup() {
        Device a = f.device("a", 1);
        Group g = a.group();
        Domain def = g.defaultDomain();
        Domain u = f.unmanaged();
        assertFalse(u.isFinalised());
        assertErrno(0, f.core.attachGroup(u, g));
        assertSame(u, g.domain());
        assertTrue(u.isFinalised());
        assertEquals(List.of(g), u.groups());
        // A group attached to a user domain is busy, even for the same domain.
        assertErrno(-Errno.EBUSY, f.core.attachGroup(u, g));
        assertErrno(-Errno.EBUSY, f.core.attachGroup(f.unmanaged(), g));
        assertErrno(-Errno.EBUSY, f.core.domainFree(u));
        assertErrno(-Errno.EINVAL, f.core.detachGroup(def, g));

        assertErrno(0, f.core.detachGroup(u, g));
        assertSame(def, g.domain());
        assertEquals(List.of(), u.groups());
        assertEquals(List.of(a, a), ((PageTableDriver.Attachable) def.ops()).attached, "re-attached to the default domain");
        assertErrno(-Errno.EINVAL, f.core.detachGroup(u, g));
        assertErrno(0, f.core.domainFree(u));
        assertTrue(((PageTableDriver.Attachable) u.ops()).freed);
        assertErrno(-Errno.EINVAL, f.core.attachGroup(u, g));
        assertErrno(-Errno.EINVAL, f.core.domainFree(def));
    }

    @Test
    void attachingABlockedOrIdentityDomain() {
        Device a = f.device("a", 1);
        for (DomainType t : new DomainType[] {DomainType.BLOCKED, DomainType.IDENTITY}) {
            Domain x = f.core.domainAlloc(t).value();
            assertErrno(0, f.core.attachDevice(x, a));
            assertSame(x, a.group().domain());
            assertErrno(0, f.core.detachDevice(x, a));
            assertSame(a.group().defaultDomain(), a.group().domain());
        }
        assertErrno(-Errno.EINVAL, f.core.domainAlloc(DomainType.SVA));
    }

    @Test
    void attachDeviceNeedsASingletonGroup() {
        Device a = f.device("fn0", 1);
        Device b = Device.builder("fn1").streamIds(2).sharesGroupWith(a).build();
        assertErrno(0, f.core.addDevice(b));
        Domain u = f.unmanaged();
        assertErrno(-Errno.EINVAL, f.core.attachDevice(u, a));
        assertErrno(-Errno.ENODEV, f.core.attachDevice(u, Device.builder("no").streamIds(9).build()));
        assertErrno(0, f.core.attachGroup(u, a.group()));
        assertErrno(-Errno.EINVAL, f.core.detachDevice(u, b));
        assertErrno(0, f.core.detachGroup(u, a.group()));
    }

    @Test
    void aRefusedAttachLeavesTheWholeGroupWhereItWas() {
        Device a = f.device("fn0", 1);
        Device b = Device.builder("fn1").streamIds(2).sharesGroupWith(a).build();
        assertErrno(0, f.core.addDevice(b));
        Domain def = a.group().domain();
        Domain u = f.unmanaged();
        f.driver.refuseAttach.add("fn1");
        assertErrno(-Errno.EINVAL, f.core.attachGroup(u, a.group()));
        assertSame(def, a.group().domain());
        assertEquals(List.of(), u.groups());
        // fn0 went to u and was moved back to the default domain.
        assertEquals(List.of(a, b, a), ((PageTableDriver.Attachable) def.ops()).attached);
    }

    @Test
    void removeDeviceReleasesItAndFreesAnEmptiedGroup() {
        Device a = f.device("a", 1);
        Domain def = a.group().defaultDomain();
        Domain u = f.unmanaged();
        assertErrno(0, f.core.attachDevice(u, a));
        assertErrno(0, f.core.removeDevice(a));
        assertNull(a.group());
        assertEquals(List.of(a), f.driver.released);
        assertTrue(def.isFreed());
        assertEquals(List.of(), u.groups());
        assertErrno(0, f.core.domainFree(u));
        assertErrno(-Errno.ENODEV, f.core.removeDevice(a));
    }

    @Test
    void nestingIsSettableUntilTheFirstAttach() {
        Device a = f.device("a", 1);
        Domain u = f.unmanaged();
        assertErrno(0, f.core.setNesting(u, true));
        assertTrue(u.isNesting());
        assertTrue(f.paging(u).nesting);
        assertErrno(0, f.core.setNesting(u, false));
        assertFalse(u.isNesting());
        assertErrno(0, f.core.setNesting(u, true));
        assertErrno(0, f.core.map(u, 0, 0x4000_0000L, 1 << 12, Prot.READ | Prot.WRITE));
        assertErrno(0, f.core.attachDevice(u, a));
        assertErrno(-Errno.EPERM, f.core.setNesting(u, false));
        assertErrno(0, f.core.detachDevice(u, a));
        assertErrno(-Errno.EPERM, f.core.setNesting(u, false), "still finalised after detach");
        assertTrue(u.isNesting());
        assertErrno(-Errno.EINVAL, f.core.setNesting(a.group().defaultDomain(), true));
        assertErrno(-Errno.EINVAL, f.core.setNesting(f.core.domainAlloc(DomainType.IDENTITY).value(), true));
    }

    @Test
    void nestingWithoutDriverSupportIsEinval() {
        f.driver.caps.remove(Capability.NESTING);
        Domain u = f.unmanaged();
        assertErrno(-Errno.EINVAL, f.core.setNesting(u, true));
        assertFalse(u.isNesting());
    }

    @Test
    void capabilitiesComeFromTheDevicesDriver() {
        Device a = f.device("a", 1);
        assertTrue(f.core.capable(a, Capability.CACHE_COHERENCY));
        f.driver.caps.remove(Capability.CACHE_COHERENCY);
        assertFalse(f.core.capable(a, Capability.CACHE_COHERENCY));
        assertFalse(f.core.capable(Device.builder("x").streamIds(5).build(), Capability.NOEXEC));
    }

    @Test
    void probeRecordsWhatTheDriverEnabled() {
        f.driver.ssidBits = 8;
        Device a = Device.builder("a").streamIds(1).pasidBits(16).ats(true).pri(true).canStall(false).build();
        assertErrno(0, f.core.addDevice(a));
        assertEquals(new DeviceFeatures(8, true, true, false), a.features());
        assertEquals(256, a.features().maxPasids());
    }
}

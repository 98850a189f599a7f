package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Prot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jiommu.os.iommu.CoreFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reserved regions (software MSI window, hardware regions, direct mappings) and unrecoverable faults. */
class ReservedRegionsAndFaultsTest {

    private final CoreFixture f = new CoreFixture();

    @Test
    void everyDeviceHasTheSoftwareMsiWindow() {
        Device a = f.device("a", 1);
        ReservedRegion msi = new ReservedRegion(0x800_0000L, 0x10_0000L, Prot.WRITE | Prot.NOEXEC | Prot.MMIO,
                ReservedRegion.Type.SW_MSI);
        assertEquals(List.of(msi), f.core.reservedRegions(a));
        assertEquals(List.of(), f.core.reservedRegions(Device.builder("x").streamIds(7).build()));
    }

    @Test
    void driverRegionsAreAddedInAddressOrder() {
        ReservedRegion bridge = new ReservedRegion(0x1000_0000L, 0x100_0000L, 0, ReservedRegion.Type.RESERVED);
        ReservedRegion rmr = new ReservedRegion(0x10_0000L, 0x2000, Prot.READ | Prot.WRITE, ReservedRegion.Type.DIRECT);
        f.driver.hwRegions.add(bridge);
        f.driver.hwRegions.add(rmr);
        Device a = f.device("a", 1);
        assertEquals(List.of(rmr, ReservedRegion.softwareMsi(), bridge), f.core.reservedRegions(a));
    }

    @Test
    void directRegionsAreIdentityMappedInThePagingDefaultDomain() {
        f.driver.hwRegions.add(new ReservedRegion(0x10_0800L, 0x1000, Prot.READ | Prot.WRITE, ReservedRegion.Type.DIRECT));
        f.driver.hwRegions.add(new ReservedRegion(0x20_0000L, 0x1000, Prot.READ, ReservedRegion.Type.RESERVED));
        Device a = f.device("a", 1);
        Domain def = a.group().defaultDomain();
        // [0x100800, 0x101800) covers two 4K pages.
        assertEquals(0x10_0000L, f.core.iovaToPhys(def, 0x10_0000L));
        assertEquals(0x10_1000L, f.core.iovaToPhys(def, 0x10_1000L));
        assertEquals(0, f.core.iovaToPhys(def, 0x10_2000L));
        assertEquals(0, f.core.iovaToPhys(def, 0x20_0000L), "RESERVED regions are not mapped");
        // A second device of the group finds the pages mapped and maps nothing twice.
        Device b = Device.builder("b").streamIds(2).sharesGroupWith(a).build();
        assertErrno(0, f.core.addDevice(b));
    }

    @Test
    void groupRegionsMergeSameTypeAndKeepOthersApart() {
        Device a = f.device("a", 1);
        Device b = Device.builder("b").streamIds(2).sharesGroupWith(a).build();
        f.driver.hwRegions.add(new ReservedRegion(0x1000_0000L, 0x1000, 0, ReservedRegion.Type.RESERVED));
        f.driver.hwRegions.add(new ReservedRegion(0x1000_1000L, 0x1000, 0, ReservedRegion.Type.RESERVED));
        f.driver.hwRegions.add(new ReservedRegion(0x1000_0800L, 0x1000, 0, ReservedRegion.Type.MSI));
        assertErrno(0, f.core.addDevice(b));
        List<ReservedRegion> g = f.core.groupReservedRegions(a.group());
        assertEquals(List.of(
                ReservedRegion.softwareMsi(),
                new ReservedRegion(0x1000_0000L, 0x2000, 0, ReservedRegion.Type.RESERVED),
                new ReservedRegion(0x1000_0800L, 0x1000, 0, ReservedRegion.Type.MSI)), g);
    }

    @Test
    void unrecoverableFaultsGoToTheDeviceHandlerFirst() {
        Device a = f.device("a", 1);
        List<FaultReport> seen = new ArrayList<>();
        List<String> domainSeen = new ArrayList<>();
        UnrecoverableFault fault = UnrecoverableFault.at(UnrecoverableFault.Reason.PTE_FETCH, 0xdead_0000L, Access.WRITE);

        assertErrno(-Errno.ENOSYS, f.core.reportUnrecoverable(a, fault));

        a.group().domain().setFaultHandler((dom, dev, flt) -> {
            domainSeen.add(dom.type() + " " + dev.name() + " " + Long.toHexString(flt.address()));
            return -Errno.EFAULT;
        });
        assertErrno(-Errno.EFAULT, f.core.reportUnrecoverable(a, fault));
        assertEquals(List.of("DMA a dead0000"), domainSeen);

        assertErrno(0, f.core.registerDeviceFaultHandler(a, (dev, r) -> seen.add(r)));
        assertErrno(-Errno.EBUSY, f.core.registerDeviceFaultHandler(a, (dev, r) -> { }));
        assertErrno(0, f.core.reportUnrecoverable(a, fault));
        assertEquals(List.of(fault), seen);
        assertEquals(1, domainSeen.size(), "the device handler took it");

        assertErrno(0, f.core.unregisterDeviceFaultHandler(a));
        assertErrno(-Errno.EINVAL, f.core.unregisterDeviceFaultHandler(a));
        Device x = Device.builder("x").streamIds(9).build();
        assertErrno(-Errno.ENODEV, f.core.reportUnrecoverable(x, fault));
        assertErrno(-Errno.EINVAL, f.core.registerDeviceFaultHandler(x, (dev, r) -> { }));
    }

    @Test
    void aUserDomainsHandlerSeesFaultsWhileAttached() {
        Device a = f.device("a", 1);
        Domain u = f.unmanaged();
        List<Domain> seen = new ArrayList<>();
        u.setFaultHandler((dom, dev, flt) -> {
            seen.add(dom);
            return 0;
        });
        UnrecoverableFault fault = UnrecoverableFault.at(UnrecoverableFault.Reason.PERMISSION, 0x1000, Access.READ);
        assertErrno(-Errno.ENOSYS, f.core.reportUnrecoverable(a, fault));
        assertErrno(0, f.core.attachDevice(u, a));
        assertErrno(0, f.core.reportUnrecoverable(a, fault));
        assertEquals(List.of(u), seen);
        assertTrue(u.groups().contains(a.group()));
    }
}

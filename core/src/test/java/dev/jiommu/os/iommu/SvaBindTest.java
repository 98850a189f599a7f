package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jiommu.os.iommu.CoreFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** iommu_sva_bind_device / unbind: errno, PASID lifetime, sharing, exit. */
class SvaBindTest {

    private final CoreFixture f = new CoreFixture();
    private final TestAddressSpace mm1 = new TestAddressSpace(1);
    private final TestAddressSpace mm2 = new TestAddressSpace(2);

    private PageTableDriver.Sva svaOps(SvaHandle h) {
        return (PageTableDriver.Sva) h.domain().ops();
    }

    @Test
    void bindGivesTheAddressSpaceAPasidFromOne() {
        Device a = f.device("a", 1, 8, true);
        SvaHandle h = f.core.bind(a, mm1).value();
        assertEquals(1, h.pasid());
        assertEquals(1, f.core.pasidOf(mm1));
        assertSame(a, h.device());
        assertSame(mm1, h.addressSpace());
        assertEquals(DomainType.SVA, h.domain().type());
        assertSame(mm1, h.domain().addressSpace());
        assertEquals(List.of(1), a.group().boundPasids());
        assertTrue(svaOps(h).pasids.contains("a:1"));
        assertEquals(1, mm1.pinned, "the driver pinned the shared ASID");
        assertSame(f.driver.queue, a.iopfQueue(), "a PRI device joined the fault queue");
    }

    @Test
    void noGroupIsEnodev() {
        Device loose = Device.builder("loose").streamIds(1).pasidBits(8).build();
        assertErrno(-Errno.ENODEV, f.core.bind(loose, mm1));
        assertErrno(-Errno.ENOENT, f.core.pasidOf(mm1));
    }

    @Test
    void noSvaInTheDriverOrNoPasidOnTheDeviceIsEopnotsupp() {
        Device noPasid = f.device("nopasid", 1, 0, false);
        assertErrno(-Errno.EOPNOTSUPP, f.core.bind(noPasid, mm1));
        Device a = f.device("a", 2, 8, true);
        f.driver.caps.remove(Capability.SVA);
        assertErrno(-Errno.EOPNOTSUPP, f.core.bind(a, mm1));
        assertErrno(-Errno.ENOENT, f.core.pasidOf(mm1), "no PASID consumed");
        f.driver.caps.add(Capability.SVA);
        f.driver.svaAllocError = -Errno.EOPNOTSUPP;
        assertErrno(-Errno.EOPNOTSUPP, f.core.bind(a, mm1));
        assertEquals(List.of(), a.group().boundPasids());
    }

    @Test
    void pasidBeyondTheDeviceWidthIsEoverflow() {
        Device wide = f.device("wide", 1, 8, true);
        Device narrow = f.device("narrow", 2, 1, true); // PASIDs 1 only
        assertTrue(f.core.bind(wide, mm1).isOk());
        SvaHandle h2 = f.core.bind(wide, mm2).value();
        assertEquals(2, h2.pasid());
        assertErrno(-Errno.EOVERFLOW, f.core.bind(narrow, mm2));
        assertEquals(1, f.core.bind(narrow, mm1).value().pasid());
    }

    @Test
    void exhaustedPasidSpaceIsEnospc() {
        CoreFixture small = new CoreFixture(new IommuCore(DomainType.DMA, 2)); // PASIDs 1..3
        Device a = small.device("a", 1, 8, true);
        for (int i = 1; i <= 3; i++) {
            assertEquals(i, small.core.bind(a, new TestAddressSpace(10 + i)).value().pasid());
        }
        assertErrno(-Errno.ENOSPC, small.core.bind(a, new TestAddressSpace(20)));
        // The device's own width bounds the range too.
        Device narrow = f.device("narrow", 2, 1, true);
        assertTrue(f.core.bind(narrow, mm1).isOk());
        assertErrno(-Errno.ENOSPC, f.core.bind(narrow, mm2));
    }

    @Test
    void anExitedAddressSpaceCannotBeBound() {
        Device a = f.device("a", 1, 8, true);
        mm1.exit();
        assertErrno(-Errno.ESRCH, f.core.bind(a, mm1));
    }

    @Test
    void samePasidOnEveryDeviceAndOneSharedDomain() {
        Device a = f.device("a", 1, 8, true);
        Device b = f.device("b", 2, 8, true);
        SvaHandle other = f.core.bind(a, mm2).value();
        SvaHandle ha = f.core.bind(a, mm1).value();
        SvaHandle hb = f.core.bind(b, mm1).value();
        assertEquals(2, ha.pasid());
        assertEquals(ha.pasid(), hb.pasid());
        assertNotSame(ha, hb);
        assertSame(ha.domain(), hb.domain(), "the driver accepted the address space's existing SVA domain");
        assertNotSame(other.domain(), ha.domain());
        assertEquals(1, mm1.pinned);
    }

    @Test
    void aSecondBindOfTheSamePairIsRefcounted() {
        Device a = f.device("a", 1, 8, true);
        SvaHandle h1 = f.core.bind(a, mm1).value();
        SvaHandle h2 = f.core.bind(a, mm1).value();
        assertSame(h1, h2);
        assertEquals(2, h1.users());
        assertErrno(0, f.core.unbind(h1));
        assertTrue(h1.isBound());
        assertTrue(svaOps(h1).pasids.contains("a:1"));
        assertErrno(0, f.core.unbind(h1));
        assertFalse(h1.isBound());
        assertTrue(svaOps(h1).freed);
        assertTrue(f.driver.log.contains("remove-pasid a 1"));
        assertEquals(0, mm1.pinned);
        assertErrno(-Errno.EINVAL, f.core.unbind(h1));
        assertEquals(List.of(), a.group().boundPasids());
    }

    @Test
    void thePasidSurvivesUnbindUntilTheAddressSpaceIsReleased() {
        Device a = f.device("a", 1, 8, true);
        SvaHandle h = f.core.bind(a, mm1).value();
        assertErrno(0, f.core.unbind(h));
        assertEquals(1, f.core.pasidOf(mm1));
        assertTrue(f.core.pasids().inUse(1));
        assertEquals(2, f.core.bind(a, mm2).value().pasid(), "PASID 1 still belongs to mm1");
        assertEquals(1, f.core.bind(a, mm1).value().pasid(), "rebinding finds the same PASID");
        assertErrno(0, f.core.unbind(f.core.bind(a, mm1).value()));
        mm1.exit();
        assertTrue(f.core.pasids().inUse(1), "a bond still holds the address space");
        SvaHandle again = a.group().pasids.get(1);
        assertErrno(0, f.core.unbind(again));
        assertErrno(-Errno.ENOENT, f.core.pasidOf(mm1));
        assertFalse(f.core.pasids().inUse(1));
        assertEquals(1, f.core.bind(a, new TestAddressSpace(3)).value().pasid(), "PASID 1 is reused");
    }

    @Test
    void releaseWithoutBondsFreesThePasidAtOnce() {
        Device a = f.device("a", 1, 8, true);
        assertErrno(0, f.core.unbind(f.core.bind(a, mm1).value()));
        mm1.exit();
        assertErrno(-Errno.ENOENT, f.core.pasidOf(mm1));
        assertEquals(0, f.core.pasids().allocated());
    }

    @Test
    void exitSwitchesEveryContextToFaultAll() {
        Device a = f.device("a", 1, 8, true);
        Device b = f.device("b", 2, 8, true);
        SvaHandle ha = f.core.bind(a, mm1).value();
        SvaHandle hb = f.core.bind(b, mm1).value();
        mm1.exit();
        assertTrue(svaOps(ha).faultAll);
        assertTrue(ha.domain().isReleased());
        assertTrue(ha.isBound() && hb.isBound(), "bonds stay until unbind");
        assertFalse(svaOps(ha).freed);
        assertErrno(0, f.core.unbind(ha));
        assertErrno(0, f.core.unbind(hb));
        assertTrue(svaOps(ha).freed);
        assertEquals(List.of("sva-release mm1"), f.driver.log.stream().filter(s -> s.startsWith("sva-release")).toList());
    }

    @Test
    void invalidationsReachTheSvaDomain() {
        Device a = f.device("a", 1, 8, true);
        SvaHandle h = f.core.bind(a, mm1.mmap(0x40_0000, 0x10_0000, 3)).value();
        mm1.munmap(0x40_0000, 0x10_0000);
        assertEquals(1, svaOps(h).invalidations.size());
        assertEquals(0x40_0000, svaOps(h).invalidations.getFirst()[0]);
        assertEquals(0x50_0000, svaOps(h).invalidations.getFirst()[1]);
        assertEquals(1, mm1.listenerCount(), "one listener per address space");
        f.core.bind(f.device("b", 2, 8, true), mm1);
        assertEquals(1, mm1.listenerCount());
    }

    @Test
    void aForeignTaskBindsTheSameWay() {
        // A daemon binds a device to another process's address space.
        Device a = f.device("a", 1, 8, true);
        TestAddressSpace daemon = new TestAddressSpace(7);
        SvaHandle own = f.core.bind(a, daemon).value();
        SvaHandle foreign = f.core.bind(a, mm2).value();
        assertEquals(2, foreign.pasid());
        assertSame(mm2, foreign.domain().addressSpace());
        assertNotSame(own.domain(), foreign.domain());
        assertEquals(1, mm2.pinned);
    }

    @Test
    void aGroupSharesItsBondsAndAFailedSetupUndoesItself() {
        Device a = f.device("fn0", 1, 8, true);
        Device b = Device.builder("fn1").streamIds(2).pasidBits(8).sharesGroupWith(a).build();
        assertErrno(0, f.core.addDevice(b));
        SvaHandle h = f.core.bind(a, mm1).value();
        assertEquals(List.of(a, b), h.devices());
        assertSame(h, f.core.bind(b, mm1).value(), "the group's bond on the PASID");
        assertEquals(2, h.users());

        f.driver.refuseAttach.add("fn1");
        assertErrno(-Errno.EINVAL, f.core.bind(a, mm2));
        assertTrue(f.driver.log.contains("remove-pasid fn0 2"), "fn0's PASID was undone");
        assertEquals(List.of(1), a.group().boundPasids());
        assertErrno(-Errno.EBUSY, f.core.removeDevice(b));
    }

    @Test
    void globalPasidsForDeviceUse() {
        Device a = f.device("a", 1, 8, true);
        int p = f.core.allocGlobalPasid(a);
        assertEquals(1, p);
        assertEquals(2, f.core.bind(a, mm1).value().pasid());
        f.core.freeGlobalPasid(p);
        assertErrno(-Errno.ENOSPC, f.core.allocGlobalPasid(f.device("nopasid", 2)));
    }
}

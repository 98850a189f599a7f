package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Access;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jiommu.os.iommu.CoreFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** I/O page faults: grouping, resolution against the bound address space, responses, teardown. */
class IopfTest {

    private static final int R = Access.READ, W = Access.WRITE, RW = R | W;
    private static final long BUF = 0x40_0000L;

    private final CoreFixture f = new CoreFixture();
    private final PageTableDriver drv = f.driver;
    private final IopfQueue q = drv.queue;
    private final TestAddressSpace mm = new TestAddressSpace(1).mmap(BUF, 0x10_0000, RW).mmap(0x80_0000L, 0x1000, R);
    private final List<FaultReport> reported = new ArrayList<>();
    private Device dev;
    private SvaHandle bond;
    private int pasid;

    @BeforeEach
    void bind() {
        dev = f.device("accel", 1, 8, true);
        assertErrno(0, f.core.registerDeviceFaultHandler(dev, (d, r) -> reported.add(r)));
        bond = f.core.bind(dev, mm).value();
        pasid = bond.pasid();
    }

    private PageRequest req(int prg, boolean last, int perm, long addr) {
        return PageRequest.of(pasid, prg, last, perm, addr);
    }

    private void report(IopfFault fault) {
        assertErrno(0, q.reportFault(dev, fault));
    }

    @Test
    void partialFaultsWaitForTheLastOfTheirGroup() {
        report(req(5, false, R, BUF));
        report(req(5, false, W, BUF + 0x1000));
        assertEquals(2, q.partialFaults());
        assertEquals(0, q.pendingGroups());
        assertEquals(0, q.process());
        assertEquals(List.of(), drv.responses);
        assertTrue(mm.faults.isEmpty(), "nothing resolved before the last fault");

        report(req(5, true, RW, BUF + 0x2000));
        assertEquals(0, q.partialFaults());
        assertEquals(1, q.pendingGroups());
        assertEquals(1, q.process());

        assertEquals(1, drv.responses.size(), "one response for the group of three");
        PageTableDriver.Response r = drv.responses.getFirst();
        assertSame(dev, r.dev());
        assertEquals(new PageResponse(true, pasid, 5, ResponseCode.SUCCESS), r.response());
        assertEquals(BUF + 0x2000, r.last().address());
        assertEquals(List.of(BUF, BUF + 0x1000, BUF + 0x2000), List.copyOf(mm.faultedIn));
        assertEquals(new IopfStats(3, 1, 0, 0, 1, 0, 0), q.stats());
        assertEquals(List.of(), reported);
    }

    @Test
    void groupsAreKeptApartByPrgIndexAndPasid() {
        SvaHandle other = f.core.bind(dev, new TestAddressSpace(2).mmap(BUF, 0x1000, RW)).value();
        report(req(1, false, R, BUF));
        report(PageRequest.of(other.pasid(), 1, false, R, BUF));
        report(req(2, false, R, BUF + 0x1000));
        report(req(1, true, R, BUF + 0x3000));
        assertEquals(2, q.partialFaults(), "PRG 2 of this PASID and PRG 1 of the other wait");
        q.process();
        assertEquals(1, drv.responses.size());
        assertEquals(List.of(BUF, BUF + 0x3000), List.copyOf(mm.faultedIn));
        report(PageRequest.of(other.pasid(), 1, true, R, BUF));
        report(req(2, true, R, BUF + 0x4000));
        q.process();
        assertEquals(List.of(other.pasid(), pasid), drv.responses.stream().skip(1).map(x -> x.response().pasid()).toList());
        assertEquals(0, q.partialFaults());
    }

    @Test
    void anUnmappedAddressGetsInvalidAndIsReported() {
        report(req(3, true, R, 0x1000_0000L));
        q.process();
        assertEquals(ResponseCode.INVALID, drv.responses.getFirst().response().code());
        assertEquals(1, reported.size());
        FailedPageRequest fr = (FailedPageRequest) reported.getFirst();
        assertEquals(-Errno.EFAULT, fr.error());
        assertEquals(0x1000_0000L, fr.fault().address());
        assertEquals(ResponseCode.INVALID, fr.code());
        assertEquals(1, q.stats().invalid());
        assertEquals(1, q.stats().failedFaults());
    }

    @Test
    void aWriteToAReadOnlyMappingGetsInvalid() {
        report(req(3, true, W, 0x80_0000L));
        q.process();
        assertEquals(ResponseCode.INVALID, drv.responses.getFirst().response().code());
        assertEquals(-Errno.EACCES, ((FailedPageRequest) reported.getFirst()).error());
    }

    @Test
    void theFirstFailureEndsTheGroup() {
        report(req(4, false, R, BUF));
        report(req(4, false, R, 0x1000_0000L));
        report(req(4, true, R, BUF + 0x1000));
        q.process();
        assertEquals(1, drv.responses.size());
        assertEquals(ResponseCode.INVALID, drv.responses.getFirst().response().code());
        assertEquals(2, mm.faults.size(), "the fault after the failure is not resolved");
        assertEquals(List.of(BUF), List.copyOf(mm.faultedIn));
        assertEquals(1, reported.size());
    }

    @Test
    void aPasidWithoutBondIsAnsweredInvalidAtOnce() {
        report(PageRequest.of(pasid + 1, 7, false, R, BUF));
        report(PageRequest.of(pasid + 1, 7, true, R, BUF));
        assertEquals(0, q.pendingGroups());
        assertEquals(new PageResponse(true, pasid + 1, 7, ResponseCode.INVALID), drv.responses.getFirst().response());
        assertEquals(-Errno.ENODEV, ((FailedPageRequest) reported.getFirst()).error());
        assertEquals(0, q.partialFaults());
        // Without PASID at all:
        report(new PageRequest(false, 0, 8, true, R, BUF, false));
        assertEquals(new PageResponse(false, 0, 8, ResponseCode.INVALID), drv.responses.get(1).response());
        assertEquals(-Errno.EINVAL, ((FailedPageRequest) reported.get(1)).error());
        assertTrue(mm.faults.isEmpty());
    }

    @Test
    void theResponseCarriesThePasidOnlyWhenTheFunctionNeedsIt() {
        report(new PageRequest(true, pasid, 9, true, R, BUF, false));
        q.process();
        assertEquals(new PageResponse(false, pasid, 9, ResponseCode.SUCCESS), drv.responses.getFirst().response());
    }

    @Test
    void stalledTransactionsAreGroupsOfOne() {
        Device stalling = Device.builder("stall").streamIds(0x40).pasidBits(8).canStall(true).build();
        assertErrno(0, f.core.addDevice(stalling));
        assertTrue(stalling.features().stall());
        SvaHandle h = f.core.bind(stalling, mm).value();
        assertSame(q, stalling.iopfQueue());
        assertErrno(0, q.reportFault(stalling, new StallFault(0x40, 0x1234, true, h.pasid(), W, BUF + 0x5000)));
        assertErrno(0, q.reportFault(stalling, new StallFault(0x40, 0x1235, true, h.pasid(), R, 0x2000_0000L)));
        assertEquals(2, q.pendingGroups());
        q.process();
        assertEquals(new PageResponse(true, h.pasid(), 0x1234, ResponseCode.SUCCESS), drv.responses.get(0).response());
        assertEquals(new PageResponse(true, h.pasid(), 0x1235, ResponseCode.INVALID), drv.responses.get(1).response());
        assertTrue(drv.responses.get(0).last() instanceof StallFault s && s.streamId() == 0x40);
        assertEquals(2, q.stats().groups());
    }

    @Test
    void faultsOfADeviceNotOnTheQueueAreRefused() {
        Device plain = f.device("plain", 2, 8, false);
        assertErrno(-Errno.EINVAL, q.reportFault(plain, req(1, true, R, BUF)));
        assertErrno(-Errno.EBUSY, q.addDevice(dev));
        assertErrno(-Errno.ENODEV, q.addDevice(Device.builder("x").streamIds(3).build()));
        assertEquals(0, q.stats().faults());
    }

    @Test
    void discardPartialDropsWithoutResponses() {
        report(req(1, false, R, BUF));
        report(req(2, false, R, BUF));
        q.discardPartial();
        assertEquals(0, q.partialFaults());
        assertEquals(2, q.stats().partialsDiscarded());
        assertEquals(List.of(), drv.responses);
        // A later last fault forms a group of one.
        report(req(1, true, R, BUF + 0x1000));
        q.process();
        assertEquals(List.of(BUF + 0x1000), List.copyOf(mm.faultedIn));
    }

    @Test
    void unbindDropsThePasidsPartialsAndAnswersItsQueuedGroupsInvalid() {
        TestAddressSpace mm2 = new TestAddressSpace(2).mmap(BUF, 0x1000, RW);
        SvaHandle other = f.core.bind(dev, mm2).value();
        report(req(1, false, R, BUF));
        report(req(2, true, R, BUF));
        report(PageRequest.of(other.pasid(), 1, false, R, BUF));
        report(PageRequest.of(other.pasid(), 2, true, R, BUF));
        assertErrno(0, f.core.unbind(bond));
        assertEquals(1, drv.responses.size());
        assertEquals(new PageResponse(true, pasid, 2, ResponseCode.INVALID), drv.responses.getFirst().response());
        assertTrue(mm.faults.isEmpty(), "the unbound address space is not touched");
        assertEquals(1, q.partialFaults(), "the other PASID's partial fault stays");
        assertEquals(1, q.stats().partialsDiscarded());
        assertEquals(1, q.process());
        assertEquals(new PageResponse(true, other.pasid(), 2, ResponseCode.SUCCESS), drv.responses.get(1).response());
        // The late last fault of the unbound PASID finds no bond.
        report(req(1, true, R, BUF));
        assertEquals(ResponseCode.INVALID, drv.responses.get(2).response().code());
    }

    @Test
    void theLastUnbindTakesTheDeviceOffTheQueue() {
        report(req(1, false, R, BUF));
        report(req(2, true, R, BUF));
        assertErrno(0, f.core.unbind(bond));
        assertEquals(null, dev.iopfQueue());
        assertEquals(ResponseCode.INVALID, drv.responses.getFirst().response().code());
        assertEquals(0, q.partialFaults());
        assertEquals(0, q.pendingGroups());
    }

    @Test
    void exitAnswersQueuedGroupsAndLaterGroupsInvalid() {
        report(req(1, true, R, BUF));
        report(req(2, false, R, BUF + 0x1000));
        assertEquals(1, q.pendingGroups());
        mm.exit();
        assertTrue(((PageTableDriver.Sva) bond.domain().ops()).faultAll, "the driver switched the context to fault-all");
        assertEquals(0, q.pendingGroups());
        assertEquals(List.of(new PageResponse(true, pasid, 1, ResponseCode.INVALID)),
                drv.responses.stream().map(PageTableDriver.Response::response).toList());
        assertEquals(-Errno.ESRCH, ((FailedPageRequest) reported.getFirst()).error());
        assertTrue(mm.faults.isEmpty(), "an exited address space is not asked");
        // The partial fault's group closes after exit: answered INVALID too.
        report(req(2, true, R, BUF + 0x2000));
        q.process();
        assertEquals(new PageResponse(true, pasid, 2, ResponseCode.INVALID), drv.responses.get(1).response());
        assertEquals(2, q.stats().invalid());
        assertErrno(0, f.core.unbind(bond));
        assertErrno(-Errno.ENOENT, f.core.pasidOf(mm));
    }

    @Test
    void removingADeviceAnswersItsQueuedGroups() {
        report(req(1, true, R, BUF));
        report(req(2, false, R, BUF));
        assertErrno(0, q.removeDevice(dev));
        assertEquals(ResponseCode.INVALID, drv.responses.getFirst().response().code());
        assertEquals(1, q.stats().partialsDiscarded());
        assertErrno(-Errno.EINVAL, q.removeDevice(dev));
        assertErrno(-Errno.EINVAL, q.reportFault(dev, req(3, true, R, BUF)));
    }

    @Test
    void flushDeviceResolvesOnlyThatDevicesGroups() {
        Device b = f.device("b", 2, 8, true);
        SvaHandle hb = f.core.bind(b, mm).value();
        report(req(1, true, R, BUF));
        assertErrno(0, q.reportFault(b, PageRequest.of(hb.pasid(), 1, true, R, BUF + 0x1000)));
        q.flushDevice(b);
        assertEquals(1, drv.responses.size());
        assertSame(b, drv.responses.getFirst().dev());
        assertEquals(1, q.pendingGroups());
    }

    @Test
    void countersAddUp() {
        report(req(1, false, R, BUF));
        report(req(1, true, R, BUF + 0x1000));
        report(req(2, true, R, 0x3000_0000L));
        report(PageRequest.of(pasid + 3, 3, true, R, BUF));
        q.process();
        IopfStats s = q.stats();
        assertEquals(4, s.faults());
        assertEquals(3, s.groups());
        assertEquals(3, s.responses());
        assertEquals(1, s.responses(ResponseCode.SUCCESS));
        assertEquals(2, s.responses(ResponseCode.INVALID));
        assertEquals(0, s.responses(ResponseCode.FAILURE));
        assertEquals(2, s.failedFaults());
    }
}

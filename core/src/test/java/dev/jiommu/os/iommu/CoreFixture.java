package dev.jiommu.os.iommu;

import dev.jiommu.Errno;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One core with one test driver, and helpers the tests share. */
class CoreFixture {

    final IommuCore core;
    final PageTableDriver driver;

    CoreFixture() {
        this(new IommuCore());
    }

    CoreFixture(IommuCore core) {
        this(core, PageTableDriver.BITMAP_4K);
    }

    CoreFixture(IommuCore core, long bitmap) {
        this.core = core;
        this.driver = new PageTableDriver(core, "smmu0", bitmap);
        assertEquals(0, core.registerDriver(driver));
    }

    /** A probed device with the given StreamID and PASID width; PRI+ATS when {@code pri}. */
    Device device(String name, int sid, int pasidBits, boolean pri) {
        Device d = Device.builder(name).streamIds(sid).pasidBits(pasidBits).ats(pri).pri(pri).build();
        assertErrno(0, core.addDevice(d));
        return d;
    }

    Device device(String name, int sid) {
        return device(name, sid, 0, false);
    }

    static void assertErrno(int expected, int actual) {
        assertEquals(Errno.name(expected), Errno.name(actual));
    }

    static void assertErrno(int expected, int actual, String message) {
        assertEquals(Errno.name(expected), Errno.name(actual), message);
    }

    static void assertErrno(int expected, Result<?> actual) {
        assertEquals(Errno.name(expected), Errno.name(actual.error()));
    }

    PageTableDriver.Paging paging(Domain d) {
        return (PageTableDriver.Paging) d.ops();
    }

    Domain unmanaged() {
        return core.domainAlloc(DomainType.UNMANAGED).value();
    }
}

package dev.jiommu.os.iommu;

import dev.jiommu.Errno;
import dev.jiommu.pgtable.Access;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.TableFormat;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A process address space for SVA tests: VMAs with R/W/X permissions, demand
 * paging by recording which pages were faulted in, exit. Mirrors what the
 * process model's {@code Mm} answers ({@code handleFault}: 0, -EFAULT, -EACCES,
 * -ESRCH), and orders exit as Linux's {@code exit_mmap} does: the address
 * space is dead before the MMU notifiers' release runs.
 */
final class TestAddressSpace implements SvaAddressSpace {

    private final int id;
    private final int asid;
    private boolean alive = true;
    int pinned;
    private final List<Listener> listeners = new ArrayList<>();
    /** VMA start → {end (exclusive), perms as Access R/W/X}. */
    private final TreeMap<Long, long[]> vmas = new TreeMap<>();
    final TreeSet<Long> faultedIn = new TreeSet<>();
    final List<long[]> faults = new ArrayList<>();

    TestAddressSpace(int id) {
        this.id = id;
        this.asid = 100 + id;
    }

    TestAddressSpace mmap(long start, long length, int perms) {
        vmas.put(start, new long[] {start + length, perms});
        return this;
    }

    void munmap(long start, long length) {
        vmas.remove(start);
        faultedIn.subSet(start, start + length).clear();
        for (Listener l : List.copyOf(listeners)) {
            l.invalidateRange(start, start + length);
        }
    }

    void exit() {
        alive = false;
        for (Listener l : List.copyOf(listeners)) {
            l.release();
        }
        vmas.clear();
        faultedIn.clear();
    }

    int listenerCount() {
        return listeners.size();
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public long pgd() {
        return 0x8000_0000L + ((long) id << 12);
    }

    @Override
    public TableFormat format() {
        return TableFormat.stage1(Granule.G4K, 48, 48);
    }

    @Override
    public int asid() {
        return asid;
    }

    @Override
    public void pinAsid() {
        pinned++;
    }

    @Override
    public void unpinAsid() {
        if (pinned == 0) {
            throw new AssertionError("unpin without pin");
        }
        pinned--;
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public int handleFault(long va, int access) {
        faults.add(new long[] {va, access});
        if (!alive) {
            return -Errno.ESRCH;
        }
        var e = vmas.floorEntry(va);
        if (e == null || va >= e.getValue()[0]) {
            return -Errno.EFAULT;
        }
        int want = access & (Access.READ | Access.WRITE | Access.EXEC);
        if ((want & ~e.getValue()[1]) != 0) {
            return -Errno.EACCES;
        }
        faultedIn.add(va & ~0xfffL);
        return 0;
    }
}

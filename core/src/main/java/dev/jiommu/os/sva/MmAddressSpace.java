package dev.jiommu.os.sva;

import dev.jiommu.os.iommu.SvaAddressSpace;
import dev.jiommu.os.mm.Mm;
import dev.jiommu.os.mm.MmuNotifier;
import dev.jiommu.pgtable.TableFormat;

import java.util.Objects;

/**
 * A process ({@link Mm}) as the IOMMU core's SVA code sees it: each method
 * forwards to the {@code Mm}, and each {@link SvaAddressSpace.Listener} is
 * wrapped in an {@link MmuNotifier} registered on it (Linux's
 * {@code mmu_notifier_register} by {@code iommu_sva_bind_device}).
 *
 * <p>Identity: the core keys its per-address-space state (the PASID) on the
 * adapter instance, so a process has exactly one adapter: {@link #of} keeps
 * it in the process's {@link Mm#iommuMm()} slot (Linux's {@code mm->iommu_mm})
 * and returns it on every call.
 *
 * <p>{@link #pinAsid()} ignores a failed pin (the interface's signature
 * cannot report it); drivers use {@link #pinAsidChecked()}, which returns
 * {@code Mm.pinAsid()}'s result, so an unbalanced unpin never follows a
 * failed pin.
 */
public final class MmAddressSpace implements SvaAddressSpace {

    private final Mm mm;

    private MmAddressSpace(Mm mm) {
        this.mm = Objects.requireNonNull(mm, "mm");
    }

    /** The adapter of {@code mm}: made on the first call, the same instance on every later one. */
    public static MmAddressSpace of(Mm mm) {
        if (mm.iommuMm() instanceof MmAddressSpace a) {
            return a;
        }
        MmAddressSpace a = new MmAddressSpace(mm);
        mm.setIommuMm(a);
        return a;
    }

    /** The process this adapter forwards to. */
    public Mm mm() {
        return mm;
    }

    @Override
    public int id() {
        return mm.id();
    }

    @Override
    public long pgd() {
        return mm.pgd();
    }

    @Override
    public TableFormat format() {
        return mm.format();
    }

    @Override
    public int asid() {
        return mm.asid();
    }

    /** Pins the ASID; a failure ({@code -ENOSPC}, {@code -ESRCH}) leaves nothing pinned. */
    @Override
    public void pinAsid() {
        mm.pinAsid();
    }

    /** {@link Mm#pinAsid()}: the pinned ASID, {@code -ENOSPC} or {@code -ESRCH}. */
    @Override
    public int pinAsidChecked() {
        return mm.pinAsid();
    }

    @Override
    public void unpinAsid() {
        mm.unpinAsid();
    }

    @Override
    public boolean isAlive() {
        return mm.isAlive();
    }

    /** Registers an {@link MmuNotifier} forwarding both events; after exit, nothing is registered (as {@link Mm#registerNotifier}). */
    @Override
    public void addListener(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        mm.registerNotifier(new MmuNotifier() {
            @Override
            public void invalidateRange(Mm m, long start, long end) {
                listener.invalidateRange(start, end);
            }

            @Override
            public void release(Mm m) {
                listener.release();
            }
        });
    }

    /** {@link Mm#handleFault}: 0, {@code -EFAULT}, {@code -EACCES}, {@code -ENOMEM}, {@code -EINVAL}, {@code -ESRCH}. */
    @Override
    public int handleFault(long va, int access) {
        return mm.handleFault(va, access);
    }

    @Override
    public String toString() {
        return "MmAddressSpace[" + mm + "]";
    }
}

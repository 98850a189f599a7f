package dev.jiommu.os.iommu;

import java.util.ArrayList;
import java.util.List;

/**
 * The core's state for one address space used by SVA (Linux
 * {@code struct iommu_mm_data}): its PASID, the SVA domains sharing it, the
 * bonds, and the listener the core registered on it.
 *
 * <p>Invariant: the PASID stays allocated from the first bind until the
 * address space has been released and no SVA domain of it is left (Linux
 * frees it in {@code mm_pasid_drop} when the {@code mm_struct} is freed, which
 * the SVA domains' {@code mmgrab} holds off).
 */
final class SvaMm implements SvaAddressSpace.Listener {

    final SvaAddressSpace mm;
    final int pasid;
    final List<Domain> domains = new ArrayList<>(1);
    final List<SvaHandle> handles = new ArrayList<>(1);
    boolean released;
    private final Sva sva;

    SvaMm(Sva sva, SvaAddressSpace mm, int pasid) {
        this.sva = sva;
        this.mm = mm;
        this.pasid = pasid;
    }

    @Override
    public void invalidateRange(long start, long end) {
        for (Domain d : List.copyOf(domains)) {
            ((SvaDomainOps) d.ops()).invalidateRange(start, end);
        }
    }

    @Override
    public void release() {
        sva.release(this);
    }
}

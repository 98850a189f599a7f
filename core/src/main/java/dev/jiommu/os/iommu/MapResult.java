package dev.jiommu.os.iommu;

/**
 * What a driver's {@link PagingDomainOps#mapPages} did: an error (0 or a
 * negated errno) and the bytes it mapped before stopping, which the core
 * unmaps again when the whole request fails (Linux's {@code *mapped} out
 * parameter).
 *
 * @param error  0, or a negated errno
 * @param mapped bytes mapped from the start of the request, a multiple of the page size
 */
public record MapResult(int error, long mapped) {

    public MapResult {
        if (error > 0) {
            throw new IllegalArgumentException("errno must be 0 or negative, not " + error);
        }
        if (mapped < 0) {
            throw new IllegalArgumentException("mapped bytes " + mapped + " is negative");
        }
    }

    public static MapResult ok(long mapped) {
        return new MapResult(0, mapped);
    }

    public static MapResult failed(int error, long mapped) {
        return new MapResult(error, mapped);
    }
}

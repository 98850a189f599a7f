package dev.jiommu.os.iommu;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One translation context as the core manages it (Linux
 * {@code struct iommu_domain}): its type, the driver that allocated it and the
 * driver's per-domain object, what is attached to it, its nesting attribute
 * and its fault handler.
 *
 * <p>Invariants: a domain is used only with devices of the driver that
 * allocated it; once attached (finalised) its nesting attribute no longer
 * changes; a paging domain's page-size bitmap is fixed at allocation; a freed
 * domain is never attached again; an SVA domain belongs to one address space
 * and is freed by the core when its last bond goes.
 */
public final class Domain {

    private final int id;
    private final DomainType type;
    private final IommuDriver driver;
    private final DomainOps ops;
    private final long pageSizeBitmap;
    private final SvaAddressSpace addressSpace;

    /** Groups whose current domain this is. */
    final Set<Group> groups = new LinkedHashSet<>();
    /** Whether any device was ever attached: the driver fixed its configuration. */
    boolean finalised;
    boolean nesting;
    boolean freed;
    /** Group default domain: freed with its group, never by the user. */
    boolean isDefault;
    /** SVA: bonds (group, PASID) using this domain ({@code domain->users}). */
    int svaUsers;
    /** SVA: the address space has exited and the driver switched the domain to fault-all. */
    boolean released;
    private DomainFaultHandler faultHandler;

    Domain(int id, DomainType type, IommuDriver driver, DomainOps ops, SvaAddressSpace addressSpace) {
        this.id = id;
        this.type = type;
        this.driver = driver;
        this.ops = ops;
        this.addressSpace = addressSpace;
        if (type.isPaging()) {
            if (!(ops instanceof PagingDomainOps p)) {
                throw new IllegalStateException(driver.name() + ": a " + type + " domain must implement PagingDomainOps");
            }
            long bitmap = p.pageSizeBitmap();
            if (bitmap == 0) {
                throw new IllegalStateException(driver.name() + ": a paging domain with no page size");
            }
            this.pageSizeBitmap = bitmap;
        } else {
            this.pageSizeBitmap = 0;
        }
    }

    public int id() {
        return id;
    }

    public DomainType type() {
        return type;
    }

    public IommuDriver driver() {
        return driver;
    }

    /** The driver's object for this domain. */
    public DomainOps ops() {
        return ops;
    }

    /** Page sizes the domain maps; 0 for a domain that is not paging. */
    public long pageSizeBitmap() {
        return pageSizeBitmap;
    }

    /** The address space an SVA domain shares, else null. */
    public SvaAddressSpace addressSpace() {
        return addressSpace;
    }

    /** Whether the nesting attribute is set. */
    public boolean isNesting() {
        return nesting;
    }

    /** Whether a device has been attached at least once (the configuration is fixed). */
    public boolean isFinalised() {
        return finalised;
    }

    public boolean isFreed() {
        return freed;
    }

    /** Whether this is a group's default domain. */
    public boolean isDefault() {
        return isDefault;
    }

    /** SVA: whether the address space exited and the domain now faults every access. */
    public boolean isReleased() {
        return released;
    }

    /** Groups translated by this domain now. */
    public List<Group> groups() {
        return new ArrayList<>(groups);
    }

    /**
     * Receive the unrecoverable faults of devices translated by this domain
     * that no device handler took ({@code iommu_set_fault_handler}); null removes it.
     */
    public void setFaultHandler(DomainFaultHandler handler) {
        this.faultHandler = handler;
    }

    DomainFaultHandler faultHandler() {
        return faultHandler;
    }

    PagingDomainOps paging() {
        return (PagingDomainOps) ops;
    }

    @Override
    public String toString() {
        return "domain" + id + "(" + type + (nesting ? ", nesting" : "") + (freed ? ", freed" : "") + ")";
    }
}

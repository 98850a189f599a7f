package dev.jiommu.os.mm;

import dev.jiommu.hw.bus.Dvm;
import dev.jiommu.mem.FrameAllocator;
import dev.jiommu.mem.PhysicalMemory;
import dev.jiommu.pgtable.Granule;
import dev.jiommu.pgtable.Stage;
import dev.jiommu.pgtable.TableFormat;
import dev.jiommu.pgtable.Walker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's memory manager for one machine: creates address spaces
 * ({@link Mm}), owns the ASID allocator and the CPU's table walker, and counts
 * what paging costs.
 *
 * <p>Every address space uses the same stage-1 format: 4 KiB granule, 48-bit
 * VA (Linux arm64 with {@code CONFIG_ARM64_VA_BITS_48}, user half only, so
 * TTBR0), the machine's OAS. Table pages come from one allocator, user data
 * pages from another (or the same); both must lie below 2^OAS.
 *
 * <p>TLB maintenance: the model's CPUs keep no TLB of their own, but when
 * the manager is given the machine's {@link Dvm} it issues the Inner
 * Shareable TLBIs arm64 Linux issues after changing PTEs
 * ({@code flush_tlb_range}, {@code flush_tlb_mm}), so that agents taking
 * part in broadcast TLB maintenance (an SMMU with BTM) see them.
 *
 * <p>Single-threaded, like the simulation core.
 */
public final class MemoryManager {

    /** Virtual address bits of a user address space (arm64 VA_BITS). */
    public static final int VA_BITS = 48;

    private final PhysicalMemory memory;
    private final FrameAllocator tableFrames;
    private final FrameAllocator dataFrames;
    private final int oas;
    private final TableFormat format;
    private final Walker cpuWalker;
    private final AsidAllocator asids;
    private final List<AsidAllocator.RolloverListener> rolloverListeners = new ArrayList<>();
    private final Map<Integer, Mm> live = new LinkedHashMap<>();
    private int nextId = 1;
    private Dvm dvm;

    private long pageFaults;
    private long pagesAllocated;
    private long pagesFreed;

    /**
     * Sends the CPUs' TLB maintenance to {@code dvm} from now on (null: to
     * nobody). A machine whose SMMU may rely on broadcast TLB maintenance
     * must be wired so before any process shares its tables.
     */
    public void broadcastTlbMaintenance(Dvm dvm) {
        this.dvm = dvm;
    }

    /** Where the CPUs' TLBI ...IS go, or null. */
    Dvm dvm() {
        return dvm;
    }

    /** A manager for a machine with one CPU. */
    public MemoryManager(PhysicalMemory memory, FrameAllocator tableFrames, FrameAllocator dataFrames, int oas, int asidBits) {
        this(memory, tableFrames, dataFrames, oas, asidBits, 1);
    }

    /**
     * @param tableFrames where page-table pages come from
     * @param dataFrames  where user pages come from (may be {@code tableFrames})
     * @param oas         output address bits: 32, 36, 40, 42, 44 or 48
     * @param asidBits    ASID width: 8 or 16 on hardware; 2..16 accepted (see {@link AsidAllocator})
     * @param cpus        CPUs that run processes
     * @throws IllegalArgumentException for an OAS the 4 KiB format cannot have, allocators of
     *         another memory or reaching beyond 2^OAS, or an ASID width / CPU count the
     *         allocator refuses
     */
    public MemoryManager(PhysicalMemory memory, FrameAllocator tableFrames, FrameAllocator dataFrames, int oas,
                         int asidBits, int cpus) {
        String problem = TableFormat.problem(Stage.STAGE1, Granule.G4K, VA_BITS, oas,
                TableFormat.stage1StartLevel(Granule.G4K, VA_BITS));
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        for (FrameAllocator f : new FrameAllocator[] {tableFrames, dataFrames}) {
            if (f.memory() != memory) {
                throw new IllegalArgumentException("frame allocator of another physical memory");
            }
            if (((f.base() + f.size() - 1) >>> oas) != 0) {
                throw new IllegalArgumentException(String.format(
                        "frames up to 0x%x lie beyond the %d-bit output size", f.base() + f.size() - 1, oas));
            }
        }
        this.memory = memory;
        this.tableFrames = tableFrames;
        this.dataFrames = dataFrames;
        this.oas = oas;
        this.format = TableFormat.stage1(Granule.G4K, VA_BITS, oas);
        this.cpuWalker = new Walker(memory);
        this.asids = new AsidAllocator(asidBits, cpus, this::rolledOver);
    }

    /**
     * Creates an empty address space with an ASID of the current generation
     * (which may roll the generation over).
     *
     * @throws IllegalStateException when the table allocator has no frame for the start table
     */
    public Mm createMm(String name) {
        Mm mm = new Mm(this, nextId, name == null ? "mm" + nextId : name);
        live.put(nextId++, mm);
        return mm;
    }

    /** The live address spaces, in creation order. */
    public List<Mm> processes() {
        return List.copyOf(live.values());
    }

    /** The live address space with this id, or null. */
    public Mm find(int id) {
        return live.get(id);
    }

    /** Adds a hook called on every ASID rollover (where all CPU TLBs are flushed). */
    public void addRolloverListener(AsidAllocator.RolloverListener l) {
        rolloverListeners.add(l);
    }

    private void rolledOver(long generation) {
        for (AsidAllocator.RolloverListener l : rolloverListeners.toArray(AsidAllocator.RolloverListener[]::new)) {
            l.rollover(generation);
        }
    }

    public PhysicalMemory memory() {
        return memory;
    }

    public FrameAllocator tableFrames() {
        return tableFrames;
    }

    public FrameAllocator dataFrames() {
        return dataFrames;
    }

    public int oas() {
        return oas;
    }

    /** The stage-1 format of every address space. */
    public TableFormat format() {
        return format;
    }

    public AsidAllocator asids() {
        return asids;
    }

    /** The CPU MMU's walker, shared by all processes' CPU accesses; its counters are the CPU's walks. */
    public Walker cpuWalker() {
        return cpuWalker;
    }

    /** Calls to {@link Mm#handleFault}, whatever their outcome (CPU misses, device page requests, populate). */
    public long pageFaults() {
        return pageFaults;
    }

    /** User pages allocated on first touch. */
    public long pagesAllocated() {
        return pagesAllocated;
    }

    /** User pages given back (munmap, MAP_FIXED replacement, exit). */
    public long pagesFreed() {
        return pagesFreed;
    }

    /** ASID generation rollovers. */
    public long asidRollovers() {
        return asids.rollovers();
    }

    void countFault() {
        pageFaults++;
    }

    void countAllocated() {
        pagesAllocated++;
    }

    void countFreed(long n) {
        pagesFreed += n;
    }

    void exited(Mm mm) {
        live.remove(mm.id());
    }
}

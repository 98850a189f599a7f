package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_BASE_ADDRESS_MEM_MASK;
import static dev.jiommu.hw.pci.PciRegs.PCI_CACHE_LINE_SIZE;
import static dev.jiommu.hw.pci.PciRegs.PCI_CLASS_PROG;
import static dev.jiommu.hw.pci.PciRegs.PCI_COMMAND;
import static dev.jiommu.hw.pci.PciRegs.PCI_COMMAND_INTX_DISABLE;
import static dev.jiommu.hw.pci.PciRegs.PCI_COMMAND_IO;
import static dev.jiommu.hw.pci.PciRegs.PCI_COMMAND_MASTER;
import static dev.jiommu.hw.pci.PciRegs.PCI_COMMAND_MEMORY;
import static dev.jiommu.hw.pci.PciRegs.PCI_COMMAND_PARITY;
import static dev.jiommu.hw.pci.PciRegs.PCI_COMMAND_SERR;
import static dev.jiommu.hw.pci.PciRegs.PCI_DEVICE_ID;
import static dev.jiommu.hw.pci.PciRegs.PCI_HEADER_TYPE;
import static dev.jiommu.hw.pci.PciRegs.PCI_HEADER_TYPE_NORMAL;
import static dev.jiommu.hw.pci.PciRegs.PCI_INTERRUPT_LINE;
import static dev.jiommu.hw.pci.PciRegs.PCI_LATENCY_TIMER;
import static dev.jiommu.hw.pci.PciRegs.PCI_REVISION_ID;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS_DETECTED_PARITY;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS_PARITY;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS_REC_MASTER_ABORT;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS_REC_TARGET_ABORT;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS_SIG_SYSTEM_ERROR;
import static dev.jiommu.hw.pci.PciRegs.PCI_STATUS_SIG_TARGET_ABORT;
import static dev.jiommu.hw.pci.PciRegs.PCI_VENDOR_ID;

import dev.jiommu.hw.bus.DmaTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A PCI function with a type-0 configuration header.
 *
 * <p>Register attributes follow PCI 3.0 §6.2 and QEMU's {@code pci_init_wmask}
 * / {@code pci_init_w1cmask} ({@code hw/pci/pci.c}): IDs, class, revision,
 * header type and unimplemented BARs are read-only; COMMAND bits IO, MEMORY,
 * MASTER, PARITY, SERR and INTX_DISABLE are read-write (IO even without an I/O
 * BAR, which libqos's {@code qpci_device_enable} relies on); STATUS error bits
 * are write-1-to-clear; cache line size, latency timer and interrupt line are
 * read-write scratch registers.
 *
 * <p>BAR sizing (PCI 3.0 §6.2.5.1): the address bits of an implemented memory
 * BAR are those above its size, so writing all ones reads back
 * {@code ~(size - 1)} with the type bits. A BAR decodes CPU accesses while
 * COMMAND.MEMORY is set, its address is non-zero and its last byte lies below
 * 0xffff_ffff (QEMU's {@code pci_bar_address}; so the all-ones sizing value
 * never decodes).
 *
 * <p>A function is attached to exactly one bus slot; its requester ID is then
 * {@code bus << 8 | devfn} (PCIe Base 6.0 §2.2.6.2), which is also the SMMU
 * StreamID on Arm systems. With COMMAND.MASTER clear the function issues no
 * memory requests ({@link #dmaWrite}, {@link #dmaRead}).
 */
public class PciFunction {

    /** The identity registers of a function. {@code classCode} is 24 bits: base, sub-class, prog-if. */
    public record Identity(int vendorId, int deviceId, int revision, int classCode) {}

    private static final int COMMAND_WRITABLE = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER
            | PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;
    private static final int STATUS_W1C = PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT
            | PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR
            | PCI_STATUS_DETECTED_PARITY;

    /**
     * Registers of a capability that act when software writes them; told of
     * every configuration write after the space is updated, in the order the
     * capabilities were added.
     */
    interface ConfigWriteObserver {
        void configWritten(int offset, int width);
    }

    protected final ConfigSpace config;
    private final Identity identity;
    private final List<ConfigWriteObserver> observers = new ArrayList<>();
    private final Bar[] bars = new Bar[PciRegs.PCI_NUM_BARS];
    /** -1 until attached to a bus. */
    private int requesterId = -1;

    /** @param express true for a PCI Express function (4 KiB space), false for conventional PCI (256 bytes) */
    protected PciFunction(Identity identity, boolean express) {
        this.identity = Objects.requireNonNull(identity);
        this.config = new ConfigSpace(express);
        config.set16(PCI_VENDOR_ID, identity.vendorId());
        config.set16(PCI_DEVICE_ID, identity.deviceId());
        config.set8(PCI_REVISION_ID, identity.revision());
        config.set8(PCI_CLASS_PROG, identity.classCode());
        config.set16(PCI_CLASS_PROG + 1, identity.classCode() >>> 8);
        config.set8(PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
        config.setWritable(PCI_COMMAND, 2, COMMAND_WRITABLE);
        config.setWriteOneToClear(PCI_STATUS, 2, STATUS_W1C);
        config.setWritable(PCI_CACHE_LINE_SIZE, 1, 0xff);
        config.setWritable(PCI_LATENCY_TIMER, 1, 0xff);
        config.setWritable(PCI_INTERRUPT_LINE, 1, 0xff);
    }

    public Identity identity() {
        return identity;
    }

    /** Configuration space size: 256 or 4096. */
    public int configSize() {
        return config.size();
    }

    /** Declares BAR {@code bar.index()}; called while the function is built. */
    protected final void addBar(Bar bar) {
        if (bars[bar.index()] != null) {
            throw new IllegalStateException("BAR " + bar.index() + " declared twice");
        }
        bars[bar.index()] = bar;
        config.set32(bar.register(), bar.typeBits());
        config.setWritable(bar.register(), 4, ~(bar.size() - 1) & PCI_BASE_ADDRESS_MEM_MASK);
    }

    /** The implemented BARs, in index order. */
    public final List<Bar> bars() {
        return Stream.of(bars).filter(Objects::nonNull).toList();
    }

    /**
     * The PCI bus address BAR {@code bar} decodes at, or -1 while it decodes
     * nothing (memory space disabled, address 0, or its last byte at or above
     * 0xffff_ffff, which QEMU treats as unmapped).
     */
    public final long barAddress(Bar bar) {
        if (!memorySpaceEnabled()) {
            return -1;
        }
        long base = config.get32(bar.register()) & PCI_BASE_ADDRESS_MEM_MASK;
        return base == 0 || base + bar.size() >= 1L << 32 ? -1 : base;
    }

    /** A configuration read as the ECAM delivers it; see {@link ConfigSpace#read}. */
    public final long configRead(int offset, int width) {
        return config.read(offset, width);
    }

    /** A configuration write as the ECAM delivers it; see {@link ConfigSpace#write}. */
    public final void configWrite(int offset, int width, long value) {
        config.write(offset, width, value);
        for (ConfigWriteObserver o : observers) {
            o.configWritten(offset, width);
        }
        configWritten(offset, width);
    }

    /** Registers a capability's write logic; called while the function is built. */
    final void observeConfigWrites(ConfigWriteObserver observer) {
        observers.add(Objects.requireNonNull(observer));
    }

    /** Hook for functions whose registers act on a write (capabilities); the space is already updated. */
    protected void configWritten(int offset, int width) {}

    public final boolean memorySpaceEnabled() {
        return (config.get16(PCI_COMMAND) & PCI_COMMAND_MEMORY) != 0;
    }

    public final boolean busMasterEnabled() {
        return (config.get16(PCI_COMMAND) & PCI_COMMAND_MASTER) != 0;
    }

    /** {@code bus << 8 | devfn}; -1 before the function is attached. */
    public final int requesterId() {
        return requesterId;
    }

    final void attached(int busNumber, int devfn) {
        if (requesterId >= 0) {
            throw new IllegalArgumentException("function already attached at " + PciBus.bdf(requesterId));
        }
        requesterId = busNumber << 8 | devfn;
        attached();
    }

    /** Hook for functions that act once they have a requester ID (connecting to their Translation Agent). */
    protected void attached() {}

    /**
     * Issues a memory write as this function's bus master, without PASID.
     *
     * @return a {@link DmaTarget} status; {@link DmaTarget#BUS_ERROR} when
     *         COMMAND.MASTER is clear (the request is never issued)
     */
    protected final int dmaWrite(DmaTarget upstream, long address, byte[] src, int off, int len) {
        if (!busMasterEnabled()) {
            return DmaTarget.BUS_ERROR;
        }
        return upstream.write(requesterId, DmaTarget.NO_SUBSTREAM, address, 0, src, off, len);
    }

    /** Issues a memory read as this function's bus master; statuses as {@link #dmaWrite}. */
    protected final int dmaRead(DmaTarget upstream, long address, byte[] dst, int off, int len) {
        if (!busMasterEnabled()) {
            return DmaTarget.BUS_ERROR;
        }
        return upstream.read(requesterId, DmaTarget.NO_SUBSTREAM, address, 0, dst, off, len);
    }

    @Override
    public String toString() {
        return String.format("%s %04x:%04x", requesterId < 0 ? "unattached" : PciBus.bdf(requesterId),
                identity.vendorId(), identity.deviceId());
    }
}

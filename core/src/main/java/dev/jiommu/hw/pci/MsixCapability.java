package dev.jiommu.hw.pci;

import static dev.jiommu.hw.pci.PciRegs.PCI_CAP_ID_MSIX;
import static dev.jiommu.hw.pci.PciRegs.PCI_CAP_MSIX_SIZEOF;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_FLAGS;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_FLAGS_ENABLE;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_FLAGS_MASKALL;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_FLAGS_QSIZE;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_PBA;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_PBA_BIR;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_TABLE;
import static dev.jiommu.hw.pci.PciRegs.PCI_MSIX_TABLE_BIR;

import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.hw.bus.MmioDevice;
import java.util.Objects;

/**
 * The MSI-X capability of a function (PCIe Base 6.0 §7.7.2) and the delivery
 * of its interrupt messages (§6.1.4): the capability in configuration space,
 * the table and PBA ({@link MsixTable}) in one or two of the function's
 * memory BARs, and {@link #signal} for the function's interrupt sources.
 *
 * <pre>
 *  31                      16 15           8 7            0
 * +---------------------------+--------------+-------------+
 * |      Message Control      |  next        |  ID 11h     | +0
 * |             Table Offset [31:3]          | Table BIR   | +4
 * |             PBA Offset [31:3]            | PBA BIR     | +8
 * +---------------------------+--------------+-------------+
 *  Message Control: [10:0] Table Size, N - 1 (RO)  [14] Function Mask (RW)
 *                   [15] MSI-X Enable (RW); both reset to 0
 * </pre>
 *
 * <p>Delivery (§6.1.4.5): a vector is masked while MSI-X Enable is clear,
 * Function Mask is set, or its own Mask Bit is set. Signalling a masked vector
 * sets its Pending bit and sends nothing; the spec defines Pending only for
 * masking, and treating a disabled function as masked is QEMU's choice
 * ({@code msix_notify}), which this model follows. When a vector with its
 * Pending bit set becomes unmasked (its Mask Bit cleared, or Function Mask
 * cleared or MSI-X Enable set by a configuration write), the pending message
 * is sent at once, lowest vector first, and its Pending bit cleared.
 *
 * <p>A message is a 4-byte memory write of Message Data (little-endian) to
 * Message Address, issued upstream like any of the function's requests:
 * requester ID as StreamID, no PASID, attributes 0, and only while
 * COMMAND.MASTER is set (§7.5.1.1.3: clearing Bus Master Enable also stops
 * MSI-X). An MSI is a posted write, so the function never learns its fate:
 * once issued it is not pended again, whatever the upstream answered; a
 * message address of 0 is sent like any other (the IOMMU or the bus decides
 * what it reaches). The status the upstream returned is reported to the
 * caller and counted, for whoever studies the system.
 */
public final class MsixCapability {

    /** {@link #signal} result: the vector was masked; its Pending bit is now set. */
    public static final int PENDED = -1;
    /** Table Size limit (§7.7.2.2): 11 bits encode up to 2048 vectors. */
    public static final int MAX_VECTORS = 2048;

    private final PciFunction function;
    private final DmaTarget upstream;
    private final ConfigSpace config;
    private final int offset;
    private final MsixTable table;
    private final int tableBir;
    private final long tableOffset;
    private final int pbaBir;
    private final long pbaOffset;
    private final byte[] message = new byte[4];

    /** MSI-X Enable clear or Function Mask set, as of the last configuration write. */
    private boolean functionBlocked = true;
    private long sent;
    private long pended;
    private long failed;

    private MsixCapability(PciFunction function, DmaTarget upstream, int offset, int vectors, int tableBir,
                           long tableOffset, int pbaBir, long pbaOffset) {
        this.function = function;
        this.upstream = upstream;
        this.config = function.config;
        this.offset = offset;
        this.table = new MsixTable(vectors, this::vectorUnmasked);
        this.tableBir = tableBir;
        this.tableOffset = tableOffset;
        this.pbaBir = pbaBir;
        this.pbaOffset = pbaOffset;
    }

    /**
     * Adds the capability at the end of {@code function}'s standard list, in
     * its reset state (disabled, not function-masked, every vector masked).
     * The caller maps {@link #bar(int)} into the BARs named here.
     *
     * @param upstream    where the messages go: the function's DMA path (the SMMU)
     * @param vectors     Table Size, 1..2048
     * @param tableBir    BAR holding the table, 0..5
     * @param tableOffset offset of the table in that BAR, QWORD aligned
     * @param pbaBir      BAR holding the PBA, 0..5
     * @param pbaOffset   offset of the PBA in that BAR, QWORD aligned, not overlapping the table
     * @throws IllegalArgumentException on any other value
     * @throws IllegalStateException    when the standard capability area is full
     */
    public static MsixCapability add(PciFunction function, DmaTarget upstream, int vectors, int tableBir,
                                     long tableOffset, int pbaBir, long pbaOffset) {
        Objects.requireNonNull(upstream);
        if (vectors < 1 || vectors > MAX_VECTORS) {
            throw new IllegalArgumentException("MSI-X table size " + vectors);
        }
        checkPlacement("table", tableBir, tableOffset, MsixTable.tableBytes(vectors));
        checkPlacement("PBA", pbaBir, pbaOffset, MsixTable.pbaBytes(vectors));
        if (tableBir == pbaBir && tableOffset < pbaOffset + MsixTable.pbaBytes(vectors)
                && pbaOffset < tableOffset + MsixTable.tableBytes(vectors)) {
            throw new IllegalArgumentException("MSI-X table and PBA overlap");
        }
        ConfigSpace config = function.config;
        int at = config.addCapability(PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
        config.set16(at + PCI_MSIX_FLAGS, (vectors - 1) & PCI_MSIX_FLAGS_QSIZE);
        config.setWritable(at + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
        config.set32(at + PCI_MSIX_TABLE, tableOffset | tableBir & PCI_MSIX_TABLE_BIR);
        config.set32(at + PCI_MSIX_PBA, pbaOffset | pbaBir & PCI_MSIX_PBA_BIR);
        MsixCapability msix = new MsixCapability(function, upstream, at, vectors, tableBir, tableOffset, pbaBir,
                pbaOffset);
        function.observeConfigWrites(msix::configWritten);
        return msix;
    }

    private static void checkPlacement(String what, int bir, long offset, long bytes) {
        if (bir < 0 || bir >= PciRegs.PCI_NUM_BARS || (offset & 7) != 0 || offset < 0 || offset + bytes > 1L << 32) {
            throw new IllegalArgumentException(String.format("MSI-X %s at BAR %d offset 0x%x", what, bir, offset));
        }
    }

    /** Offset of the capability in configuration space. */
    public int offset() {
        return offset;
    }

    public int vectors() {
        return table.vectors();
    }

    /** MSI-X Enable. */
    public boolean enabled() {
        return (control() & PCI_MSIX_FLAGS_ENABLE) != 0;
    }

    /** Function Mask. */
    public boolean functionMasked() {
        return (control() & PCI_MSIX_FLAGS_MASKALL) != 0;
    }

    /** Whether {@code vector} may not send now: disabled, function-masked or its Mask Bit set. */
    public boolean masked(int vector) {
        return !enabled() || functionMasked() || table.masked(Objects.checkIndex(vector, vectors()));
    }

    /** The vector's Pending bit. */
    public boolean pending(int vector) {
        return table.pending(Objects.checkIndex(vector, vectors()));
    }

    /**
     * The function's interrupt source for {@code vector} fires.
     *
     * @return {@link #PENDED} when the vector is masked (its Pending bit is now
     *         set), else the {@link DmaTarget} status of the message write
     *         ({@link DmaTarget#BUS_ERROR} without issuing it when COMMAND.MASTER is clear)
     * @throws IndexOutOfBoundsException when the function has no such vector (a
     *         device-model error: a device validates vector numbers software gives it)
     */
    public int signal(int vector) {
        Objects.checkIndex(vector, vectors());
        if (masked(vector)) {
            table.setPending(vector, true);
            pended++;
            return PENDED;
        }
        return send(vector);
    }

    /** Messages issued whose write completed {@link DmaTarget#OK}. */
    public long sent() {
        return sent;
    }

    /** Signals that found their vector masked. */
    public long pended() {
        return pended;
    }

    /** Messages not issued (COMMAND.MASTER clear) or whose write did not complete OK. */
    public long failed() {
        return failed;
    }

    public int tableBir() {
        return tableBir;
    }

    public long tableOffset() {
        return tableOffset;
    }

    public int pbaBir() {
        return pbaBir;
    }

    public long pbaOffset() {
        return pbaOffset;
    }

    /** Whether a BAR-relative {@code offset} in BAR {@code bir} lies in the table or the PBA. */
    public boolean decodes(int bir, long offset) {
        return inTable(bir, offset) || inPba(bir, offset);
    }

    /**
     * The MSI-X structures of BAR {@code bir}, decoded at BAR-relative offsets:
     * the table and/or PBA where this capability places them in that BAR, and
     * elsewhere bytes that read 0 and ignore writes. A function whose BAR also
     * holds its own registers routes the offsets {@link #decodes} claims here.
     */
    public MmioDevice bar(int bir) {
        return new MmioDevice() {
            @Override
            public long read(long offset, int size) {
                if (inTable(bir, offset)) {
                    return table.readTable(offset - tableOffset, size);
                }
                if (inPba(bir, offset)) {
                    return table.readPba(offset - pbaOffset, size);
                }
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                if (inTable(bir, offset)) {
                    table.writeTable(offset - tableOffset, size, value);
                }
            }
        };
    }

    private boolean inTable(int bir, long offset) {
        return bir == tableBir && offset >= tableOffset && offset - tableOffset < MsixTable.tableBytes(vectors());
    }

    private boolean inPba(int bir, long offset) {
        return bir == pbaBir && offset >= pbaOffset && offset - pbaOffset < MsixTable.pbaBytes(vectors());
    }

    private int control() {
        return config.get16(offset + PCI_MSIX_FLAGS);
    }

    private int send(int vector) {
        table.setPending(vector, false);
        int data = table.data(vector);
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) (data >>> (8 * i));
        }
        int status = function.dmaWrite(upstream, table.address(vector), message, 0, message.length);
        if (status == DmaTarget.OK) {
            sent++;
        } else {
            failed++;
        }
        return status;
    }

    private void vectorUnmasked(int vector) {
        if (!functionBlocked && table.pending(vector)) {
            send(vector);
        }
    }

    private void configWritten(int at, int width) {
        if (!ConfigSpace.overlaps(at, width, offset + PCI_MSIX_FLAGS, 2)) {
            return;
        }
        boolean wasBlocked = functionBlocked;
        functionBlocked = !enabled() || functionMasked();
        if (wasBlocked && !functionBlocked) {
            for (int v = 0; v < vectors(); v++) {
                if (table.pending(v) && !table.masked(v)) {
                    send(v);
                }
            }
        }
    }
}

package dev.jiommu.os.pci;

import dev.jiommu.Errno;
import dev.jiommu.hw.bus.SystemBus;

import static dev.jiommu.hw.pci.PciRegs.*;

/**
 * The operating system's handle on one PCIe function (Linux {@code struct
 * pci_dev}): configuration space reached through the ECAM window on the
 * system bus, and the ATS, PRI and PASID enables of Linux's
 * {@code drivers/pci/ats.c}, with the same checks and errno choices.
 *
 * <p>Configuration address = ECAM base + (bus &lt;&lt; 20 | devfn &lt;&lt; 12 |
 * offset) (PCIe Base §7.2.2). The requester ID, which the SMMU sees as the
 * StreamID on {@code virt}, is {@code bus << 8 | devfn}.
 *
 * <p>Linux treats enabling ATS twice as a bug ({@code BUG_ON}); here it is
 * {@code -EBUSY}.
 */
public final class PciDev {

    private final SystemBus bus;
    private final long ecamBase;
    private final int requesterId;

    /**
     * @param ecamBase    base of the ECAM window
     * @param requesterId bus &lt;&lt; 8 | devfn, 0..0xffff
     */
    public PciDev(SystemBus bus, long ecamBase, int requesterId) {
        if ((requesterId & ~0xffff) != 0) {
            throw new IllegalArgumentException("requester ID out of range: 0x" + Integer.toHexString(requesterId));
        }
        this.bus = bus;
        this.ecamBase = ecamBase;
        this.requesterId = requesterId;
    }

    public int requesterId() {
        return requesterId;
    }

    /** Reads {@code size} (1, 2 or 4) bytes of configuration space at {@code offset}. */
    public int readConfig(int offset, int size) {
        return (int) bus.read(address(offset), size);
    }

    /** Writes {@code size} (1, 2 or 4) bytes of configuration space at {@code offset}. */
    public void writeConfig(int offset, int size, int value) {
        bus.write(address(offset), size, value & 0xffff_ffffL);
    }

    private long address(int offset) {
        if (offset < 0 || offset >= 4096) {
            throw new IllegalArgumentException("configuration offset out of range: 0x" + Integer.toHexString(offset));
        }
        return ecamBase + ((long) requesterId << 12) + offset;
    }

    /** True when a function answers at this requester ID (vendor ID not all ones). */
    public boolean present() {
        return readConfig(PCI_VENDOR_ID, 2) != 0xffff;
    }

    /** Offset of the capability {@code id} in the legacy list, or 0 (Linux pci_find_capability). */
    public int findCapability(int id) {
        if ((readConfig(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int at = readConfig(PCI_CAPABILITY_LIST, 1) & 0xfc;
        for (int ttl = 48; at >= 0x40 && ttl > 0; ttl--) {
            if (readConfig(at + PCI_CAP_LIST_ID, 1) == id) {
                return at;
            }
            at = readConfig(at + PCI_CAP_LIST_NEXT, 1) & 0xfc;
        }
        return 0;
    }

    /** Offset of the extended capability {@code id}, or 0 (Linux pci_find_ext_capability). */
    public int findExtCapability(int id) {
        int at = PCI_CFG_SPACE_SIZE;
        for (int ttl = (4096 - PCI_CFG_SPACE_SIZE) / 8; ttl > 0 && at >= PCI_CFG_SPACE_SIZE; ttl--) {
            int header = readConfig(at, 4);
            if (header == 0 || header == -1) {
                return 0;
            }
            if (PCI_EXT_CAP_ID(header) == id) {
                return at;
            }
            at = PCI_EXT_CAP_NEXT(header);
        }
        return 0;
    }

    /** Sets Memory Space Enable and Bus Master Enable in the Command register. */
    public void enableMemoryAndBusMaster() {
        writeConfig(PCI_COMMAND, 2, readConfig(PCI_COMMAND, 2) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    }

    // ---- ATS (PCIe Base §10.5.1) ------------------------------------------------------------------------------

    /** True when the function has the ATS capability. */
    public boolean atsSupported() {
        return findExtCapability(PCI_EXT_CAP_ID_ATS) != 0;
    }

    /**
     * Enables ATS with a Smallest Translation Unit of 2^{@code pageShift} bytes.
     *
     * @return 0; -ENODEV without the capability; -EINVAL when {@code pageShift}
     *         is below 12; -EBUSY when ATS is already enabled
     */
    public int enableAts(int pageShift) {
        int at = findExtCapability(PCI_EXT_CAP_ID_ATS);
        if (at == 0) {
            return -Errno.ENODEV;
        }
        if (pageShift < PCI_ATS_MIN_STU) {
            return -Errno.EINVAL;
        }
        if ((readConfig(at + PCI_ATS_CTRL, 2) & PCI_ATS_CTRL_ENABLE) != 0) {
            return -Errno.EBUSY;
        }
        writeConfig(at + PCI_ATS_CTRL, 2, PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(pageShift - PCI_ATS_MIN_STU));
        return 0;
    }

    /** Clears ATS Enable; nothing when there is no capability. */
    public void disableAts() {
        int at = findExtCapability(PCI_EXT_CAP_ID_ATS);
        if (at != 0) {
            writeConfig(at + PCI_ATS_CTRL, 2, readConfig(at + PCI_ATS_CTRL, 2) & ~PCI_ATS_CTRL_ENABLE);
        }
    }

    public boolean atsEnabled() {
        int at = findExtCapability(PCI_EXT_CAP_ID_ATS);
        return at != 0 && (readConfig(at + PCI_ATS_CTRL, 2) & PCI_ATS_CTRL_ENABLE) != 0;
    }

    /** Invalidate Queue Depth, 1..32 (0 in the field encodes 32); -ENODEV without the capability. */
    public int atsQueueDepth() {
        int at = findExtCapability(PCI_EXT_CAP_ID_ATS);
        if (at == 0) {
            return -Errno.ENODEV;
        }
        int q = PCI_ATS_CAP_QDEP(readConfig(at + PCI_ATS_CAP, 2));
        return q != 0 ? q : PCI_ATS_MAX_QDEP;
    }

    // ---- PRI (PCIe Base §10.5.2) ------------------------------------------------------------------------------

    public boolean priSupported() {
        return findExtCapability(PCI_EXT_CAP_ID_PRI) != 0;
    }

    /**
     * Allocates min(capacity, {@code requests}) outstanding page requests and enables PRI.
     *
     * @return 0; -EINVAL without the capability; -EBUSY when PRI is enabled or not stopped
     */
    public int enablePri(int requests) {
        int at = findExtCapability(PCI_EXT_CAP_ID_PRI);
        if (at == 0) {
            return -Errno.EINVAL;
        }
        int control = readConfig(at + PCI_PRI_CTRL, 2);
        int status = readConfig(at + PCI_PRI_STATUS, 2);
        if ((control & PCI_PRI_CTRL_ENABLE) != 0 || (status & PCI_PRI_STATUS_STOPPED) == 0) {
            return -Errno.EBUSY;
        }
        int capacity = readConfig(at + PCI_PRI_MAX_REQ, 4);
        writeConfig(at + PCI_PRI_ALLOC_REQ, 4, Integer.compareUnsigned(capacity, requests) < 0 ? capacity : requests);
        writeConfig(at + PCI_PRI_CTRL, 2, control | PCI_PRI_CTRL_ENABLE);
        return 0;
    }

    /** Clears PRI Enable; nothing when there is no capability. */
    public void disablePri() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PRI);
        if (at != 0) {
            writeConfig(at + PCI_PRI_CTRL, 2, readConfig(at + PCI_PRI_CTRL, 2) & ~PCI_PRI_CTRL_ENABLE);
        }
    }

    /**
     * Resets the PRI state (PCI_PRI_CTRL_RESET), which forces the capability to stopped.
     *
     * @return 0; -EINVAL without the capability; -EBUSY while PRI is enabled
     */
    public int resetPri() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PRI);
        if (at == 0) {
            return -Errno.EINVAL;
        }
        int control = readConfig(at + PCI_PRI_CTRL, 2);
        if ((control & PCI_PRI_CTRL_ENABLE) != 0) {
            return -Errno.EBUSY;
        }
        writeConfig(at + PCI_PRI_CTRL, 2, control | PCI_PRI_CTRL_RESET);
        return 0;
    }

    /**
     * PRI status bits (RF, UPRGI, STOPPED; STOPPED reads as 0 while enabled,
     * where it is undefined); -EINVAL without the capability.
     */
    public int priStatus() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PRI);
        if (at == 0) {
            return -Errno.EINVAL;
        }
        int status = readConfig(at + PCI_PRI_STATUS, 2);
        if ((readConfig(at + PCI_PRI_CTRL, 2) & PCI_PRI_CTRL_ENABLE) != 0) {
            status &= ~PCI_PRI_STATUS_STOPPED;
        }
        return status;
    }

    /** True when the function requires a PASID in PRG responses to PASID-tagged requests. */
    public boolean priPrgResponsePasidRequired() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PRI);
        return at != 0 && (readConfig(at + PCI_PRI_STATUS, 2) & PCI_PRI_STATUS_PASID) != 0;
    }

    // ---- PASID (PCIe Base §7.8.8) -----------------------------------------------------------------------------

    public boolean pasidSupported() {
        return findExtCapability(PCI_EXT_CAP_ID_PASID) != 0;
    }

    /**
     * Enables PASID with {@code features} (PCI_PASID_CAP_EXEC, PCI_PASID_CAP_PRIV).
     *
     * @return 0; -EINVAL without the capability, when already enabled, or when
     *         a feature asked for is not supported
     */
    public int enablePasid(int features) {
        int at = findExtCapability(PCI_EXT_CAP_ID_PASID);
        if (at == 0) {
            return -Errno.EINVAL;
        }
        if ((readConfig(at + PCI_PASID_CTRL, 2) & PCI_PASID_CTRL_ENABLE) != 0) {
            return -Errno.EINVAL;
        }
        int supported = readConfig(at + PCI_PASID_CAP, 2) & (PCI_PASID_CAP_EXEC | PCI_PASID_CAP_PRIV);
        if ((supported & features) != features) {
            return -Errno.EINVAL;
        }
        writeConfig(at + PCI_PASID_CTRL, 2, PCI_PASID_CTRL_ENABLE | features);
        return 0;
    }

    /** Clears the PASID Control register; nothing when there is no capability. */
    public void disablePasid() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PASID);
        if (at != 0) {
            writeConfig(at + PCI_PASID_CTRL, 2, 0);
        }
    }

    public boolean pasidEnabled() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PASID);
        return at != 0 && (readConfig(at + PCI_PASID_CTRL, 2) & PCI_PASID_CTRL_ENABLE) != 0;
    }

    /** Supported PASID features (EXEC, PRIV); -EINVAL without the capability. */
    public int pasidFeatures() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PASID);
        return at == 0 ? -Errno.EINVAL : readConfig(at + PCI_PASID_CAP, 2) & (PCI_PASID_CAP_EXEC | PCI_PASID_CAP_PRIV);
    }

    /** Number of PASIDs the function supports, 2^(Max PASID Width); -EINVAL without the capability. */
    public int maxPasids() {
        int at = findExtCapability(PCI_EXT_CAP_ID_PASID);
        return at == 0 ? -Errno.EINVAL : 1 << ((readConfig(at + PCI_PASID_CAP, 2) & PCI_PASID_CAP_WIDTH) >>> 8);
    }

    @Override
    public String toString() {
        return String.format("%02x:%02x.%d", requesterId >>> 8, (requesterId >>> 3) & 0x1f, requesterId & 7);
    }
}

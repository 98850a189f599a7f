package dev.jiommu.os.iommu;

import java.util.Arrays;
import java.util.Objects;

/**
 * A DMA master as the IOMMU core sees it (Linux {@code struct device} with its
 * {@code dev->iommu} and {@code iommu_fwspec}).
 *
 * <p>What the hardware offers is fixed at construction: StreamIDs, the PASID
 * width of its PASID capability, whether it has ATS and PRI capabilities,
 * whether its transactions may be stalled ({@code dma-can-stall}). What the
 * IOMMU driver enabled from that is recorded when the core probes the device
 * ({@link #features()}). A device normally gets a group of its own; one built
 * {@link Builder#sharesGroupWith sharing a group} with another joins that
 * device's group, as Linux's {@code pci_device_group} does for DMA aliases and
 * functions without ACS isolation.
 *
 * <p>Invariants: at least one StreamID; after a successful
 * {@link IommuCore#addDevice} the device has a driver, a group and features
 * until {@link IommuCore#removeDevice}.
 */
public final class Device {

    private final String name;
    private final int[] streamIds;
    private final int pasidBits;
    private final boolean atsCapable;
    private final boolean priCapable;
    private final boolean canStall;
    private final Device groupPeer;

    // Set by the core while the device is probed.
    private IommuDriver driver;
    private Group group;
    private DeviceFeatures features = DeviceFeatures.NONE;
    private IopfQueue iopfQueue;
    private DeviceFaultHandler faultHandler;

    private Device(Builder b) {
        this.name = b.name;
        this.streamIds = b.streamIds.clone();
        this.pasidBits = b.pasidBits;
        this.atsCapable = b.ats;
        this.priCapable = b.pri;
        this.canStall = b.stall;
        this.groupPeer = b.groupPeer;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** The StreamIDs this device's transactions carry (a copy). */
    public int[] streamIds() {
        return streamIds.clone();
    }

    /** The first StreamID (a PCIe function's Requester ID, for one). */
    public int streamId() {
        return streamIds[0];
    }

    /** PASID width the device's PASID capability supports (0: none). */
    public int supportedPasidBits() {
        return pasidBits;
    }

    public boolean atsCapable() {
        return atsCapable;
    }

    public boolean priCapable() {
        return priCapable;
    }

    /** Whether the device tolerates stalled transactions (firmware {@code dma-can-stall}). */
    public boolean canStall() {
        return canStall;
    }

    /** The device whose group this one joins, or null for a group of its own. */
    public Device groupPeer() {
        return groupPeer;
    }

    /** The driver that probed this device, or null. */
    public IommuDriver driver() {
        return driver;
    }

    /** The device's group, or null when it is not probed ({@code iommu_group_get}). */
    public Group group() {
        return group;
    }

    /** What the driver enabled; {@link DeviceFeatures#NONE} before the probe. */
    public DeviceFeatures features() {
        return features;
    }

    /** The I/O page-fault queue the driver added this device to, or null. */
    public IopfQueue iopfQueue() {
        return iopfQueue;
    }

    void probed(IommuDriver driver, DeviceFeatures features) {
        this.driver = driver;
        this.features = features;
    }

    void joined(Group group) {
        this.group = group;
    }

    void released() {
        this.driver = null;
        this.group = null;
        this.features = DeviceFeatures.NONE;
        this.faultHandler = null;
    }

    void iopfQueue(IopfQueue queue) {
        this.iopfQueue = queue;
    }

    DeviceFaultHandler faultHandler() {
        return faultHandler;
    }

    void faultHandler(DeviceFaultHandler handler) {
        this.faultHandler = handler;
    }

    @Override
    public String toString() {
        return name + " sid=" + Arrays.toString(streamIds);
    }

    /** Describes the hardware: StreamIDs and capabilities. */
    public static final class Builder {
        private final String name;
        private int[] streamIds = new int[0];
        private int pasidBits;
        private boolean ats;
        private boolean pri;
        private boolean stall;
        private Device groupPeer;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder streamIds(int... sids) {
            for (int sid : sids) {
                if (sid < 0) {
                    throw new IllegalArgumentException("StreamID " + sid + " is negative");
                }
            }
            this.streamIds = sids.clone();
            return this;
        }

        /** Width of the device's PASID capability, 0..20. */
        public Builder pasidBits(int bits) {
            if (bits < 0 || bits > DeviceFeatures.MAX_PASID_BITS) {
                throw new IllegalArgumentException("PASID width " + bits + " is outside 0.." + DeviceFeatures.MAX_PASID_BITS);
            }
            this.pasidBits = bits;
            return this;
        }

        public Builder ats(boolean on) {
            this.ats = on;
            return this;
        }

        public Builder pri(boolean on) {
            this.pri = on;
            return this;
        }

        public Builder canStall(boolean on) {
            this.stall = on;
            return this;
        }

        /** Put this device in {@code peer}'s group (a DMA alias, or a function without ACS isolation). */
        public Builder sharesGroupWith(Device peer) {
            this.groupPeer = Objects.requireNonNull(peer, "peer");
            return this;
        }

        public Device build() {
            if (streamIds.length == 0) {
                throw new IllegalStateException(name + ": a device needs at least one StreamID");
            }
            return new Device(this);
        }
    }
}

package dev.jiommu.hw.irq;

import static dev.jiommu.hw.irq.GitsRegs.*;

import dev.jiommu.hw.bus.MmioDevice;
import dev.jiommu.hw.bus.Scheduler;

import java.util.Objects;

/**
 * A GICv3 Interrupt Translation Service as an MSI doorbell (GIC architecture
 * specification IHI 0069, chapter 5 "Locality-specific Peripheral Interrupts
 * and the ITS"): a bus master writes an EventID to GITS_TRANSLATER, the
 * interconnect presents the writer's DeviceID beside the write
 * ({@link MmioDevice#write(long, int, long, int)}), and the ITS translates
 * (DeviceID, EventID) to an LPI INTID and makes that LPI pending. For PCIe the
 * DeviceID is derived from the requester ID; on QEMU virt the mapping is the
 * identity.
 *
 * <p><b>Registers</b> ({@link GitsRegs}; decode {@link #REGION_SIZE} bytes at
 * ITS_base, on QEMU virt at {@link #VIRT_GIC_ITS}):
 * <ul>
 *   <li>GITS_CTLR: Enabled is the only writable bit; Quiescent reads 1, since
 *       the model completes every translation inside the write.</li>
 *   <li>GITS_IIDR, GITS_TYPER, GITS_PIDR2: read-only, {@link #IIDR},
 *       {@link #TYPER}, {@link #PIDR2}.</li>
 *   <li>GITS_TRANSLATER: write-only; 16-bit writes carry EventID[15:0] with
 *       bits [31:16] as zero, 32-bit writes the whole EventID; any other size
 *       is ignored (and counted as {@link DropReason#ACCESS_SIZE}).</li>
 *   <li>32-bit accesses reach every register and 64-bit accesses GITS_TYPER;
 *       other sizes, the rest of both frames (RES0 or not modelled: the command
 *       queue and GITS_BASER&lt;n&gt;), and every read of the translation frame
 *       read as zero, and writes to them are ignored.</li>
 * </ul>
 *
 * <p><b>Translation tables.</b> A real ITS learns its mappings from commands
 * software puts in its command queue (MAPD, MAPC, MAPTI, DISCARD) and from
 * tables in memory. The command queue is not modelled: {@link #mapDevice},
 * {@link #mapEvent}, {@link #unmapEvent} and {@link #unmapDevice} stand for
 * those commands and take effect at once, as if a SYNC had completed.
 * Collections are not modelled either: every LPI goes to the one CPU whose
 * handlers are registered here. Misuse of these calls is a driver bug, not
 * hardware input, so it throws: where a real ITS would report a command error
 * (the E_ITS_* code is named in the message), and where it would go on with
 * a mapping software did not mean (a second MAPD or MAPTI without an unmap).
 *
 * <p><b>Translation</b> (IHI 0069, GITS_TRANSLATER): a write is ignored, and
 * counted under a {@link DropReason}, when the ITS is disabled, the write
 * carries no DeviceID, the DeviceID is out of range or unmapped, or the EventID
 * is outside the device's range or unmapped. Otherwise its LPI becomes pending.
 *
 * <p><b>Delivery.</b> Pending is a bit per LPI: raising an LPI already pending
 * changes nothing, and it is delivered once. Given a {@link Scheduler}, the
 * handler runs when the scheduler runs the posted delivery, never inside the
 * write that raised the LPI, so a handler never re-enters the SMMU or device
 * whose write raised it. Without one, the handler runs before that write
 * returns (an LPI raised from inside a handler waits until that handler
 * returns: handlers never nest); use that only where the writer is a test. A
 * handler's {@link RuntimeException} is recorded ({@link #firstHandlerFailure()}),
 * not thrown into the writer; an {@link Error} is not the model's to handle.
 *
 * <p>Model choices, reported in GITS_TYPER: DeviceIDs of {@value #DEVICE_ID_BITS}
 * bits (a PCIe requester ID), EventIDs of up to {@value #EVENT_ID_BITS} bits,
 * and LPI INTIDs of {@value #INTID_BITS} bits as QEMU virt and Linux's ITS
 * driver use. The ITT entry size says how much memory a driver would give each
 * ITT; this model keeps its ITTs internally.
 */
public final class Its implements MmioDevice {

    /** ITS_base on QEMU's virt board ({@code hw/arm/virt.c}, {@code VIRT_GIC_ITS}). */
    public static final long VIRT_GIC_ITS = 0x0808_0000L;
    /** The control frame and the translation frame, 64 KiB each (GICv4.1's third frame is not modelled). */
    public static final long REGION_SIZE = 0x2_0000L;

    public static final int DEVICE_ID_BITS = 16;
    public static final int EVENT_ID_BITS = 16;
    public static final int INTID_BITS = ITS_MAX_LPI_NRBITS;
    /** Bytes per ITT entry a driver should provision; 8 as in KVM's ITS ABI. */
    public static final int ITT_ENTRY_BYTES = 8;

    /** Implementer Arm (JEP106 0x43B), r0p0, ProductID 0: what QEMU's emulated GICv3 reports. */
    public static final int IIDR = 0x43b;
    /** ArchRev 3 (GICv3) over Arm's JEP106 identity code, as QEMU's GICv3 ID registers read. */
    public static final int PIDR2 = 0x3b;
    /** Physical LPIs; ITT_entry_size, ID_bits and Devbits each encoded as value minus one. */
    public static final long TYPER = GITS_TYPER_PLPIS
            | (long) (ITT_ENTRY_BYTES - 1) << GITS_TYPER_ITT_ENTRY_SIZE_SHIFT
            | (long) (EVENT_ID_BITS - 1) << GITS_TYPER_IDBITS_SHIFT
            | (long) (DEVICE_ID_BITS - 1) << GITS_TYPER_DEVBITS_SHIFT;

    private final DeviceTable devices = new DeviceTable(DEVICE_ID_BITS);
    private final LpiDelivery lpis;
    private final long[] drops = new long[DropReason.values().length];
    private boolean enabled;
    private long translated;

    /** An ITS that delivers each LPI inside the write that raised it. */
    public Its() {
        this.lpis = new LpiDelivery(null);
    }

    /** An ITS that delivers LPIs as tasks on {@code scheduler}. */
    public Its(Scheduler scheduler) {
        this.lpis = new LpiDelivery(Objects.requireNonNull(scheduler, "scheduler"));
    }

    // ---- registers ----------------------------------------------------------------------

    @Override
    public long read(long offset, int size) {
        if (size == 8) {
            return offset == GITS_TYPER ? TYPER : 0;
        }
        if (size != 4) {
            return 0;
        }
        if (offset == GITS_CTLR) {
            return (enabled ? GITS_CTLR_ENABLE : 0) | (GITS_CTLR_QUIESCENT & 0xffff_ffffL);
        } else if (offset == GITS_IIDR) {
            return IIDR;
        } else if (offset == GITS_TYPER) {
            return TYPER & 0xffff_ffffL;
        } else if (offset == GITS_TYPER + 4) {
            return TYPER >>> 32;
        } else if (offset == GITS_PIDR2) {
            return PIDR2;
        }
        return 0;
    }

    /** A write without a DeviceID; at GITS_TRANSLATER it is dropped as {@link DropReason#NO_DEVICE_ID}. */
    @Override
    public void write(long offset, int size, long value) {
        write(offset, size, value, NO_DEVICE_ID);
    }

    @Override
    public void write(long offset, int size, long value, int deviceId) {
        if (offset == GITS_TRANSLATER) {
            translate(size, value, deviceId);
        } else if (offset == GITS_CTLR && size == 4) {
            enabled = (value & GITS_CTLR_ENABLE) != 0;
        }
    }

    private void translate(int size, long value, int deviceId) {
        if (size != 2 && size != 4) {
            drop(DropReason.ACCESS_SIZE);
            return;
        }
        long eventId = value & (size == 2 ? 0xffffL : 0xffff_ffffL);
        if (!enabled) {
            drop(DropReason.DISABLED);
            return;
        }
        if (deviceId < 0) {
            drop(DropReason.NO_DEVICE_ID);
            return;
        }
        if (deviceId >= 1 << DEVICE_ID_BITS) {
            drop(DropReason.DEVICE_OUT_OF_RANGE);
            return;
        }
        DeviceTable.Itt itt = devices.get(deviceId);
        if (itt == null) {
            drop(DropReason.UNMAPPED_DEVICE);
            return;
        }
        if (!itt.inRange(eventId)) {
            drop(DropReason.EVENT_OUT_OF_RANGE);
            return;
        }
        int intid = itt.intid((int) eventId);
        if (intid == 0) {
            drop(DropReason.UNMAPPED_EVENT);
            return;
        }
        translated++;
        lpis.raise(intid);
    }

    private void drop(DropReason reason) {
        drops[reason.ordinal()]++;
    }

    // ---- what the command queue would do -------------------------------------------------

    /**
     * MAPD with V == 1: gives {@code deviceId} an interrupt translation table
     * for EventIDs {@code [0, 2^eventIdBits)}, all unmapped.
     *
     * @throws IllegalArgumentException for a DeviceID of more than {@value #DEVICE_ID_BITS}
     *         bits (E_ITS_MAPD_DEVICE_OOR) or {@code eventIdBits} outside
     *         {@code [1, }{@value #EVENT_ID_BITS}{@code ]} (E_ITS_MAPD_ITTSIZE_OOR)
     * @throws IllegalStateException when the device is mapped already; unmap it first
     */
    public void mapDevice(int deviceId, int eventIdBits) {
        checkDeviceId(deviceId, "MAPD", "E_ITS_MAPD_DEVICE_OOR");
        if (eventIdBits < 1 || eventIdBits > EVENT_ID_BITS) {
            throw new IllegalArgumentException(String.format(
                    "MAPD: %d EventID bits, this ITS supports 1..%d (E_ITS_MAPD_ITTSIZE_OOR)",
                    eventIdBits, EVENT_ID_BITS));
        }
        if (devices.get(deviceId) != null) {
            throw new IllegalStateException(String.format("MAPD: DeviceID 0x%x is mapped already", deviceId));
        }
        devices.put(deviceId, new DeviceTable.Itt(eventIdBits));
    }

    /**
     * MAPD with V == 0: forgets {@code deviceId} and its translations. LPIs it
     * raised that are still pending stay pending: they are at the
     * redistributor already.
     *
     * @return whether the device was mapped
     * @throws IllegalArgumentException for a DeviceID of more than {@value #DEVICE_ID_BITS} bits
     */
    public boolean unmapDevice(int deviceId) {
        checkDeviceId(deviceId, "MAPD", "E_ITS_MAPD_DEVICE_OOR");
        boolean was = devices.get(deviceId) != null;
        devices.put(deviceId, null);
        return was;
    }

    /**
     * MAPTI (with MAPC to the one CPU implied): translates ({@code deviceId},
     * {@code eventId}) to LPI {@code intid}.
     *
     * @throws IllegalArgumentException for a DeviceID of more than {@value #DEVICE_ID_BITS}
     *         bits (E_ITS_MAPTI_UNMAPPED_DEVICE), an EventID outside the device's range
     *         (E_ITS_MAPTI_ID_OOR), or an
     *         INTID outside {@code [8192, 2^}{@value #INTID_BITS}{@code )}
     *         (E_ITS_MAPTI_PHYSICALID_OOR)
     * @throws IllegalStateException when the device is not mapped (E_ITS_MAPTI_UNMAPPED_DEVICE)
     *         or the event is mapped already; unmap it first
     */
    public void mapEvent(int deviceId, int eventId, int intid) {
        DeviceTable.Itt itt = mappedDevice(deviceId, eventId, "MAPTI", "E_ITS_MAPTI_UNMAPPED_DEVICE",
                "E_ITS_MAPTI_ID_OOR");
        if (!isLpi(intid)) {
            throw new IllegalArgumentException(String.format("MAPTI: INTID %d is not an LPI of this GIC, [%d, %d)"
                    + " (E_ITS_MAPTI_PHYSICALID_OOR)", intid, MIN_LPI, 1 << INTID_BITS));
        }
        if (itt.intid(eventId) != 0) {
            throw new IllegalStateException(String.format("MAPTI: DeviceID 0x%x EventID %d is mapped already to LPI %d",
                    deviceId, eventId, itt.intid(eventId)));
        }
        itt.set(eventId, intid);
    }

    /**
     * DISCARD: removes the translation of ({@code deviceId}, {@code eventId})
     * and the pending state of the LPI it translated to.
     *
     * @return whether the event was mapped
     * @throws IllegalArgumentException for a DeviceID of more than {@value #DEVICE_ID_BITS}
     *         bits or an EventID outside the device's range
     * @throws IllegalStateException when the device is not mapped
     */
    public boolean unmapEvent(int deviceId, int eventId) {
        DeviceTable.Itt itt = mappedDevice(deviceId, eventId, "DISCARD", "E_ITS_DISCARD_UNMAPPED_INTERRUPT",
                "E_ITS_DISCARD_UNMAPPED_INTERRUPT");
        int intid = itt.intid(eventId);
        if (intid == 0) {
            return false;
        }
        itt.set(eventId, 0);
        lpis.discard(intid);
        return true;
    }

    private DeviceTable.Itt mappedDevice(int deviceId, int eventId, String command, String unmapped,
            String outOfRange) {
        checkDeviceId(deviceId, command, unmapped);
        DeviceTable.Itt itt = devices.get(deviceId);
        if (itt == null) {
            throw new IllegalStateException(String.format("%s: DeviceID 0x%x is not mapped (%s)",
                    command, deviceId, unmapped));
        }
        if (!itt.inRange(eventId)) {
            throw new IllegalArgumentException(String.format(
                    "%s: EventID %d outside the %d bits MAPD gave DeviceID 0x%x (%s)",
                    command, eventId, itt.eventIdBits, deviceId, outOfRange));
        }
        return itt;
    }

    private static void checkDeviceId(int deviceId, String command, String error) {
        if (deviceId < 0 || deviceId >= 1 << DEVICE_ID_BITS) {
            throw new IllegalArgumentException(String.format("%s: DeviceID 0x%x exceeds %d bits (%s)",
                    command, deviceId, DEVICE_ID_BITS, error));
        }
    }

    private static boolean isLpi(int intid) {
        return intid >= MIN_LPI && intid < 1 << INTID_BITS;
    }

    private static void checkLpi(int intid) {
        if (!isLpi(intid)) {
            throw new IllegalArgumentException(String.format("INTID %d is not an LPI of this GIC, [%d, %d)",
                    intid, MIN_LPI, 1 << INTID_BITS));
        }
    }

    // ---- software's side of the CPU interface ------------------------------------------------

    /**
     * Runs {@code handler} for each delivery of LPI {@code intid}, in place of
     * any handler it had.
     *
     * @throws IllegalArgumentException when {@code intid} is not an LPI INTID
     */
    public void onLpi(int intid, LpiHandler handler) {
        checkLpi(intid);
        lpis.handler(intid, Objects.requireNonNull(handler, "handler"));
    }

    /** Forgets the handler of LPI {@code intid}; its deliveries go to the catch-all, if any. */
    public void removeLpiHandler(int intid) {
        checkLpi(intid);
        lpis.handler(intid, null);
    }

    /**
     * Runs {@code handler} for every LPI that has no handler of its own; null
     * removes it. An LPI delivered with neither is counted in {@link #unclaimed()}.
     */
    public void onAnyLpi(LpiHandler handler) {
        lpis.anyHandler(handler);
    }

    // ---- observation ---------------------------------------------------------------------

    /** GITS_CTLR.Enabled. */
    public boolean enabled() {
        return enabled;
    }

    /** Whether LPI {@code intid} is pending: raised and not yet delivered or discarded. */
    public boolean isPending(int intid) {
        return isLpi(intid) && lpis.isPending(intid);
    }

    /** GITS_TRANSLATER writes translated to an LPI, whether or not it was pending already. */
    public long translated() {
        return translated;
    }

    /** LPIs handed to a handler. */
    public long delivered() {
        return lpis.delivered();
    }

    /** LPIs delivered when no handler, not even a catch-all, was registered for them. */
    public long unclaimed() {
        return lpis.unclaimed();
    }

    /** Translations whose LPI was pending already, so they raised nothing new. */
    public long coalesced() {
        return lpis.coalesced();
    }

    /** GITS_TRANSLATER writes ignored, for any reason. */
    public long dropped() {
        long n = 0;
        for (long d : drops) {
            n += d;
        }
        return n;
    }

    /** GITS_TRANSLATER writes ignored for {@code reason}. */
    public long dropped(DropReason reason) {
        return drops[reason.ordinal()];
    }

    /** Handlers that threw a {@link RuntimeException}. */
    public long handlerFailures() {
        return lpis.handlerFailures();
    }

    /** The first exception a handler threw, or null. */
    public RuntimeException firstHandlerFailure() {
        return lpis.firstHandlerFailure();
    }
}

package dev.jiommu.qtest;

/**
 * A QEMU command line that {@code jiommu qtest} cannot run: an unknown
 * machine or device, a bad value, an option it cannot honour. The message is
 * one line naming the option, e.g. {@code -m 0: RAM size must be positive}.
 */
public final class QemuUsageException extends IllegalArgumentException {

    public QemuUsageException(String message) {
        super(message);
    }
}

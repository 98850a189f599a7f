/**
 * A stand-in for {@code qemu-system-aarch64 -accel qtest}: QEMU's qtest text
 * protocol ({@link dev.jiommu.qtest.QtestServer}), a small QMP
 * ({@link dev.jiommu.qtest.Qmp}), QEMU's command line
 * ({@link dev.jiommu.qtest.QemuConfig}) and a session tying them to a machine
 * ({@link dev.jiommu.qtest.QtestSession}), so that QEMU's own qtest programs
 * (for example {@code tests/qtest/iommu-smmuv3-test}) drive jiommu's models
 * unchanged. See docs/qtest.md.
 */
package dev.jiommu.qtest;

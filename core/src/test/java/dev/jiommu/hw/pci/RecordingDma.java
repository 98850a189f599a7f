package dev.jiommu.hw.pci;

import dev.jiommu.hw.bus.DmaTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An upstream that records each write it is given and answers with {@link #status}. */
final class RecordingDma implements DmaTarget {

    record Write(int streamId, int substreamId, long address, int attrs, byte[] bytes) {
        /** The bytes as a little-endian number (up to 8 bytes). */
        long value() {
            long v = 0;
            for (int i = bytes.length - 1; i >= 0; i--) {
                v = v << 8 | bytes[i] & 0xff;
            }
            return v;
        }
    }

    final List<Write> writes = new ArrayList<>();
    int status = OK;

    @Override
    public int write(int streamId, int substreamId, long address, int attrs, byte[] src, int off, int len) {
        writes.add(new Write(streamId, substreamId, address, attrs, Arrays.copyOfRange(src, off, off + len)));
        return status;
    }

    @Override
    public int read(int streamId, int substreamId, long address, int attrs, byte[] dst, int off, int len) {
        return BUS_ERROR;
    }
}

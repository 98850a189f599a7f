package dev.jiommu.spec.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.jiommu.spec.smmuv3.PriQueueEntry.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link PriQueueEntry} fields and {@link PriQueueEntry#describe} over literal dwords. */
class PriQueueEntryTest {

    private static final long W0 = 0xf000_0001_0000_0008L;
    private static final long W1 = 0x7f_0003L;

    @Test
    void fieldsDecode() {
        assertEquals(0x8L, Field.get(PRIQ_0_SID, W0));
        assertEquals(0x1L, Field.get(PRIQ_0_SSID, W0));
        assertEquals(1L, Field.get(PRIQ_0_SSID_V, W0));
        assertEquals(1L, Field.get(PRIQ_0_PRG_LAST, W0));
        assertEquals(1L, Field.get(PRIQ_0_PERM_WRITE, W0));
        assertEquals(1L, Field.get(PRIQ_0_PERM_READ, W0));
        assertEquals(0L, Field.get(PRIQ_0_PERM_EXEC, W0));
        assertEquals(0L, Field.get(PRIQ_0_PERM_PRIV, W0));
        assertEquals(0x3L, Field.get(PRIQ_1_PRG_IDX, W1));
        assertEquals(0x7f_0000L, W1 & PRIQ_1_ADDR_MASK);
    }

    @Test
    void describeNamesTheRequest() {
        assertEquals("PRI sid=0x8 ssid=0x1 grpid=0x3 addr=0x7f0000 perm=rw-- last=1", PriQueueEntry.describe(W0, W1));
        assertEquals("PRI sid=0x9 grpid=0x0 addr=0x0 perm=--xp last=0",
                PriQueueEntry.describe(0x0c00_0000_0000_0009L, 0));
    }
}

package dev.jiommu.pgtable;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Walker.surelyAllowed}, the bit-test shortcut of the common walk, over
 * every combination of the permission bits the walker reads (AP[2:1], PXN,
 * UXN; APTable, UXNTable, PXNTable) and every request: where it says yes the
 * exact rule ({@code stage1/2Permissions} with {@link Access#allowed}) says
 * yes, and the only allowed requests it leaves to the full walk are
 * privileged executes from EL0-accessible stage-1 pages.
 */
class SurelyAllowedTest {

    /** Descriptor bits 6, 7, 53, 54 and table bits 59..62 from the 8 bits of {@code i}. */
    private static long descriptor(int i) {
        return (long) (i & 3) << 6 | (long) ((i >>> 2) & 3) << 53;
    }

    private static long tableAttrs(int i) {
        return (long) ((i >>> 4) & 0xf) << 59;
    }

    @Test
    void stage1ShortcutImpliesTheExactRuleAndMissesOnlyPrivilegedExecuteOfEl0Pages() {
        int surely = 0;
        for (int i = 0; i < 256; i++) {
            long desc = descriptor(i);
            long table = tableAttrs(i);
            int perms = Walker.stage1Permissions(desc, table);
            for (int access = 0; access < 16; access++) {
                boolean exact = Access.allowed(perms, access);
                boolean shortcut = Walker.surelyAllowed(true, desc, table, access);
                String where = String.format("desc=0x%x table=0x%x access=%d", desc, table, access);
                if (shortcut) {
                    assertTrue(exact, where);
                    surely++;
                } else if (exact) {
                    boolean privExec = (access & (Access.EXEC | Access.PRIV)) == (Access.EXEC | Access.PRIV);
                    assertTrue(privExec && (desc & Descriptor.ARM_LPAE_PTE_AP_UNPRIV) != 0, where);
                }
            }
        }
        assertTrue(surely > 0);
    }

    @Test
    void stage2ShortcutIsTheExactRule() {
        for (int i = 0; i < 16; i++) {
            long desc = descriptor(i);
            int perms = Walker.stage2Permissions(desc);
            for (int access = 0; access < 16; access++) {
                assertEquals(Access.allowed(perms, access), Walker.surelyAllowed(false, desc, 0, access),
                        String.format("desc=0x%x access=%d", desc, access));
            }
        }
    }
}

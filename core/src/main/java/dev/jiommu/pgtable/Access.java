package dev.jiommu.pgtable;

/**
 * What a translated access wants to do, as bits: the request a walker checks
 * permissions against, and the permissions a walk grants.
 *
 * <p>A request is READ, WRITE or EXEC, plus PRIV for a privileged access
 * (EL1, or an SMMU transaction with PRIV set). {@link #NONE} asks for no
 * permission check: a plain lookup (an ATS translation request, for one, which
 * returns the permissions instead of checking them).
 */
public final class Access {
    public static final int NONE = 0;
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int EXEC = 4;
    public static final int PRIV = 8;

    // Granted permissions, as reported in WalkResult.permissions()
    public static final int PERM_UNPRIV_READ = 1;
    public static final int PERM_UNPRIV_WRITE = 2;
    public static final int PERM_UNPRIV_EXEC = 4;
    public static final int PERM_PRIV_READ = 8;
    public static final int PERM_PRIV_WRITE = 16;
    public static final int PERM_PRIV_EXEC = 32;

    private Access() {}

    /**
     * Whether the granted permission bits {@code perms} allow the {@code request}.
     * A request of {@link #NONE} is always allowed.
     */
    public static boolean allowed(int perms, int request) {
        int shift = (request & PRIV) != 0 ? 3 : 0;
        int need = request & (READ | WRITE | EXEC);
        return ((perms >>> shift) & need) == need;
    }

    /** "rwx/rwx" (unprivileged/privileged) rendering of granted permissions. */
    public static String permissionsToString(int perms) {
        return triple(perms) + "/" + triple(perms >>> 3);
    }

    private static String triple(int p) {
        return "" + ((p & 1) != 0 ? 'r' : '-') + ((p & 2) != 0 ? 'w' : '-') + ((p & 4) != 0 ? 'x' : '-');
    }
}

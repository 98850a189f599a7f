package dev.jiommu.hw.bus;

/**
 * The answer to an ATS Translation Request (PCIe Base 6.0 §10.2.3): a
 * completion status and, on {@link #SUCCESS}, one Translation Completion Data
 * Entry. Reused by the requester; filling it allocates nothing.
 *
 * <p>Invariants: with {@link #SUCCESS}, {@link #translatedAddress} is aligned
 * to {@code 2^sizeShift} and {@code sizeShift >= 12}; {@link #read} and
 * {@link #write} both false means the translation exists but grants no access
 * (the answer to a translation fault, which the requester may turn into a PRI
 * page request). {@link #UNSUPPORTED_REQUEST} and {@link #COMPLETER_ABORT}
 * carry no entry.
 */
public final class AtsCompletion {

    /** Successful Completion, with a data entry. */
    public static final int SUCCESS = 0;
    /** UR: the agent does not serve translation requests for this function (ATS disabled). */
    public static final int UNSUPPORTED_REQUEST = 1;
    /** CA: a configuration error in the agent. */
    public static final int COMPLETER_ABORT = 2;

    public int status;
    /** The translated (physical, or for split-stage ATS intermediate physical) address of the range. */
    public long translatedAddress;
    /** log2 of the range's size in bytes (the S bit encoding, PCIe §10.2.3.2). */
    public int sizeShift;
    /** R: reads allowed. */
    public boolean read;
    /** W: writes allowed. */
    public boolean write;
    /** Exe: instruction fetches allowed (requests with a PASID asking for execute only). */
    public boolean execute;
    /** Priv: the permissions are those of privileged mode. */
    public boolean privileged;
    /** U: the range is accessible only with Untranslated requests (the result must not be cached). */
    public boolean untranslatedOnly;
    /** Global: valid for every PASID (never set for a request with a PASID). */
    public boolean global;

    /** Resets to a completion with the given status and an empty entry. */
    public AtsCompletion status(int s) {
        status = s;
        translatedAddress = 0;
        sizeShift = 12;
        read = write = execute = privileged = untranslatedOnly = global = false;
        return this;
    }

    public static String statusName(int status) {
        return switch (status) {
            case SUCCESS -> "SUCCESS";
            case UNSUPPORTED_REQUEST -> "UR";
            case COMPLETER_ABORT -> "CA";
            default -> "status " + status;
        };
    }

    @Override
    public String toString() {
        if (status != SUCCESS) {
            return statusName(status);
        }
        return String.format("SUCCESS 0x%x (2^%d) %s%s%s%s%s", translatedAddress, sizeShift, read ? "R" : "-",
                write ? "W" : "-", execute ? "X" : "-", privileged ? " priv" : "", untranslatedOnly ? " U" : "");
    }
}

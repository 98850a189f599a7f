package dev.jiommu.hw.bus;

/**
 * A PCIe Translation Agent (PCIe Base 6.0 §10.1): the IOMMU as a PCIe function
 * that does ATS and PRI sees it through the Root Complex. Besides ordinary
 * (Untranslated) and {@link DmaTarget#TRANSLATED} memory requests it answers
 * ATS Translation Requests and receives PRI Page Request Messages; what it
 * sends back (PRG responses, ATS invalidations) reaches the function through
 * its {@link Requester}.
 *
 * <p>Implementations never throw; every failure is a status.
 */
public interface TranslationAgent extends DmaTarget {

    /**
     * An ATS Translation Request for the page at {@code address}.
     *
     * @param noWrite NW: the function asks for read access only
     * @param attrs   {@link dev.jiommu.pgtable.Access#PRIV} and/or {@link dev.jiommu.pgtable.Access#EXEC}
     *                (with a PASID only)
     * @param out     receives the completion
     * @return {@code out.status}
     */
    int translationRequest(int streamId, int substreamId, long address, boolean noWrite, int attrs,
                           AtsCompletion out);

    /** A Page Request Message (PRI, PCIe Base 6.0 §10.4.1). */
    void pageRequest(PageRequest request);

    /** Connects the function behind {@code streamId}, which then receives what the agent sends back. */
    void connect(int streamId, Requester requester);

    /**
     * The agent of a system without ATS: ordinary and Translated requests go
     * to {@code target} as they are, Translation Requests complete with UR,
     * page requests are dropped (PCIe: Unsupported Request).
     */
    static TranslationAgent withoutAts(DmaTarget target) {
        return new TranslationAgent() {
            @Override
            public int write(int streamId, int substreamId, long address, int attrs, byte[] src, int off, int len) {
                return target.write(streamId, substreamId, address, attrs & ~TRANSLATED, src, off, len);
            }

            @Override
            public int read(int streamId, int substreamId, long address, int attrs, byte[] dst, int off, int len) {
                return target.read(streamId, substreamId, address, attrs & ~TRANSLATED, dst, off, len);
            }

            @Override
            public int translationRequest(int streamId, int substreamId, long address, boolean noWrite, int attrs,
                                          AtsCompletion out) {
                return out.status(AtsCompletion.UNSUPPORTED_REQUEST).status;
            }

            @Override
            public void pageRequest(PageRequest request) {
            }

            @Override
            public void connect(int streamId, Requester requester) {
            }
        };
    }
}

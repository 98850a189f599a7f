package dev.jiommu.hw.smmu;

import dev.jiommu.hw.bus.AtsCompletion;
import dev.jiommu.hw.bus.DmaTarget;
import dev.jiommu.pgtable.Access;

import static dev.jiommu.spec.smmuv3.Event.EVT_ID_BAD_ATS_TREQ;
import static dev.jiommu.spec.smmuv3.Event.EVT_ID_PERMISSION_FAULT;
import static dev.jiommu.spec.smmuv3.Event.EVT_ID_TRANSL_FORBIDDEN;
import static dev.jiommu.spec.smmuv3.Registers.CR0_ATSCHK;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_EATS_S1CHK;
import static dev.jiommu.spec.smmuv3.Ste.STRTAB_STE_1_EATS_TRANS;

/**
 * The SMMU's ATS interface (SMMUv3 §3.9.1): ATS Translation Requests and
 * Translated transactions from PCIe functions.
 *
 * <p>Translation Requests (§3.9.1.2): UR with F_BAD_ATS_TREQ while SMMUEN = 0,
 * for a bypass STE, or where the effective STE.EATS is 0b00; UR alone for an
 * abort STE; CA for a configuration error (nothing recorded: this SMMU has no
 * IDR0.ATSRECERR); Success with R = W = 0 and the STU as size for a
 * translation, address size or access fault at either stage; Success with the
 * granted subset of the requested permissions otherwise (a permission fault
 * only takes away what is not granted). Requests go through the same
 * configuration cache, TLB and walks as ordinary transactions, with HTTU: a
 * request for write access (NW = 0) marks the page dirty (§3.13.7). With
 * split-stage ATS (EATS = 0b10, ATSCHK = 1, nested STE) the completion holds
 * the IPA from stage 1 and the permissions of both stages (§13.6.3).
 *
 * <p>Translated transactions (§3.9.1.3): F_TRANSL_FORBIDDEN and abort while
 * SMMUEN = 0; with ATSCHK = 0 they pass untranslated; with ATSCHK = 1 the STE
 * decides: configuration errors and an abort STE abort without an event, a
 * bypass STE or effective EATS = 0b00 give F_TRANSL_FORBIDDEN and abort, full
 * ATS passes, split-stage goes through stage 2 with events as for ordinary
 * traffic. A Translated transaction is Data, unprivileged, without a
 * SubstreamID (IDR3.PASIDTT = 0). Addresses above the OAS are aborted without
 * an event (§3.9.1.1, the first of the two permitted behaviours).
 *
 * <p>Effective EATS (a model choice where the architecture leaves it open):
 * 0b00 without ATS; 0b1x with ATSCHK = 0; 0b10 on an STE that is not nested;
 * 0b11 (DPT, not implemented).
 */
final class Ats {

    private static final int EATS_NONE = 0;
    private static final int EATS_FULL = 1;
    private static final int EATS_SPLIT = 2;

    private final Smmu smmu;
    private final Translator translator;
    private final Translation t = new Translation();
    /** The Smallest Translation Unit: the smallest granule the SMMU implements (§3.9.1), as log2 bytes. */
    private final int stuShift;

    long requests;
    long unsupported;
    long completerAborts;
    long denied;
    long translatedTransactions;
    long translatedForbidden;

    Ats(Smmu smmu, Translator translator) {
        this.smmu = smmu;
        this.translator = translator;
        SmmuConfig c = smmu.config;
        this.stuShift = c.gran4k() ? 12 : c.gran16k() ? 14 : 16;
    }

    int stuShift() {
        return stuShift;
    }

    private int effectiveEats(StreamConfig ste) {
        if (!smmu.config.ats()) {
            return EATS_NONE;
        }
        boolean atsCheck = (smmu.cr0 & CR0_ATSCHK) != 0;
        return switch (ste.eats()) {
            case (int) STRTAB_STE_1_EATS_TRANS -> EATS_FULL;
            case (int) STRTAB_STE_1_EATS_S1CHK -> atsCheck && ste.config() == StreamConfig.NESTED ? EATS_SPLIT
                    : EATS_NONE;
            default -> EATS_NONE;
        };
    }

    int translationRequest(int sid, int ssid, long address, boolean noWrite, int attrs, AtsCompletion out) {
        requests++;
        long page = address & -(1L << stuShift);
        if (!smmu.config.ats()) {
            unsupported++;
            out.status(AtsCompletion.UNSUPPORTED_REQUEST);
            return out.status;
        }
        // A request without a PASID carries no Execute or Privileged attribute (§13.6.4).
        int wanted = Access.READ | (noWrite ? 0 : Access.WRITE)
                | (ssid == DmaTarget.NO_SUBSTREAM ? 0 : attrs & (Access.EXEC | Access.PRIV));
        if (!smmu.enabled()) {
            return badRequest(sid, ssid, wanted, page, out);
        }
        if (!(translator.streamConfig(sid) instanceof StreamConfig ste)) {
            completerAborts++;
            out.status(AtsCompletion.COMPLETER_ABORT);
            return out.status;
        }
        if (ste.config() == StreamConfig.ABORT) {
            unsupported++;
            out.status(AtsCompletion.UNSUPPORTED_REQUEST);
            return out.status;
        }
        int eats = ste.config() == StreamConfig.BYPASS ? EATS_NONE : effectiveEats(ste);
        if (eats == EATS_NONE) {
            return badRequest(sid, ssid, wanted, page, out);
        }
        int status;
        translator.mode = eats == EATS_SPLIT ? Translator.ATS_SPLIT_REQUEST : Translator.ATS_REQUEST;
        try {
            status = translator.translate(sid, ssid, address, wanted, t);
            if (status == Translation.DENIED && t.eventId() == EVT_ID_PERMISSION_FAULT) {
                // Grant what the tables allow (§13.7.1): look the page up again without asking for anything.
                status = translator.translate(sid, ssid, address, wanted & Access.PRIV, t);
            }
        } finally {
            translator.mode = Translator.ORDINARY;
        }
        return complete(status, page, wanted, out);
    }

    private int complete(int status, long page, int wanted, AtsCompletion out) {
        switch (status) {
            case Translation.OK, Translation.BYPASS -> {
                out.status(AtsCompletion.SUCCESS);
                int shift = Math.max(t.blockShift(), stuShift);
                out.sizeShift = shift;
                out.translatedAddress = t.outputAddress() & -(1L << shift);
                int priv = wanted & Access.PRIV;
                int perms = t.permissions();
                out.read = Access.allowed(perms, Access.READ | priv);
                out.write = (wanted & Access.WRITE) != 0 && Access.allowed(perms, Access.WRITE | priv);
                out.execute = (wanted & Access.EXEC) != 0 && Access.allowed(perms, Access.EXEC | priv);
                out.privileged = priv != 0;
                if (!out.read && !out.write) {
                    denied++;
                }
            }
            case Translation.DENIED -> {
                denied++;
                out.status(AtsCompletion.SUCCESS);
                out.sizeShift = stuShift;
                out.translatedAddress = page;
            }
            default -> {
                completerAborts++;
                out.status(AtsCompletion.COMPLETER_ABORT);
            }
        }
        return out.status;
    }

    private int badRequest(int sid, int ssid, int wanted, long page, AtsCompletion out) {
        unsupported++;
        translator.recordAccessEvent(EVT_ID_BAD_ATS_TREQ, sid, ssid, wanted, page);
        out.status(AtsCompletion.UNSUPPORTED_REQUEST);
        return out.status;
    }

    /** A Translated read or write ({@link DmaTarget#TRANSLATED}); returns a {@link DmaTarget} status. */
    int translated(int sid, long address, boolean write, byte[] buffer, int off, int len) {
        translatedTransactions++;
        int access = write ? Access.WRITE : Access.READ;
        if (!smmu.enabled()) {
            return forbidden(sid, access, address);
        }
        if ((smmu.cr0 & CR0_ATSCHK) == 0) {
            return direct(sid, address, write, buffer, off, len);
        }
        if (!(translator.streamConfig(sid) instanceof StreamConfig ste) || ste.config() == StreamConfig.ABORT) {
            return DmaTarget.ABORTED;
        }
        int eats = ste.config() == StreamConfig.BYPASS ? EATS_NONE : effectiveEats(ste);
        if (eats == EATS_NONE) {
            return forbidden(sid, access, address);
        }
        if (eats == EATS_FULL) {
            return direct(sid, address, write, buffer, off, len);
        }
        translator.mode = Translator.TRANSLATED_STAGE2;
        translator.translatedSte = ste;
        try {
            return translator.transfer(sid, DmaTarget.NO_SUBSTREAM, address, access, buffer, off, len, null);
        } finally {
            translator.mode = Translator.ORDINARY;
            translator.translatedSte = null;
        }
    }

    /**
     * A Translated read of {@code len} bytes at {@code src} and write of them
     * at {@code dst} done as one memory-to-memory move, when nothing can
     * tell it from the two {@link #translated} requests: SMMUEN = 1,
     * CR0.ATSCHK = 0 (no STE consulted), both ranges within the OAS and in
     * RAM. Returns false, having done nothing, otherwise.
     */
    boolean copyUnchecked(long src, long dst, int len) {
        if (!smmu.enabled() || (smmu.cr0 & CR0_ATSCHK) != 0 || len <= 0
                || ((src | (src + len - 1) | dst | (dst + len - 1)) & ~smmu.oasMask) != 0
                || !smmu.memory.isRam(src, len) || !smmu.memory.isRam(dst, len)) {
            return false;
        }
        translatedTransactions += 2;
        smmu.memory.copy(src, dst, len);
        return true;
    }

    private int forbidden(int sid, int access, long address) {
        translatedForbidden++;
        translator.recordAccessEvent(EVT_ID_TRANSL_FORBIDDEN, sid, DmaTarget.NO_SUBSTREAM, access, address);
        return DmaTarget.ABORTED;
    }

    private int direct(int sid, long address, boolean write, byte[] buffer, int off, int len) {
        if (len > 0 && ((address | (address + len - 1)) & ~smmu.oasMask) != 0) {
            return DmaTarget.ABORTED;
        }
        return translator.move(sid, address, write, buffer, off, len) ? DmaTarget.OK : DmaTarget.BUS_ERROR;
    }
}

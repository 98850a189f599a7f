package dev.jiommu.os.smmuv3;

import static dev.jiommu.spec.smmuv3.Cmd.ATC_INV_SIZE_ALL;
import static dev.jiommu.spec.smmuv3.Cmd.CMDQ_TLBI_RANGE_NUM_MAX;

import java.util.ArrayList;
import java.util.List;

/**
 * The commands an invalidation of a range becomes (IHI 0070 §4.4.1, §4.5.1),
 * computed as Linux computes them; pure functions, for the driver and for
 * tests.
 */
public final class InvalidationCommands {

    private InvalidationCommands() {
    }

    /**
     * Linux's {@code __arm_smmu_tlb_inv_range}: the TLBI commands that cover
     * {@code [iova, iova + size)}.
     *
     * <p>Without range invalidation, one command per {@code granule} from
     * {@code iova}. With it (IDR3.RIL), TG is the leaf page size
     * {@code 2^pgShift} ({@code (pgShift - 10) / 2}: 1, 2, 3 for 4K, 16K, 64K),
     * TTL the level of {@code granule} leaves for a leaf invalidation, and each
     * command covers {@code (NUM + 1) << SCALE} pages, consuming the page count
     * five bits at a time from its lowest set bit; a non-leaf invalidation whose
     * count would give NUM = SCALE = 0 (a Reserved encoding with TTL = 0)
     * covers one page more.
     *
     * @param template the opcode, ASID, VMID and leaf flag of every command
     * @param granule  the size of one leaf entry being invalidated (a power of two)
     * @param pgShift  log2 of the domain's smallest page (12, 14 or 16)
     * @return the commands, empty for {@code size == 0}
     */
    public static List<CmdqEnt.Tlbi> tlbiRange(CmdqEnt.Tlbi template, long iova, long size, long granule,
                                               boolean ril, int pgShift) {
        List<CmdqEnt.Tlbi> out = new ArrayList<>();
        tlbiRange(template.opcode(), template.asid(), template.vmid(), template.leaf(), iova, size, granule, ril,
                pgShift, (op, asid, vmid, addr, leaf, num, scale, tg, ttl) ->
                        out.add(new CmdqEnt.Tlbi(op, asid, vmid, addr, leaf, num, scale, tg, ttl)));
        return out;
    }

    /** Receives the commands of {@link #tlbiRange}, field by field (a command batch takes them without records). */
    interface TlbiSink {
        void tlbi(int opcode, int asid, int vmid, long addr, boolean leaf, int num, int scale, int tg, int ttl);
    }

    /** {@link #tlbiRange(CmdqEnt.Tlbi, long, long, long, boolean, int)} into {@code out}, in the same order. */
    static void tlbiRange(int opcode, int asid, int vmid, boolean leaf, long iova, long size, long granule,
                          boolean ril, int pgShift, TlbiSink out) {
        if (size == 0) {
            return;
        }
        long end = iova + size;
        long numPages = 0;
        int tg = 0;
        int ttl = 0;
        long invRange = granule;
        if (ril) {
            numPages = size >>> pgShift;
            tg = (pgShift - 10) / 2;
            if (leaf) {
                ttl = 4 - ((63 - Long.numberOfLeadingZeros(granule) - 3) / (pgShift - 3));
            } else if ((numPages & CMDQ_TLBI_RANGE_NUM_MAX) == 1) {
                numPages++;
            }
        }
        while (Long.compareUnsigned(iova, end) < 0) {
            int num = 0;
            int scale = 0;
            if (ril) {
                if (numPages == 0) {
                    break;
                }
                scale = Long.numberOfTrailingZeros(numPages);
                long n = (numPages >>> scale) & CMDQ_TLBI_RANGE_NUM_MAX;
                num = (int) n - 1;
                invRange = n << (scale + pgShift);
                numPages -= n << scale;
            }
            out.tlbi(opcode, asid, vmid, iova, leaf, num, scale, tg, ttl);
            iova += invRange;
        }
    }

    /**
     * Linux's {@code arm_smmu_atc_inv_to_cmd}: one CMD_ATC_INV covering
     * {@code [iova, iova + size)} with the smallest naturally aligned
     * power-of-two span of 4 KiB pages — {@code log2_span = fls(start ^ end)} in
     * pages, the start aligned down to it — or everything
     * ({@code ATC_INV_SIZE_ALL}) for {@code size == 0}.
     *
     * @param ssid the PASID, or {@link CmdqEnt#NO_SSID} to send the invalidation without one
     */
    public static CmdqEnt.AtcInv atcInv(int sid, int ssid, long iova, long size) {
        return new CmdqEnt.AtcInv(sid, ssid, atcInvAddress(iova, size), atcInvSize(iova, size), false);
    }

    /** The Size field of {@link #atcInv}'s command: log2 of the span in 4 KiB pages. */
    static int atcInvSize(long iova, long size) {
        if (size == 0) {
            return ATC_INV_SIZE_ALL;
        }
        long pageStart = iova >>> 12;
        long pageEnd = (iova + size - 1) >>> 12;
        return 64 - Long.numberOfLeadingZeros(pageStart ^ pageEnd);
    }

    /** The address of {@link #atcInv}'s command: {@code iova} aligned down to the span. */
    static long atcInvAddress(long iova, long size) {
        if (size == 0) {
            return 0;
        }
        int log2Span = atcInvSize(iova, size);
        long spanMask = log2Span >= 64 ? -1L : (1L << log2Span) - 1;
        return ((iova >>> 12) & ~spanMask) << 12;
    }
}

package dev.jiommu.hw.smmu;

import dev.jiommu.pgtable.TableFormat;

/**
 * A Context Descriptor as the configuration cache holds it (SMMUv3 §5.4),
 * immutable until CFGI_CD / CFGI_CD_ALL / CFGI_ALL removes it.
 *
 * <p>Each half of the stage-1 input range has its own table: TTB0 for
 * addresses with bit 55 clear, TTB1 for bit 55 set. A null format means the
 * half is disabled (EPDx = 1) and every address in it faults.
 *
 * @param asid    CD.ASID (the top 8 bits ignored without ASID16)
 * @param aset    CD.ASET: the ASID is private (true) or shared with the PEs' broadcast TLB maintenance (§3.17)
 * @param tt0     format of the TTB0 half, or null when EPD0 = 1
 * @param ttb0    CD.TTB0
 * @param tt1     format of the TTB1 half, or null when EPD1 = 1
 * @param ttb1    CD.TTB1
 * @param flags   walker flags (HA, HD, AFFD)
 * @param tbi     CD.TBI[1:0]: top byte ignored for the TTB0/TTB1 half
 * @param stall   CD.S: stage-1 faults stall
 * @param record  CD.R: terminated stage-1 faults are recorded
 * @param abort   CD.A: faulting transactions abort (else read as zero, writes ignored)
 * @param mair    CD.MAIR
 */
record ContextConfig(int asid, boolean aset, TableFormat tt0, long ttb0, TableFormat tt1, long ttb1, int flags, int tbi,
                     boolean stall, boolean record, boolean abort, long mair) implements CdLookup {
}

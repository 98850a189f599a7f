package dev.jiommu.pgtable;

/** Which translation stage a table format belongs to (Arm ARM D8.1). */
public enum Stage {
    /** VA to IPA (or PA): TTBRn / CD.TTB0-1; AP, UXN/PXN, AttrIndx. */
    STAGE1,
    /** IPA to PA: VTTBR / STE.S2TTB; S2AP, XN, MemAttr; concatenated start tables. */
    STAGE2
}

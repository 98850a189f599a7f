/**
 * The Arm SMMUv3 programming interface (IHI0070) as data: register offsets,
 * structure layouts (STE, CD, commands, event and PRI records) and flyweight
 * views over structures in memory.
 *
 * <p>Both sides of the architected interface use this package: the model in
 * {@code hw.smmu} and the driver in {@code os.smmuv3}. It depends on neither.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>A field mask is a {@code long} named exactly as Linux's
 *       {@code drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h} names it, and holds
 *       the {@code GENMASK_ULL}/{@code BIT_ULL} value relative to the 64-bit word
 *       named in the constant: {@code STRTAB_STE_1_EATS} applies to STE dword 1,
 *       {@code CMDQ_0_OP} to command dword 0. Register fields are relative to the
 *       32- or 64-bit register.</li>
 *   <li>Legal values of a field are {@code long} constants declared right
 *       under the field; they are field values, to be used with
 *       {@link dev.jiommu.spec.smmuv3.Field#prep} and
 *       {@link dev.jiommu.spec.smmuv3.Field#get}, not shifted masks.</li>
 *   <li>Masks named {@code *_MASK} cover an address that stays in place
 *       ({@code word & STRTAB_STE_0_S1CTXPTR_MASK} is the address), as in
 *       Linux.</li>
 *   <li>Where Linux has no name for a field the architecture defines, the
 *       constant is named in the same style after the specification's field
 *       name and its Javadoc says "Not in Linux" with the section of IHI0070.</li>
 *   <li>Register offsets are {@code int}s from the base of MMIO page 0; the
 *       page-1 registers keep Linux's historical absolute offsets
 *       ({@code ARM_SMMU_EVTQ_PROD = 0x100a8}).</li>
 * </ul>
 */
package dev.jiommu.spec.smmuv3;

/**
 * VMSAv8-64 translation tables (Arm ARM D8): the formats both the CPU MMU and
 * the SMMU walk, the walker shared by them ({@link dev.jiommu.pgtable.Walker}),
 * and the io-pgtable operations with Linux's semantics
 * ({@link dev.jiommu.pgtable.IoPageTable}).
 */
package dev.jiommu.pgtable;

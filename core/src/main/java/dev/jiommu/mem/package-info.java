/** Sparse physical memory, its regions and the frame allocator. */
package dev.jiommu.mem;

/**
 * struct vm_area_struct, reduced to what the modelled paths test: the range (page numbers,
 * `[start, end)`), VM_WRITE, and whether it is private (COW after fork). Changed only under
 * mmap_lock held for write, read under it held for read: reading it is not a step.
 */
export interface Vma {
  readonly start: number;
  readonly end: number;
  readonly write: boolean;
  readonly private: boolean;
}

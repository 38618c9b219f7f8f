import type { Sim } from '../sim/step.js';
import type { Mm } from './mm.js';

/**
 * vm_userfaultfd_ctx with VM_UFFD_MISSING: a missing anonymous page is not filled by the fault
 * path but delivered to userspace (src/primary/userfaultfd/primary-ctx.ts).
 */
export interface VmaUserfaultfd {
  readonly missing: boolean;
  /**
   * handle_userfault(): called from do_anonymous_page() with mmap_lock held for read; drops it
   * (the caller must not unlock) and returns VM_FAULT_RETRY once woken, or VM_FAULT_SIGBUS.
   */
  handleUserfault(mm: Mm, addr: number, write: boolean): Sim<'VM_FAULT_RETRY' | 'VM_FAULT_SIGBUS'>;
}

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
  /** Registered with a userfaultfd (absent: not registered). */
  readonly uffd?: VmaUserfaultfd;
}

import type { MmuNotifierRange } from '../primary/notify.js';
import type { Pte } from '../primary/pte.js';
import type { Sim } from '../sim/step.js';

export type { MmuNotifierRange, MmuNotifyEvent } from '../primary/notify.js';
export { mmuNotifierRange } from '../primary/notify.js';

/**
 * struct mmu_notifier_ops (include/linux/mmu_notifier.h), the callbacks a secondary MMU
 * implements; every one is optional, as in the kernel. Contract per callback:
 *
 * - invalidateRangeStart: before the primary changes any PTE in the range; every page is
 *   still mapped. On return the subscriber holds no translation for the range and creates
 *   none until the matching end. May sleep iff `range.blockable`; a nonblockable start may
 *   return 'EAGAIN' and then gets no end.
 * - invalidateRangeEnd: after the PTE changes (the pages may or may not be freed yet).
 * - clearFlushYoung / clearYoung: under the primary PT lock (no sleeping); whether the range
 *   was accessed through the secondary since the last call; clears that state.
 * - testYoung: the same without clearing.
 * - release: exit_mmap's first step, or unregister; drop every translation, create no more.
 * - invalidatePage (2.6.27 to 4.12): one address, after the primary cleared its PTE and
 *   flushed, the page still referenced; under the PT lock in 2.6.27–3.5 (no sleeping), after
 *   the PT unlock in 3.6–4.10 (primary era setting, Mm `era`).
 */
export interface MmuNotifierOps {
  invalidateRangeStart?(range: MmuNotifierRange): Sim<0 | 'EAGAIN'>;
  invalidateRangeEnd?(range: MmuNotifierRange): Sim<void>;
  clearFlushYoung?(start: number, end: number): Sim<boolean>;
  clearYoung?(start: number, end: number): Sim<boolean>;
  testYoung?(addr: number): Sim<boolean>;
  release?(): Sim<void>;
  /**
   * arch_invalidate_secondary_tlbs (6.6+; invalidate_range 3.19–6.5): from the CPU TLB flush,
   * after the PTEs changed and before the pages are freed, preemption off: must not sleep.
   * For TLBs that refill from the CPU page table by themselves (IOMMU SVA/ATS).
   */
  archInvalidateSecondaryTlbs?(start: number, end: number): Sim<void>;
  invalidatePage?(addr: number): Sim<void>;
  /**
   * invalidate_range (3.19–6.5; the Mm era '4.13'): the same flush as
   * archInvalidateSecondaryTlbs under its older name and call sites: ptep_clear_flush_notify
   * (under the PT lock: must not sleep), the mmu_gather flush, and every range_end, before
   * the subscriber's invalidate_range_end.
   */
  invalidateRange?(start: number, end: number): Sim<void>;
  /**
   * change_pte (2.6.32–6.8): set_pte_at_notify() is about to make `addr` map `pte` (KSM's
   * write-protect and merge, a COW break); under the PT lock, must not sleep. Since 3.7
   * (6bdb913f0a70) always inside a range_start/end pair on the address; before, alone, and a
   * subscriber without change_pte got invalidate_page instead.
   */
  changePte?(addr: number, pte: Pte): Sim<void>;
}

/** struct mmu_notifier: one subscriber of an mm. */
export interface MmuNotifier {
  /** For traces: `kvm`, `gru`. */
  readonly name: string;
  readonly ops: MmuNotifierOps;
}

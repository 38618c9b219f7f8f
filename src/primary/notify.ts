import { frame } from '../sim/api.js';
import { LockdepMap, lockMapAcquire, lockMapRelease } from '../sim/lockdep.js';
import type { Sim } from '../sim/step.js';
import { fmtPte, type Pte } from './pte.js';

/**
 * enum mmu_notifier_event (include/linux/mmu_notifier.h, 5.0+; advisory: a correct secondary
 * may treat every event as MMU_NOTIFY_UNMAP).
 */
export type MmuNotifyEvent =
  | 'MMU_NOTIFY_UNMAP'
  | 'MMU_NOTIFY_CLEAR'
  | 'MMU_NOTIFY_PROTECTION_VMA'
  | 'MMU_NOTIFY_PROTECTION_PAGE'
  | 'MMU_NOTIFY_SOFT_DIRTY'
  | 'MMU_NOTIFY_RELEASE'
  | 'MMU_NOTIFY_MIGRATE'
  | 'MMU_NOTIFY_EXCLUSIVE';

/** struct mmu_notifier_range: addresses are page numbers, `[start, end)`. */
export interface MmuNotifierRange {
  readonly start: number;
  readonly end: number;
  readonly event: MmuNotifyEvent;
  /** MMU_NOTIFIER_RANGE_BLOCKABLE; false only for the OOM reaper's nonblocking start. */
  readonly blockable: boolean;
  /**
   * Model only, not in the kernel's struct: the mm function that opened the bracket
   * (`munmap`, `madvise_dontneed`, `wp_page_copy`, ...), for traces and for the checks, which
   * must tell a discard the process asked for from one it did not.
   */
  readonly caller: string;
}

export function mmuNotifierRange(
  start: number,
  end: number,
  event: MmuNotifyEvent,
  caller: string,
  blockable = true,
): MmuNotifierRange {
  return Object.freeze({ start, end, event, caller, blockable });
}

/**
 * What the primary calls: mm->notifier_subscriptions seen from mm/. A notifier design (the
 * classic hlist, EMM, interval) implements it; the primary knows nothing else of it. Every
 * method is one `__mmu_notifier_*` walk over the subscribers.
 */
export interface MmuNotifierSubscriptions {
  /** Blockable start never fails; a nonblocking one may return 'EAGAIN'. */
  invalidateRangeStart(range: MmuNotifierRange): Sim<0 | 'EAGAIN'>;
  invalidateRangeEnd(range: MmuNotifierRange): Sim<void>;
  /** Under the PT lock: the OR over every subscriber, each one's young state cleared. */
  clearFlushYoung(start: number, end: number): Sim<boolean>;
  clearYoung(start: number, end: number): Sim<boolean>;
  testYoung(addr: number): Sim<boolean>;
  /** exit_mmap's first step. */
  release(): Sim<void>;
  /** From the CPU TLB flush (6.6+), preemption off; a design without it has no such subscribers. */
  archInvalidateSecondaryTlbs?(start: number, end: number): Sim<void>;
  /** __mmu_notifier_invalidate_page() (2.6.27 to 4.12): only the eras before 4.13 call it. */
  invalidatePage?(addr: number): Sim<void>;
  /** __mmu_notifier_invalidate_range() (3.19–6.5): the '4.13' era's secondary TLB flush. */
  invalidateRange?(start: number, end: number): Sim<void>;
  /** __mmu_notifier_change_pte() (2.6.32–6.8): from set_pte_at_notify, under the PT lock. */
  changePte?(addr: number, pte: Pte): Sim<void>;
}

/** Holder of mm->notifier_subscriptions; null until the first registration (mm_has_notifiers). */
export interface NotifierHost {
  notifierSubscriptions: MmuNotifierSubscriptions | null;
}

/**
 * __mmu_notifier_invalidate_range_start_map (mm/mmu_notifier.c, 23b68395c7c7, 5.2): lockdep's
 * stand-in for "inside a notifier callback". Held across every start walk (blockable or not,
 * whether or not the mm has subscribers, so the dependency is learnt early) and every end
 * walk, and taken by fs_reclaim_acquire (src/primary/gfp.ts): a lock a callback takes must
 * never be held across an allocation that may reclaim.
 */
export const mmuNotifierInvalidateRangeStartMap = new LockdepMap('mmu_notifier_invalidate_range_start');

/** mmu_notifier_invalidate_range_start() (and its _nonblock form, by `range.blockable`) */
export function* mmuNotifierInvalidateRangeStart(
  mm: NotifierHost,
  range: MmuNotifierRange,
): Sim<0 | 'EAGAIN'> {
  lockMapAcquire(mmuNotifierInvalidateRangeStartMap);
  const subs = mm.notifierSubscriptions;
  const ret = subs
    ? yield* frame(
        `invalidate_range_start(${range.event} ${fmtRange(range)}) from ${range.caller}`,
        subs.invalidateRangeStart(range),
      )
    : 0;
  lockMapRelease(mmuNotifierInvalidateRangeStartMap);
  return ret;
}

/** mmu_notifier_invalidate_range_end() */
export function* mmuNotifierInvalidateRangeEnd(mm: NotifierHost, range: MmuNotifierRange): Sim<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs) return;
  lockMapAcquire(mmuNotifierInvalidateRangeStartMap);
  yield* frame(
    `invalidate_range_end(${range.event} ${fmtRange(range)}) from ${range.caller}`,
    subs.invalidateRangeEnd(range),
  );
  lockMapRelease(mmuNotifierInvalidateRangeStartMap);
}

/** mmu_notifier_clear_flush_young() (called by ptep_clear_flush_young_notify under the PT lock) */
export function* mmuNotifierClearFlushYoung(mm: NotifierHost, start: number, end: number): Sim<boolean> {
  const subs = mm.notifierSubscriptions;
  if (!subs) return false;
  return yield* frame(`clear_flush_young(${start}..${end})`, subs.clearFlushYoung(start, end));
}

/** mmu_notifier_clear_young() */
export function* mmuNotifierClearYoung(mm: NotifierHost, start: number, end: number): Sim<boolean> {
  const subs = mm.notifierSubscriptions;
  if (!subs) return false;
  return yield* frame(`clear_young(${start}..${end})`, subs.clearYoung(start, end));
}

/** mmu_notifier_test_young() */
export function* mmuNotifierTestYoung(mm: NotifierHost, addr: number): Sim<boolean> {
  const subs = mm.notifierSubscriptions;
  if (!subs) return false;
  return yield* frame(`test_young(${addr})`, subs.testYoung(addr));
}

/** mmu_notifier_invalidate_page() (2.6.27 to 4.12). */
export function* mmuNotifierInvalidatePage(mm: NotifierHost, addr: number): Sim<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs?.invalidatePage) return;
  yield* frame(`invalidate_page(${addr})`, subs.invalidatePage(addr));
}

/** mmu_notifier_release() (__mmu_notifier_release) */
export function* mmuNotifierRelease(mm: NotifierHost): Sim<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs) return;
  yield* frame('release', subs.release());
}

/**
 * mmu_notifier_arch_invalidate_secondary_tlbs() (6.6+, called by the architecture's TLB flush:
 * x86 flush_tlb_mm_range, arch_tlbbatch_flush); before 6.6 the same flush was
 * mmu_notifier_invalidate_range() from ptep_clear_flush_notify and tlb_flush_mmu_tlbonly.
 */
export function* mmuNotifierArchInvalidateSecondaryTlbs(
  mm: NotifierHost,
  start: number,
  end: number,
): Sim<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs?.archInvalidateSecondaryTlbs) return;
  yield* subs.archInvalidateSecondaryTlbs(start, end);
}

/**
 * mmu_notifier_invalidate_range() (3.19–6.5): from ptep_clear_flush_notify under the PT lock,
 * from tlb_flush_mmu_tlbonly, and (in the chain) from every range_end. Must not sleep.
 */
export function* mmuNotifierInvalidateRange(mm: NotifierHost, start: number, end: number): Sim<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs?.invalidateRange) return;
  yield* frame(`invalidate_range(${fmtRange({ start, end })})`, subs.invalidateRange(start, end));
}

/** mmu_notifier_change_pte() (2.6.32–6.8), the notifier half of set_pte_at_notify(). */
export function* mmuNotifierChangePte(mm: NotifierHost, addr: number, pte: Pte): Sim<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs?.changePte) return;
  yield* frame(`change_pte(${addr}, ${fmtPte(pte)})`, subs.changePte(addr, pte));
}

export function fmtRange(r: { start: number; end: number }): string {
  return `[${r.start}, ${r.end})`;
}

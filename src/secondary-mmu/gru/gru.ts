import type { Mm } from '../../primary/mm.js';
import { getUserPagesLocked } from '../../primary/ops/gup.js';
import { putPage } from '../../primary/page.js';
import { RETRY, retryLoop } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { AtomicT, atomicDecAndTest, atomicInc, atomicRead } from '../../sim/sync/atomic.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import { WaitQueue, wakeUp } from '../../sim/sync/waitqueue.js';
import { type BugFlags, defineSecondaryMmu } from '../define.js';
import { DeviceTlb } from '../device-tlb.js';

/** Bug variants of the GRU model: each says what the code (or the hardware) gets wrong. */
export const gruBugs = {
  'no-dropin-drop':
    'the device lacks the GRU hardware rule that a TLB dropin issued after a TGH invalidate hit the TLB is dropped (grufault.c comment; mmu_notifier_spec.md §9): the range-active counter alone cannot close the window between the PTE read and the dropin',
  'vtop-before-tfh-read':
    'gru_try_dropin walks the page table (gru_vtop) before it reads the TLB fault handle and checks ms_range_active, so an invalidation that completes in between is neither seen by the check nor kills the dropin',
  'no-range-active-check':
    'gru_try_dropin relies on the wait_event in gru_user_dropin and does not recheck ms_range_active after reading the TLB fault handle: a range_start between the wait and the TFH read goes unseen',
} as const;

export type GruBug = keyof typeof gruBugs;

/** struct gru_mm_struct, reduced to what the notifier protocol touches. */
export interface GruMm {
  /** ms_range_active: open range_start..end sections; atomic, read without a lock. */
  readonly msRangeActive: AtomicT;
  /** ms_wait_queue: faults wait here for ms_range_active to drop to 0. */
  readonly msWaitQueue: WaitQueue;
  /** The GRU TLB of the one context, filled by tfh_write_restart (the dropin). */
  readonly tlb: DeviceTlb;
}

/**
 * gru_flush_tlb_range(): a TGH invalidate of the range, one hardware step. The kernel takes
 * ms_asid_lock around it against ASID reassignment, which the model (one context, one ASID)
 * does not have.
 */
function* gruFlushTlbRange(gms: GruMm, start: number, end: number): Sim<void> {
  yield* gms.tlb.zap(start, end);
}

/**
 * gru_vtop(): atomic_pte_lookup, a lockless walk of the CPU page table (present; writable
 * and dirty for a write); on a miss, non_atomic_pte_lookup: get_user_pages (mmap_lock held
 * for read by the caller) and at once put_page: the GRU keeps no page reference. 0: no page.
 */
function* gruVtop(mm: Mm, addr: number, write: boolean): Sim<number> {
  const pte = yield* mm.pte(addr).read();
  if (pte.present && (!write || (pte.write && pte.dirty))) return pte.pfn;
  const pfn = yield* getUserPagesLocked(mm, addr, write);
  if (pfn === 0) return 0;
  yield* putPage(mm.frame(pfn));
  return pfn;
}

/**
 * gru_try_dropin() for one fault (drivers/misc/sgi-gru/grufault.c): read the TLB fault handle,
 * smp_rmb, fail if ms_range_active, gru_vtop, then tfh_write_restart loads the TLB entry. What
 * closes the window between the PTE read and the dropin is the hardware: a dropin issued
 * after an invalidate hit the TLB since the TFH was read is dropped, and the fault recurs.
 */
function* gruTryDropin(gms: GruMm, mm: Mm, addr: number, write: boolean, bugs: BugFlags<GruBug>) {
  let pfn = -1;
  if (bugs['vtop-before-tfh-read']) pfn = yield* gruVtop(mm, addr, write);
  const tfh = yield* gms.tlb.readFaultHandle();
  // smp_rmb(); pairs with the atomic_inc in gru_invalidate_range_start.
  if (!bugs['no-range-active-check'] && (yield* atomicRead(gms.msRangeActive)) !== 0) return RETRY;
  if (pfn < 0) pfn = yield* gruVtop(mm, addr, write);
  if (pfn === 0) return false;
  if (bugs['no-dropin-drop']) yield* gms.tlb.install(addr, pfn, write);
  else yield* gms.tlb.dropin(addr, pfn, write, tfh);
  return true;
}

/**
 * An SGI-GRU-like device TLB as a secondary MMU (drivers/misc/sgi-gru/grutlbpurge.c and
 * grufault.c, 2.6.27 to today): range_start raises ms_range_active and flushes the GRU TLB
 * for the range; range_end drops it (atomic_dec_and_test: a full barrier) and wakes the
 * faults; the user-context fault path (gru_user_dropin) waits for no range to be active, then
 * drops in a translation. GRU keeps no sequence count: it relies on the counter plus the
 * hardware rule that an invalidate kills a pending dropin.
 *
 * Left out: ASIDs and contexts (one context, always loaded), the interrupt-context path
 * (mmap_lock trylock), huge pages, TLB preloading. No ->release, as since 5.5.
 */
export const gru = defineSecondaryMmu({
  name: 'gru',
  bugs: gruBugs,
  init: (mm): GruMm => ({
    msRangeActive: new AtomicT('gru.msRangeActive', 0),
    msWaitQueue: new WaitQueue('gru.msWaitQueue'),
    tlb: new DeviceTlb('gru.tlb', mm),
  }),
  ops: {
    /** gru_invalidate_range_start(): never sleeps, never fails (safe when non-blockable). */
    *invalidateRangeStart(gms, range) {
      yield* atomicInc(gms.msRangeActive);
      yield* gruFlushTlbRange(gms, range.start, range.end);
      return 0;
    },
    /** gru_invalidate_range_end() */
    *invalidateRangeEnd(gms) {
      yield* atomicDecAndTest(gms.msRangeActive);
      yield* wakeUp(gms.msWaitQueue);
    },
  },
  /**
   * gru_user_dropin(): the caller (gru_handle_user_call_os → gru_lock_gts) holds mmap_lock
   * for read; wait_event(ms_wait_queue, ms_range_active == 0), gru_try_dropin, again while it
   * fails. The wait is the retry loop's: a pass that saw ms_range_active != 0 blocks until
   * the count changes, which is when range_end's wake_up_all would let wait_event recheck.
   * (So a lost wake-up is not modelled here.) In the correct path the wait's test is
   * folded into gru_try_dropin's recheck: it reads the same count and changes nothing.
   */
  *access(gms, mm, addr, write, bugs) {
    yield* downRead(mm.mmapLock);
    const ok = yield* retryLoop(function* () {
      if (bugs['no-range-active-check'] && (yield* atomicRead(gms.msRangeActive)) !== 0) return RETRY;
      return yield* gruTryDropin(gms, mm, addr, write, bugs);
    });
    yield* upRead(mm.mmapLock);
    return ok;
  },
  inProgress: (gms) => gms.msRangeActive.value,
});

import type { Translation } from '../../check/view.js';
import { internalBug, MmulabError } from '../../errors.js';
import { IntervalChain, MmuIntervalNotifier } from '../../notifier/designs/interval.js';
import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import { handleMmFault } from '../../primary/ops/fault.js';
import { RETRY, retryLoop } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { Mutex, mutexLock, mutexTrylock, mutexUnlock } from '../../sim/sync/mutex.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import { type BugFlags, parseBugFlags, type SecondaryInstance, type SecondaryMmuDriver } from '../define.js';
import { DeviceTlb } from '../device-tlb.js';

/** Bug variants of the HMM mirror: each breaks one rule of Documentation/mm/hmm.rst. */
export const hmmBugs = {
  'no-read-retry':
    'the fault path programs the device page table without mmu_interval_read_retry() under the driver lock: an invalidation that ran after hmm_range_fault read the PTE goes unseen',
  'set-seq-outside-lock':
    'the invalidate callback calls mmu_interval_set_seq() after dropping the driver lock: a fault that takes the lock between the device zap and set_seq passes read_retry and installs the page being unmapped',
  'sleeps-when-nonblockable':
    'the invalidate callback takes the driver mutex with mutex_lock() even when mmu_notifier_range_blockable() is false (the OOM reaper), instead of mutex_trylock() and returning false (-EAGAIN)',
} as const;

export type HmmBug = keyof typeof hmmBugs;

/** struct dmirror (lib/test_hmm.c) reduced to the notifier protocol: the mutex and the device PT. */
export interface HmmMirror {
  /** dmirror->mutex: serialises the device page table against invalidate; read_retry and set_seq run under it. */
  readonly mutex: Mutex;
  /** The device page table (dmirror->pt), filled only by the fault path. */
  readonly pt: DeviceTlb;
}

/**
 * dmirror_interval_invalidate() (lib/test_hmm.c, 5.5+): blockable ranges take the mutex,
 * non-blockable ones only try it and fail with false (the core turns that into -EAGAIN);
 * then mmu_interval_set_seq and the device zap, both under the mutex.
 */
function* hmmInvalidate(
  m: HmmMirror,
  chain: IntervalChain,
  sub: MmuIntervalNotifier,
  range: MmuNotifierRange,
  curSeq: number,
  bugs: BugFlags<HmmBug>,
): Sim<boolean> {
  if (range.blockable || bugs['sleeps-when-nonblockable']) yield* mutexLock(m.mutex);
  else if (!(yield* mutexTrylock(m.mutex))) return false;
  if (!bugs['set-seq-outside-lock']) yield* chain.setSeq(sub, curSeq);
  yield* m.pt.zap(range.start, range.end);
  yield* mutexUnlock(m.mutex);
  if (bugs['set-seq-outside-lock']) yield* chain.setSeq(sub, curSeq);
  return true;
}

/**
 * hmm_range_fault() for one page with HMM_PFN_REQ_FAULT (mm/hmm.c, caller holds mmap_lock for
 * read): hmm_vma_handle_pte reads the PTE without the PT lock and takes no page reference; a
 * missing PTE, or a read-only one for a write, goes through handle_mm_fault (hmm_vma_fault)
 * and the walk starts again (-EBUSY). The pfn, or 0 (-EFAULT).
 */
function* hmmRangeFault(mm: Mm, addr: number, write: boolean): Sim<number> {
  for (;;) {
    const pte = yield* mm.pte(addr).read();
    if (pte.present && (!write || pte.write)) return pte.pfn;
    if ((yield* handleMmFault(mm, addr, write)) !== 0) return 0;
  }
}

/**
 * The driver pattern of Documentation/mm/hmm.rst (dmirror_range_fault): read_begin;
 * mmap_read_lock, hmm_range_fault, mmap_read_unlock; take the driver lock; read_retry, and on
 * a change drop the lock and go again; else program the device page table and unlock.
 * A failed pass blocks in retryLoop until the subscription's seq moves.
 */
function* hmmFault(
  m: HmmMirror,
  mm: Mm,
  chain: IntervalChain,
  sub: MmuIntervalNotifier,
  addr: number,
  write: boolean,
  bugs: BugFlags<HmmBug>,
): Sim<boolean> {
  return yield* retryLoop(function* () {
    const seq = yield* chain.readBegin(sub);
    yield* downRead(mm.mmapLock);
    const pfn = yield* hmmRangeFault(mm, addr, write);
    yield* upRead(mm.mmapLock);
    if (pfn === 0) return false;
    yield* mutexLock(m.mutex);
    if (!bugs['no-read-retry'] && (yield* chain.readRetry(sub, seq))) {
      yield* mutexUnlock(m.mutex);
      return RETRY;
    }
    yield* m.pt.install(addr, pfn, write);
    yield* mutexUnlock(m.mutex);
    return true;
  });
}

/**
 * An HMM mirror (lib/test_hmm.c's dmirror, Documentation/mm/hmm.rst): one
 * mmu_interval_notifier over the whole mm, a device page table behind a mutex. Runs only on
 * the `interval` design (mmu_interval_notifier, 5.5+).
 *
 * Left out: device-private memory and migrate_vma, the hmm_pfn flags beyond read/write,
 * ranges of more than one page per fault, the invalidation's owner check (MMU_NOTIFY_MIGRATE).
 */
export const hmm: SecondaryMmuDriver = {
  name: 'hmm',
  bugs: hmmBugs,
  designs: ['interval'],
  create(mm, names): SecondaryInstance {
    const bugs = parseBugFlags('hmm', hmmBugs, names);
    const m: HmmMirror = { mutex: new Mutex('dmirror.mutex'), pt: new DeviceTlb('dmirror.pt', mm) };
    let chain: IntervalChain | null = null;
    const sub = new MmuIntervalNotifier('dmirror', 0, mm.ptes.length, {
      invalidate: (s, range, curSeq) => hmmInvalidate(m, intervalChain(), s, range, curSeq, bugs),
    });
    const intervalChain = (): IntervalChain => {
      if (!chain) internalBug('hmm mirror used before attach');
      return chain;
    };
    return {
      name: 'hmm',
      subscriber: sub,
      tlb: m.pt,
      *translations(): Generator<Translation> {
        yield* m.pt.translations();
      },
      attach(c) {
        if (!(c instanceof IntervalChain)) {
          throw new MmulabError(
            'MMULAB_UNKNOWN_DESIGN',
            `the hmm mirror needs the 'interval' design (mmu_interval_notifier), not '${c.design}'`,
          );
        }
        chain = c;
        c.insertAtSetup(sub);
      },
      fault: (addr, write) => hmmFault(m, mm, intervalChain(), sub, addr, write, bugs),
    };
  },
};

import { putPage } from '../../primary/page.js';
import type { Sim } from '../../sim/step.js';
import { Mutex, mutexLock, mutexUnlock } from '../../sim/sync/mutex.js';
import { SpinLock, spinLock, spinUnlock } from '../../sim/sync/spinlock.js';
import { type BugFlags, defineSecondaryMmu, getUserPage } from '../define.js';
import { DeviceTlb } from '../device-tlb.js';

/** Bug variants of the IOMMU SVA model. */
export const iommuBugs = {
  'start-end-only':
    'the IOTLB is flushed from invalidate_range_start and invalidate_range_end only (as the first AMD IOMMUv2 / Intel SVM code did before invalidate_range, ≈3.19): start is too early, as the IOMMU refills from the still-present PTE, and end too late, as the page is freed before it (Popple, 2023-07-18)',
  'flush-sleeps':
    'the IOTLB flush waits for the invalidation queue under a mutex: arch_invalidate_secondary_tlbs (6.6+) runs from the CPU TLB flush with preemption off, invalidate_range (3.19–6.5) from ptep_clear_flush_notify with the PT lock held, so it sleeps in atomic context',
} as const;

export type IommuBug = keyof typeof iommuBugs;

/** The SVA domain of one device bound to the mm (a PASID), reduced to its IOTLB. */
export interface IommuSva {
  /** The IOTLB behind ATS: refilled by the IOMMU's own walks of the CPU page table. */
  readonly iotlb: DeviceTlb;
  /** The invalidation queue's lock (qi->q_lock, a raw spinlock in intel/dmar.c). */
  readonly qiLock: SpinLock;
  /** The sleeping lock of the flush-sleeps variant. */
  readonly qiMutex: Mutex;
}

/** The IOTLB flush through the invalidation queue (spinning lock; a mutex in flush-sleeps). */
function* flushIotlb(d: IommuSva, start: number, end: number, bugs: BugFlags<IommuBug>): Sim<void> {
  if (bugs['start-end-only']) return;
  if (bugs['flush-sleeps']) {
    yield* mutexLock(d.qiMutex);
    yield* d.iotlb.zap(start, end);
    yield* mutexUnlock(d.qiMutex);
    return;
  }
  yield* spinLock(d.qiLock);
  yield* d.iotlb.zap(start, end);
  yield* spinUnlock(d.qiLock);
}

/**
 * An IOMMU in SVA mode with ATS (Intel SVM, ARM SMMUv3, AMD IOMMUv2): the device shares the
 * CPU page table; the IOMMU walks it on a translation request and caches the result, at any
 * time and without any lock. So neither start (too early) nor end (too late) can keep the
 * IOTLB coherent: the flush must follow each CPU TLB flush, before the pages are freed:
 * invalidate_range (≈3.19–6.5, under the PT lock) and arch_invalidate_secondary_tlbs (6.6+,
 * from the architecture's TLB flush). It must not sleep.
 *
 * Left out: PRI page requests' queue (a fault is handle_mm_fault via get_user_pages here),
 * ->release and PASID teardown, permission-upgrade flushes (arm64, 6.6), huge pages.
 */
export const iommuSva = defineSecondaryMmu({
  name: 'iommu-sva',
  bugs: iommuBugs,
  init: (mm): IommuSva => ({
    iotlb: new DeviceTlb('iommu.iotlb', mm, true),
    qiLock: new SpinLock('iommu.qi.lock'),
    qiMutex: new Mutex('iommu.qi.mutex'),
  }),
  ops: {
    /** The start/end-only variant's flushes; the correct driver implements neither. */
    *invalidateRangeStart(d, range, bugs) {
      if (bugs['start-end-only']) yield* d.iotlb.zap(range.start, range.end);
      return 0;
    },
    *invalidateRangeEnd(d, range, bugs) {
      if (bugs['start-end-only']) yield* d.iotlb.zap(range.start, range.end);
    },
    /** intel_arch_invalidate_secondary_tlbs() → qi_flush_piotlb + dev IOTLB flush (6.6+). */
    *archInvalidateSecondaryTlbs(d, start, end, bugs) {
      yield* flushIotlb(d, start, end, bugs);
    },
    /**
     * intel_invalidate_range() / amd mn_invalidate_range() (3.19–6.5): the same flush, which
     * the '4.13' era calls from ptep_clear_flush_notify with the PT lock held.
     */
    *invalidateRange(d, start, end, bugs) {
      yield* flushIotlb(d, start, end, bugs);
    },
  },
  /**
   * An ATS translation request: the IOMMU walks the CPU page table and fills the IOTLB in one
   * hardware action; on a miss, a PRI page request makes the kernel fault the page in
   * (iommu_sva_handle_iopf → handle_mm_fault, here get_user_pages) and the device retries.
   */
  *access(d, mm, addr, write) {
    const filled = yield* d.iotlb.fill(addr, () => {
      const pte = mm.pte(addr).value;
      return pte.present && (!write || pte.write) ? { pfn: pte.pfn, writable: pte.write } : null;
    });
    if (filled) return true;
    const page = yield* getUserPage(mm, addr, write);
    if (!page) return false;
    yield* putPage(page);
    return true;
  },
});

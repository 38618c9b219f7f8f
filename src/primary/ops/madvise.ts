import type { Sim } from '../../sim/step.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import type { Mm } from '../mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../notify.js';
import { tlbFinishMmu, tlbGatherMmu } from './gather.js';
import { zapPteRange } from './zap.js';

/**
 * madvise(MADV_DONTNEED): madvise_dontneed_single_vma() → zap_page_range_single()
 * (mm/madvise.c, mm/memory.c). mmap_lock is held only for *read* (6.x: or the per-VMA lock),
 * so faults and gup run concurrently with the bracket. Order: tlb_gather_mmu →
 * invalidate_range_start(MMU_NOTIFY_CLEAR) → zap_pte_range → invalidate_range_end →
 * tlb_finish_mmu (flush, free). The VMA stays: the next touch faults in a zero page.
 * Returns -EINVAL (as 'EINVAL') if no VMA covers the range.
 */
export function* madviseDontneed(mm: Mm, start: number, end: number): Sim<0 | 'EINVAL'> {
  yield* downRead(mm.mmapLock);
  if (!mm.findVma(start)) {
    yield* upRead(mm.mmapLock);
    return 'EINVAL';
  }
  const tlb = tlbGatherMmu(mm);
  const range = mmuNotifierRange(start, end, 'MMU_NOTIFY_CLEAR', 'madvise_dontneed');
  yield* mmuNotifierInvalidateRangeStart(mm, range);
  yield* zapPteRange(tlb, start, end);
  yield* mmuNotifierInvalidateRangeEnd(mm, range);
  yield* tlbFinishMmu(tlb);
  yield* upRead(mm.mmapLock);
  return 0;
}

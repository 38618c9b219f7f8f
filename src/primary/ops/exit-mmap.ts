import type { Sim } from '../../sim/step.js';
import { downRead, downWrite, upRead, upWrite } from '../../sim/sync/rwsem.js';
import type { Mm } from '../mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
  mmuNotifierRelease,
} from '../notify.js';
import { tlbFinishMmu, tlbGatherMmu } from './gather.js';
import { zapPteRange } from './zap.js';

/**
 * exit_mmap() (mm/mmap.c, 6.x): mmu_notifier_release() first, before any page is unmapped
 * or freed (every subscriber's ->release, then unlinked) → mmap_lock(read) → unmap_vmas()
 * with its own invalidate_range_start/end(MMU_NOTIFY_UNMAP) over everything (only interval
 * subscribers still see it) → mmap_lock(write) → free_pgtables, tlb_finish_mmu (flush, free)
 * → VMAs removed.
 */
export function* exitMmap(mm: Mm): Sim<void> {
  yield* mmuNotifierRelease(mm);
  yield* downRead(mm.mmapLock);
  const tlb = tlbGatherMmu(mm);
  const range = mmuNotifierRange(0, mm.ptes.length, 'MMU_NOTIFY_UNMAP', 'exit_mmap');
  yield* mmuNotifierInvalidateRangeStart(mm, range);
  yield* zapPteRange(tlb, 0, mm.ptes.length);
  yield* mmuNotifierInvalidateRangeEnd(mm, range);
  yield* upRead(mm.mmapLock);
  yield* downWrite(mm.mmapLock);
  yield* tlbFinishMmu(tlb);
  mm.vmas = [];
  yield* upWrite(mm.mmapLock);
}

import type { Mm } from '../../primary/mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../../primary/notify.js';
import { tlbFinishMmu, tlbGatherMmu } from '../../primary/ops/gather.js';
import { zapPteRange } from '../../primary/ops/zap.js';
import type { Sim } from '../../sim/step.js';
import { downReadTrylock, upRead } from '../../sim/sync/rwsem.js';

/**
 * __oom_reap_task_mm() (mm/oom_kill.c, 4.19+): mmap_lock by trylock only; per VMA a
 * *non-blockable* range_start(MMU_NOTIFY_UNMAP); on -EAGAIN the VMA is skipped (the reaper
 * retries later) and range_end is not called; else zap, range_end, tlb_finish_mmu.
 * Returns whether every VMA was reaped.
 */
export function* oomReapTaskMm(mm: Mm): Sim<boolean> {
  if (!(yield* downReadTrylock(mm.mmapLock))) return false;
  let all = true;
  for (const vma of [...mm.vmas]) {
    const range = mmuNotifierRange(vma.start, vma.end, 'MMU_NOTIFY_UNMAP', 'oom_reaper', false);
    const tlb = tlbGatherMmu(mm);
    if ((yield* mmuNotifierInvalidateRangeStart(mm, range)) === 'EAGAIN') {
      all = false;
      continue;
    }
    yield* zapPteRange(tlb, vma.start, vma.end);
    yield* mmuNotifierInvalidateRangeEnd(mm, range);
    yield* tlbFinishMmu(tlb);
  }
  yield* upRead(mm.mmapLock);
  return all;
}

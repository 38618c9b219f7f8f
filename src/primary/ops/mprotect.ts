import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import { spinLockSection } from '../../sim/sync/spinlock.js';
import type { Mm } from '../mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../notify.js';
import { pteWith } from '../pte.js';
import { flushSecondaryTlbs } from './tlb-flush.js';

/**
 * mprotect(): mprotect_fixup() → change_protection() (mm/mprotect.c). mmap_lock(write) →
 * VMA flags changed → invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA) → PT lock, each
 * present PTE rewritten (write-protected when VM_WRITE goes; a gained VM_WRITE leaves PTEs
 * read-only, the next write fault upgrades them) → PT unlock → invalidate_range_end → CPU TLB
 * flush (tlb_finish_mmu, after the bracket; the exact 6.x flush point is unverified) → unlock.
 */
export function* mprotect(mm: Mm, start: number, end: number, write: boolean): Sim<0 | 'ENOMEM'> {
  yield* downWrite(mm.mmapLock);
  for (let a = start; a < end; a++) {
    if (!mm.findVma(a)) {
      yield* upWrite(mm.mmapLock);
      return 'ENOMEM';
    }
  }
  mm.vmas = mm.vmas.map((v) => (v.start >= start && v.end <= end ? { ...v, write } : v));
  const range = mmuNotifierRange(start, end, 'MMU_NOTIFY_PROTECTION_VMA', 'mprotect');
  yield* mmuNotifierInvalidateRangeStart(mm, range);
  yield* spinLockSection(
    mm.ptl,
    'change_pte_range',
    () => {
      if (write) return;
      for (let a = start; a < end; a++) {
        const p = mm.pte(a).value;
        if (!p.write) continue;
        mm.pte(a).value = pteWith(p, { write: false });
        mm.tlbFlushPending.add(a);
      }
    },
    undefined,
    mm.ptlFootprint(start, end),
  );
  yield* mmuNotifierInvalidateRangeEnd(mm, range);
  note('tlb-flush', `flush_tlb_range(${mm.name}, ${start}, ${end})`);
  yield* flushSecondaryTlbs(mm, start, end);
  for (let a = start; a < end; a++) mm.tlbFlushPending.delete(a);
  yield* upWrite(mm.mmapLock);
  return 0;
}

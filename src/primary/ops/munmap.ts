import type { Sim } from '../../sim/step.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import type { Mm } from '../mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../notify.js';
import type { Vma } from '../vma.js';
import { tlbFinishMmu, tlbGatherMmu } from './gather.js';
import { zapPteRange } from './zap.js';

/** Removes `[start, end)` from the VMA list, splitting VMAs it cuts (caller holds mmap write). */
export function detachVmas(mm: Mm, start: number, end: number): void {
  const out: Vma[] = [];
  for (const v of mm.vmas) {
    if (v.end <= start || v.start >= end) {
      out.push(v);
      continue;
    }
    if (v.start < start) out.push({ ...v, end: start });
    if (v.end > end) out.push({ ...v, start: end });
  }
  mm.vmas = out;
}

/**
 * munmap(): do_vmi_munmap() → unmap_region() (mm/mmap.c, mm/vma.c). Order kept:
 * mmap_lock(write) → VMAs detached → tlb_gather_mmu → unmap_vmas(): invalidate_range_start
 * (MMU_NOTIFY_UNMAP) → zap_pte_range (PT lock, clear, rmap, queue; a full batch flushes and
 * frees inside) → invalidate_range_end → free_pgtables → tlb_finish_mmu(): CPU TLB flush and
 * free of the last batch, *after* range_end (2.6.29 and 6.12 alike; only Arcangeli's #v11
 * patch of April 2008 put range_end after it) → mmap_lock released. 6.x downgrades the lock
 * to read after detaching; nothing here depends on that, as no fault can find the VMAs.
 */
export function* munmap(mm: Mm, start: number, end: number): Sim<void> {
  yield* downWrite(mm.mmapLock);
  detachVmas(mm, start, end);
  const tlb = tlbGatherMmu(mm);
  const range = mmuNotifierRange(start, end, 'MMU_NOTIFY_UNMAP', 'munmap');
  yield* mmuNotifierInvalidateRangeStart(mm, range);
  yield* zapPteRange(tlb, start, end);
  yield* mmuNotifierInvalidateRangeEnd(mm, range);
  yield* tlbFinishMmu(tlb);
  yield* upWrite(mm.mmapLock);
}

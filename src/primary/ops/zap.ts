import type { Sim } from '../../sim/step.js';
import { spinLockSection } from '../../sim/sync/spinlock.js';
import { PTE_NONE } from '../pte.js';
import { type MmuGather, tlbFlushMmu, tlbRemovePage } from './gather.js';

/**
 * zap_pte_range() (mm/memory.c): under the PT lock each present PTE is cleared
 * (ptep_get_and_clear_full), its rmap dropped, its page queued in the gather. When the batch
 * fills, the lock is dropped and tlb_flush_mmu() flushes and frees before going on: pages
 * freed this way are freed inside the caller's notifier bracket.
 */
export function* zapPteRange(tlb: MmuGather, start: number, end: number): Sim<void> {
  const mm = tlb.mm;
  let addr = start;
  while (addr < end) {
    const from = addr;
    const forceFlush = yield* spinLockSection(
      mm.ptl,
      'zap_pte_range',
      () => {
        for (; addr < end; addr++) {
          mm.swap.delete(addr);
          const old = mm.pte(addr).value;
          if (!old.present) continue;
          mm.pte(addr).value = PTE_NONE;
          const page = mm.frame(old.pfn);
          page.mapcount--;
          if (tlbRemovePage(tlb, page)) {
            addr++;
            return true;
          }
        }
        return false;
      },
      (full) => `zap_pte_range: ${mm.name}.pte[${from}..${addr - 1}] cleared${full ? ', gather full' : ''}`,
      mm.ptlFootprint(addr, end),
    );
    if (forceFlush) yield* tlbFlushMmu(tlb);
  }
}

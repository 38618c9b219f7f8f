import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import type { Mm } from '../mm.js';
import { type PageFrame, putPage } from '../page.js';
import { flushSecondaryTlbs } from './tlb-flush.js';

/**
 * struct mmu_gather (mm/mmu_gather.c): pages unmapped under the PT lock wait here until the
 * CPU TLB is flushed, then lose the reference their mapping held. A full batch flushes and
 * frees inside the unmap, so inside the notifier bracket; the last batch is freed by
 * tlb_finish_mmu(), after invalidate_range_end (2.6.29 and 6.12 alike).
 */
export interface MmuGather {
  readonly mm: Mm;
  readonly pages: PageFrame[];
}

/** tlb_gather_mmu() */
export function tlbGatherMmu(mm: Mm): MmuGather {
  return { mm, pages: [] };
}

/** __tlb_remove_page(): queues a page; true when the batch is full and must be flushed. */
export function tlbRemovePage(tlb: MmuGather, page: PageFrame): boolean {
  tlb.pages.push(page);
  return tlb.pages.length >= tlb.mm.gatherCapacity;
}

/** tlb_flush_mmu(): CPU TLB flush, then the queued pages are freed (put_page each). */
export function* tlbFlushMmu(tlb: MmuGather): Sim<void> {
  if (tlb.pages.length === 0) return;
  note('tlb-flush', `flush_tlb_mm(${tlb.mm.name}) (tlb_flush_mmu_tlbonly)`);
  // The gather keeps no address range here: the secondary flush covers the whole mm.
  // (4.x flushed a full batch under the PT lock in zap_pte_range; here after it, as in 6.x.)
  yield* flushSecondaryTlbs(tlb.mm, 0, tlb.mm.ptes.length);
  const pages = tlb.pages.splice(0);
  for (const p of pages) yield* putPage(p);
}

/** tlb_finish_mmu(): the final flush and free of the last batch. */
export function* tlbFinishMmu(tlb: MmuGather): Sim<void> {
  yield* tlbFlushMmu(tlb);
}

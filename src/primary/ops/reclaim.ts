import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import { spinLockSection, spinLockThen, spinUnlock } from '../../sim/sync/spinlock.js';
import { hasInvalidatePage, secondaryTlbCallback } from '../era.js';
import type { Mm } from '../mm.js';
import {
  mmuNotifierArchInvalidateSecondaryTlbs,
  mmuNotifierClearFlushYoung,
  mmuNotifierInvalidateRange,
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../notify.js';
import { getPage, type PageFrame, putPage } from '../page.js';
import { pteWith } from '../pte.js';
import { ptepClearFlushToSwap, tryToUnmapInvalidatePage } from './unmap-invalidate-page.js';

/**
 * folio_referenced() → folio_referenced_one() (mm/rmap.c) for the one mapping at `addr`:
 * under the rmap lock (anon_vma read) and the PT lock, ptep_clear_flush_young_notify():
 * the primary young bit is tested and cleared (CPU TLB flushed if it was set), then
 * mmu_notifier_clear_flush_young() is OR'ed in, still under the PT lock (no sleeping).
 */
export function* pageReferenced(
  mm: Mm,
  addr: number,
  page: PageFrame,
  aging?: { begin(pfn: number): void; end(pfn: number, young: boolean): void },
): Sim<boolean> {
  yield* downRead(mm.anonVmaLock);
  // The walk begins with the rmap lock step (code before a thread's first yield runs when
  // its previous step does, so the hook must follow a step of the walk itself).
  aging?.begin(page.pfn);
  const primary = yield* spinLockThen(
    mm.ptl,
    'ptep_clear_flush_young',
    () => {
      const p = mm.pte(addr).value;
      if (!p.present || p.pfn !== page.pfn) return 'unmapped';
      if (p.young) mm.pte(addr).value = pteWith(p, { young: false });
      return p.young ? 'young' : 'old';
    },
    (r) => `ptep_clear_flush_young(${mm.name}.pte[${addr}]): ${r}`,
    mm.ptlFootprint(addr, addr + 1),
  );
  let young = primary === 'young';
  if (young) note('tlb-flush', `flush_tlb_page(${mm.name}, ${addr}) (ptep_clear_flush_young)`);
  if (primary !== 'unmapped' && (yield* mmuNotifierClearFlushYoung(mm, addr, addr + 1))) young = true;
  yield* spinUnlock(mm.ptl);
  aging?.end(page.pfn, young);
  yield* upRead(mm.anonVmaLock);
  return young;
}

/**
 * try_to_unmap() → try_to_unmap_one() (mm/rmap.c, 4.13+): rmap lock (anon_vma read) held
 * across invalidate_range_start(MMU_NOTIFY_CLEAR) → PT lock, ptep_clear_flush, swap entry
 * installed (the contents go to the swap slot), rmap dropped → PT unlock →
 * invalidate_range_end → the mapping's reference put. mmap_lock is *not* held: faults and
 * gup run concurrently. The page itself is freed later by the caller. The secondary-TLB
 * flush follows the era: 4.13–6.5 ptep_clear_flush_notify calls invalidate_range still under
 * the PT lock; 6.6+ the CPU flush calls arch_invalidate_secondary_tlbs.
 */
export function* tryToUnmap(mm: Mm, addr: number, page: PageFrame): Sim<boolean> {
  if (hasInvalidatePage(mm.era)) return yield* tryToUnmapInvalidatePage(mm, addr, page);
  yield* downRead(mm.anonVmaLock);
  const range = mmuNotifierRange(addr, addr + 1, 'MMU_NOTIFY_CLEAR', 'try_to_unmap');
  yield* mmuNotifierInvalidateRangeStart(mm, range);
  const clear = () => ptepClearFlushToSwap(mm, addr, page);
  const text = (ok: boolean) =>
    ok ? `ptep_clear_flush(${mm.name}.pte[${addr}]), swap entry set` : 'not mapped here';
  let unmapped: boolean;
  if (secondaryTlbCallback(mm.era) === 'invalidate_range') {
    // ptep_clear_flush_notify(): invalidate_range with the PT lock held.
    unmapped = yield* spinLockThen(mm.ptl, 'try_to_unmap_one', clear, text, mm.ptlFootprint(addr, addr + 1));
    if (unmapped) {
      note('tlb-flush', `flush_tlb_page(${mm.name}, ${addr}) (ptep_clear_flush_notify)`);
      yield* mmuNotifierInvalidateRange(mm, addr, addr + 1);
    }
    yield* spinUnlock(mm.ptl);
  } else {
    unmapped = yield* spinLockSection(
      mm.ptl,
      'try_to_unmap_one',
      clear,
      text,
      mm.ptlFootprint(addr, addr + 1),
    );
    if (unmapped) {
      note('tlb-flush', `flush_tlb_page(${mm.name}, ${addr}) (ptep_clear_flush, under the PT lock)`);
      // Under the PT lock in the kernel; here just after it, which is equivalent: the PTE is
      // already clear, so no secondary refill can come in between, and the page is put later.
      yield* mmuNotifierArchInvalidateSecondaryTlbs(mm, addr, addr + 1);
    }
  }
  yield* mmuNotifierInvalidateRangeEnd(mm, range);
  yield* upRead(mm.anonVmaLock);
  if (unmapped) yield* putPage(page);
  return unmapped;
}

/**
 * shrink_folio_list() for one anonymous page mapped at `addr`: isolate it (a reference),
 * age it (folio_referenced); a referenced page is activated and kept; otherwise it is
 * unmapped to swap and the isolation reference put, which frees it unless someone (a gup
 * pin) still holds it. `aging` brackets folio_referenced (the aging check).
 */
export function* reclaimPage(
  mm: Mm,
  addr: number,
  pfn: number,
  aging?: { begin(pfn: number): void; end(pfn: number, young: boolean): void },
): Sim<'activated' | 'reclaimed' | 'kept'> {
  const page = mm.frame(pfn);
  yield* getPage(page);
  return yield* shrinkIsolatedPage(mm, addr, page, aging);
}

/** shrink_folio_list() for a page already isolated from the LRU (its reference held). */
export function* shrinkIsolatedPage(
  mm: Mm,
  addr: number,
  page: PageFrame,
  aging?: { begin(pfn: number): void; end(pfn: number, young: boolean): void },
): Sim<'activated' | 'reclaimed' | 'kept'> {
  const young = yield* pageReferenced(mm, addr, page, aging);
  if (young) {
    yield* putPage(page);
    return 'activated';
  }
  const unmapped = yield* tryToUnmap(mm, addr, page);
  yield* putPage(page);
  return unmapped ? 'reclaimed' : 'kept';
}

import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import { spinLockThen, spinUnlock } from '../../sim/sync/spinlock.js';
import type { Mm } from '../mm.js';
import { mmuNotifierInvalidatePage } from '../notify.js';
import { type PageFrame, putPage } from '../page.js';
import { PTE_NONE } from '../pte.js';

/**
 * The PT-locked part of try_to_unmap_one() for an anonymous page, every era: if the PTE still
 * maps `page`, clear it (ptep_clear_flush), put the contents in the swap slot and drop the
 * mapcount. Caller holds the PT lock (its step declares mm.ptlFootprint).
 */
export function ptepClearFlushToSwap(mm: Mm, addr: number, page: PageFrame): boolean {
  const pte = mm.pte(addr).value;
  if (!pte.present || pte.pfn !== page.pfn) return false;
  mm.pte(addr).value = PTE_NONE;
  mm.swap.set(addr, page.data);
  page.mapcount--;
  return true;
}

/**
 * try_to_unmap_one() before 4.13 (mm/rmap.c): no range bracket. Under the rmap lock and the
 * PT lock, ptep_clear_flush() clears the PTE and flushes the CPU TLB; mmu_notifier_invalidate_page()
 * follows, still under the PT lock in 2.6.27–3.5 (ptep_clear_flush_notify: the callback may
 * not sleep), after the PT unlock in 3.6–4.10 (a new page may already be mapped at the
 * address when it runs, S19). The page is not freed before the callback returns: the
 * mapping's reference is put after it.
 */
export function* tryToUnmapInvalidatePage(mm: Mm, addr: number, page: PageFrame): Sim<boolean> {
  yield* downRead(mm.anonVmaLock);
  const unmapped = yield* spinLockThen(
    mm.ptl,
    'try_to_unmap_one',
    () => ptepClearFlushToSwap(mm, addr, page),
    (ok) => (ok ? `ptep_clear_flush(${mm.name}.pte[${addr}]), swap entry set` : 'not mapped here'),
    mm.ptlFootprint(addr, addr + 1),
  );
  if (unmapped) note('tlb-flush', `flush_tlb_page(${mm.name}, ${addr}) (ptep_clear_flush)`);
  if (unmapped && mm.era === '2.6.27') yield* mmuNotifierInvalidatePage(mm, addr);
  yield* spinUnlock(mm.ptl);
  if (unmapped && mm.era === '3.6') yield* mmuNotifierInvalidatePage(mm, addr);
  yield* upRead(mm.anonVmaLock);
  if (unmapped) yield* putPage(page);
  return unmapped;
}

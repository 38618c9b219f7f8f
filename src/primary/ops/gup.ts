import type { Sim } from '../../sim/step.js';
import { Step } from '../../sim/step.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import { spinLockSection } from '../../sim/sync/spinlock.js';
import type { Mm } from '../mm.js';
import { getPageLocked } from '../page.js';
import { type Pte, pteWith } from '../pte.js';
import { handleMmFault } from './fault.js';

/**
 * get_user_pages() for one page (mm/gup.c): mmap_lock for read; follow_page_pte() under the
 * PT lock (FOLL_TOUCH marks the PTE young, dirty on FOLL_WRITE) takes a reference with the
 * lock held; a missing or read-only PTE goes through handle_mm_fault() and the walk repeats.
 * Returns the pinned page's pfn, or 0 (-EFAULT). The caller drops the reference (put_page).
 */
export function* getUserPages(mm: Mm, addr: number, write: boolean): Sim<number> {
  yield* downRead(mm.mmapLock);
  const pfn = yield* getUserPagesLocked(mm, addr, write);
  yield* upRead(mm.mmapLock);
  return pfn;
}

/** __get_user_pages(): caller holds mmapLock. */
export function* getUserPagesLocked(mm: Mm, addr: number, write: boolean): Sim<number> {
  for (;;) {
    const vma = mm.findVma(addr);
    if (!vma || (write && !vma.write)) return 0;
    // follow_page_pte(): the whole PT-lock section is one step (see spinLockSection).
    const pfn = yield* spinLockSection(
      mm.ptl,
      'follow_page_pte',
      () => {
        const w = mm.pte(addr);
        const p = w.locked();
        if (!p.present || (write && !p.write)) return 0;
        if (!p.young || (write && !p.dirty)) w.value = pteWith(p, { young: true, dirty: p.dirty || write });
        getPageLocked(mm.frame(p.pfn));
        return p.pfn;
      },
      (r) =>
        r === 0
          ? `follow_page_pte(${mm.name}, ${addr}): no page`
          : `follow_page_pte(${mm.name}, ${addr}): get_page(page${r})`,
      mm.ptlFootprint(addr, addr + 1),
    );
    if (pfn !== 0) return pfn;
    const fault = yield* handleMmFault(mm, addr, write);
    // VM_FAULT_RETRY: handle_userfault() dropped mmap_lock; take it again and redo the walk.
    if (fault === 'VM_FAULT_RETRY') {
      yield* downRead(mm.mmapLock);
      continue;
    }
    if (fault !== 0) return 0;
  }
}

/**
 * get_user_pages_fast_only() for one page (mm/gup.c gup_fast_pte_range): no mmap_lock, no PT
 * lock; with interrupts off it reads the PTE, grabs a reference (try_grab_folio) and rechecks
 * the PTE, dropping the reference if it changed. That makes it one atomic step here: the
 * recheck turns any overlap with a PTE change into a failure, which the caller handles by
 * taking the slow path. Returns the pfn with a reference held, or 0.
 */
export function* getUserPagesFastOnly(mm: Mm, addr: number, write: boolean): Sim<number> {
  let pfn = 0;
  const step = new Step(mm.pte(addr), 'gup_fast', 'observe', false, (p: Pte) => {
    if (!p.present || (write && !p.write)) return p;
    getPageLocked(mm.frame(p.pfn));
    pfn = p.pfn;
    return p.young && (p.dirty || !write) ? p : pteWith(p, { young: true, dirty: p.dirty || write });
  });
  step.touches = mm.pages.frames;
  yield step;
  return pfn;
}

import type { Sim } from '../../sim/step.js';
import { spinLockSection, spinLockThen, spinUnlock } from '../../sim/sync/spinlock.js';
import type { Mm } from '../mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../notify.js';
import { allocPage, copyUserHighpage, getPageLocked, putPage } from '../page.js';
import { mkPte, type Pte, pteWith } from '../pte.js';
import { flushSecondaryTlbs } from './tlb-flush.js';

/** vm_fault_t, reduced: 0 or the error bits the modelled paths return. */
export type VmFault = 0 | 'VM_FAULT_SIGSEGV' | 'VM_FAULT_OOM' | 'VM_FAULT_SIGBUS' | 'VM_FAULT_RETRY';

function samePte(a: Pte, b: Pte): boolean {
  return a.present === b.present && a.pfn === b.pfn && a.write === b.write;
}

/**
 * handle_mm_fault() for an anonymous private mapping (mm/memory.c). Caller holds mmapLock
 * for read. handle_pte_fault() reads the PTE without the PT lock, then each handler takes
 * the lock and rechecks it: a PTE changed meanwhile means the fault is retried by the caller.
 */
export function* handleMmFault(mm: Mm, addr: number, write: boolean): Sim<VmFault> {
  const vma = mm.findVma(addr);
  if (!vma || (write && !vma.write)) return 'VM_FAULT_SIGSEGV';
  const orig = yield* mm.pte(addr).read();
  // do_anonymous_page(): a registered missing page goes to userspace (handle_userfault drops mmap_lock).
  if (!orig.present && vma.uffd?.missing) return yield* vma.uffd.handleUserfault(mm, addr, write);
  if (!orig.present) return yield* doAnonymousPage(mm, addr, write && vma.write);
  if (write && !orig.write) return yield* doWpPage(mm, addr, orig);
  return 0;
}

/**
 * do_anonymous_page() (or do_swap_page() when the address has a swap slot): allocate, then
 * under the PT lock install the PTE if it is still none; otherwise free the page again.
 */
function* doAnonymousPage(mm: Mm, addr: number, write: boolean): Sim<VmFault> {
  const pfn = yield* allocPage(mm.pages);
  if (pfn === 0) return 'VM_FAULT_OOM';
  const page = mm.frame(pfn);
  const installed = yield* spinLockSection(
    mm.ptl,
    'do_anonymous_page',
    () => {
      if (mm.pte(addr).value.present) return false;
      const swapped = mm.swap.get(addr);
      if (swapped !== undefined) {
        page.data = swapped;
        mm.swap.delete(addr);
      }
      page.mapcount = 1;
      mm.pte(addr).value = mkPte(pfn, write, true, write);
      return true;
    },
    (ok) =>
      ok ? `set_pte_at(${mm.name}.pte[${addr}], page${pfn})` : `${mm.name}.pte[${addr}] already populated`,
    mm.ptlFootprint(addr, addr + 1),
  );
  if (!installed) yield* putPage(page);
  return 0;
}

/**
 * do_wp_page(): a write to a present read-only PTE. An exclusive page (one mapping, one
 * reference) is reused in place (wp_page_reuse); a shared one, after fork, is copied. Before
 * the PT unlock a page to copy gets a reference of its own (folio_get): once the lock is
 * dropped, MADV_DONTNEED, the OOM reaper or reclaim may unmap it and drop the mapping's.
 */
function* doWpPage(mm: Mm, addr: number, orig: Pte): Sim<VmFault> {
  const r = yield* spinLockSection(
    mm.ptl,
    'do_wp_page',
    () => {
      const cur = mm.pte(addr).value;
      if (!samePte(cur, orig)) return 'changed';
      const page = mm.frame(cur.pfn);
      if (page.mapcount !== 1 || page.refcount !== 1) {
        getPageLocked(page);
        return 'copy';
      }
      mm.pte(addr).value = pteWith(cur, { write: true, young: true, dirty: true });
      return 'reused';
    },
    (x) =>
      `do_wp_page(${mm.name}.pte[${addr}]): ${x === 'reused' ? 'wp_page_reuse' : x === 'copy' ? 'shared, copy' : 'PTE changed'}`,
    mm.ptlFootprint(addr, addr + 1),
  );
  return r === 'copy' ? yield* wpPageCopy(mm, addr, orig) : 0;
}

/**
 * wp_page_copy(): copy the old page into a new one *before* the notifier bracket, then
 * invalidate_range_start(MMU_NOTIFY_CLEAR) → PT lock, recheck, ptep_clear_flush + set_pte_at
 * of the new page, old rmap dropped → unlock → invalidate_range_end → put the old page's
 * mapping reference (or the unused new page), then do_wp_page's reference on the old one.
 * The copy is safe only because fork's PROTECTION_PAGE bracket already stopped every
 * secondary from writing the old page.
 */
function* wpPageCopy(mm: Mm, addr: number, orig: Pte): Sim<VmFault> {
  const old = mm.frame(orig.pfn);
  const pfn = yield* allocPage(mm.pages);
  if (pfn === 0) {
    yield* putPage(old);
    return 'VM_FAULT_OOM';
  }
  const fresh = mm.frame(pfn);
  yield* copyUserHighpage(fresh, old);
  const range = mmuNotifierRange(addr, addr + 1, 'MMU_NOTIFY_CLEAR', 'wp_page_copy');
  yield* mmuNotifierInvalidateRangeStart(mm, range);
  const replaced = yield* spinLockThen(
    mm.ptl,
    'wp_page_copy',
    () => {
      if (!samePte(mm.pte(addr).value, orig)) return false;
      mm.pte(addr).value = mkPte(pfn, true, true, true);
      fresh.mapcount = 1;
      old.mapcount--;
      return true;
    },
    (ok) =>
      ok
        ? `ptep_clear_flush + set_pte_at(${mm.name}.pte[${addr}], page${pfn})`
        : `${mm.name}.pte[${addr}] changed: no copy installed`,
    mm.ptlFootprint(addr, addr + 1),
  );
  // ptep_clear_flush(): the secondary TLBs that follow the CPU's are flushed with it, under
  // the PT lock, before the old page can be put.
  if (replaced) yield* flushSecondaryTlbs(mm, addr, addr + 1);
  yield* spinUnlock(mm.ptl);
  yield* mmuNotifierInvalidateRangeEnd(mm, range);
  yield* putPage(replaced ? old : fresh);
  yield* putPage(old);
  return 0;
}

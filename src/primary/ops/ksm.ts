import type { Sim } from '../../sim/step.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import { changePteBracketed } from '../era.js';
import type { Mm } from '../mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../notify.js';
import { type PageFrame, putPage } from '../page.js';
import { mkPte, type Pte } from '../pte.js';
import { setPteAtNotify } from './set-pte-notify.js';

/** range_start/end around `body` where the era brackets set_pte_at_notify (3.7+, 6bdb913f0a70). */
function* bracketed<T>(mm: Mm, addr: number, caller: string, body: () => Sim<T>): Sim<T> {
  if (!changePteBracketed(mm.era)) return yield* body();
  const range = mmuNotifierRange(addr, addr + 1, 'MMU_NOTIFY_CLEAR', caller);
  yield* mmuNotifierInvalidateRangeStart(mm, range);
  const r = yield* body();
  yield* mmuNotifierInvalidateRangeEnd(mm, range);
  return r;
}

/**
 * write_protect_page() (mm/ksm.c): under the PT lock, if the PTE still maps `page` writable or
 * dirty, and nobody but its mappings and KSM holds a reference (page_mapcount + 1 !=
 * page_count: a gup pin, such as a vCPU fault between its gup and its put, makes KSM give up),
 * the PTE is cleared, flushed and set back write-protected and clean with
 * set_pte_at_notify. Returns the write-protected PTE, or null if the merge must stop.
 */
function* writeProtectPage(mm: Mm, addr: number, page: PageFrame): Sim<Pte | null> {
  let orig: Pte | null = null;
  const wrprotect = (old: Pte) => mkPte(old.pfn, false, old.young, false);
  yield* bracketed(mm, addr, 'write_protect_page', () =>
    setPteAtNotify(
      mm,
      addr,
      'write_protect_page',
      (old) => {
        if (!old.present || old.pfn !== page.pfn) return false;
        if (page.mapcount + 1 !== page.refcount) return false;
        orig = wrprotect(old);
        // Already read-only and clean: nothing to change, the PTE is the one to match.
        return old.write || old.dirty;
      },
      wrprotect,
      function* () {},
    ),
  );
  return orig;
}

/**
 * replace_page() (mm/ksm.c): under the PT lock, if the PTE is still `orig` (pte_same), the
 * stable page `kpage` is referenced and mapped (get_page, page_add_anon_rmap), the PTE cleared
 * and flushed and set to `kpage` read-only with set_pte_at_notify; then, still under the
 * lock, the old page's rmap and the mapping's reference go (page_remove_rmap, put_page).
 * `after` runs as steps of its own, so the rmap change is made in the first section step.
 */
function* replacePage(mm: Mm, addr: number, page: PageFrame, kpage: PageFrame, orig: Pte): Sim<boolean> {
  return yield* bracketed(mm, addr, 'replace_page', () =>
    setPteAtNotify(
      mm,
      addr,
      'replace_page',
      (old) => {
        if (old.present !== orig.present || old.pfn !== orig.pfn || old.write !== orig.write) return false;
        kpage.refcount++;
        kpage.mapcount++;
        // page_remove_rmap(page): after the set in the kernel, in the same PT-lock section.
        page.mapcount--;
        return true;
      },
      () => mkPte(kpage.pfn, false, false, false),
      // The mapping's reference, still under the PT lock (KSM's own keeps the page alive).
      () => putPage(page),
    ),
  );
}

/**
 * KSM merging the anonymous page at `addr` into the stable page `kpage` of identical contents:
 * ksm_do_scan → cmp_and_merge_page → try_to_merge_one_page (mm/ksm.c), with mmap_lock held
 * for read: write_protect_page, then replace_page; then KSM drops the reference on `page` its
 * scan took (the caller holds it on entry), which frees it. The content comparison is left
 * out (the pages are identical by construction). Returns whether the page was merged.
 *
 * Notifier order by era: before 3.7 each set_pte_at_notify is alone (change_pte under the PT
 * lock, nothing around it); 3.7–6.8 each is inside its own range_start/end; 6.9+ the same
 * brackets with a plain set_pte_at (no change_pte).
 */
export function* ksmMergePage(mm: Mm, addr: number, page: PageFrame, kpage: PageFrame): Sim<boolean> {
  yield* downRead(mm.mmapLock);
  const orig = yield* writeProtectPage(mm, addr, page);
  const merged = orig ? yield* replacePage(mm, addr, page, kpage, orig) : false;
  yield* upRead(mm.mmapLock);
  yield* putPage(page);
  return merged;
}

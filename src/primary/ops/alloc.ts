import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { fsReclaimAcquire, fsReclaimRelease, type Gfp, gfpAllowsReclaim, mightAlloc } from '../gfp.js';
import { isolateLruFolio, type Lru } from '../lru.js';
import { allocPage, type PageAllocator } from '../page.js';

/**
 * try_to_free_pages() → shrink_inactive_list(), reduced to one page: isolate the LRU tail
 * and shrink it (folio_referenced, try_to_unmap with its notifier bracket, the free).
 * Returns whether a page was freed.
 */
function* tryToFreePages(lru: Lru): Sim<boolean> {
  const folio = yield* isolateLruFolio(lru);
  if (!folio) return false;
  return (yield* folio.shrink()) === 'reclaimed';
}

/**
 * __alloc_pages() for one page (mm/page_alloc.c): might_alloc's annotations; the free list
 * (get_page_from_freelist); when it is empty and the mask allows, direct reclaim,
 * __alloc_pages_direct_reclaim() → __perform_reclaim(), which holds fs_reclaim across
 * try_to_free_pages(), so the notifier callbacks of the mm a reclaimed page belongs to run
 * inside this allocation, on this thread, under every lock its caller holds; then the free
 * list again. Returns the pfn, or 0 (the allocation failed).
 */
export function* allocPagesGfp(pages: PageAllocator, lru: Lru, gfp: Gfp, site: string): Sim<number> {
  yield* mightAlloc(gfp, site);
  const pfn = yield* allocPage(pages);
  if (pfn !== 0 || !gfpAllowsReclaim(gfp)) return pfn;
  note('reclaim', `${site}(${gfp}): free list empty, direct reclaim`);
  fsReclaimAcquire(gfp);
  const freed = yield* tryToFreePages(lru);
  fsReclaimRelease(gfp);
  return freed ? yield* allocPage(pages) : 0;
}

/**
 * kmalloc() of a small object: in this model every slab allocation needs a fresh page (the
 * slab is empty), which is the case that matters: the one that can reclaim.
 */
export function kmalloc(pages: PageAllocator, lru: Lru, gfp: Gfp): Sim<number> {
  return allocPagesGfp(pages, lru, gfp, 'kmalloc');
}

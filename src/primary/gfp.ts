import { mightSleep } from '../sim/api.js';
import { LockdepMap, lockMapAcquire, lockMapRelease } from '../sim/lockdep.js';
import type { Sim } from '../sim/step.js';
import { mmuNotifierInvalidateRangeStartMap } from './notify.js';

/**
 * The gfp masks the modelled allocations use (include/linux/gfp_types.h), by what matters
 * here: whether the allocation may enter direct reclaim (__GFP_DIRECT_RECLAIM), and with it
 * sleep and run the notifiers of whatever mm the reclaimed page belongs to.
 */
export type Gfp = 'GFP_KERNEL' | 'GFP_HIGHUSER_MOVABLE' | 'GFP_NOWAIT' | 'GFP_ATOMIC';

/** gfpflags_allow_blocking(): __GFP_DIRECT_RECLAIM is set. */
export function gfpAllowsReclaim(gfp: Gfp): boolean {
  return gfp === 'GFP_KERNEL' || gfp === 'GFP_HIGHUSER_MOVABLE';
}

/** __fs_reclaim_map (mm/page_alloc.c): the reclaim context as lockdep sees it. */
export const fsReclaimMap = new LockdepMap('fs_reclaim');

/**
 * fs_reclaim_acquire() (mm/page_alloc.c, 5.10+ since f920e413ff9c "mm: track mmu notifiers in
 * fs_reclaim_acquire/release"): a reclaim-capable allocation takes the fs_reclaim map and,
 * under it, takes and drops mmu_notifier_invalidate_range_start's map, so every lock held
 * across such an allocation is ordered before any lock a notifier callback takes, whether
 * or not this allocation ever reclaims.
 */
export function fsReclaimAcquire(gfp: Gfp): void {
  if (!gfpAllowsReclaim(gfp)) return;
  lockMapAcquire(fsReclaimMap);
  lockMapAcquire(mmuNotifierInvalidateRangeStartMap);
  lockMapRelease(mmuNotifierInvalidateRangeStartMap);
}

/** fs_reclaim_release() */
export function fsReclaimRelease(gfp: Gfp): void {
  if (gfpAllowsReclaim(gfp)) lockMapRelease(fsReclaimMap);
}

/**
 * might_alloc() (include/linux/sched/mm.h): the lockdep annotation of an allocation site,
 * and might_sleep() when the mask may block: a GFP_KERNEL allocation under a spinlock is a
 * sleep in atomic context even if this run never reclaims.
 */
export function* mightAlloc(gfp: Gfp, site: string): Sim<void> {
  fsReclaimAcquire(gfp);
  fsReclaimRelease(gfp);
  if (gfpAllowsReclaim(gfp)) yield* mightSleep(`${site}(${gfp})`);
}

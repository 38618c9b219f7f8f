import type { SecondaryView, Translation } from '../../check/view.js';
import type { MmuNotifier } from '../../notifier/ops.js';
import type { Lru } from '../../primary/lru.js';
import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import { kmalloc } from '../../primary/ops/alloc.js';
import type { Sim } from '../../sim/step.js';
import { Mutex, mutexLock, mutexUnlock } from '../../sim/sync/mutex.js';
import { DeviceTlb } from '../device-tlb.js';

/** Bug flags of the mlx5 ODP memory-region model. */
export const odpBugs = {
  'cache-store-under-umem-mutex':
    'mlx5_ib_dereg_mr revokes the MR and stores its mkey in the cache (rb_lock, kzalloc(GFP_KERNEL)) with umem_mutex still held, as before 2ed25aa7 (2025)',
} as const;

export type OdpBug = keyof typeof odpBugs;

/**
 * An RDMA NIC's on-demand-paging memory region (drivers/infiniband/hw/mlx5/odp.c, mr.c;
 * drivers/infiniband/core/umem_odp.c): the device translates the MR's pages through its own
 * page table, which the notifier callback zaps under umem_mutex; the driver's mkey cache is
 * an rb-tree under dev->cache.rb_lock whose entries are allocated with GFP_KERNEL.
 * The real MR subscribes with an mmu_interval_notifier; its invalidate runs inside the same
 * range_start walk (and lockdep map) as a classic subscriber's, which is all this model needs.
 */
export class OdpMr implements SecondaryView {
  readonly name = 'mlx5_ib';
  /** umem_odp->umem_mutex: the device page table of the MR changes under it. */
  readonly umemMutex = new Mutex('umem_odp.umem_mutex');
  /** dev->cache.rb_lock: the mkey cache's rb-tree. */
  readonly rbLock = new Mutex('dev.cache.rb_lock');
  /** The MR's translations in the NIC. */
  readonly tlb: DeviceTlb;
  readonly subscriber: MmuNotifier;

  constructor(
    readonly mm: Mm,
    readonly lru: Lru,
    readonly bugs: ReadonlySet<OdpBug>,
  ) {
    this.tlb = new DeviceTlb('mlx5.mr', mm);
    const self = this;
    this.subscriber = {
      name: this.name,
      ops: {
        *invalidateRangeStart(range: MmuNotifierRange): Sim<0> {
          yield* self.invalidateRange(range);
          return 0;
        },
      },
    };
  }

  translations(): Iterable<Translation> {
    return this.tlb.translations();
  }

  /**
   * mlx5_ib_invalidate_range() (the interval notifier's ->invalidate): umem_mutex, zap the
   * MR's device page table for the range, unlock. Called from any thread that invalidates,
   * reclaim's included: whatever that thread holds, it holds here too.
   */
  *invalidateRange(range: MmuNotifierRange): Sim<void> {
    yield* mutexLock(this.umemMutex);
    yield* this.tlb.zap(range.start, range.end);
    yield* mutexUnlock(this.umemMutex);
  }

  /**
   * mlx5r_cache_create_ent_locked() from mlx5_mkey_cache_init() (or any cache refill): a new
   * cache entry allocated under rb_lock. Allocating under rb_lock is fine as long as no
   * notifier callback ever takes rb_lock, or a lock held around rb_lock.
   */
  *cacheCreateEnt(): Sim<void> {
    yield* mutexLock(this.rbLock);
    yield* kmalloc(this.mm.pages, this.lru, 'GFP_KERNEL');
    yield* mutexUnlock(this.rbLock);
  }

  /**
   * mlx5_ib_dereg_mr() → revoke: the MR's device translations revoked under umem_mutex
   * (umr_revoke_mr), then its mkey returned to the cache (cache_ent_find_and_store: rb_lock,
   * and a new entry allocated with GFP_KERNEL when none fits). Since 2ed25aa7 umem_mutex is
   * dropped before the cache store; before it, rb_lock and the allocation nested inside it.
   */
  *deregMr(): Sim<void> {
    const storeUnderUmem = this.bugs.has('cache-store-under-umem-mutex');
    yield* mutexLock(this.umemMutex);
    yield* this.tlb.zap(0, this.mm.ptes.length);
    if (!storeUnderUmem) yield* mutexUnlock(this.umemMutex);
    yield* mutexLock(this.rbLock);
    yield* kmalloc(this.mm.pages, this.lru, 'GFP_KERNEL');
    yield* mutexUnlock(this.rbLock);
    if (storeUnderUmem) yield* mutexUnlock(this.umemMutex);
  }
}

import type { Translation } from '../../check/view.js';
import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import { getUserPages } from '../../primary/ops/gup.js';
import { putPage } from '../../primary/page.js';
import { RETRY, retryLoop } from '../../sim/api.js';
import { Word } from '../../sim/cell.js';
import type { Sim } from '../../sim/step.js';
import { SpinLock, spinLockSection } from '../../sim/sync/spinlock.js';
import { KvmMemslots } from './memslots.js';

export const gpcBugs = {
  'gpc-checks-in-progress':
    'the pfn cache refresh decides it may trust its pfn with mmu_invalidate_in_progress and mmu_invalidate_seq, as the fault path does; but range_start invalidates the caches before it takes mmu_lock and raises in_progress, so a refresh that validates in between keeps a pfn the primary is about to free',
} as const;

/** One gfn_to_pfn_cache's state: gpc->valid and gpc->pfn, under gpc->lock. */
export interface Gpc {
  readonly valid: boolean;
  readonly gfn: number;
  readonly pfn: number;
}

/**
 * KVM with one gfn_to_pfn_cache (virt/kvm/pfncache.c, 5.17+): a kernel mapping of a guest
 * page that KVM writes without a vCPU fault (Xen shared info, steal time). range_start
 * invalidates overlapping caches (gfn_to_pfn_cache_invalidate_start) after raising
 * mn_active_invalidate_count and before mmu_lock; the refresh (hva_to_pfn_retry) snapshots
 * mmu_invalidate_seq, faults the pfn in with gup, then under gpc->lock validates the cache
 * unless mmu_notifier_retry_cache() says an invalidation may have run: since 58cd407ca4c6
 * (2022) that tests mn_active_invalidate_count, raised before the caches are invalidated.
 * The cache holds no page reference: only the notifier keeps it coherent.
 */
export class KvmGpc extends KvmMemslots {
  /** gpc->lock (an rwlock; its readers, the cache users, are left out). */
  readonly gpcLock = new SpinLock('kvm.gpc.lock');
  readonly gpc = new Word<Gpc>('kvm.gpc', { valid: false, gfn: 0, pfn: 0 });

  constructor(
    mm: Mm,
    readonly gpcBug: boolean,
  ) {
    super(mm, true, false);
  }

  /** gfn_to_pfn_cache_invalidate_start() */
  protected override *beforeHvaRange(range: MmuNotifierRange): Sim<void> {
    yield* spinLockSection(
      this.gpcLock,
      'gfn_to_pfn_cache_invalidate_start',
      () => {
        const g = this.gpc.value;
        if (!g.valid || g.gfn < range.start || g.gfn >= range.end) return false;
        this.gpc.value = { ...g, valid: false };
        return true;
      },
      (hit) => `gfn_to_pfn_cache_invalidate_start: ${hit ? 'gpc invalidated' : 'no valid gpc in range'}`,
      [this.gpc],
    );
  }

  override *translations(): Generator<Translation> {
    yield* super.translations();
    const g = this.gpc.value;
    if (g.valid) yield { where: 'kvm.gpc', addr: g.gfn, pfn: g.pfn, writable: true, cached: false };
  }

  /** kvm_gpc_refresh() → hva_to_pfn_retry(): true once the cache is valid, false with no page. */
  *gpcRefresh(gfn: number): Sim<boolean> {
    const kvm = this;
    return yield* retryLoop(function* () {
      const mmuSeq = yield* kvm.mmuInvalidateSeq.read();
      const pfn = yield* getUserPages(kvm.mm, gfn, true);
      if (pfn === 0) return false;
      // gpc->lock held over mmu_notifier_retry_cache() and the validation, as one step: the
      // words it reads are written under other locks (declared), and what a write between its
      // reads could change, the gpc->lock taken by the invalidation orders anyway.
      const ok = yield* spinLockSection(
        kvm.gpcLock,
        'mmu_notifier_retry_cache; gpc valid',
        () => {
          const busy = kvm.gpcBug
            ? kvm.mmuInvalidateInProgress.locked() > 0
            : kvm.mnActiveInvalidateCount.locked() > 0;
          if (busy || kvm.mmuInvalidateSeq.locked() !== mmuSeq) return false;
          kvm.gpc.value = { valid: true, gfn, pfn };
          return true;
        },
        (v) =>
          v
            ? `kvm.gpc := page${pfn}`
            : `mmu_notifier_retry_cache: ${kvm.gpcBug ? `in_progress ${kvm.mmuInvalidateInProgress.value}` : `mn_active_invalidate_count ${kvm.mnActiveInvalidateCount.value}`}, seq ${kvm.mmuInvalidateSeq.value} (snapshot ${mmuSeq}): retry`,
        [kvm.gpc, kvm.mmuInvalidateInProgress, kvm.mnActiveInvalidateCount, kvm.mmuInvalidateSeq],
      );
      if (!ok) {
        yield* putPage(kvm.mm.frame(pfn));
        return RETRY;
      }
      yield* putPage(kvm.mm.frame(pfn));
      return true;
    });
  }
}

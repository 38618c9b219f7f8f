import { watchCoherence } from '../../check/index.js';
import { makeChain } from '../../notifier/designs.js';
import { Lru } from '../../primary/lru.js';
import { Mm } from '../../primary/mm.js';
import { shrinkIsolatedPage } from '../../primary/ops/reclaim.js';
import { PageAllocator } from '../../primary/page.js';
import { mkPte } from '../../primary/pte.js';
import { type OdpBug, OdpMr, odpBugs } from '../../secondary-mmu/odp/odp.js';
import { enableLockdep } from '../../sim/lockdep.js';
import type { Program } from '../../sim/program.js';
import type { Scenario, ScenarioOptions } from '../scenario.js';

/** How the machine of one run is set up; the catalogue uses the defaults. */
export interface OdpReclaimSetup {
  /**
   * CONFIG_PROVE_LOCKING: the lock validator watches the run (default true). Off, only a
   * deadlock the run actually reaches is reported.
   */
  readonly lockdep?: boolean;
  /**
   * Free pages at the start (default 1): with one, the second of the two GFP_KERNEL
   * allocations finds the free list empty and reclaims the process's page, running the
   * MR's notifier on the allocating thread; with two, nothing ever reclaims.
   */
  readonly freePages?: number;
}

/**
 * The machine: a process with one anonymous page, mapped by an ODP memory region of the NIC
 * and on the LRU (aged: not young), and `freePages` more pages free. Two driver threads
 * each allocate one page with GFP_KERNEL under their locks.
 */
export function odpReclaimProgram(opts: ScenarioOptions, setup: OdpReclaimSetup = {}): Program {
  const bugs = [...opts.bugs].sort() as OdpBug[];
  const lockdep = setup.lockdep ?? true;
  const freePages = setup.freePages ?? 1;
  return {
    name: `odp-dereg-reclaim[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}${lockdep ? '' : ' nolockdep'}${freePages === 1 ? '' : ` free=${freePages}`}]`,
    setup(rt) {
      // ib_init_umem_odp() (6.16, 3f5f6321) taught lockdep at MR registration, before the
      // run, that umem_mutex is taken inside reclaim: fs_reclaim_acquire; mutex_lock(umem_mutex).
      if (lockdep)
        enableLockdep(rt).learn(
          'fs_reclaim',
          'umem_odp.umem_mutex',
          'ib_init_umem_odp primed it at registration',
        );
      const pages = new PageAllocator(1 + freePages);
      const mm = new Mm('mm', pages, { size: 1, vmas: [{ start: 0, end: 1, write: true, private: true }] });
      const pfn = mm.populate(0, 7);
      mm.pte(0).value = mkPte(pfn, true, false, true);
      const lru = new Lru();
      const page = mm.frame(pfn);
      lru.add({ page, shrink: () => shrinkIsolatedPage(mm, 0, page) });
      const chain = makeChain(opts.design, mm, { staticSubscribers: true });
      const mr = new OdpMr(mm, lru, new Set(bugs));
      chain.registerAtSetup(mr.subscriber);
      // The MR was registered and faulted in before the run: the NIC translates the page.
      mr.tlb.entries.set(0, { pfn, writable: true });
      watchCoherence(rt, mm, chain, [mr]);
      rt.spawn('dereg_mr', () => mr.deregMr());
      rt.spawn('cache_init', () => mr.cacheCreateEnt());
    },
  };
}

/**
 * Race #20 of historical_races.md in a 2025 instance: a lock a notifier callback takes
 * (umem_mutex) held across a GFP_KERNEL allocation. Direct reclaim runs the callback on the
 * allocating thread: a self-deadlock, or an ABBA with a thread that allocates under rb_lock.
 * lockdep (the fs_reclaim and invalidate_range_start maps) reports the order on every run,
 * including those in which the memory was there and nothing deadlocked.
 */
export const odpDeregReclaim: Scenario = {
  name: 'odp-dereg-reclaim',
  description:
    'an RDMA ODP MR deregistration holds umem_mutex, which its notifier callback takes, across rb_lock and a GFP_KERNEL allocation that may reclaim (2019 class; 2025 instance)',
  reference:
    'Or Har-Toov, "IB/mlx5: Fix potential deadlock in MR deregistration", commit 2ed25aa7 (6.16, 2025); lockdep maps: 23b68395c7c7 (5.2, 2019), f920e413ff9c (5.10, 2020)',
  secondary: 'mlx5-odp',
  designs: ['classic'],
  threads: ['dereg_mr', 'cache_init'],
  bugs: odpBugs,
  safeBugs: {},
  build: (opts) => odpReclaimProgram(opts),
};

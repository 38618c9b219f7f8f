import type { MmuNotifierChain } from '../../notifier/chain.js';
import { ClassicChain } from '../../notifier/classic.js';
import type { MmuNotifier } from '../../notifier/ops.js';
import { tryToUnmap } from '../../primary/ops/reclaim.js';
import { putPage } from '../../primary/page.js';
import { gru, gruBugs } from '../../secondary-mmu/gru/gru.js';
import type { Sim } from '../../sim/step.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import { spinLock, spinUnlock } from '../../sim/sync/spinlock.js';
import type { Scenario } from '../scenario.js';
import { deviceStores, driverWorld } from './driver-world.js';

const REGISTER_BUG = 'register-without-all-locks';

/**
 * The registration of EMM (March 2008) and of mmu_notifier before #v11: mmap_lock for write
 * and the list insert, nothing else. An rmap-side bracket (reclaim holds the anon_vma lock,
 * not mmap_lock) can straddle it: the new subscriber misses the start and sees the end.
 */
function* registerWithoutAllLocks(chain: MmuNotifierChain, sub: MmuNotifier): Sim<0> {
  if (!(chain instanceof ClassicChain))
    throw new Error('[mmulab internal bug] gru-register needs the classic hlist');
  yield* downWrite(chain.mm.mmapLock);
  chain.mm.notifierSubscriptions = chain;
  yield* spinLock(chain.lock);
  yield* chain.list.update((l) => [sub, ...l]);
  yield* spinUnlock(chain.lock);
  yield* upWrite(chain.mm.mmapLock);
  return 0;
}

/**
 * Race #2 of historical_races.md: GRU registers on an mm while reclaim's try_to_unmap is
 * inside its notifier bracket (start walked an empty list), then faults the page in; the PTE
 * is cleared, the page freed, and GRU gets an end without a start.
 */
export const gruRegister: Scenario = {
  name: 'gru-register',
  description:
    'GRU registers while reclaim is inside try_to_unmap’s bracket, then drops in the page reclaim is freeing (2008)',
  reference:
    'Arcangeli, "Re: [patch 1/9] EMM Notifier: The notifier calls", 2008-04-03; fixed by mm_take_all_locks, commit 7906d00cd1f6 (2.6.27)',
  secondary: 'gru',
  designs: ['classic'],
  threads: ['gru', 'reclaim'],
  bugs: {
    [REGISTER_BUG]:
      'mmu_notifier_register takes mmap_lock for write only, not mm_take_all_locks(): an rmap-side invalidation (anon_vma lock held) can straddle it',
  },
  safeBugs: Object.fromEntries(
    Object.keys(gruBugs).map((b) => [b, 'not this scenario’s race: see gru-dontneed']),
  ),
  build(opts) {
    const bugs = [...opts.bugs].sort();
    const driverBugs = bugs.filter((b) => b !== REGISTER_BUG);
    return {
      name: `gru-register[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
      setup(rt) {
        const w = driverWorld(rt, gru, { design: opts.design, bugs: driverBugs }, { unattached: true });
        const buggy = bugs.includes(REGISTER_BUG);
        rt.spawn('gru', function* () {
          // gru_register_mmu_notifier(): mmu_notifier_get_locked → __mmu_notifier_register.
          if (buggy) yield* registerWithoutAllLocks(w.chain, w.dev.subscriber);
          else yield* w.chain.register(w.dev.subscriber);
          yield* deviceStores(w, 1);
        });
        rt.spawn('reclaim', function* () {
          // The page was isolated from the LRU (a reference) and aged before the run.
          const page = w.mm.frame(w.pfn);
          page.refcount++;
          yield* tryToUnmap(w.mm, 0, page);
          yield* putPage(page);
        });
      },
    };
  },
};

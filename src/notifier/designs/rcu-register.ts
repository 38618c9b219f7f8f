import { frame } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { rcuReadLock, rcuReadUnlock, synchronizeRcu } from '../../sim/sync/rcu.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import { spinLock, spinUnlock } from '../../sim/sync/spinlock.js';
import type { MmuNotifier } from '../ops.js';
import { HlistChain } from './hlist.js';

/**
 * Arcangeli's mmu notifier #v9 (March 2008): every walk runs under rcu_read_lock(), so no
 * callback may sleep; register adds the subscriber under mmap_lock(write) and the list lock
 * without mm_take_all_locks, and the registrant (GRU, Jack Steiner's patch) then calls
 * synchronize_rcu(). The grace period waits only for walks already in progress: a start walk
 * that finished before the add still precedes its PTE clear and its end walk, so an rmap
 * path (try_to_unmap: no mmap_lock) can clear a PTE the new subscriber never heard of
 * (seed 003 point 1; Arcangeli 2008-04-03, "synchronize_rcu (sorry useless now)").
 */
export class RcuRegisterChain extends HlistChain {
  readonly design = 'rcu-register';

  protected *walkBegin(): Sim<number> {
    yield* rcuReadLock();
    return 0;
  }

  protected *walkEnd(_token: number): Sim<boolean> {
    yield* rcuReadUnlock();
    return false;
  }

  *register(sub: MmuNotifier): Sim<0> {
    yield* downWrite(this.mm.mmapLock);
    this.mm.notifierSubscriptions = this;
    yield* spinLock(this.lock);
    yield* this.list.update((l) => [sub, ...l]);
    yield* spinUnlock(this.lock);
    yield* upWrite(this.mm.mmapLock);
    yield* synchronizeRcu();
    return 0;
  }

  *unregister(sub: MmuNotifier): Sim<void> {
    if (this.list.value.includes(sub)) {
      yield* rcuReadLock();
      if (sub.ops.release) yield* frame(`${sub.name}.release`, sub.ops.release());
      yield* rcuReadUnlock();
      yield* spinLock(this.lock);
      yield* this.list.update((l) => l.filter((s) => s !== sub));
      yield* spinUnlock(this.lock);
    }
    yield* synchronizeRcu();
  }
}

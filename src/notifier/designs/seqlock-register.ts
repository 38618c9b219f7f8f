import type { Mm } from '../../primary/mm.js';
import { frame } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import {
  readSeqbegin,
  readSeqretry,
  Seqlock,
  writeSeqlock,
  writeSequnlock,
} from '../../sim/sync/seqcount.js';
import type { MmuNotifier } from '../ops.js';
import { HlistChain } from './hlist.js';

/**
 * The #v10 proposal of seed 003 (Arcangeli, 2008-04-02): rcu_read_lock is gone from the walks
 * (callbacks may sleep); register runs inside write_seqlock(mm->mmu_notifier_lock); every walk
 * is a read_seqbegin/read_seqretry section and, if a registration overlapped it, the walk is
 * replayed ("seqlock_read replying all callbacks if the race happened") — here only to the
 * subscribers the walk had not reached.
 *
 * What it cannot see: a registration that lands *between* two walks, after the start walk
 * and before the end walk of one bracket. The new subscriber gets range_end without
 * range_start, and may map the page the primary is about to clear (spec §6.5, derived; the
 * explorer finds the interleaving). Arcangeli sent #v11 (mm_lock) two days later.
 */
export class SeqlockRegisterChain extends HlistChain {
  readonly design = 'seqlock-register';
  /** mm->mmu_notifier_lock (#v10): write side around the list change. */
  readonly seqlock: Seqlock;

  constructor(mm: Mm) {
    super(mm);
    this.seqlock = new Seqlock(`${mm.name}.mmuNotifierLock`);
  }

  protected *walkBegin(): Sim<number> {
    return yield* readSeqbegin(this.seqlock);
  }

  protected *walkEnd(token: number): Sim<boolean> {
    return yield* readSeqretry(this.seqlock, token);
  }

  *register(sub: MmuNotifier): Sim<0> {
    yield* downWrite(this.mm.mmapLock);
    this.mm.notifierSubscriptions = this;
    yield* writeSeqlock(this.seqlock);
    yield* this.list.update((l) => [sub, ...l]);
    yield* writeSequnlock(this.seqlock);
    yield* upWrite(this.mm.mmapLock);
    return 0;
  }

  /** No grace period exists in this design: a walk may still be inside sub's callbacks. */
  *unregister(sub: MmuNotifier): Sim<void> {
    if (!this.list.value.includes(sub)) return;
    if (sub.ops.release) yield* frame(`${sub.name}.release`, sub.ops.release());
    yield* writeSeqlock(this.seqlock);
    yield* this.list.update((l) => l.filter((s) => s !== sub));
    yield* writeSequnlock(this.seqlock);
  }
}

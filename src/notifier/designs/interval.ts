import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import { frame, nonBlockEnd, nonBlockStart, note } from '../../sim/api.js';
import { Word } from '../../sim/cell.js';
import { current } from '../../sim/runtime.js';
import type { Sim } from '../../sim/step.js';
import { Srcu, srcuReadLock, srcuReadUnlock, synchronizeSrcu } from '../../sim/sync/rcu.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import { spinLock, spinLockMaybeHold, spinLockSection, spinUnlock } from '../../sim/sync/spinlock.js';
import { WaitQueue, waitEventUntilChanged, wakeUp } from '../../sim/sync/waitqueue.js';
import { fail } from '../../sim/violation.js';
import type { ActiveInvalidation } from '../chain.js';
import type { MmuNotifier, MmuNotifierOps } from '../ops.js';
import { HlistChain } from './hlist.js';

/** struct mmu_interval_notifier_ops */
export interface MmuIntervalNotifierOps {
  /**
   * Under the driver lock: mmu_interval_set_seq(sub, curSeq), tear down the device's
   * translations in the range, return true; false only when the range is not blockable and
   * the driver would have to sleep.
   */
  invalidate(sub: MmuIntervalNotifier, range: MmuNotifierRange, curSeq: number): Sim<boolean>;
}

/** struct mmu_interval_notifier: one subscription to `[start, end)` of an mm (5.5+). */
export class MmuIntervalNotifier implements MmuNotifier {
  /** No classic ops: the interval tree calls `intervalOps.invalidate` only. */
  readonly ops: MmuNotifierOps = {};
  /** interval_sub->invalidate_seq: always odd; written by set_seq under the driver lock. */
  readonly invalidateSeq: Word<number>;
  /** The struct's memory: its owner frees it once mmu_interval_notifier_remove returned. */
  readonly memory: Word<'live' | 'freed'>;

  constructor(
    readonly name: string,
    readonly start: number,
    readonly end: number,
    readonly intervalOps: MmuIntervalNotifierOps,
  ) {
    this.invalidateSeq = new Word(`${name}.invalidateSeq`, 0);
    this.memory = new Word(`${name}.memory`, 'live');
  }

  intersects(r: { start: number; end: number }): boolean {
    return this.start < r.end && r.start < this.end;
  }
}

/**
 * mm->notifier_subscriptions of 5.5+: the classic hlist (walked under SRCU, register with
 * mm_take_all_locks) plus the interval tree of mmu_interval_notifier (99cb252f5e68).
 * invalidate_seq is a seqcount with many writers: even = idle, odd = some invalidation
 * intersects a subscription and the tree may not change; inserts and removes that arrive
 * while it is odd are deferred to the last range_end, and a subscriber's read_begin sleeps
 * until the seq moves on. A non-blockable range whose interval callback fails ends the
 * itree at once and returns -EAGAIN without calling any hlist subscriber.
 */
export class IntervalChain extends HlistChain {
  readonly design = 'interval';
  readonly srcu = new Srcu('mmu_notifier_srcu');
  /**
   * subscriptions->invalidate_seq: written under `lock` (each section that touches it
   * declares it); read_begin's wait_event reads it locklessly (READ_ONCE).
   */
  readonly invalidateSeqWord: Word<number>;
  /** subscriptions->wq: read_begin and remove wait here for the seq to move. */
  readonly wq: WaitQueue;
  /** Under `lock`. */
  activeInvalidateRanges = 0;
  readonly itree: MmuIntervalNotifier[] = [];
  readonly deferred: Array<{ readonly sub: MmuIntervalNotifier; readonly op: 'insert' | 'remove' }> = [];
  /** Set by the first insert (mmu_notifier_register(NULL, mm) with mm_take_all_locks). */
  hasItree = false;

  constructor(mm: Mm) {
    super(mm);
    this.wq = new WaitQueue(`${mm.name}.notifierSubscriptions.wq`);
    this.invalidateSeqWord = new Word(`${mm.name}.notifierSubscriptions.invalidateSeq`, 2);
  }

  get invalidateSeq(): number {
    return this.invalidateSeqWord.value;
  }

  set invalidateSeq(v: number) {
    this.invalidateSeqWord.value = v;
  }

  /**
   * srcu_read_lock/unlock conflict with nothing but synchronize_srcu's scan: as in
   * ClassicChain (srcuSteps off) they are bookkeeping folded into the neighbouring steps.
   */
  // biome-ignore lint/correctness/useYield: the read side is taken without a scheduling point
  protected *walkBegin(): Sim<number> {
    note('srcu', `srcu_read_lock(${this.srcu.name})`);
    return this.srcu.run(this.srcu.lockStep, current()) as number;
  }

  // biome-ignore lint/correctness/useYield: as walkBegin
  protected *walkEnd(_token: number): Sim<boolean> {
    note('srcu', `srcu_read_unlock(${this.srcu.name})`);
    this.srcu.run(this.srcu.unlockStep, current());
    return false;
  }

  /** __mmu_notifier_register(): mmap_lock(write) + mm_take_all_locks; NULL sub = the itree. */
  *register(sub: MmuNotifier | null): Sim<0> {
    yield* downWrite(this.mm.mmapLock);
    yield* downWrite(this.mm.anonVmaLock);
    this.mm.notifierSubscriptions = this;
    if (sub) {
      yield* spinLock(this.lock);
      yield* this.list.update((l) => [sub, ...l]);
      yield* spinUnlock(this.lock);
    } else {
      this.hasItree = true;
    }
    yield* upWrite(this.mm.anonVmaLock);
    yield* upWrite(this.mm.mmapLock);
    return 0;
  }

  *unregister(sub: MmuNotifier): Sim<void> {
    if (this.list.value.includes(sub)) {
      const id = yield* srcuReadLock(this.srcu);
      if (sub.ops.release) yield* frame(`${sub.name}.release`, sub.ops.release());
      yield* srcuReadUnlock(this.srcu, id);
      yield* spinLock(this.lock);
      yield* this.list.update((l) => l.filter((s) => s !== sub));
      yield* spinUnlock(this.lock);
    }
    yield* synchronizeSrcu(this.srcu);
  }

  /** Setup only: an interval subscription inserted before the run (the tree idle). */
  insertAtSetup(sub: MmuIntervalNotifier): void {
    this.hasItree = true;
    this.mm.notifierSubscriptions = this;
    this.itree.push(sub);
    sub.invalidateSeq.value = this.invalidateSeq - 1;
  }

  /**
   * mmu_interval_notifier_insert(): with no invalidation active the node goes into the tree
   * and its seq is set one below the (even) current one, so read_begin does not wait; while
   * the seq is odd the insert is deferred to the last range_end and its seq equals the
   * current one (read_begin waits); with ranges active but the seq even (they hit no
   * interval) the seq is forced odd, since where they invalidate is unknown. The node is
   * invisible to invalidations until this section puts it in the tree, so its seq is set
   * inside the section.
   */
  *insert(sub: MmuIntervalNotifier): Sim<void> {
    if (!this.hasItree) yield* this.register(null);
    yield* spinLockSection(
      this.lock,
      'mmu_interval_notifier_insert',
      () => {
        const seq = this.invalidateSeq;
        if (this.activeInvalidateRanges === 0) {
          this.itree.push(sub);
          sub.invalidateSeq.value = seq - 1;
          return 'inserted';
        }
        if (seq & 1) {
          this.deferred.push({ sub, op: 'insert' });
          sub.invalidateSeq.value = seq;
          return 'deferred';
        }
        this.invalidateSeq = seq | 1;
        this.itree.push(sub);
        sub.invalidateSeq.value = seq | 1;
        return 'inserted, seq forced odd';
      },
      (r) =>
        `mmu_interval_notifier_insert(${sub.name}): ${r} (invalidate_seq ${this.invalidateSeq}, ${sub.name} seq ${sub.invalidateSeq.value})`,
      [this.invalidateSeqWord, sub.invalidateSeq],
    );
  }

  /**
   * mmu_interval_read_begin(): the seq to pass to read_retry; sleeps while `sub` is being
   * invalidated. The kernel reads both seqs in one lock section; here sub's seq (written by
   * set_seq under the *driver* lock) is a step of its own just before the section. Under
   * sequential consistency that only moves the "is invalidating" test later, which can drop
   * a wait whose outcome read_retry decides anyway. The wait is the kernel's
   * wait_event(subscriptions->wq, READ_ONCE(subscriptions->invalidate_seq) != seq): the
   * thread blocks until mn_itree_inv_end moves the seq (which always wakes the queue in the
   * same call), see waitEventUntilChanged.
   */
  *readBegin(sub: MmuIntervalNotifier): Sim<number> {
    const seq = yield* sub.invalidateSeq.read();
    const invalidating = yield* spinLockSection(
      this.lock,
      'mmu_interval_read_begin',
      () => seq === this.invalidateSeq,
      (w) => `mmu_interval_read_begin(${sub.name}): seq ${seq}${w ? ', invalidating: wait' : ''}`,
      [this.invalidateSeqWord],
    );
    if (invalidating) {
      const word = this.invalidateSeqWord;
      yield* waitEventUntilChanged(this.wq, function* () {
        return (yield* word.read()) !== seq;
      });
    }
    return seq;
  }

  /** mmu_interval_read_retry(): under the driver lock that invalidate() also takes. */
  *readRetry(sub: MmuIntervalNotifier, seq: number): Sim<boolean> {
    return (yield* sub.invalidateSeq.read()) !== seq;
  }

  /** mmu_interval_set_seq(): WRITE_ONCE, under the driver lock. */
  *setSeq(sub: MmuIntervalNotifier, curSeq: number): Sim<void> {
    yield* sub.invalidateSeq.write(curSeq);
  }

  override *invalidateRangeStart(range: MmuNotifierRange): Sim<0 | 'EAGAIN'> {
    const inv: ActiveInvalidation = { range, quiesced: new Set() };
    this.active.push(inv);
    if (this.hasItree && !(yield* this.itreeInvalidate(range, inv))) {
      this.active.splice(this.active.indexOf(inv), 1);
      return 'EAGAIN';
    }
    // As in __mmu_notifier_invalidate_range_start(): a failing hlist start after a
    // successful itree walk leaves the itree's range open (the caller sends no end).
    return yield* this.hlistStart(range, inv);
  }

  override *invalidateRangeEnd(range: MmuNotifierRange): Sim<void> {
    const inv = this.active.find((a) => a.range === range);
    if (this.hasItree) {
      for (const sub of this.itree) inv?.quiesced.delete(sub);
      yield* this.itreeInvEnd();
    }
    yield* this.hlistEnd(range, inv);
    if (inv) this.active.splice(this.active.indexOf(inv), 1);
  }

  /** mn_itree_invalidate(): false when a non-blockable callback failed (itree already ended). */
  private *itreeInvalidate(range: MmuNotifierRange, inv: ActiveInvalidation): Sim<boolean> {
    const { hits, curSeq } = yield* spinLockSection(
      this.lock,
      'mn_itree_inv_start_range',
      () => {
        this.activeInvalidateRanges++;
        const hits = this.itree.filter((s) => s.intersects(range));
        if (hits.length > 0) this.invalidateSeq |= 1;
        return { hits, curSeq: this.invalidateSeq };
      },
      (r) =>
        `mn_itree_inv_start_range: active ${this.activeInvalidateRanges}, invalidate_seq ${r.curSeq}, ${r.hits.length ? r.hits.map((h) => h.name).join(', ') : 'no interval'} hit`,
      [this.invalidateSeqWord],
    );
    for (const sub of hits) {
      if (!range.blockable) nonBlockStart();
      const ok = yield* frame(`${sub.name}.invalidate`, sub.intervalOps.invalidate(sub, range, curSeq));
      if (!range.blockable) nonBlockEnd();
      if (!ok && !range.blockable) {
        yield* this.itreeInvEnd();
        return false;
      }
      inv.quiesced.add(sub);
    }
    return true;
  }

  /**
   * mn_itree_inv_end(): the last range out makes the seq even again and applies the deferred
   * list, still under the lock (each deferred node is written: interval_tree_insert/remove,
   * hlist_del), then wakes read_begin and remove. Between the seq write and the unlock a
   * lockless reader of invalidate_seq already sees the new seq (race #14).
   */
  private *itreeInvEnd(): Sim<void> {
    // The common path (nothing deferred) is one section; with a deferred list the lock stays
    // held while each node is written.
    const { hold, value: deferred } = yield* spinLockMaybeHold(
      this.lock,
      'mn_itree_inv_end',
      () => {
        if (--this.activeInvalidateRanges > 0 || !(this.invalidateSeq & 1))
          return { hold: false, value: null };
        this.invalidateSeq++;
        const value = this.deferred.splice(0);
        return { hold: value.length > 0, value };
      },
      (d) =>
        `mn_itree_inv_end: active ${this.activeInvalidateRanges}${d ? `, invalidate_seq -> ${this.invalidateSeq}${d.length ? `, ${d.length} deferred` : ''}` : ''}`,
      [this.invalidateSeqWord],
    );
    for (const d of deferred ?? []) {
      yield* d.sub.memory.update((m) => {
        if (m === 'freed') {
          fail(
            'use-after-free',
            `mn_itree_inv_end applies the deferred ${d.op} of ${d.sub.name}, which mmu_interval_notifier_remove already returned and its caller freed`,
          );
        }
        if (d.op === 'insert') this.itree.push(d.sub);
        else this.itree.splice(this.itree.indexOf(d.sub), 1);
        return m;
      });
    }
    if (hold) yield* spinUnlock(this.lock);
    if (deferred) yield* wakeUp(this.wq);
  }

  /**
   * mmu_interval_notifier_remove(): while the tree is invalidating, the removal is deferred to
   * the last range_end (or a pending deferred insert is cancelled) and the caller waits for
   * the seq to move on; after it returns the caller may free the subscription. The wait's
   * test is mmu_interval_seq_released(), which reads invalidate_seq under the lock
   * (319561669a59, 5.18): mn_itree_inv_end holds the lock from its seq write until the
   * deferred list is applied. `locklessSeqRead` is the code before that fix (99cb252f5e68,
   * 5.5 to 5.17): READ_ONCE(invalidate_seq) returns as soon as the seq moved, while
   * mn_itree_inv_end may still be about to write the node.
   */
  *remove(sub: MmuIntervalNotifier, opts: { readonly locklessSeqRead?: boolean } = {}): Sim<void> {
    const seq = yield* spinLockSection(
      this.lock,
      'mmu_interval_notifier_remove',
      () => {
        if (!(this.invalidateSeq & 1)) {
          const i = this.itree.indexOf(sub);
          if (i >= 0) this.itree.splice(i, 1);
          return 0;
        }
        const pending = this.deferred.findIndex((d) => d.sub === sub && d.op === 'insert');
        if (pending >= 0) {
          this.deferred.splice(pending, 1);
          return 0;
        }
        this.deferred.push({ sub, op: 'remove' });
        return this.invalidateSeq;
      },
      (q) =>
        `mmu_interval_notifier_remove(${sub.name}): ${q ? `invalidating, removal deferred, wait for seq ${q} to move` : 'removed'}`,
      [this.invalidateSeqWord],
    );
    if (seq === 0) return;
    const word = this.invalidateSeqWord;
    const lock = this.lock;
    yield* waitEventUntilChanged(
      this.wq,
      opts.locklessSeqRead
        ? function* () {
            return (yield* word.read()) !== seq;
          }
        : function* () {
            return yield* spinLockSection(
              lock,
              'mmu_interval_seq_released',
              () => word.locked() !== seq,
              undefined,
              [word],
            );
          },
    );
  }
}

import { changePteBracketed, secondaryTlbCallback } from '../primary/era.js';
import type { Mm } from '../primary/mm.js';
import type { MmuNotifierRange } from '../primary/notify.js';
import type { Pte } from '../primary/pte.js';
import { frame, nonBlockEnd, nonBlockStart, note } from '../sim/api.js';
import { Word } from '../sim/cell.js';
import { current } from '../sim/runtime.js';
import type { Sim, Step } from '../sim/step.js';
import { Srcu, srcuReadLock, srcuReadUnlock, synchronizeSrcu } from '../sim/sync/rcu.js';
import { downWrite, upWrite } from '../sim/sync/rwsem.js';
import { SpinLock, spinLock, spinUnlock } from '../sim/sync/spinlock.js';
import type { ActiveInvalidation, MmuNotifierChain } from './chain.js';
import type { MmuNotifier } from './ops.js';

/**
 * The classic mmu_notifier hlist (mm/mmu_notifier.c, `mn_hlist_*`), as since 3.7: walks run
 * under SRCU so callbacks may sleep; the list changes under a per-mm spinlock; register takes
 * mmap_lock(write) and mm_take_all_locks(), so no start..end section straddles it (every
 * invalidation holds mmap_lock or an rmap lock for its whole bracket); release calls every
 * ->release before unlinking (d34883d4e35c, 2013), then synchronize_srcu().
 *
 * Left out: the RCU-only walk of 2.6.27–3.6 (an era setting later), get/put, the interval
 * tree; mm_take_all_locks() is the mm's one anon_vma lock.
 */
export class ClassicChain implements MmuNotifierChain {
  readonly design = 'classic';
  /** The global mmu_notifier_srcu. */
  readonly srcu = new Srcu('mmu_notifier_srcu');
  /** subscriptions->lock: protects `list`. */
  readonly lock: SpinLock;
  /** The hlist, newest first; walkers read it under SRCU without the lock. */
  readonly list: Word<readonly MmuNotifier[]>;
  readonly active: ActiveInvalidation[] = [];
  /**
   * Whether srcu_read_lock/unlock around a walk are scheduling points. They conflict with
   * nothing but synchronize_srcu()'s scan, so by default they are bookkeeping folded into the
   * walk's neighbouring steps (the read section then starts one step early, which can only
   * make a grace period wait longer). Scenarios racing unregister or release against
   * invalidations should turn them on.
   */
  readonly srcuSteps: boolean;
  /**
   * Subscribers are all registered at setup and none registers or unregisters during the
   * run: the list never changes, so a walk's read of it conflicts with nothing and needs no
   * step. Enforced: register/unregister then fail. Scenarios that race a registration against
   * invalidations (seed 003's race) leave it off, so every walk reads the list as a step.
   */
  readonly staticSubscribers: boolean;
  /**
   * What a failed nonblocking start does: 'end-started' (5.12+): the others still start, the
   * started ones get their end, the caller gets -EAGAIN; 'no-end' (4.19–5.11, 93065ac753e4):
   * every start is called, the caller gets -EAGAIN and calls no end, so the subscribers whose
   * start succeeded keep an invalidation open for ever (historical_races #11).
   */
  readonly startFailure: 'end-started' | 'no-end';
  /**
   * __mmu_notifier_release(): 'release-first' (d34883d4e35c, 2013; today): every ->release
   * under SRCU, then every subscriber unlinked; 'unlink-first' (2.6.27, and again from
   * 751efd8610d3 until d34883d4e35c): each subscriber is unlinked, then its ->release runs,
   * so an invalidation in between no longer reaches it (historical_races #6).
   */
  readonly releaseOrder: 'release-first' | 'unlink-first';

  constructor(
    readonly mm: Mm,
    opts: {
      readonly srcuSteps?: boolean;
      readonly staticSubscribers?: boolean;
      readonly startFailure?: 'end-started' | 'no-end';
      readonly releaseOrder?: 'release-first' | 'unlink-first';
    } = {},
  ) {
    this.srcuSteps = opts.srcuSteps ?? false;
    this.staticSubscribers = opts.staticSubscribers ?? false;
    this.startFailure = opts.startFailure ?? 'end-started';
    this.releaseOrder = opts.releaseOrder ?? 'release-first';
    this.lock = new SpinLock(`${mm.name}.notifierSubscriptions.lock`);
    this.list = new SubscriberList(`${mm.name}.notifierSubscriptions.list`);
  }

  get subscribers(): readonly MmuNotifier[] {
    return this.list.value;
  }

  registerAtSetup(sub: MmuNotifier): void {
    this.list.value = [sub, ...this.list.value];
    this.mm.notifierSubscriptions = this;
  }

  /** mmu_notifier_register() → __mmu_notifier_register(). */
  *register(sub: MmuNotifier): Sim<0> {
    this.noRegistrationDuringRun('mmu_notifier_register');
    yield* downWrite(this.mm.mmapLock);
    // mm_take_all_locks(): every rmap lock of the mm, so no rmap-side bracket is open.
    yield* downWrite(this.mm.anonVmaLock);
    this.mm.notifierSubscriptions = this;
    yield* spinLock(this.lock);
    yield* this.list.update((l) => [sub, ...l]);
    yield* spinUnlock(this.lock);
    yield* upWrite(this.mm.anonVmaLock);
    yield* upWrite(this.mm.mmapLock);
    return 0;
  }

  /** mmu_notifier_unregister(). */
  *unregister(sub: MmuNotifier): Sim<void> {
    this.noRegistrationDuringRun('mmu_notifier_unregister');
    if (this.list.value.includes(sub)) {
      const idx = yield* this.srcuLock();
      if (sub.ops.release) yield* frame(`${sub.name}.release`, sub.ops.release());
      yield* this.srcuUnlock(idx);
      yield* spinLock(this.lock);
      yield* this.list.update((l) => l.filter((s) => s !== sub));
      yield* spinUnlock(this.lock);
    }
    yield* synchronizeSrcu(this.srcu);
  }

  /** __mmu_notifier_invalidate_range_start() → mn_hlist_invalidate_range_start(). */
  *invalidateRangeStart(range: MmuNotifierRange): Sim<0 | 'EAGAIN'> {
    const inv: ActiveInvalidation = { range, quiesced: new Set() };
    this.active.push(inv);
    const idx = yield* this.srcuLock();
    let ret: 0 | 'EAGAIN' = 0;
    const started: MmuNotifier[] = [];
    for (const sub of yield* this.walkList()) {
      const start = sub.ops.invalidateRangeStart;
      if (!start) {
        inv.quiesced.add(sub);
        continue;
      }
      if (!range.blockable) nonBlockStart();
      const r = yield* frame(`${sub.name}.invalidate_range_start`, start.call(sub.ops, range));
      if (!range.blockable) nonBlockEnd();
      if (r === 'EAGAIN') ret = 'EAGAIN';
      else started.push(sub);
      inv.quiesced.add(sub);
    }
    if (ret === 'EAGAIN') {
      // 5.12+: the others get their end now; the caller must not call range_end.
      // 4.19–5.11 returned here with no end: the started ones stay invalidating.
      for (const sub of this.startFailure === 'end-started' ? started : []) {
        const end = sub.ops.invalidateRangeEnd;
        if (end) yield* frame(`${sub.name}.invalidate_range_end`, end.call(sub.ops, range));
      }
      this.active.splice(this.active.indexOf(inv), 1);
    }
    yield* this.srcuUnlock(idx);
    return ret;
  }

  /** __mmu_notifier_invalidate_range_end() → mn_hlist_invalidate_end(). */
  *invalidateRangeEnd(range: MmuNotifierRange): Sim<void> {
    const inv = this.active.find((a) => a.range === range);
    const idx = yield* this.srcuLock();
    const withRange = secondaryTlbCallback(this.mm.era) === 'invalidate_range';
    for (const sub of yield* this.walkList()) {
      inv?.quiesced.delete(sub);
      // 3.19–6.5: range_end calls invalidate_range first, so a subscriber needs no end for it.
      const flush = withRange ? sub.ops.invalidateRange : undefined;
      if (flush) yield* frame(`${sub.name}.invalidate_range`, flush.call(sub.ops, range.start, range.end));
      const end = sub.ops.invalidateRangeEnd;
      if (!range.blockable) nonBlockStart();
      if (end) yield* frame(`${sub.name}.invalidate_range_end`, end.call(sub.ops, range));
      if (!range.blockable) nonBlockEnd();
    }
    yield* this.srcuUnlock(idx);
    if (inv) this.active.splice(this.active.indexOf(inv), 1);
  }

  /** __mmu_notifier_clear_flush_young(): OR over every subscriber, no early exit. */
  *clearFlushYoung(start: number, end: number): Sim<boolean> {
    return yield* this.age('clear_flush_young', (s) => s.ops.clearFlushYoung?.call(s.ops, start, end));
  }

  /** __mmu_notifier_clear_young(): OR over every subscriber. */
  *clearYoung(start: number, end: number): Sim<boolean> {
    return yield* this.age('clear_young', (s) => s.ops.clearYoung?.call(s.ops, start, end));
  }

  /** __mmu_notifier_test_young(): stops at the first young subscriber (nothing is cleared). */
  *testYoung(addr: number): Sim<boolean> {
    const idx = yield* this.srcuLock();
    let young = false;
    for (const sub of yield* this.walkList()) {
      const test = sub.ops.testYoung;
      if (test && (yield* frame(`${sub.name}.test_young`, test.call(sub.ops, addr)))) {
        young = true;
        break;
      }
    }
    yield* this.srcuUnlock(idx);
    return young;
  }

  /**
   * __mmu_notifier_arch_invalidate_secondary_tlbs() (6.6+): every subscriber that has the op,
   * under SRCU, from the CPU TLB flush with preemption off (get_cpu() in flush_tlb_mm_range):
   * a sleep in it is a sleep in atomic context.
   */
  *archInvalidateSecondaryTlbs(start: number, end: number): Sim<void> {
    // mm_has_notifiers() and the walk read the list once; nothing more when no one has the op.
    const subs = yield* this.walkList();
    if (!subs.some((s) => s.ops.archInvalidateSecondaryTlbs)) return;
    const idx = yield* this.srcuLock();
    for (const sub of subs) {
      const f = sub.ops.archInvalidateSecondaryTlbs;
      if (!f) continue;
      nonBlockStart('flush_tlb_mm_range (preemption off)');
      yield* frame(`${sub.name}.arch_invalidate_secondary_tlbs`, f.call(sub.ops, start, end));
      nonBlockEnd('flush_tlb_mm_range (preemption off)');
    }
    yield* this.srcuUnlock(idx);
  }

  /** __mmu_notifier_invalidate_page() (2.6.27 to 4.12; only an Mm `era` before 4.13 calls it). */
  *invalidatePage(addr: number): Sim<void> {
    const idx = yield* this.srcuLock();
    for (const sub of yield* this.walkList()) {
      const inv = sub.ops.invalidatePage;
      if (inv) yield* frame(`${sub.name}.invalidate_page`, inv.call(sub.ops, addr));
    }
    yield* this.srcuUnlock(idx);
  }

  /**
   * __mmu_notifier_invalidate_range() (3.19–6.5): every subscriber that has the op. Its
   * callers hold the PT lock (ptep_clear_flush_notify) or not (the gather flush, range_end):
   * the caller's context decides whether a sleep in it is a sleep in atomic context.
   */
  *invalidateRange(start: number, end: number): Sim<void> {
    const idx = yield* this.srcuLock();
    for (const sub of yield* this.walkList()) {
      const f = sub.ops.invalidateRange;
      if (f) yield* frame(`${sub.name}.invalidate_range`, f.call(sub.ops, start, end));
    }
    yield* this.srcuUnlock(idx);
  }

  /**
   * __mmu_notifier_change_pte() (2.6.32–6.8), under the PT lock. Before 3.7 (no bracket) a
   * subscriber without change_pte got invalidate_page instead (dropped by 6bdb913f0a70).
   */
  *changePte(addr: number, pte: Pte): Sim<void> {
    const fallback = !changePteBracketed(this.mm.era);
    const idx = yield* this.srcuLock();
    for (const sub of yield* this.walkList()) {
      const change = sub.ops.changePte;
      const inv = fallback ? sub.ops.invalidatePage : undefined;
      if (change) yield* frame(`${sub.name}.change_pte`, change.call(sub.ops, addr, pte));
      else if (inv) yield* frame(`${sub.name}.invalidate_page`, inv.call(sub.ops, addr));
    }
    yield* this.srcuUnlock(idx);
  }

  /** __mmu_notifier_release() → mn_hlist_release(): every ->release, then unlink, then wait. */
  *release(): Sim<void> {
    if (this.releaseOrder === 'unlink-first') return yield* this.releaseUnlinkFirst();
    const idx = yield* this.srcuLock();
    for (const sub of yield* this.walkList()) {
      if (sub.ops.release) yield* frame(`${sub.name}.release`, sub.ops.release());
    }
    yield* this.srcuUnlock(idx);
    yield* spinLock(this.lock);
    // Unlinking changes the list: a static chain's walks could not see it (see staticSubscribers).
    this.noRegistrationDuringRun('mmu_notifier_release unlinking the subscribers');
    yield* this.list.write([]);
    yield* spinUnlock(this.lock);
    yield* synchronizeSrcu(this.srcu);
  }

  /**
   * __mmu_notifier_release() of 2.6.27 and of 751efd8610d3 (3.10): under the lock each
   * subscriber is unlinked (hlist_del_init_rcu), then the lock is dropped and its ->release
   * runs under SRCU. Between the unlink and ->release, a concurrent invalidation (reclaim's
   * try_to_unmap holds no mmap_lock) no longer calls the subscriber, so nothing zaps its
   * translations before the page is freed (3ad3d901bbcf, d34883d4e35c).
   */
  private *releaseUnlinkFirst(): Sim<void> {
    this.noRegistrationDuringRun('mmu_notifier_release unlinking the subscribers');
    for (;;) {
      yield* spinLock(this.lock);
      const first = (yield* this.list.read())[0];
      if (first) yield* this.list.update((l) => l.filter((s) => s !== first));
      yield* spinUnlock(this.lock);
      if (!first) break;
      const idx = yield* this.srcuLock();
      if (first.ops.release) yield* frame(`${first.name}.release`, first.ops.release());
      yield* this.srcuUnlock(idx);
    }
    yield* synchronizeSrcu(this.srcu);
  }

  /**
   * The start of an hlist walk: one read of the list, as hlist_for_each_entry_rcu reads the
   * head once (a subscriber added after it is not seen by this walk). It must be a step: a
   * registration's list update conflicts with it, and DPOR must see that to explore both
   * orders (a registration landing just after a start walk is seed 003's race).
   */
  private *walkList(): Sim<readonly MmuNotifier[]> {
    if (this.staticSubscribers) return this.list.peek();
    return yield* this.list.read();
  }

  private noRegistrationDuringRun(what: string): void {
    if (this.staticSubscribers) {
      throw new Error(
        `${what} during a run on a chain built with staticSubscribers (its walks do not read the list as a step)`,
      );
    }
  }

  private *srcuLock(): Sim<number> {
    if (this.srcuSteps) return yield* srcuReadLock(this.srcu);
    note('srcu', `srcu_read_lock(${this.srcu.name})`);
    return this.srcu.run(this.srcu.lockStep, current()) as number;
  }

  private *srcuUnlock(idx: number): Sim<void> {
    if (this.srcuSteps) return yield* srcuReadUnlock(this.srcu, idx);
    note('srcu', `srcu_read_unlock(${this.srcu.name})`);
    this.srcu.run(this.srcu.unlockStep, current());
  }

  private *age(what: string, call: (s: MmuNotifier) => Sim<boolean> | undefined): Sim<boolean> {
    const idx = yield* this.srcuLock();
    let young = false;
    for (const sub of yield* this.walkList()) {
      const g = call(sub);
      if (g && (yield* frame(`${sub.name}.${what}`, g))) young = true;
    }
    yield* this.srcuUnlock(idx);
    return young;
  }
}

/** The hlist as a cell whose trace text names the subscribers. */
class SubscriberList extends Word<readonly MmuNotifier[]> {
  constructor(name: string) {
    super(name, []);
  }

  override describe(step: Step, result: unknown): string {
    const names = (l: readonly MmuNotifier[]) => `[${l.map((s) => s.name).join(', ')}]`;
    if (step.op === 'write') return `write ${this.name} := ${names(step.arg as readonly MmuNotifier[])}`;
    return `${step.op} ${this.name}: ${names(result as readonly MmuNotifier[])} -> ${names(this.value)}`;
  }
}

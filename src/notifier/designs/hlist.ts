import { changePteBracketed, secondaryTlbCallback } from '../../primary/era.js';
import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import type { Pte } from '../../primary/pte.js';
import { frame, nonBlockEnd, nonBlockStart } from '../../sim/api.js';
import { Word } from '../../sim/cell.js';
import type { Sim, Step } from '../../sim/step.js';
import { SpinLock } from '../../sim/sync/spinlock.js';
import type { ActiveInvalidation, MmuNotifierChain } from '../chain.js';
import type { MmuNotifier } from '../ops.js';

/**
 * The typed-ops subscriber list shared by the registration variants (`mn_hlist_*` of
 * mm/mmu_notifier.c): what differs between them is only how a walk is protected against a
 * registration (walkBegin/walkEnd) and how register() excludes invalidations.
 *
 * Unlike ClassicChain, every walk reads the list with a step: in these designs a
 * registration may race with a walk, and the explorer must see that read to order it.
 */
export abstract class HlistChain implements MmuNotifierChain {
  abstract readonly design: string;
  /** subscriptions->lock: serializes list changes. */
  readonly lock: SpinLock;
  readonly list: Word<readonly MmuNotifier[]>;
  readonly active: ActiveInvalidation[] = [];

  constructor(readonly mm: Mm) {
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

  abstract register(sub: MmuNotifier): Sim<0>;
  abstract unregister(sub: MmuNotifier): Sim<void>;

  /** Opens a walk's read side; the result goes to walkEnd. */
  protected abstract walkBegin(): Sim<number>;
  /** Closes it; true asks for the walk to be replayed to subscribers it has not reached. */
  protected abstract walkEnd(token: number): Sim<boolean>;

  /**
   * One walk over the list. A replayed pass visits only subscribers this walk has not called
   * yet: the charitable reading of seed 003's "replying all callbacks", which would otherwise
   * call start twice on a subscriber that counts its starts.
   */
  protected *walk(visit: (sub: MmuNotifier) => Sim<void>): Sim<void> {
    const done = new Set<MmuNotifier>();
    for (;;) {
      const token = yield* this.walkBegin();
      for (const sub of yield* this.list.read()) {
        if (done.has(sub)) continue;
        done.add(sub);
        yield* visit(sub);
      }
      if (!(yield* this.walkEnd(token))) return;
    }
  }

  /**
   * mn_hlist_invalidate_range_start(), with the ≈5.12 failure rule: a failed nonblocking
   * start still lets the others start, then every subscriber that started gets its end and
   * the caller gets -EAGAIN (and must not call range_end).
   */
  *invalidateRangeStart(range: MmuNotifierRange): Sim<0 | 'EAGAIN'> {
    const inv: ActiveInvalidation = { range, quiesced: new Set() };
    this.active.push(inv);
    return yield* this.hlistStart(range, inv);
  }

  protected *hlistStart(range: MmuNotifierRange, inv: ActiveInvalidation): Sim<0 | 'EAGAIN'> {
    const failed = { ret: 0 as 0 | 'EAGAIN' };
    const started: MmuNotifier[] = [];
    yield* this.walk(function* (sub) {
      const start = sub.ops.invalidateRangeStart;
      if (start) {
        if (!range.blockable) nonBlockStart();
        const r = yield* frame(`${sub.name}.invalidate_range_start`, start.call(sub.ops, range));
        if (!range.blockable) nonBlockEnd();
        if (r === 'EAGAIN') failed.ret = 'EAGAIN';
        else started.push(sub);
      }
      inv.quiesced.add(sub);
    });
    if (failed.ret === 'EAGAIN') {
      for (const sub of started) {
        const end = sub.ops.invalidateRangeEnd;
        if (end) yield* frame(`${sub.name}.invalidate_range_end`, end.call(sub.ops, range));
      }
      this.active.splice(this.active.indexOf(inv), 1);
    }
    return failed.ret;
  }

  /** mn_hlist_invalidate_end(): every subscriber on the list now, started or not. */
  *invalidateRangeEnd(range: MmuNotifierRange): Sim<void> {
    const inv = this.active.find((a) => a.range === range);
    yield* this.hlistEnd(range, inv);
    if (inv) this.active.splice(this.active.indexOf(inv), 1);
  }

  protected *hlistEnd(range: MmuNotifierRange, inv: ActiveInvalidation | undefined): Sim<void> {
    const withRange = secondaryTlbCallback(this.mm.era) === 'invalidate_range';
    yield* this.walk(function* (sub) {
      inv?.quiesced.delete(sub);
      // 3.19–6.5: range_end calls invalidate_range before invalidate_range_end.
      const flush = withRange ? sub.ops.invalidateRange : undefined;
      if (flush) yield* frame(`${sub.name}.invalidate_range`, flush.call(sub.ops, range.start, range.end));
      const end = sub.ops.invalidateRangeEnd;
      if (!end) return;
      if (!range.blockable) nonBlockStart();
      yield* frame(`${sub.name}.invalidate_range_end`, end.call(sub.ops, range));
      if (!range.blockable) nonBlockEnd();
    });
  }

  /** __mmu_notifier_clear_flush_young(): the OR over every subscriber, each one cleared. */
  *clearFlushYoung(start: number, end: number): Sim<boolean> {
    return yield* this.age('clear_flush_young', (s) => s.ops.clearFlushYoung?.call(s.ops, start, end));
  }

  *clearYoung(start: number, end: number): Sim<boolean> {
    return yield* this.age('clear_young', (s) => s.ops.clearYoung?.call(s.ops, start, end));
  }

  /** __mmu_notifier_test_young(): stops at the first young subscriber (nothing is cleared). */
  *testYoung(addr: number): Sim<boolean> {
    let young = false;
    yield* this.walk(function* (sub) {
      const test = sub.ops.testYoung;
      if (!young && test && (yield* frame(`${sub.name}.test_young`, test.call(sub.ops, addr)))) young = true;
    });
    return young;
  }

  /** __mmu_notifier_invalidate_page() (2.6.27 to 4.12): every subscriber that has one. */
  *invalidatePage(addr: number): Sim<void> {
    yield* this.walk(function* (sub) {
      const inv = sub.ops.invalidatePage;
      if (inv) yield* frame(`${sub.name}.invalidate_page`, inv.call(sub.ops, addr));
    });
  }

  /** __mmu_notifier_invalidate_range() (3.19–6.5). */
  *invalidateRange(start: number, end: number): Sim<void> {
    yield* this.walk(function* (sub) {
      const f = sub.ops.invalidateRange;
      if (f) yield* frame(`${sub.name}.invalidate_range`, f.call(sub.ops, start, end));
    });
  }

  /** __mmu_notifier_change_pte() (2.6.32–6.8); before 3.7, invalidate_page for those without it. */
  *changePte(addr: number, pte: Pte): Sim<void> {
    const fallback = !changePteBracketed(this.mm.era);
    yield* this.walk(function* (sub) {
      const change = sub.ops.changePte;
      const inv = fallback ? sub.ops.invalidatePage : undefined;
      if (change) yield* frame(`${sub.name}.change_pte`, change.call(sub.ops, addr, pte));
      else if (inv) yield* frame(`${sub.name}.invalidate_page`, inv.call(sub.ops, addr));
    });
  }

  /** mn_hlist_release(): every ->release, then the list is emptied. */
  *release(): Sim<void> {
    yield* this.walk(function* (sub) {
      if (sub.ops.release) yield* frame(`${sub.name}.release`, sub.ops.release());
    });
    yield* this.list.write([]);
  }

  private *age(what: string, call: (s: MmuNotifier) => Sim<boolean> | undefined): Sim<boolean> {
    let young = false;
    yield* this.walk(function* (sub) {
      const g = call(sub);
      if (g && (yield* frame(`${sub.name}.${what}`, g))) young = true;
    });
    return young;
  }
}

/** The hlist as a cell whose trace text names the subscribers. */
export class SubscriberList extends Word<readonly MmuNotifier[]> {
  constructor(name: string) {
    super(name, []);
  }

  override describe(step: Step, result: unknown): string {
    const names = (l: readonly MmuNotifier[]) => `[${l.map((s) => s.name).join(', ')}]`;
    if (step.op === 'write') return `write ${this.name} := ${names(step.arg as readonly MmuNotifier[])}`;
    if (step.op === 'read') return `read ${this.name} = ${names(result as readonly MmuNotifier[])}`;
    return `${step.op} ${this.name}: ${names(result as readonly MmuNotifier[])} -> ${names(this.value)}`;
  }
}

import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import type { Pte } from '../../primary/pte.js';
import { frame, nonBlockEnd, nonBlockStart } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import type { ActiveInvalidation, MmuNotifierChain } from '../chain.js';
import type { MmuNotifier } from '../ops.js';
import { SubscriberList } from './hlist.js';

/** enum emm_operations (Lameter, "[RFC] Notifier for Externally Mapped Memory", 2008-03-03). */
export type EmmOperation = 'emm_release' | 'emm_invalidate_start' | 'emm_invalidate_end' | 'emm_referenced';

/** -EAGAIN as the int a callback returns. */
const EAGAIN = -11;

/**
 * The one callback of an EMM notifier, `int (*callback)(struct emm_notifier *, struct
 * mm_struct *, enum emm_operations, unsigned long start, unsigned long end)`, built from a
 * subscriber's typed ops the way a driver had to write it: one switch over the operation
 * (xpmem_emm_notifier_callback). emm_referenced has only one meaning: test *and clear*.
 */
export function* emmCallback(
  sub: MmuNotifier,
  op: EmmOperation,
  range: MmuNotifierRange | { start: number; end: number },
): Sim<number> {
  const o = sub.ops;
  switch (op) {
    case 'emm_invalidate_start':
      if (!o.invalidateRangeStart || !('event' in range)) return 0;
      return (yield* o.invalidateRangeStart(range)) === 'EAGAIN' ? EAGAIN : 0;
    case 'emm_invalidate_end':
      if (o.invalidateRangeEnd && 'event' in range) yield* o.invalidateRangeEnd(range);
      return 0;
    case 'emm_referenced': {
      const age = o.clearFlushYoung ?? o.clearYoung;
      return age && (yield* age.call(o, range.start, range.end)) ? 1 : 0;
    }
    case 'emm_release':
      if (o.release) yield* o.release();
      return 0;
  }
}

/**
 * Lameter's EMM notifier chain (RFC 2008-03-03, patch set 2008-04-01): a singly linked list
 * pushed at its head under mmap_sem(write) and nothing else ("No RCU"); __emm_notify() walks
 * it and **returns the first non-zero result**, for every operation:
 *
 *     while (e) { if (e->callback) { x = e->callback(e, mm, op, start, end); if (x) return x; } ... }
 *
 * What that costs, kept in the model: emm_referenced stops at the first young secondary, so
 * the rest are neither asked nor cleared (seed 003: "you would need to do age |=
 * e->callback"); an invalidate_start that fails (or returns anything non-zero) hides the
 * invalidation from every later subscriber, and no end is sent to the ones that started;
 * test_young does not exist (emm_referenced clears); a registration excludes nothing an
 * rmap path does (try_to_unmap holds no mmap_sem). EMM never had a non-blocking start: the
 * range's blockable flag is passed through so the same workloads run, and a failed start
 * is returned to the caller as the walk returned it.
 *
 * Left out: the RFC's call site in page_referenced_one fires only when the primary PTE was
 * not young (the secondaries are then not aged at all); the primary here always asks.
 */
export class EmmChain implements MmuNotifierChain {
  readonly design = 'emm';
  /** mm->emm_notifier, newest first. */
  readonly list: SubscriberList;
  readonly active: ActiveInvalidation[] = [];

  constructor(readonly mm: Mm) {
    this.list = new SubscriberList(`${mm.name}.emmNotifier`);
  }

  get subscribers(): readonly MmuNotifier[] {
    return this.list.value;
  }

  registerAtSetup(sub: MmuNotifier): void {
    this.list.value = [sub, ...this.list.value];
    this.mm.notifierSubscriptions = this;
  }

  /** emm_notifier_register(): push at the head, mmap_sem held for write, nothing else. */
  *register(sub: MmuNotifier): Sim<0> {
    yield* downWrite(this.mm.mmapLock);
    this.mm.notifierSubscriptions = this;
    yield* this.list.update((l) => [sub, ...l]);
    yield* upWrite(this.mm.mmapLock);
    return 0;
  }

  /** Unlink under mmap_sem(write); no grace period exists to wait for running callbacks. */
  *unregister(sub: MmuNotifier): Sim<void> {
    yield* downWrite(this.mm.mmapLock);
    yield* this.list.update((l) => l.filter((s) => s !== sub));
    yield* upWrite(this.mm.mmapLock);
  }

  /** __emm_notify(): the walk that stops at the first non-zero return. */
  private *notify(
    op: EmmOperation,
    range: MmuNotifierRange | { start: number; end: number },
    visit?: (sub: MmuNotifier, x: number) => void,
  ): Sim<number> {
    const atomic = 'event' in range && !range.blockable;
    for (const sub of yield* this.list.read()) {
      if (atomic) nonBlockStart();
      const x = yield* frame(`${sub.name}.callback(${op})`, emmCallback(sub, op, range));
      if (atomic) nonBlockEnd();
      visit?.(sub, x);
      if (x) return x;
    }
    return 0;
  }

  *invalidateRangeStart(range: MmuNotifierRange): Sim<0 | 'EAGAIN'> {
    const inv: ActiveInvalidation = { range, quiesced: new Set() };
    this.active.push(inv);
    const x = yield* this.notify('emm_invalidate_start', range, (sub) => inv.quiesced.add(sub));
    if (x === 0) return 0;
    // The caller gets the error and sends no end: subscribers started before the failing
    // one keep their start open.
    this.active.splice(this.active.indexOf(inv), 1);
    return 'EAGAIN';
  }

  *invalidateRangeEnd(range: MmuNotifierRange): Sim<void> {
    const inv = this.active.find((a) => a.range === range);
    yield* this.notify('emm_invalidate_end', range, (sub) => inv?.quiesced.delete(sub));
    if (inv) this.active.splice(this.active.indexOf(inv), 1);
  }

  *clearFlushYoung(start: number, end: number): Sim<boolean> {
    return (yield* this.notify('emm_referenced', { start, end })) !== 0;
  }

  *clearYoung(start: number, end: number): Sim<boolean> {
    return (yield* this.notify('emm_referenced', { start, end })) !== 0;
  }

  /** No test_young in EMM: the only question is emm_referenced, which clears. */
  *testYoung(addr: number): Sim<boolean> {
    return (yield* this.notify('emm_referenced', { start: addr, end: addr + 1 })) !== 0;
  }

  /**
   * EMM had no invalidate_page: its RFC bracketed single pages with an invalidate_start/end
   * pair. In an era that calls invalidate_page, EMM gets that pair at the same place.
   */
  *invalidatePage(addr: number): Sim<void> {
    const range = { start: addr, end: addr + 1 };
    yield* this.notify('emm_invalidate_start', {
      ...range,
      event: 'MMU_NOTIFY_CLEAR',
      blockable: true,
      caller: 'invalidate_page',
    });
    yield* this.notify('emm_invalidate_end', {
      ...range,
      event: 'MMU_NOTIFY_CLEAR',
      blockable: true,
      caller: 'invalidate_page',
    });
  }

  /**
   * EMM had no change_pte (KSM came a year later, with set_pte_at_notify for the typed
   * notifiers): a PTE replacement under EMM is what its patch set did to every PTE change,
   * an emm_invalidate_start/end pair around it. In an era that calls change_pte, EMM gets that
   * pair at the same place (the new PTE is not passed on: EMM's callback has no argument for it).
   */
  *changePte(addr: number, _pte: Pte): Sim<void> {
    yield* this.invalidatePage(addr);
  }

  /** emm_notifier_release(): pops and calls each notifier, assuming only the exiting task is left. */
  *release(): Sim<void> {
    for (const sub of yield* this.list.read()) {
      yield* frame(
        `${sub.name}.callback(emm_release)`,
        emmCallback(sub, 'emm_release', { start: 0, end: 0 }),
      );
    }
    yield* this.list.write([]);
  }
}

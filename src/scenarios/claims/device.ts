import type { Translation } from '../../check/view.js';
import type { MmuNotifierChain } from '../../notifier/chain.js';
import { IntervalChain, MmuIntervalNotifier } from '../../notifier/designs/interval.js';
import type { MmuNotifier, MmuNotifierOps } from '../../notifier/ops.js';
import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import { getUserPages, getUserPagesFastOnly } from '../../primary/ops/gup.js';
import { putPage } from '../../primary/page.js';
import { mightSleep, RETRY, retryLoop } from '../../sim/api.js';
import { accessAudit } from '../../sim/audit.js';
import type { Sim } from '../../sim/step.js';
import { SimObject, Step } from '../../sim/step.js';
import { AtomicT, atomicDec, atomicInc, atomicRead } from '../../sim/sync/atomic.js';
import {
  downWriteRecursive,
  RecursiveRwsem,
  rangeLockDownRead,
  rangeLockUpRead,
  upWriteRecursive,
} from '../../sim/sync/range-lock.js';
import {
  readSeqcountBegin,
  readSeqcountRetry,
  Seqcount,
  writeSeqcountBegin,
  writeSeqcountEnd,
} from '../../sim/sync/seqcount.js';
import { SpinLock, spinLock, spinUnlock } from '../../sim/sync/spinlock.js';
import type { SimThread } from '../../sim/thread.js';

/**
 * How the driver keeps its faults out of an invalidation (seed 003 point 2):
 * - `range-counter`: GRU's ms_range_active, raised in start, dropped in end; a fault retries
 *   while it is non-zero, and the hardware drops a TLB dropin if a flush hit since the fault
 *   read its TLB fault handle (grufault.c).
 * - `global-seqcount`: one seqcount write-opened in start and closed in end, which "will
 *   break" with two starts in parallel (the count is even again while both are open).
 * - `recursive-rwsem`: the write side taken in every start, dropped in every end; faults take
 *   the read side ("seems to be the only way to stop the secondary mmu page faults").
 * With the interval design the driver uses mmu_interval_notifier instead, whatever `sync`.
 */
export type DeviceSync = 'range-counter' | 'global-seqcount' | 'recursive-rwsem';

export interface DeviceOptions {
  readonly sync: DeviceSync;
  /**
   * range_end assumes a matching range_start; otherwise, as Arcangeli proposed, the driver
   * records whether any start ever reached it and ignores an end that comes first.
   */
  readonly assumesPairing?: boolean;
  /** Its start must take a sleeping lock: in a non-blockable range it returns -EAGAIN. */
  readonly sleepsInStart?: boolean;
  /**
   * The fault resolves the address by the lockless walk only (gup-fast), and reports a miss
   * to its user instead of faulting the primary (GRU's interrupt-context dropin, which may
   * not take mmap_lock). Keeps a three-thread scenario small enough to search exhaustively.
   */
  readonly fastOnly?: boolean;
  /** The addresses the device mirrors: its interval subscription (default: the whole mm). */
  readonly mirrors?: { readonly start: number; readonly end: number };
  /**
   * Its invalidation takes a sleeping lock (XPMEM-like): fine where callbacks may sleep,
   * a sleep-in-atomic where they run under a spinlock or rcu_read_lock.
   */
  readonly sleeps?: boolean;
}

export interface TlbEntry {
  readonly pfn: number;
  readonly accessed: boolean;
}

/**
 * The device TLB: entries by address, each with an accessed bit the device sets on use, and
 * a flush generation. A dropin carrying the generation of its fault's start is dropped if a
 * flush happened since (GRU's hardware rule; the other syncs pass null).
 */
export class DeviceTlb extends SimObject {
  private readonly map = new Map<number, TlbEntry>();
  /**
   * The entries, reported to the access audit (src/sim/audit.ts) as a read on every use, a
   * change included: only this TLB's steps touch them, and an invariant reading them must
   * declare the TLB.
   */
  get entries(): Map<number, TlbEntry> {
    if (accessAudit !== null) accessAudit(this, false);
    return this.map;
  }
  gen = 0;
  flushes = 0;
  readonly tfhReadStep = new Step(this, 'tfh_read', 'read');

  override run(step: Step, _t: SimThread): unknown {
    switch (step.op) {
      case 'tfh_read':
        return this.gen;
      case 'tlb_read':
        return this.entries.get(step.arg as number) ?? null;
      case 'tlb_dropin': {
        const { addr, pfn, gen } = step.arg as { addr: number; pfn: number; gen: number | null };
        if (gen !== null && gen !== this.gen) return false;
        this.entries.set(addr, { pfn, accessed: true });
        return true;
      }
      case 'tlb_age': {
        const { start, end } = step.arg as { start: number; end: number };
        let young = false;
        for (const [a, e] of this.entries) {
          if (a < start || a >= end || !e.accessed) continue;
          young = true;
          this.entries.set(a, { ...e, accessed: false });
        }
        return young;
      }
      case 'device_access': {
        const addr = step.arg as number;
        const e = this.entries.get(addr);
        if (!e) return null;
        this.entries.set(addr, { ...e, accessed: true });
        return e.pfn;
      }
      default: {
        const { start, end } = step.arg as { start: number; end: number };
        this.flushRange(start, end);
        return undefined;
      }
    }
  }

  flushRange(start: number, end: number): void {
    for (const a of [...this.entries.keys()]) if (a >= start && a < end) this.entries.delete(a);
    this.gen++;
    this.flushes++;
  }

  override describe(step: Step, result: unknown): string {
    switch (step.op) {
      case 'tfh_read':
        return `tfh_read(${this.name}) = gen ${String(result)}`;
      case 'tlb_read': {
        const e = result as TlbEntry | null;
        return `read ${this.name}[${String(step.arg)}] = ${e ? `page${e.pfn}${e.accessed ? ' accessed' : ''}` : 'none'}`;
      }
      case 'tlb_dropin': {
        const { addr, pfn } = step.arg as { addr: number; pfn: number };
        return result
          ? `tlb_dropin(${this.name}, ${addr} -> page${pfn})`
          : `tlb_dropin(${this.name}, ${addr}): dropped, a flush hit since the fault began`;
      }
      case 'tlb_age': {
        const { start, end } = step.arg as { start: number; end: number };
        return `age(${this.name}, [${start}, ${end})): ${result ? 'young' : 'old'}`;
      }
      case 'device_access':
        return `device access ${this.name}[${String(step.arg)}] via ${result === null ? 'nothing (TLB miss)' : `page${String(result)}`}`;
      default: {
        const { start, end } = step.arg as { start: number; end: number };
        return `flush_tlb_range(${this.name}, [${start}, ${end}))`;
      }
    }
  }
}

/**
 * A purpose-built device secondary (GRU-like: a device TLB filled by faults, no page
 * references kept, gup then put_page as gru_vtop does), written against the notifier API
 * only. Built for seed 003's claims: its sync strategy and its tolerance of an unpaired end
 * are the variables.
 */
export class Device implements MmuNotifier {
  readonly ops: MmuNotifierOps;
  readonly tlb: DeviceTlb;
  /** The driver lock of the seqcount and interval variants. */
  readonly mmuLock: SpinLock;
  readonly rangeActive: AtomicT;
  readonly seqcount: Seqcount;
  readonly rangeLock: RecursiveRwsem;
  /** Set by the interval variant when it registers. */
  interval: MmuIntervalNotifier | null = null;
  /** Whether any start reached this driver (Arcangeli's "static value"). */
  private begun = false;

  constructor(
    readonly name: string,
    readonly mm: Mm,
    readonly chain: MmuNotifierChain,
    readonly opts: DeviceOptions,
  ) {
    this.tlb = new DeviceTlb(`${name}.tlb`);
    this.mmuLock = new SpinLock(`${name}.mmuLock`);
    this.rangeActive = new AtomicT(`${name}.rangeActive`, 0);
    this.seqcount = new Seqcount(`${name}.seqcount`);
    this.rangeLock = new RecursiveRwsem(`${name}.rangeLock`);
    this.ops = {
      invalidateRangeStart: (r) => this.invalidateRangeStart(r),
      invalidateRangeEnd: (r) => this.invalidateRangeEnd(r),
      clearFlushYoung: (s, e) => this.age(s, e),
      clearYoung: (s, e) => this.age(s, e),
      release: () => this.release(),
      invalidatePage: (addr) => this.invalidatePage(addr),
    };
  }

  get usesInterval(): boolean {
    return this.chain instanceof IntervalChain;
  }

  /** The subscriber the checks look for in an invalidation's quiesced set. */
  get subscriber(): MmuNotifier {
    return this.interval ?? this;
  }

  *translations(): Generator<Translation> {
    for (const [addr, e] of this.tlb.entries) {
      yield {
        where: `${this.name} TLB entry for address ${addr}`,
        addr,
        pfn: e.pfn,
        writable: false,
        cached: false,
      };
    }
  }

  invalidationsInProgress(): number | undefined {
    return this.opts.sync === 'range-counter' && !this.usesInterval ? this.rangeActive.value : undefined;
  }

  /** Setup only: the driver is registered before the run. */
  registerAtSetup(): void {
    if (this.chain instanceof IntervalChain) {
      this.interval = this.makeInterval();
      this.chain.insertAtSetup(this.interval);
    } else {
      this.chain.registerAtSetup(this);
    }
  }

  /** Registration: mmu_notifier_register(), or mmu_interval_notifier_insert() over the whole mm. */
  *register(): Sim<void> {
    if (this.chain instanceof IntervalChain) {
      this.interval = this.makeInterval();
      yield* this.chain.insert(this.interval);
    } else {
      yield* this.chain.register(this);
    }
  }

  private makeInterval(): MmuIntervalNotifier {
    const m = this.opts.mirrors ?? { start: 0, end: this.mm.ptes.length };
    return new MmuIntervalNotifier(`${this.name}`, m.start, m.end, {
      invalidate: (sub, range, curSeq) => this.intervalInvalidate(sub, range, curSeq),
    });
  }

  private *flush(start: number, end: number): Sim<void> {
    yield new Step(this.tlb, 'flush_tlb_range', 'write', false, { start, end });
  }

  *invalidateRangeStart(range: MmuNotifierRange): Sim<0 | 'EAGAIN'> {
    if (this.opts.sleepsInStart) {
      if (!range.blockable) return 'EAGAIN';
      yield* mightSleep(`mutex_lock(${this.name}.mutex)`);
    } else if (this.opts.sleeps && range.blockable) {
      yield* mightSleep(`mutex_lock(${this.name}.mutex)`);
    }
    this.begun = true;
    switch (this.opts.sync) {
      case 'range-counter':
        yield* atomicInc(this.rangeActive);
        yield* this.flush(range.start, range.end);
        break;
      case 'global-seqcount':
        yield* spinLock(this.mmuLock);
        yield* writeSeqcountBegin(this.seqcount);
        yield* this.flush(range.start, range.end);
        yield* spinUnlock(this.mmuLock);
        break;
      case 'recursive-rwsem':
        yield* downWriteRecursive(this.rangeLock);
        yield* this.flush(range.start, range.end);
        break;
    }
    return 0;
  }

  *invalidateRangeEnd(_range: MmuNotifierRange): Sim<void> {
    if (!this.begun && !this.opts.assumesPairing) return;
    switch (this.opts.sync) {
      case 'range-counter':
        // atomic_dec_and_test + wake_up_all: the waiting faults retry (retryLoop re-reads).
        yield* atomicDec(this.rangeActive);
        break;
      case 'global-seqcount':
        yield* writeSeqcountEnd(this.seqcount);
        break;
      case 'recursive-rwsem':
        yield* upWriteRecursive(this.rangeLock);
        break;
    }
  }

  /** invalidate_page (before 4.13): flush the one page, like GRU's E27 callback (no counter). */
  *invalidatePage(addr: number): Sim<void> {
    if (this.opts.sleeps) yield* mightSleep(`mutex_lock(${this.name}.mutex)`);
    yield* this.flush(addr, addr + 1);
  }

  /** The interval callback: driver lock, set_seq, flush, unlock (dmirror_interval_invalidate). */
  private *intervalInvalidate(
    sub: MmuIntervalNotifier,
    range: MmuNotifierRange,
    curSeq: number,
  ): Sim<boolean> {
    if (this.opts.sleepsInStart && !range.blockable) return false;
    const chain = this.chain as IntervalChain;
    yield* spinLock(this.mmuLock);
    yield* chain.setSeq(sub, curSeq);
    yield* this.flush(range.start, range.end);
    yield* spinUnlock(this.mmuLock);
    return true;
  }

  /** Aging: test and clear the accessed bits of the range's TLB entries, one device step. */
  *age(start: number, end: number): Sim<boolean> {
    return (yield new Step(this.tlb, 'tlb_age', 'rmw', false, { start, end })) as boolean;
  }

  *release(): Sim<void> {
    yield* this.flush(0, this.mm.ptes.length);
  }

  /** Reads the TLB entry for `addr` (a step: checks that read it must be ordered by the explorer). */
  *peek(addr: number): Sim<TlbEntry | null> {
    return (yield new Step(this.tlb, 'tlb_read', 'read', false, addr)) as TlbEntry | null;
  }

  /** The device uses its translation for `addr` (sets the accessed bit); the pfn or null. */
  *access(addr: number): Sim<number | null> {
    return (yield new Step(this.tlb, 'device_access', 'rmw', false, addr)) as number | null;
  }

  /** The device's fault path for `addr`: a translation installed, or false if no page. */
  *fault(addr: number): Sim<boolean> {
    const dev = this;
    if (this.interval) return yield* this.intervalFault(this.interval, addr);
    switch (this.opts.sync) {
      case 'range-counter':
        // gru_user_dropin → gru_try_dropin: TFH read, rmb, bail while a range is active,
        // gru_vtop (gup, put_page at once), tfh_write_restart (dropped if a flush hit).
        return yield* retryLoop(function* () {
          const gen = (yield dev.tlb.tfhReadStep) as number;
          if ((yield* atomicRead(dev.rangeActive)) !== 0) return RETRY;
          const pfn = yield* dev.gup(addr);
          if (pfn === 0) return false;
          const ok = yield* dev.dropin(addr, pfn, gen);
          return ok ? true : RETRY;
        });
      case 'global-seqcount':
        return yield* retryLoop(function* () {
          const seq = yield* readSeqcountBegin(dev.seqcount);
          const pfn = yield* dev.gup(addr);
          if (pfn === 0) return false;
          yield* spinLock(dev.mmuLock);
          if (yield* readSeqcountRetry(dev.seqcount, seq)) {
            yield* spinUnlock(dev.mmuLock);
            return RETRY;
          }
          yield* dev.dropin(addr, pfn, null);
          yield* spinUnlock(dev.mmuLock);
          return true;
        });
      case 'recursive-rwsem': {
        yield* rangeLockDownRead(dev.rangeLock);
        const pfn = yield* dev.gup(addr);
        if (pfn !== 0) yield* dev.dropin(addr, pfn, null);
        yield* rangeLockUpRead(dev.rangeLock);
        return pfn !== 0;
      }
    }
  }

  /** The hmm.rst pattern: read_begin, fault, driver lock, read_retry or again, program the device. */
  private *intervalFault(sub: MmuIntervalNotifier, addr: number): Sim<boolean> {
    const dev = this;
    const chain = this.chain as IntervalChain;
    return yield* retryLoop(function* () {
      const seq = yield* chain.readBegin(sub);
      const pfn = yield* dev.gup(addr);
      if (pfn === 0) return false;
      yield* spinLock(dev.mmuLock);
      if (yield* chain.readRetry(sub, seq)) {
        yield* spinUnlock(dev.mmuLock);
        return RETRY;
      }
      yield* dev.dropin(addr, pfn, null);
      yield* spinUnlock(dev.mmuLock);
      return true;
    });
  }

  /**
   * gru_vtop(): the lockless walk (gup-fast here), else get_user_pages; the reference is put
   * at once (the TLB holds none).
   */
  private *gup(addr: number): Sim<number> {
    const fast = yield* getUserPagesFastOnly(this.mm, addr, false);
    const pfn = fast || this.opts.fastOnly ? fast : yield* getUserPages(this.mm, addr, false);
    if (pfn !== 0) yield* putPage(this.mm.frame(pfn));
    return pfn;
  }

  private *dropin(addr: number, pfn: number, gen: number | null): Sim<boolean> {
    return (yield new Step(this.tlb, 'tlb_dropin', 'rmw', false, { addr, pfn, gen })) as boolean;
  }
}

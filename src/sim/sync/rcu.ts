import { spawnThread } from '../api.js';
import type { Runtime } from '../runtime.js';
import { current, currentRt } from '../runtime.js';
import type { Sim } from '../step.js';
import { oneStep, SimObject, Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { fail } from '../violation.js';

interface ReaderState {
  depth: number;
  /** Outermost read sections this thread has ended. */
  ended: number;
}

/** Who was inside a read section when a grace period began, and which section. */
type GracePeriod = Array<[SimThread, number]>;

/**
 * A read-copy-update domain: classic RCU (one per run; its readers may not sleep) or an
 * SRCU domain (`struct srcu_struct`; sleepable readers). A grace period waits for every read
 * section that was open when it began, and for no section that began later.
 */
export class RcuDomain extends SimObject {
  private readonly readers = new Map<SimThread, ReaderState>();
  readonly lockStep: Step;
  readonly unlockStep: Step;
  readonly syncStep: Step;

  constructor(
    name: string,
    /** Classic RCU: the read side is atomic context. SRCU: sleepable. */
    readonly atomicReaders: boolean,
  ) {
    super(name);
    const prefix = atomicReaders ? 'rcu' : 'srcu';
    this.lockStep = new Step(this, `${prefix}_read_lock`, 'rmw');
    this.unlockStep = new Step(this, `${prefix}_read_unlock`, 'rmw');
    this.syncStep = new Step(this, atomicReaders ? 'synchronize_rcu' : 'synchronize_srcu', 'read', true);
  }

  private state(t: SimThread): ReaderState {
    let s = this.readers.get(t);
    if (!s) {
      s = { depth: 0, ended: 0 };
      this.readers.set(t, s);
    }
    return s;
  }

  override canRun(step: Step): boolean {
    if (step.op !== 'grace period') return true;
    for (const [t, ended] of step.arg as GracePeriod) if (this.state(t).ended === ended) return false;
    return true;
  }

  override run(step: Step, t: SimThread): unknown {
    switch (step) {
      case this.lockStep: {
        const s = this.state(t);
        if (s.depth++ === 0 && this.atomicReaders) t.atomic.push('rcu_read_lock');
        if (s.depth === 1) t.held.push(this);
        return s.depth;
      }
      case this.unlockStep: {
        const s = this.state(t);
        if (s.depth === 0)
          fail('unlock-not-held', `${t.label} calls ${step.op}(${this.name}) outside a read section`);
        if (--s.depth === 0) {
          s.ended++;
          t.held.splice(t.held.lastIndexOf(this), 1);
          if (this.atomicReaders) t.atomic.splice(t.atomic.lastIndexOf('rcu_read_lock'), 1);
        }
        return undefined;
      }
      case this.syncStep: {
        const gp: GracePeriod = [];
        for (const [r, s] of this.readers) if (s.depth > 0) gp.push([r, s.ended]);
        return gp;
      }
      default:
        return undefined;
    }
  }

  override onPending(step: Step, t: SimThread): void {
    if (step === this.syncStep && this.state(t).depth > 0) {
      fail('deadlock', `${t.label} calls ${step.op}(${this.name}) inside its own read section`);
    }
  }

  override waitsFor(step: Step): string {
    const open = (step.arg as GracePeriod | undefined)?.map(([t]) => t.label).join(', ') ?? '';
    return `a grace period of ${this.name} (readers still inside: ${open})`;
  }
}

const classicRcu = new WeakMap<Runtime, RcuDomain>();

/** The run's classic RCU domain. */
export function rcu(): RcuDomain {
  const rt = currentRt();
  let d = classicRcu.get(rt);
  if (!d) {
    d = new RcuDomain('rcu', true);
    classicRcu.set(rt, d);
  }
  return d;
}

/** struct srcu_struct */
export class Srcu extends RcuDomain {
  constructor(name: string) {
    super(name, false);
  }
}

function* synchronize(d: RcuDomain): Sim<void> {
  const gp = (yield d.syncStep) as GracePeriod;
  if (gp.length > 0) yield new Step(d, 'grace period', 'read', true, gp);
}

export function rcuReadLock(): Sim<void> {
  return oneStep(rcu().lockStep);
}
export function rcuReadUnlock(): Sim<void> {
  return oneStep(rcu().unlockStep);
}
export function* synchronizeRcu(): Sim<void> {
  yield* synchronize(rcu());
}

/**
 * call_rcu: runs `fn` after a grace period, in a thread of its own standing in for the
 * softirq that runs RCU callbacks (atomic context: the callback may not sleep).
 */
export function* callRcu(name: string, fn: () => Sim<void>): Sim<void> {
  const d = rcu();
  yield* spawnThread(`rcu_callback(${name})`, function* () {
    yield* synchronize(d);
    const t = current();
    t.atomic.push('rcu callback (softirq)');
    yield* fn();
    t.atomic.splice(t.atomic.lastIndexOf('rcu callback (softirq)'), 1);
  });
}

export function srcuReadLock(s: Srcu): Sim<number> {
  return oneStep<number>(s.lockStep);
}
export function srcuReadUnlock(s: Srcu, _idx: number): Sim<void> {
  return oneStep(s.unlockStep);
}
export function* synchronizeSrcu(s: Srcu): Sim<void> {
  yield* synchronize(s);
}

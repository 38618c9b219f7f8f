import type { Sim } from '../step.js';
import { Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { LockObject } from './lock.js';

/** spinlock_t: exclusive, never sleeps; its holder is in atomic context. */
export class SpinLock extends LockObject {
  holder: SimThread | null = null;
  protected readonly atomicLabel: string;
  readonly lockStep = new Step(this, 'spin_lock', 'rmw');
  readonly unlockStep = new Step(this, 'spin_unlock', 'rmw');
  readonly trylockStep = new Step(this, 'spin_trylock', 'observe');

  constructor(name: string) {
    super(name);
    this.atomicLabel = `spin_lock(${name})`;
  }

  override canRun(step: Step): boolean {
    return step !== this.lockStep || this.holder === null;
  }

  override coEnabled(done: Step, pending: Step): boolean {
    return !(done === this.unlockStep && pending === this.lockStep);
  }

  override onPending(step: Step, t: SimThread): void {
    if (step !== this.unlockStep && this.holder === t) this.recursion(t, step.op);
  }

  override run(step: Step, t: SimThread): unknown {
    if (step === this.unlockStep) {
      this.noteReleased(t, step.op);
      this.holder = null;
      return undefined;
    }
    if (step === this.trylockStep && this.holder !== null) return false;
    this.holder = t;
    this.noteAcquired(t);
    return true;
  }

  override waitsFor(step: Step): string {
    return `${step.op}(${this.name}) held by ${this.holder ? this.holder.label : 'nobody'}`;
  }

  override snapshot(): unknown {
    return this.holder === null ? 0 : this.holder.id + 1;
  }
}

export function* spinLock(l: SpinLock): Sim<void> {
  yield l.lockStep;
}

export function* spinUnlock(l: SpinLock): Sim<void> {
  yield l.unlockStep;
}

export function* spinTrylock(l: SpinLock): Sim<boolean> {
  return (yield l.trylockStep) as boolean;
}

/** A held spinlock, for lockdep-style assertions in drivers and invariants. */
export function spinIsLockedBy(l: SpinLock, t: SimThread): boolean {
  return l.holder === t;
}

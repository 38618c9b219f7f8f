import type { Sim } from '../step.js';
import { oneStep, Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { LockObject } from './lock.js';

/** struct mutex: exclusive, sleeping; only its owner may unlock it. */
export class Mutex extends LockObject {
  owner: SimThread | null = null;
  protected readonly atomicLabel = null;
  readonly lockStep = new Step(this, 'mutex_lock', 'rmw', true);
  readonly unlockStep = new Step(this, 'mutex_unlock', 'rmw');
  readonly trylockStep = new Step(this, 'mutex_trylock', 'observe');

  override stateKey(): number {
    return this.owner === null ? -1 : this.owner.id;
  }

  override canRun(step: Step): boolean {
    return step !== this.lockStep || this.owner === null;
  }

  override neverBlocks(step: Step): boolean {
    return step.op === 'mutex_unlock' || step.op === 'mutex_trylock';
  }

  override coEnabled(done: Step, pendingOp: string): boolean {
    return !(done === this.unlockStep && pendingOp === this.lockStep.op);
  }

  override onPending(step: Step, t: SimThread): void {
    if (step !== this.unlockStep && this.owner === t) this.recursion(t, step.op);
  }

  override run(step: Step, t: SimThread): unknown {
    if (step === this.unlockStep) {
      this.noteReleased(t, step.op);
      this.owner = null;
      return undefined;
    }
    if (step === this.trylockStep && this.owner !== null) return false;
    this.owner = t;
    this.noteAcquired(t, step === this.trylockStep);
    return true;
  }

  override waitsFor(step: Step): string {
    return `${step.op}(${this.name}) owned by ${this.owner ? this.owner.label : 'nobody'}`;
  }
}

export function mutexLock(m: Mutex): Sim<void> {
  return oneStep(m.lockStep);
}

export function mutexUnlock(m: Mutex): Sim<void> {
  return oneStep(m.unlockStep);
}

export function mutexTrylock(m: Mutex): Sim<boolean> {
  return oneStep<boolean>(m.trylockStep);
}

import type { Sim } from '../step.js';
import { oneStep, Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { fail } from '../violation.js';
import { LockObject, names } from './lock.js';

/**
 * The recursive rw_semaphore of seed 003 ("a recursive rwsem taken in range_begin and released
 * in range_end seems to be the only way to stop the secondary mmu page faults"): each
 * invalidate_range_start takes the write side, which any number of starts may hold at once,
 * from one thread or several; each end drops one hold. Secondary faults take the read side,
 * which waits while any start is inside and holds off new starts while a fault is in it.
 */
export class RecursiveRwsem extends LockObject {
  /** Holders of the write (invalidation) side, one entry per hold. */
  readonly writers: SimThread[] = [];
  readonly readers: SimThread[] = [];
  protected readonly atomicLabel = null;
  readonly downWriteStep = new Step(this, 'down_write_recursive', 'rmw', true);
  readonly upWriteStep = new Step(this, 'up_write_recursive', 'rmw');
  readonly downReadStep = new Step(this, 'down_read', 'read', true);
  readonly upReadStep = new Step(this, 'up_read', 'rmw');

  override canRun(step: Step): boolean {
    if (step === this.downWriteStep) return this.readers.length === 0;
    if (step === this.downReadStep) return this.writers.length === 0;
    return true;
  }

  override run(step: Step, t: SimThread): unknown {
    const side = step === this.downWriteStep || step === this.upWriteStep ? this.writers : this.readers;
    if (step === this.downWriteStep || step === this.downReadStep) {
      side.push(t);
      this.noteAcquired(t);
      return undefined;
    }
    const i = side.lastIndexOf(t);
    if (i < 0) fail('unlock-not-held', `${t.label} calls ${step.op}(${this.name}) without holding that side`);
    side.splice(i, 1);
    this.noteReleased(t, step.op);
    return undefined;
  }

  override snapshot(): unknown {
    return this.writers.length * 1024 + this.readers.length;
  }

  override waitsFor(step: Step): string {
    const by =
      step === this.downReadStep ? `invalidations ${names(this.writers)}` : `faults ${names(this.readers)}`;
    return `${step.op}(${this.name}) held by ${by}`;
  }
}

export function downWriteRecursive(s: RecursiveRwsem): Sim<void> {
  return oneStep(s.downWriteStep);
}
export function upWriteRecursive(s: RecursiveRwsem): Sim<void> {
  return oneStep(s.upWriteStep);
}
export function rangeLockDownRead(s: RecursiveRwsem): Sim<void> {
  return oneStep(s.downReadStep);
}
export function rangeLockUpRead(s: RecursiveRwsem): Sim<void> {
  return oneStep(s.upReadStep);
}

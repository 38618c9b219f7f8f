import type { Sim } from '../step.js';
import { oneStep, Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { fail } from '../violation.js';
import { LockObject, names } from './lock.js';

/**
 * rwlock_t: spinning reader-writer lock. Readers share it; a writer excludes everyone. The
 * model does not queue waiting writers (qrwlock lets interrupt-context readers in regardless),
 * so a writer can wait while readers come and go.
 */
export class RwLock extends LockObject {
  readonly readers: SimThread[] = [];
  writer: SimThread | null = null;
  protected readonly atomicLabel: string;
  readonly readLockStep = new Step(this, 'read_lock', 'read');
  readonly readUnlockStep = new Step(this, 'read_unlock', 'rmw');
  readonly writeLockStep = new Step(this, 'write_lock', 'rmw');
  readonly writeUnlockStep = new Step(this, 'write_unlock', 'rmw');

  constructor(name: string) {
    super(name);
    this.atomicLabel = `rwlock(${name})`;
  }

  override canRun(step: Step): boolean {
    if (step === this.readLockStep) return this.writer === null;
    if (step === this.writeLockStep) return this.writer === null && this.readers.length === 0;
    return true;
  }

  /** Held for write, every acquire waits; held for read, a write_lock does. */
  override coEnabled(done: Step, pendingOp: string): boolean {
    if (done === this.writeUnlockStep)
      return pendingOp !== this.readLockStep.op && pendingOp !== this.writeLockStep.op;
    if (done === this.readUnlockStep) return pendingOp !== this.writeLockStep.op;
    return true;
  }

  override onPending(step: Step, t: SimThread): void {
    if (step === this.writeLockStep && this.holds(t)) this.recursion(t, step.op);
    if (step === this.readLockStep && this.writer === t) this.recursion(t, step.op);
  }

  override run(step: Step, t: SimThread): unknown {
    switch (step) {
      case this.readLockStep:
        this.readers.push(t);
        this.noteAcquired(t);
        break;
      case this.writeLockStep:
        this.writer = t;
        this.noteAcquired(t);
        break;
      case this.readUnlockStep: {
        const i = this.readers.lastIndexOf(t);
        if (i < 0) fail('unlock-not-held', `${t.label} calls read_unlock(${this.name}) without a read hold`);
        this.noteReleased(t, step.op);
        this.readers.splice(i, 1);
        break;
      }
      default:
        if (this.writer !== t)
          fail('unlock-not-held', `${t.label} calls write_unlock(${this.name}) without the write hold`);
        this.noteReleased(t, step.op);
        this.writer = null;
    }
    return undefined;
  }

  override waitsFor(step: Step): string {
    const by = this.writer ? `writer ${this.writer.label}` : `readers ${names(this.readers)}`;
    return `${step.op}(${this.name}) held by ${by}`;
  }
}

export function readLock(l: RwLock): Sim<void> {
  return oneStep(l.readLockStep);
}
export function readUnlock(l: RwLock): Sim<void> {
  return oneStep(l.readUnlockStep);
}
export function writeLock(l: RwLock): Sim<void> {
  return oneStep(l.writeLockStep);
}
export function writeUnlock(l: RwLock): Sim<void> {
  return oneStep(l.writeUnlockStep);
}

import type { Sim } from '../step.js';
import { oneStep, Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { fail } from '../violation.js';
import { LockObject, names } from './lock.js';

/**
 * struct rw_semaphore (mmap_lock is one): sleeping reader-writer semaphore. A writer that
 * finds it busy queues, and a queued writer holds off new readers, as the kernel's rwsem does
 * for a reader arriving behind a waiter. That is what makes a recursive down_read deadlock
 * when a writer queued in between (the classic mmap_lock recursion bug).
 */
export class RwSemaphore extends LockObject {
  readonly readers: SimThread[] = [];
  writer: SimThread | null = null;
  /** Writers that found the semaphore busy, in arrival order. */
  readonly waitingWriters: SimThread[] = [];
  protected readonly atomicLabel = null;
  readonly downReadStep = new Step(this, 'down_read', 'read', true);
  readonly upReadStep = new Step(this, 'up_read', 'rmw');
  readonly downWriteStep = new Step(this, 'down_write', 'rmw', true);
  readonly downWriteWaitStep = new Step(this, 'down_write (wait)', 'rmw', true);
  readonly upWriteStep = new Step(this, 'up_write', 'rmw');
  readonly downReadTrylockStep = new Step(this, 'down_read_trylock', 'observe');
  readonly downgradeStep = new Step(this, 'downgrade_write', 'rmw');

  override canRun(step: Step, t: SimThread): boolean {
    if (step === this.downReadStep) return this.writer === null && this.waitingWriters.length === 0;
    if (step === this.downWriteWaitStep) {
      return this.writer === null && this.readers.length === 0 && this.waitingWriters[0] === t;
    }
    return true;
  }

  override onPending(step: Step, t: SimThread): void {
    if ((step === this.downWriteStep || step === this.downReadStep) && this.writer === t)
      this.recursion(t, step.op);
    if (step === this.downWriteStep && this.readers.includes(t)) this.recursion(t, step.op);
  }

  override run(step: Step, t: SimThread): unknown {
    switch (step) {
      case this.downReadStep:
        this.readers.push(t);
        this.noteAcquired(t);
        return true;
      case this.downReadTrylockStep:
        if (this.writer !== null || this.waitingWriters.length > 0) return false;
        this.readers.push(t);
        this.noteAcquired(t, true);
        return true;
      case this.downWriteStep:
        if (this.writer === null && this.readers.length === 0 && this.waitingWriters.length === 0) {
          this.writer = t;
          this.noteAcquired(t);
          return true;
        }
        this.waitingWriters.push(t);
        return false;
      case this.downWriteWaitStep:
        this.waitingWriters.shift();
        this.writer = t;
        this.noteAcquired(t);
        return true;
      case this.upReadStep: {
        const i = this.readers.lastIndexOf(t);
        if (i < 0) fail('unlock-not-held', `${t.label} calls up_read(${this.name}) without a read hold`);
        this.readers.splice(i, 1);
        this.noteReleased(t, step.op);
        return undefined;
      }
      case this.downgradeStep:
        if (this.writer !== t)
          fail('unlock-not-held', `${t.label} calls downgrade_write(${this.name}) without the write hold`);
        this.writer = null;
        this.readers.push(t);
        return undefined;
      default:
        if (this.writer !== t)
          fail('unlock-not-held', `${t.label} calls up_write(${this.name}) without the write hold`);
        this.writer = null;
        this.noteReleased(t, step.op);
        return undefined;
    }
  }

  /**
   * For retry loops: a rerun's path never depends on the reader count (a down_read either
   * succeeds or blocks), only on whether a writer holds or waits, which is what a failed
   * down_read_trylock saw. A retrying thread's own down_read/up_read thus never lets a failed
   * iteration rerun at once.
   */
  override snapshot(): unknown {
    return (this.writer ? this.writer.id + 1 : 0) * 1024 + this.waitingWriters.length;
  }

  override waitsFor(step: Step): string {
    const by = this.writer ? `writer ${this.writer.label}` : `readers ${names(this.readers)}`;
    const queued = this.waitingWriters.length ? `, writers queued: ${names(this.waitingWriters)}` : '';
    return `${step.op}(${this.name}) held by ${by}${queued}`;
  }
}

export function downRead(s: RwSemaphore): Sim<void> {
  return oneStep(s.downReadStep);
}
export function downReadTrylock(s: RwSemaphore): Sim<boolean> {
  return oneStep<boolean>(s.downReadTrylockStep);
}
export function upRead(s: RwSemaphore): Sim<void> {
  return oneStep(s.upReadStep);
}
export function* downWrite(s: RwSemaphore): Sim<void> {
  if (!((yield s.downWriteStep) as boolean)) yield s.downWriteWaitStep;
}
export function upWrite(s: RwSemaphore): Sim<void> {
  return oneStep(s.upWriteStep);
}
export function downgradeWrite(s: RwSemaphore): Sim<void> {
  return oneStep(s.downgradeStep);
}

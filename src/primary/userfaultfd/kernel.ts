/**
 * The kernel side of the userfaultfd model as one SimObject: every kernel section that runs under
 * a lock in the kernel (mmap_lock, the PT lock, the wait-queue locks) is one atomic step on it, and
 * every place the kernel sleeps is a step that is enabled only when its wake-up condition holds, so
 * the scheduler sees exactly the threads that could run. Time is virtual (`clock`): only timed
 * waits (poll, a parent waiting for its child) read it.
 */
import { type Sim, SimObject, Step } from '../../sim/step.js';
import type { SimThread } from '../../sim/thread.js';

/** Who runs a kernel path: the task (for ptid, signals) and its mm. */
export interface UffdTask {
  readonly name: string;
  mm: import('./memory.js').UffdMm;
  /** SIGKILL pending (a fork child killed by its parent's timeout). */
  killed: boolean;
  /** A signal pending that interrupts an interruptible sleep (the oracle's SIGUSR1). */
  interrupted: boolean;
}

/** Virtual milliseconds, and the deadlines of timed sleeps still in progress. */
export class VirtualClock {
  now = 0;
  private readonly deadlines = new Set<{ at: number }>();

  arm(at: number): { at: number } {
    const d = { at };
    this.deadlines.add(d);
    return d;
  }

  disarm(d: { at: number }): void {
    this.deadlines.delete(d);
  }

  /** The earliest armed deadline after now. */
  next(): number | undefined {
    let best: number | undefined;
    for (const d of this.deadlines) if (d.at > this.now && (best === undefined || d.at < best)) best = d.at;
    return best;
  }
}

export class KernelLock extends SimObject {
  readonly clock = new VirtualClock();

  constructor() {
    super('uffd-kernel');
  }

  override canRun(step: Step, _t: SimThread): boolean {
    return step.access !== 'read' || (step.arg as () => boolean)();
  }

  override run(step: Step, _t: SimThread): unknown {
    return step.access === 'read' ? undefined : (step.arg as () => unknown)();
  }

  /** A kernel section that runs atomically (under the locks the kernel takes for it). */
  *atomic<T>(op: string, fn: () => T): Sim<T> {
    return (yield new Step(this, op, 'write', false, fn)) as T;
  }

  /** A sleep that ends when `cond` holds (wait_event with the kernel's condition). */
  *sleepUntil(op: string, cond: () => boolean): Sim<void> {
    yield new Step(this, op, 'read', true, cond);
  }

  /** A sleep with a timeout in virtual ms; returns whether `cond` held (false: timed out). */
  *sleepTimed(op: string, cond: () => boolean, ms: number): Sim<boolean> {
    if (cond()) return true;
    if (ms <= 0) return false;
    const d = this.clock.arm(this.clock.now + ms);
    try {
      yield new Step(this, op, 'read', true, () => cond() || this.clock.now >= d.at);
    } finally {
      this.clock.disarm(d);
    }
    return cond();
  }
}

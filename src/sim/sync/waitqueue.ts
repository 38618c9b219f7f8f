import { RETRY, retryLoop } from '../api.js';
import { current } from '../runtime.js';
import type { Sim } from '../step.js';
import { oneStep, SimObject, Step } from '../step.js';
import type { SimThread } from '../thread.js';

/**
 * wait_queue_head_t. The protocol is the kernel's: prepare_to_wait puts the thread on the
 * queue, the caller tests its condition, schedule() sleeps until a wake_up; so a wake_up
 * between the test and the sleep is not lost. Hand-rolled code that tests and then sleeps
 * without prepare_to_wait can lose it, and the model shows that as a thread blocked forever.
 */
export class WaitQueue extends SimObject {
  readonly waiters: SimThread[] = [];
  readonly prepareStep = new Step(this, 'prepare_to_wait', 'write');
  readonly finishStep = new Step(this, 'finish_wait', 'write');
  readonly wakeStep = new Step(this, 'wake_up', 'write');

  override run(step: Step, t: SimThread): unknown {
    switch (step) {
      case this.prepareStep:
        if (!this.waiters.includes(t)) this.waiters.push(t);
        t.woken = false;
        return undefined;
      case this.finishStep: {
        const i = this.waiters.indexOf(t);
        if (i >= 0) this.waiters.splice(i, 1);
        return undefined;
      }
      default: {
        // autoremove_wake_function: each woken waiter leaves the queue.
        const n = this.waiters.length;
        for (const w of this.waiters) {
          w.woken = true;
          w.version++;
        }
        this.waiters.length = 0;
        return n;
      }
    }
  }

  override describe(step: Step, result: unknown): string {
    return step === this.wakeStep
      ? `wake_up(${this.name}) woke ${String(result)}`
      : `${step.op}(${this.name})`;
  }
}

export function prepareToWait(wq: WaitQueue): Sim<void> {
  return oneStep(wq.prepareStep);
}

export function finishWait(wq: WaitQueue): Sim<void> {
  return oneStep(wq.finishStep);
}

/** schedule(): sleeps until woken. */
export function* schedule(): Sim<void> {
  const t = current();
  yield new Step(t, 'schedule', 'read', true);
}

/** Wakes every waiter; returns how many were woken. */
export function wakeUp(wq: WaitQueue): Sim<number> {
  return oneStep<number>(wq.wakeStep);
}

/**
 * wait_event(wq, condition): `cond` is evaluated with steps (it reads shared cells) before
 * each sleep, after the thread is on the queue.
 */
export function* waitEvent(wq: WaitQueue, cond: () => Sim<boolean>): Sim<void> {
  yield new Step(current(), 'might_sleep', 'none', true);
  if (yield* cond()) return;
  for (;;) {
    yield* prepareToWait(wq);
    if (yield* cond()) break;
    yield* schedule();
  }
  yield* finishWait(wq);
}

/**
 * wait_event(wq, cond) for a `cond` made of plain read steps whose every writer wakes `wq`
 * after the write that makes it true (mn_itree_inv_end, complete_all): the thread blocks
 * like a failed retryLoop iteration, until an object `cond` read holds another value, then
 * tests again. Same behaviours as waitEvent: a kernel waiter may pass its test as soon as
 * the write lands (it had not slept yet) and cannot pass while the test is false. What it
 * drops are the prepare_to_wait / schedule / finish_wait steps and their races with wake_up,
 * which multiply the schedule tree (hmm-oom-reap: DPOR over 1,000,000 runs unfinished with
 * waitEvent, verified in tens of thousands with this); the price is that a waker that
 * forgets its wake_up goes unseen, so use waitEvent to check a waker.
 */
export function* waitEventUntilChanged(_wq: WaitQueue, cond: () => Sim<boolean>): Sim<void> {
  yield new Step(current(), 'might_sleep', 'none', true);
  yield* retryLoop(function* () {
    return (yield* cond()) ? undefined : RETRY;
  });
}

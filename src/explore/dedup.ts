import type { Runtime, Scheduler } from '../sim/runtime.js';
import type { StateTable } from '../sim/state.js';
import type { Step } from '../sim/step.js';
import type { SimThread } from '../sim/thread.js';
import type { Violation } from '../sim/violation.js';

/** Where a violation happened: the thread's name and the step it took (or hung in). */
export interface StepSite {
  readonly thread: string;
  readonly obj: string;
  readonly op: string;
}

/**
 * The key a search that keeps going deduplicates violations by: kind and location, so that
 * one bug met in a thousand schedules is reported once. The location is the thread's name
 * (not its id: spawn order may differ between schedules) and the step it took when the
 * violation was detected. Violations with no such step name the state instead: a deadlock
 * or livelock by its message (who waits for what), a step budget by the thread only (where
 * the budget runs out is arbitrary).
 */
export function violationKey(v: Violation, site: StepSite | null): string {
  if (v.name === 'deadlock' || v.name === 'livelock')
    return `${v.name}: ${v.message.replace(/\bT\d+\(/g, '(')}`;
  const thread = threadName(v.thread);
  if (v.name === 'step-budget' || site === null) return `${v.name} @ ${thread}`;
  return `${v.name} @ ${site.thread} ${site.obj}.${site.op}`;
}

/** `T1(munmap)` → `munmap`. */
export function threadName(label: string | null): string {
  if (label === null) return '-';
  const m = /^T\d+\((.*)\)$/.exec(label);
  return m ? m[1]! : label;
}

/** Passes a strategy's scheduler through, remembering the last step each run scheduled. */
export class SiteTracker implements Scheduler {
  private last: { thread: SimThread; step: Step } | null = null;

  constructor(private readonly inner: Scheduler) {}

  // What the runtime reads of the inner scheduler besides its calls: dpor's replayed prefix
  // and state table.
  get replayedSteps(): number {
    return this.inner.replayedSteps ?? 0;
  }

  get stateTable(): StateTable | undefined {
    return this.inner.stateTable;
  }

  pickThread(enabled: readonly SimThread[], rt: Runtime): number {
    return this.inner.pickThread(enabled, rt);
  }

  pickValue(n: number, rt: Runtime): number {
    return this.inner.pickValue(n, rt);
  }

  beforeStep(t: SimThread, rt: Runtime): boolean {
    this.last = { thread: t, step: t.pending! };
    return this.inner.beforeStep ? this.inner.beforeStep(t, rt) : true;
  }

  /** The last step scheduled: where a violation found after it happened. */
  site(): StepSite | null {
    if (this.last === null) return null;
    return {
      thread: threadName(this.last.thread.label),
      obj: this.last.step.obj.name,
      op: this.last.step.op,
    };
  }
}

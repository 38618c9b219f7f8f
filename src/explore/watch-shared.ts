import type { Runtime, Scheduler } from '../sim/runtime.js';
import type { SimThread } from '../sim/thread.js';

/**
 * What a watched search's worker shares with the thread that watches it, without a message
 * per step: an Int32Array of counters (`ctrl`) and the current run's choices (`choices`, a
 * growable SharedArrayBuffer). The worker is the only writer of everything but INTERRUPT.
 */
export const HEARTBEAT = 0;
/** LOAD (importing the program), RUN, SHRINK, DONE. */
export const PHASE = 1;
export const RUNS = 2;
/** The index of the step being taken in the current run; -1 while the run sets up. */
export const STEP = 3;
export const CHOICES = 4;
/** Set by the watcher (SIGINT): the search stops after the run in progress. */
export const INTERRUPT = 5;
export const VIOLATIONS = 6;
export const CTRL_SLOTS = 8;

export const PHASE_LOAD = 0;
export const PHASE_RUN = 1;
export const PHASE_SHRINK = 2;
export const PHASE_DONE = 3;

/**
 * A choices buffer for runs of at most `maxSteps` steps (each step makes at most two
 * choices: the thread, a `choose` value). 800 KB for the default budget; the pages a run
 * does not reach are never touched.
 */
export function choicesBuffer(maxSteps: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.min(4 * (2 * maxSteps + 64), 2 ** 30));
}

/** A hang site as the worker left it: the step index and the run's choices so far. */
export interface HangPoint {
  readonly step: number;
  readonly choices: readonly number[];
}

export function readChoices(ctrl: Int32Array, buf: SharedArrayBuffer): number[] {
  const n = Atomics.load(ctrl, CHOICES);
  return Array.from(new Int32Array(buf, 0, n));
}

/**
 * A strategy's scheduler, recording each choice and step into the shared buffers so that the
 * watcher knows the exact schedule prefix of a run that stops returning. A step matching a
 * hang point already reported (same step index, same choices: the same run state, since runs
 * are deterministic) ends the run `pruned` instead of hanging again.
 */
export class RecordingScheduler implements Scheduler {
  private readonly view: Int32Array;
  private n = 0;

  constructor(
    private readonly inner: Scheduler,
    private readonly ctrl: Int32Array,
    buf: SharedArrayBuffer,
    private readonly poison: ReadonlyMap<number, readonly (readonly number[])[]>,
  ) {
    this.view = new Int32Array(buf);
    Atomics.store(ctrl, CHOICES, 0);
    Atomics.store(ctrl, STEP, -1);
    Atomics.add(ctrl, HEARTBEAT, 1);
  }

  pickThread(enabled: readonly SimThread[], rt: Runtime): number {
    const i = this.inner.pickThread(enabled, rt);
    const t = enabled[i];
    if (t) this.push(t.id);
    return i;
  }

  pickValue(n: number, rt: Runtime): number {
    const v = this.inner.pickValue(n, rt);
    this.push(v);
    return v;
  }

  beforeStep(t: SimThread, rt: Runtime): boolean {
    Atomics.store(this.ctrl, STEP, rt.steps);
    Atomics.add(this.ctrl, HEARTBEAT, 1);
    const hung = this.poison.size === 0 ? undefined : this.poison.get(rt.steps);
    if (hung?.some((c) => sameChoices(c, rt.choices))) return false;
    return this.inner.beforeStep ? this.inner.beforeStep(t, rt) : true;
  }

  private push(v: number): void {
    if (this.n >= this.view.length) return;
    this.view[this.n++] = v;
    Atomics.store(this.ctrl, CHOICES, this.n);
  }
}

function sameChoices(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

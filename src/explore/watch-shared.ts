import type { Runtime, Scheduler } from '../sim/runtime.js';
import type { SimThread } from '../sim/thread.js';
import type { Strategy } from './strategy.js';

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
 * A watched shard's counts, in a Float64Array (run indices and step counts outgrow an
 * Int32): the steps done, and the key, runs-in-unit and shard runs the run in progress would
 * be reported with if it hung (src/explore/shard.ts, ShardWatch.next).
 */
export const COUNT_STEPS = 0;
export const COUNT_AT = 1;
export const COUNT_RUNS_IN_UNIT = 2;
export const COUNT_RUNS = 3;
export const COUNT_SLOTS = 4;

/** Shrinking runs candidates without a heartbeat: it gets this many step timeouts, at least 20 s. */
const SHRINK_TIMEOUTS = 10;
const MIN_SHRINK_MS = 20_000;

/** How often a watcher polls a heartbeat: a quarter of the step timeout, within 10..100 ms. */
export function pollMs(timeoutMs: number): number {
  return Math.max(10, Math.min(100, Math.floor(timeoutMs / 4)));
}

/**
 * The watcher's side of one worker's `ctrl`: how long its heartbeat and phase have stood
 * still. A step stands still past the step timeout, a shrink past 10 of them (at least 20 s);
 * loading and the end are never timed.
 */
export class Stall {
  private beat = -1;
  private phase = -1;
  private since = performance.now();

  constructor(
    private readonly ctrl: Int32Array,
    private readonly timeoutMs: number,
  ) {}

  /** The phase (PHASE_RUN or PHASE_SHRINK) that has stood still past its limit, or null. */
  poll(now: number = performance.now()): number | null {
    const b = Atomics.load(this.ctrl, HEARTBEAT);
    const p = Atomics.load(this.ctrl, PHASE);
    if (b !== this.beat || p !== this.phase) {
      this.beat = b;
      this.phase = p;
      this.since = now;
      return null;
    }
    const limit =
      p === PHASE_RUN
        ? this.timeoutMs
        : p === PHASE_SHRINK
          ? Math.max(MIN_SHRINK_MS, SHRINK_TIMEOUTS * this.timeoutMs)
          : null;
    return limit !== null && now - this.since >= limit ? p : null;
  }
}

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

/** The strategy with each run's scheduler recording: the same runs, in the same order. */
export function recordingStrategy(s: Strategy, record: (s: Scheduler) => Scheduler): Strategy {
  return {
    name: s.name,
    exhaustive: s.exhaustive,
    nextRun: () => {
      const next = s.nextRun();
      return next === null ? null : record(next);
    },
    runDone: (r) => s.runDone(r),
    ...(s.cut ? { cut: () => s.cut!() } : {}),
  };
}

function sameChoices(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lowers a split search's shared best violation key to `at`, unless it is lower already. */
export function lowerBest(best: Int32Array, at: number): void {
  for (;;) {
    const cur = Atomics.load(best, 0);
    if (at >= cur || Atomics.compareExchange(best, 0, cur, at) === cur) return;
  }
}

import type { Program } from '../sim/program.js';
import { type RunResult, Runtime, type Scheduler } from '../sim/runtime.js';
import type { SimThread } from '../sim/thread.js';
import { decodeToken, encodeToken } from '../sim/token.js';
import type { Violation } from '../sim/violation.js';
import { ReplayScheduler } from './strategies/replay.js';

/** A counterexample's size: preemptions first (what a reader must follow), then steps. */
export interface ScheduleSize {
  readonly steps: number;
  /** Switches away from a thread that could have gone on. */
  readonly preemptions: number;
}

export interface ShrinkResult {
  readonly token: string;
  readonly violation: Violation;
  readonly size: ScheduleSize;
  readonly original: ScheduleSize & { readonly token: string };
  /** Runs the shrinker spent (candidates tried). */
  readonly runs: number;
}

export interface ShrinkOptions {
  /** Candidate runs at most (default 2,000): shrinking is best-effort, the original stays valid. */
  readonly maxRuns?: number;
  /** Scheduled steps over all candidate runs at most (default 1,000,000: well under a second). */
  readonly budgetSteps?: number;
  readonly maxSteps?: number;
}

export const DEFAULT_SHRINK_RUNS = 2_000;
export const DEFAULT_SHRINK_STEPS = 1_000_000;
/** Runs longer than this are not shrunk. */
export const MAX_SHRINK_LENGTH = 10_000;

/**
 * Follows a plan (a thread id per step) as far as it fits: at each step the first unused
 * plan entry whose thread is enabled runs; with none left, the previous thread goes on if it
 * can (no preemption), else the lowest enabled id. Each thread's own steps keep their order,
 * so deleting or moving plan entries gives a nearby schedule, never an invalid one.
 */
class PlanScheduler implements Scheduler {
  readonly tids: number[] = [];
  /** Step indices at which the run preempted. */
  readonly preemptedAt: number[] = [];
  /** The `choose` values the run took. */
  readonly taken: number[] = [];
  private readonly used: boolean[];
  private from = 0;
  private prev = -1;
  private vk = 0;

  constructor(
    private readonly plan: readonly number[],
    private readonly values: readonly number[],
  ) {
    this.used = plan.map(() => false);
  }

  pickThread(enabled: readonly SimThread[]): number {
    let k = -1;
    for (let i = this.from; i < this.plan.length && k < 0; i++) {
      if (this.used[i]) continue;
      const id = this.plan[i];
      k = enabled.findIndex((t) => t.id === id);
    }
    if (k < 0)
      k = Math.max(
        0,
        enabled.findIndex((t) => t.id === this.prev),
      );
    if (this.prev >= 0 && enabled[k]!.id !== this.prev && enabled.some((t) => t.id === this.prev)) {
      this.preemptedAt.push(this.tids.length);
    }
    return k;
  }

  pickValue(n: number): number {
    const want = this.values[this.vk++] ?? 0;
    const v = want < n ? want : 0;
    this.taken.push(v);
    return v;
  }

  beforeStep(t: SimThread): boolean {
    for (let i = this.from; i < this.plan.length; i++) {
      if (!this.used[i] && this.plan[i] === t.id) {
        this.used[i] = true;
        break;
      }
    }
    while (this.from < this.plan.length && this.used[this.from]) this.from++;
    this.tids.push(t.id);
    this.prev = t.id;
    return true;
  }
}

interface Candidate {
  readonly result: RunResult;
  readonly tids: readonly number[];
  readonly values: readonly number[];
  readonly preemptedAt: readonly number[];
}

/** Records a run's per-step threads and `choose` values while replaying a token. */
class RecordingReplay implements Scheduler {
  readonly tids: number[] = [];
  readonly values: number[] = [];
  readonly preemptedAt: number[] = [];
  private prev = -1;
  constructor(private readonly inner: ReplayScheduler) {}
  pickThread(enabled: readonly SimThread[]): number {
    const k = this.inner.pickThread(enabled);
    if (this.prev >= 0 && enabled[k]!.id !== this.prev && enabled.some((t) => t.id === this.prev)) {
      this.preemptedAt.push(this.tids.length);
    }
    return k;
  }
  pickValue(n: number): number {
    const v = this.inner.pickValue(n);
    this.values.push(v);
    return v;
  }
  beforeStep(t: SimThread): boolean {
    this.tids.push(t.id);
    this.prev = t.id;
    return true;
  }
}

/** `tids` with every step of `a` from `k` on moved to `k`. */
function allOf(tids: readonly number[], k: number, a: number): number[] | null {
  const mine = tids.slice(k).filter((x) => x === a);
  if (mine.length === 0) return null;
  return [...tids.slice(0, k), ...mine, ...tids.slice(k).filter((x) => x !== a)];
}

/** `tids` with the next contiguous block of `a`'s steps after `k` moved to `k`. */
function blockOf(tids: readonly number[], k: number, a: number): number[] | null {
  const j = tids.indexOf(a, k);
  if (j < 0) return null;
  let e = j;
  while (e < tids.length && tids[e] === a) e++;
  if (e - j < 2) return null;
  return [...tids.slice(0, k), ...tids.slice(j, e), ...tids.slice(k, j), ...tids.slice(e)];
}

/** `tids` with `a`'s next step after `k` moved to `k`. */
function oneOf(tids: readonly number[], k: number, a: number): number[] | null {
  const j = tids.indexOf(a, k);
  if (j < 0) return null;
  const plan = [...tids];
  plan.splice(j, 1);
  plan.splice(k, 0, a);
  return plan;
}

function run(program: Program, scheduler: Scheduler, maxSteps: number | undefined): RunResult {
  const rt = new Runtime({ scheduler, ...(maxSteps === undefined ? {} : { maxSteps }) });
  rt.setup((r) => program.setup(r));
  return rt.execute();
}

function smaller(a: ScheduleSize, b: ScheduleSize): boolean {
  return a.preemptions < b.preemptions || (a.preemptions === b.preemptions && a.steps < b.steps);
}

/**
 * Shrinks a violating schedule: fewer preemptions first, then fewer steps, keeping the
 * violation's name (null when the token does not violate, the violation is `step-budget`, or
 * the run is longer than 10,000 steps). Candidates move a preempted thread's next step up to the preemption
 * point (the switch goes away or comes later) and delete single steps from the plan (the
 * thread runs later, or not before the violation). Greedy to a local minimum; every accepted
 * candidate is a real run, so the token returned replays to a violation of the same name.
 */
export function shrink(program: Program, token: string, opts: ShrinkOptions = {}): ShrinkResult | null {
  const maxRuns = opts.maxRuns ?? DEFAULT_SHRINK_RUNS;
  const rec = new RecordingReplay(new ReplayScheduler(decodeToken(token)));
  const first = run(program, rec, opts.maxSteps);
  if (!first.violation) return null;
  // A livelock cut by the step budget has no shorter form, and a very long run would make
  // each candidate cost as much as a search: both are shown as found.
  if (first.violation.name === 'step-budget' || rec.tids.length > MAX_SHRINK_LENGTH) return null;
  const name = first.violation.name;
  const original = { token, steps: rec.tids.length, preemptions: rec.preemptedAt.length };
  let best: Candidate = {
    result: first,
    tids: rec.tids,
    values: rec.values,
    preemptedAt: rec.preemptedAt,
  };
  let bestSize: ScheduleSize = { steps: original.steps, preemptions: original.preemptions };
  const budget = opts.budgetSteps ?? DEFAULT_SHRINK_STEPS;
  let runs = 0;
  let spent = 0;
  const exhausted = () => runs >= maxRuns || spent >= budget;
  const attempt = (plan: number[]): boolean => {
    if (exhausted()) return false;
    runs++;
    const s = new PlanScheduler(plan, best.values);
    const result = run(program, s, opts.maxSteps);
    spent += result.steps;
    if (!result.violation || result.violation.name !== name) return false;
    const size = { steps: s.tids.length, preemptions: s.preemptedAt.length };
    if (!smaller(size, bestSize)) return false;
    best = { result, tids: s.tids, values: s.taken, preemptedAt: s.preemptedAt };
    bestSize = size;
    return true;
  };
  let improved = true;
  while (improved && !exhausted()) {
    improved = false;
    // Fewer preemptions: at a switch away from thread A, let A go on first: all of its
    // remaining steps, its next block of steps, or its next step.
    for (const k of best.preemptedAt) {
      if (improved) break;
      const tids = best.tids;
      const a = tids[k - 1]!;
      for (const plan of [allOf(tids, k, a), blockOf(tids, k, a), oneOf(tids, k, a)]) {
        if (plan && attempt(plan)) {
          improved = true;
          break;
        }
      }
    }
    if (improved) continue;
    // Fewer steps: drop one step from the plan, latest first (the tail is the cheapest to lose).
    for (let i = best.tids.length - 1; i >= 0; i--) {
      const plan = [...best.tids];
      plan.splice(i, 1);
      if (attempt(plan)) {
        improved = true;
        break;
      }
    }
  }
  return {
    token: encodeToken(best.result.choices),
    violation: best.result.violation!,
    size: bestSize,
    original,
    runs,
  };
}

import { Rng } from '../../sim/rng.js';
import type { RunResult, Runtime, Scheduler } from '../../sim/runtime.js';
import type { SimThread } from '../../sim/thread.js';
import { badCheckpoint, isCount, isRecord, type Strategy } from '../strategy.js';

/** Steps per run assumed before any run has been seen. */
const INITIAL_STEP_ESTIMATE = 64;

/**
 * Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
 * Each run gives the threads random distinct priorities (all at least d) and picks d-1 change
 * points uniformly among the run's steps; the highest-priority enabled thread always runs, and
 * at the i-th change point the thread about to run drops to priority d-i (below every initial
 * one, and below the threads lowered before it). A bug of depth d (d ordering constraints between steps) is hit by one run with
 * probability at least 1 / (n * k^(d-1)), n threads and k steps.
 *
 * Departures from the paper: k is not known in advance, so it is the longest run seen so far
 * (64 before the first run), as shuttle does; a thread spawned during the run gets a random
 * priority among the initial ones when first seen; `choose(n)` values are uniform.
 */
export class PctStrategy implements Strategy {
  readonly name = 'pct';
  readonly exhaustive = false;
  private run: number;
  private k = INITIAL_STEP_ESTIMATE;

  constructor(
    readonly seed: number,
    readonly depth: number,
    first = 0,
    private readonly stride = 1,
    /**
     * A fixed k (steps per run) instead of the longest run seen: a shard sees only some of
     * the runs, so split searches fix k to give every run index the same schedule.
     */
    private readonly fixedSteps: number | null = null,
  ) {
    this.run = first;
    if (fixedSteps !== null) this.k = fixedSteps;
  }

  /** Burckhardt et al.'s lower bound on one run finding a depth-d bug. */
  static bound(threads: number, steps: number, depth: number): number {
    return 1 / (threads * steps ** (depth - 1));
  }

  /** The current estimate of steps per run (k in the bound). */
  get steps(): number {
    return this.k;
  }

  nextRun(): Scheduler {
    const rng = new Rng(this.seed, this.run);
    this.run += this.stride;
    const d = this.depth;
    // Change point i (1-based) fires before step changeAt[i-1] (0-based step index).
    const changeAt: number[] = [];
    for (let i = 0; i < d - 1; i++) changeAt.push(rng.below(this.k));
    const prio: number[] = [];
    const priority = (t: SimThread): number => {
      let p = prio[t.id];
      if (p === undefined) {
        // Initial priorities lie in [d, d+1): distinct with overwhelming probability, ties go
        // to the lower id.
        p = d + rng.u32() / 4294967296;
        prio[t.id] = p;
      }
      return p;
    };
    let applied = -1;
    const change = (t: SimThread, rt: Runtime): boolean => {
      const step = rt.steps;
      if (step === applied) return false;
      let hit = false;
      for (let i = 0; i < changeAt.length; i++) {
        if (changeAt[i] === step) {
          priority(t);
          prio[t.id] = d - (i + 1);
          hit = true;
        }
      }
      applied = step;
      return hit;
    };
    const top = (enabled: readonly SimThread[]): number => {
      let best = 0;
      for (let i = 1; i < enabled.length; i++) {
        if (priority(enabled[i]!) > priority(enabled[best]!)) best = i;
      }
      return best;
    };
    return {
      pickThread: (enabled, rt) => {
        const best = top(enabled);
        return change(enabled[best]!, rt) ? top(enabled) : best;
      },
      pickValue: (n) => rng.below(n),
      beforeStep: (t, rt) => {
        change(t, rt);
        return true;
      },
    };
  }

  runDone(result: RunResult): void {
    if (this.fixedSteps === null && result.steps > this.k) this.k = result.steps;
  }

  /** The next run's index and k, the longest run so far (the change points depend on it). */
  checkpoint(): { run: number; k: number } {
    return { run: this.run, k: this.k };
  }

  restore(state: unknown): void {
    if (!isRecord(state) || !isCount(state.run) || !isCount(state.k) || state.k === 0) {
      badCheckpoint(this.name, 'no run index and step estimate');
    }
    this.run = state.run;
    if (this.fixedSteps === null) this.k = state.k;
  }
}

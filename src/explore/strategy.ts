import type { RunResult, Scheduler } from '../sim/runtime.js';
import type { Cut } from './verdict.js';

/**
 * A search strategy: hands the explorer one scheduler per run and learns from each result.
 * Mechanism (the runtime) and policy (this) are separate, as shuttle splits them.
 */
export interface Strategy {
  readonly name: string;
  /** True when finishing the search means every schedule was run (dfs, dpor). */
  readonly exhaustive: boolean;
  /** The scheduler for the next run, or null when the search space is exhausted. */
  nextRun(): Scheduler | null;
  /** Called after each run with its result. */
  runDone(result: RunResult): void;
  /**
   * For an exhaustive strategy that finished: the bound that left schedules out (a
   * preemption bound), or null when nothing did and the finish is a proof.
   */
  cut?(): Cut | null;
}

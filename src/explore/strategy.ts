import { MmulabError } from '../errors.js';
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
  /**
   * The strategy's state between two runs as plain JSON (`--out` checkpoints); with
   * `restore`, a new strategy made with the same options continues the search as if it had
   * never stopped: the same runs, in the same order, to the same verdict.
   */
  checkpoint?(): unknown;
  /** Takes a `checkpoint()` of a strategy made with the same options; throws on a bad one. */
  restore?(state: unknown): void;
}

/** A checkpoint that does not fit: one line, for `--resume` (an MmulabError there). */
export function badCheckpoint(strategy: string, why: string): never {
  throw new MmulabError('MMULAB_BAD_CHECKPOINT', `not a ${strategy} checkpoint: ${why}`);
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function isCount(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0;
}

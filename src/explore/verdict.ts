import type { Violation } from '../sim/violation.js';

/** Why a search stopped before it could claim anything for every schedule. */
export type Cut = 'runs' | 'time' | 'interrupted' | 'sampling' | 'preemptions' | 'shard';

interface Counts {
  /** Runs (schedules) executed. */
  readonly runs: number;
  /** Scheduled steps over all runs. */
  readonly steps: number;
  readonly ms: number;
  readonly strategy: string;
}

/** How the shown counterexample was shrunk from the one the search hit first. */
export interface ShrinkInfo {
  /** The schedule as found: its token, steps and preemptions. */
  readonly original: { readonly token: string; readonly steps: number; readonly preemptions: number };
  /** The schedule shown (the verdict's token). */
  readonly steps: number;
  readonly preemptions: number;
  /** Candidate runs the shrinker spent (not counted in `runs`). */
  readonly runs: number;
}

/**
 * The honest result of a search (fast-check's RunDetails shape): a violation with its replay
 * token; `verified` only when an exhaustive strategy finished with nothing cutting it; else
 * `bounded`, naming the bound.
 */
export type Verdict =
  | (Counts & {
      readonly kind: 'violation';
      readonly violation: Violation;
      readonly token: string;
      /** Present when the counterexample was shrunk (explore's `shrink`, on by default). */
      readonly shrink?: ShrinkInfo;
    })
  | (Counts & { readonly kind: 'verified' })
  | (Counts & { readonly kind: 'bounded'; readonly cut: Cut });

/** One line: `verified (1,877 runs, all schedules)`, `no violation in 10,000 runs (bounded)`. */
export function describeVerdict(v: Verdict): string {
  const runs = `${v.runs.toLocaleString('en-US')} run${v.runs === 1 ? '' : 's'}`;
  switch (v.kind) {
    case 'violation':
      return `violation: ${v.violation.name} after ${runs}: ${v.violation.message}`;
    case 'verified':
      return `verified: every schedule ran (${runs}) with no violation`;
    default: {
      const why = {
        runs: 'the run limit',
        time: 'the time limit',
        interrupted: 'an interrupt',
        sampling: 'the strategy samples schedules',
        preemptions: 'the preemption bound',
        shard: 'sharding: this is one shard of the search',
      }[v.cut];
      return `bounded: no violation in ${runs} (cut by ${why}; not a proof)`;
    }
  }
}

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

/** A distinct violation of a search that goes on past it (src/explore/dedup.ts keys them). */
export interface FoundViolation {
  /** Kind and location: `coherence @ vcpu0 kvm.spte.write`; one entry per key. */
  readonly key: string;
  readonly violation: Violation;
  /** Its replay token (the shrunk schedule when `shrink` is present). */
  readonly token: string;
  readonly shrink?: ShrinkInfo;
  /** The run (1-based, over the whole search) that hit it first. */
  readonly run: number;
}

/**
 * How a search that kept going ended: `finished` (an exhaustive strategy ran every schedule,
 * nothing cut), `max-violations` (it found as many distinct violations as asked), or a cut.
 */
export type SearchEnd = 'finished' | 'max-violations' | Cut;

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
      /**
       * A search that went on past its first violation (`maxViolations` > 1, `--keep-going`):
       * every distinct one in the order found (the first is `violation`/`token` above), and
       * how the search ended after them.
       */
      readonly violations?: readonly FoundViolation[];
      readonly end?: SearchEnd;
    })
  | (Counts & { readonly kind: 'verified' })
  | (Counts & { readonly kind: 'bounded'; readonly cut: Cut });

/** One line: `verified (1,877 runs, all schedules)`, `no violation in 10,000 runs (bounded)`. */
export function describeVerdict(v: Verdict): string {
  const runs = `${v.runs.toLocaleString('en-US')} run${v.runs === 1 ? '' : 's'}`;
  switch (v.kind) {
    case 'violation':
      if (v.violations !== undefined) return describeFound(v.violations.length, runs, v.end);
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

const CUT_WHY: Record<Cut, string> = {
  runs: 'the run limit',
  time: 'the time limit',
  interrupted: 'an interrupt',
  sampling: 'the strategy samples schedules',
  preemptions: 'the preemption bound',
  shard: 'sharding',
};

/** `3 distinct violations in 1,200 runs; the search then finished: every schedule ran` */
function describeFound(n: number, runs: string, end: SearchEnd | undefined): string {
  const head = `${n} distinct violation${n === 1 ? '' : 's'} in ${runs}`;
  if (end === 'finished') return `${head}; the search then finished: every schedule ran`;
  if (end === 'max-violations') return `${head}; the search stopped there (--max-violations)`;
  return `${head}; the search was then cut by ${end === undefined ? 'a bound' : CUT_WHY[end]}`;
}

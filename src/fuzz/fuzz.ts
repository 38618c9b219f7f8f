import fc from 'fast-check';
import { MmulabError } from '../errors.js';
import { explore, shrunk } from '../explore/explorer.js';
import { makeStrategy } from '../explore/strategies/index.js';
import type { Strategy } from '../explore/strategy.js';
import type { ShrinkInfo, Verdict } from '../explore/verdict.js';
import type { Violation } from '../sim/violation.js';
import { workloadArbitrary } from './arbitrary.js';
import { workloadProgram } from './program.js';
import { checkBugs, type FuzzTarget } from './targets.js';
import { type CpuOpName, formatWorkload, type Workload } from './workload.js';

export type FuzzStrategy = 'random' | 'pct';

export interface FuzzOptions {
  readonly bugs: readonly string[];
  /** Workloads fast-check generates (numRuns). */
  readonly runs: number;
  /** Schedules explored per workload. */
  readonly schedules: number;
  /** fast-check's seed; the schedule strategy of every workload is seeded with it too. */
  readonly seed: number;
  readonly strategy: FuzzStrategy;
  /** The primary operations workloads draw from (default: all of CPU_OPS). */
  readonly ops?: readonly CpuOpName[];
  /** Device threads a workload has at most (1 or 2, default 2). */
  readonly devices?: number;
  readonly maxSteps?: number;
  /**
   * Workloads fast-check may try while shrinking a failing one (default 400); past it a
   * candidate counts as passing without a search, so shrinking stops where it is. A count,
   * not a time: the result stays a function of the options.
   */
  readonly maxShrinks?: number;
  /** Called after each workload's search (progress). */
  readonly onWorkload?: (tested: number, found: boolean) => void;
  /** A watched run's hooks (src/fuzz/watched.ts, fuzz-worker.ts); the same result without. */
  readonly watch?: FuzzWatch;
}

/** A workload whose search hung in an earlier watched session: what that search amounted to. */
export interface KnownHang {
  readonly violation: Violation;
  readonly token: string;
  /** The runs of its search, the hung one included, and the steps they took before the hang. */
  readonly runs: number;
  readonly steps: number;
}

/** Where a fuzz run stands as a workload's search starts: what a hang in it is reported with. */
export interface FuzzProgress {
  readonly workloads: number;
  readonly schedules: number;
  readonly steps: number;
  /** Generated workloads so far, this one included while none has failed. */
  readonly generated: number;
  /** The first failing workload and its place among the generated, once one failed. */
  readonly found: Workload | null;
  readonly foundAt: number;
  /** Shrink candidates fast-check accepted as failing so far. */
  readonly shrinks: number;
}

/**
 * How a watched fuzz run's worker sees the run: each search's strategy wrapped (recording
 * runs and steps for the watchdog), each search announced before it starts, the schedule
 * shrink announced (it has no heartbeat of its own), and the workloads that hung before,
 * which count as failing with their hang without a search.
 */
export interface FuzzWatch {
  readonly hangs: ReadonlyMap<string, KnownHang>;
  strategy(s: Strategy): Strategy;
  searching(w: Workload, at: FuzzProgress): void;
  shrinking(found: FuzzResult): void;
}

/** The work a fuzz run did: workloads searched (shrink candidates included), schedules, steps. */
export interface FuzzCounts {
  readonly workloads: number;
  readonly schedules: number;
  readonly steps: number;
  readonly ms: number;
}

export type FuzzResult =
  | (FuzzCounts & {
      readonly kind: 'violation';
      /** The shrunk workload, and the one fast-check generated first that failed. */
      readonly workload: Workload;
      readonly found: Workload;
      /** Generated workloads up to and including the first failing one. */
      readonly foundAt: number;
      /** Shrink steps fast-check took (workloads accepted as smaller). */
      readonly shrinks: number;
      /** fast-check's counterexamplePath: with the seed, where its replay starts. */
      readonly path: string;
      readonly violation: Violation;
      /** The shrunk schedule's replay token, for `--workload ... --token`. */
      readonly token: string;
      readonly schedule?: ShrinkInfo;
    })
  | (FuzzCounts & { readonly kind: 'bounded'; readonly tested: number });

export const DEFAULT_MAX_SHRINKS = 400;

/** Explores `schedules` schedules of one workload with a strategy seeded by `seed`. */
export function exploreWorkload(
  target: FuzzTarget,
  w: Workload,
  opts: Pick<FuzzOptions, 'bugs' | 'schedules' | 'seed' | 'maxSteps'> & {
    /** random or pct when fuzzing; any strategy (dfs, dpor: exhaustive) for one workload. */
    readonly strategy: string;
  },
  shrink = false,
  wrap: (s: Strategy) => Strategy = (s) => s,
): Verdict {
  return explore(workloadProgram(target, w, opts.bugs), {
    strategy: wrap(makeStrategy(opts.strategy, { seed: opts.seed })),
    maxRuns: opts.schedules,
    shrink,
    ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
  });
}

function positive(what: string, n: number): void {
  if (!(Number.isSafeInteger(n) && n > 0)) {
    throw new MmulabError('MMULAB_BAD_OPTION', `${what} must be a positive integer, got ${String(n)}`);
  }
}

/**
 * `mmulab fuzz`: fast-check generates workloads (workloadArbitrary), each is searched for
 * `schedules` schedules; the first failing workload is shrunk by fast-check (fewer threads,
 * fewer operations, smaller addresses: each candidate searched the same deterministic way),
 * then the violating schedule of the smallest one by src/explore/shrink.ts. A run with no
 * violation is `bounded` (runs × schedules), never verified.
 */
export function fuzz(target: FuzzTarget, opts: FuzzOptions): FuzzResult {
  checkBugs(target, opts.bugs);
  positive('runs', opts.runs);
  positive('schedules', opts.schedules);
  if (!(Number.isSafeInteger(opts.seed) && opts.seed >= 0)) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `seed must be a non-negative integer, got ${String(opts.seed)}`,
    );
  }
  if (opts.devices !== undefined && opts.devices !== 1 && opts.devices !== 2) {
    throw new MmulabError('MMULAB_BAD_OPTION', `devices must be 1 or 2, got ${String(opts.devices)}`);
  }
  const maxShrinks = opts.maxShrinks ?? DEFAULT_MAX_SHRINKS;
  const t0 = performance.now();
  const cache = new Map<string, Verdict>();
  let workloads = 0;
  let schedules = 0;
  let steps = 0;
  let found: Workload | null = null;
  let generated = 0;
  let foundAt = 0;
  let shrinks = 0;
  let afterFailure = 0;
  const watch = opts.watch;
  const property = fc.property(workloadArbitrary(opts.ops, opts.devices), (w) => {
    if (found && ++afterFailure > maxShrinks) return true;
    if (!found) generated++;
    const key = formatWorkload(w);
    let v = cache.get(key);
    if (!v) {
      const hang = watch?.hangs.get(key);
      if (hang) v = hangVerdict(hang, opts.strategy);
      else {
        watch?.searching(w, { workloads, schedules, steps, generated, found, foundAt, shrinks });
        v = exploreWorkload(target, w, opts, false, watch?.strategy);
      }
      cache.set(key, v);
      workloads++;
      schedules += v.runs;
      steps += v.steps;
      opts.onWorkload?.(workloads, v.kind === 'violation');
    }
    if (v.kind !== 'violation') return true;
    if (found) shrinks++;
    else {
      found = w;
      foundAt = generated;
    }
    return false;
  });
  const details = fc.check(property, { seed: opts.seed, numRuns: opts.runs });
  const counts = () => ({ workloads, schedules, steps, ms: Math.round(performance.now() - t0) });
  // A driver that throws in init, or a bad option deep in a search: one line, not a counterexample.
  if (details.errorInstance instanceof MmulabError) throw details.errorInstance;
  if (!details.failed) return { kind: 'bounded', tested: details.numRuns, ...counts() };
  if (!details.counterexample || !found) {
    throw new Error(`[mmulab internal bug] fuzz property threw: ${String(details.errorInstance)}`);
  }
  const workload = details.counterexample[0];
  const key = formatWorkload(workload);
  const v = cache.get(key);
  if (v?.kind !== 'violation') throw new Error('[mmulab internal bug] the shrunk workload did not fail');
  const asFound: FuzzResult = {
    kind: 'violation',
    workload,
    found,
    foundAt: details.numRuns,
    shrinks: details.numShrinks,
    path: details.counterexamplePath,
    violation: v.violation,
    token: v.token,
    ...counts(),
  };
  // A hang's token is the prefix up to the step that never returned: nothing to shrink.
  if (watch?.hangs.has(key)) return asFound;
  watch?.shrinking(asFound);
  // What exploreWorkload(..., true) would return, without searching the workload again.
  const s = shrunk(workloadProgram(target, workload, opts.bugs), v.violation, v.token, {
    ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
  });
  return {
    ...asFound,
    violation: s.violation,
    token: s.token,
    ...(s.shrink ? { schedule: s.shrink } : {}),
    ...counts(),
  };
}

/** A known hang as its workload's search verdict: the hung run is the violation. */
function hangVerdict(h: KnownHang, strategy: string): Verdict {
  return {
    kind: 'violation',
    violation: h.violation,
    token: h.token,
    runs: h.runs,
    steps: h.steps,
    ms: 0,
    strategy,
  };
}

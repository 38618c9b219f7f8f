import { MmulabError } from '../errors.js';
import type { Program } from '../sim/program.js';
import { type RunResult, Runtime } from '../sim/runtime.js';
import { decodeTokenRuns, encodeToken } from '../sim/token.js';
import type { SimObserver } from '../sim/trace.js';
import type { Violation } from '../sim/violation.js';
import { SiteTracker, violationKey } from './dedup.js';
import { shrink } from './shrink.js';
import { ReplayScheduler } from './strategies/replay.js';
import type { Strategy } from './strategy.js';
import type { FoundViolation, SearchEnd, ShrinkInfo, Verdict } from './verdict.js';

export interface ExploreOptions {
  readonly strategy: Strategy;
  /** Stop after this many runs (a bound: the verdict is then at best `bounded`). */
  readonly maxRuns?: number;
  /** Step budget of each run; a run that exceeds it is a `step-budget` violation. */
  readonly maxSteps?: number;
  /** Wall-clock budget of the whole search, in ms (a bound). */
  readonly timeLimitMs?: number;
  /** Called after each run: progress displays, result streams. */
  readonly onRun?: (run: number, result: RunResult) => void;
  /** Checked before each run; true stops the search as `interrupted`. */
  readonly shouldStop?: () => boolean;
  /**
   * Shrink a violation's schedule before returning it (fewer preemptions, then fewer steps;
   * same violation name). On by default; `false` returns the schedule as found.
   */
  readonly shrink?: boolean;
  /**
   * Distinct violations (kind and location, src/explore/dedup.ts) to find before stopping;
   * 1 by default (stop at the first). Above 1 the search records each and goes on; the
   * verdict then lists them (`violations`) and says how the search ended (`end`).
   */
  readonly maxViolations?: number;
  /** Keys of violations already reported (a watched search restarted after a hang). */
  readonly knownViolations?: readonly string[];
  /** Called once for each distinct violation when `maxViolations` > 1, as it is found. */
  readonly onViolation?: (found: FoundViolation) => void;
}

export const DEFAULT_MAX_RUNS = 10_000;

/** Where a resumed search starts: the counts of the runs done before (its strategy restored). */
export interface ExploreStart {
  readonly runs: number;
  readonly steps: number;
}

/** Runs `program` under `strategy` until a violation, exhaustion, or a bound. */
export function explore(program: Program, opts: ExploreOptions, start?: ExploreStart): Verdict {
  const it = searchLoop(program, opts, start);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** How long exploreAsync runs before it lets the event loop in (signals, timers, output). */
export const YIELD_EVERY_MS = 50;

/**
 * `explore` that lets the event loop run every ~50 ms (between runs, with setImmediate), so
 * that a SIGINT handler can set the flag `shouldStop` reads: the search then ends `bounded`,
 * cut `interrupted`, with every run it finished counted. Same loop, same verdict as explore.
 */
export async function exploreAsync(
  program: Program,
  opts: ExploreOptions,
  start?: ExploreStart,
): Promise<Verdict> {
  const it = searchLoop(program, opts, start);
  let slice = performance.now();
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    if (performance.now() - slice >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
}

/** The search, one run per `next()`: explore drives it to the end, exploreAsync in slices. */
function* searchLoop(program: Program, opts: ExploreOptions, start?: ExploreStart): Generator<void, Verdict> {
  const { strategy } = opts;
  const maxRuns = opts.maxRuns ?? DEFAULT_MAX_RUNS;
  if (!(Number.isInteger(maxRuns) && maxRuns > 0)) {
    throw new MmulabError('MMULAB_BAD_OPTION', `maxRuns must be a positive integer, got ${String(maxRuns)}`);
  }
  checkSteps(opts.maxSteps);
  const maxViolations = opts.maxViolations ?? 1;
  if (
    !(maxViolations === Number.POSITIVE_INFINITY || (Number.isInteger(maxViolations) && maxViolations > 0))
  ) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `maxViolations must be a positive integer, got ${String(maxViolations)}`,
    );
  }
  const keepGoing = maxViolations > 1;
  const seen = new Set(opts.knownViolations ?? []);
  const found: FoundViolation[] = [];
  const t0 = performance.now();
  const deadline = opts.timeLimitMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.timeLimitMs;
  let runs = start?.runs ?? 0;
  let steps = start?.steps ?? 0;
  const counts = () => ({ runs, steps, ms: Math.round(performance.now() - t0), strategy: strategy.name });
  const ended = (v: Verdict): Verdict => {
    if (found.length === 0 || v.kind === 'violation') return v;
    return foundVerdict(found, v.kind === 'verified' ? 'finished' : v.cut, counts());
  };
  for (;;) {
    if (runs >= maxRuns) return ended({ kind: 'bounded', cut: 'runs', ...counts() });
    if (opts.shouldStop?.()) return ended({ kind: 'bounded', cut: 'interrupted', ...counts() });
    if (performance.now() > deadline) return ended({ kind: 'bounded', cut: 'time', ...counts() });
    const next = strategy.nextRun();
    if (!next) {
      if (!strategy.exhaustive) return ended({ kind: 'bounded', cut: 'sampling', ...counts() });
      const cut = strategy.cut?.() ?? null;
      return ended(cut === null ? { kind: 'verified', ...counts() } : { kind: 'bounded', cut, ...counts() });
    }
    const tracker = keepGoing ? new SiteTracker(next) : null;
    const scheduler = tracker ?? next;
    const result = runOnce(
      program,
      opts.maxSteps === undefined ? { scheduler } : { scheduler, maxSteps: opts.maxSteps },
    );
    runs++;
    steps += result.steps;
    strategy.runDone(result);
    opts.onRun?.(runs, result);
    if (result.violation && tracker) {
      const key = violationKey(result.violation, tracker.site());
      if (!seen.has(key)) {
        seen.add(key);
        const f = shrunk(program, result.violation, encodeToken(result.choices), opts);
        const one: FoundViolation = { key, ...f, run: runs };
        found.push(one);
        opts.onViolation?.(one);
        if (found.length >= maxViolations) return foundVerdict(found, 'max-violations', counts());
      }
    } else if (result.violation) {
      return {
        kind: 'violation',
        ...shrunk(program, result.violation, encodeToken(result.choices), opts),
        ...counts(),
      };
    }
    yield;
  }
}

/** A violation as found, or shrunk unless `shrink` is false (then the token as found). */
export function shrunk(
  program: Program,
  violation: Violation,
  token: string,
  opts: Pick<ExploreOptions, 'shrink' | 'maxSteps'>,
): { violation: Violation; token: string; shrink?: ShrinkInfo } {
  if (opts.shrink === false) return { violation, token };
  const s = shrink(program, token, opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps });
  if (!s) return { violation, token };
  return {
    violation: s.violation,
    token: s.token,
    shrink: { original: s.original, steps: s.size.steps, preemptions: s.size.preemptions, runs: s.runs },
  };
}

/** The verdict of a search that kept going past violations: the first, and all of them. */
export function foundVerdict(
  found: readonly FoundViolation[],
  end: SearchEnd,
  counts: { runs: number; steps: number; ms: number; strategy: string },
): Verdict {
  const first = found[0]!;
  return {
    kind: 'violation',
    violation: first.violation,
    token: first.token,
    ...(first.shrink ? { shrink: first.shrink } : {}),
    violations: [...found],
    end,
    ...counts,
  };
}

/** One run of `program` under a scheduler. */
export function runOnce(program: Program, opts: ConstructorParameters<typeof Runtime>[0]): RunResult {
  // closedState only matters to a scheduler with a state table (Runtime's constructor): no
  // copy of the options per run for the others.
  const rt = new Runtime(
    program.closedState === true && opts.scheduler.stateTable ? { ...opts, closedState: true } : opts,
  );
  try {
    setupIn(rt, program);
  } catch (e) {
    if (e instanceof MmulabError) throw e;
    throw new MmulabError(
      'MMULAB_BAD_PROGRAM',
      `${program.name}: setup failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return rt.execute();
}

function setupIn(rt: Runtime, program: Program): void {
  rt.setup((r) => program.setup(r));
}

export interface ReplayResult extends RunResult {
  readonly token: string;
}

/** Replays a token: the same run, step for step. */
export function replay(
  program: Program,
  token: string,
  opts: { readonly observer?: SimObserver; readonly maxSteps?: number } = {},
): ReplayResult {
  checkSteps(opts.maxSteps);
  const scheduler = new ReplayScheduler(decodeTokenRuns(token));
  const result = runOnce(program, { scheduler, ...opts });
  if (scheduler.unused > 0) {
    throw new MmulabError(
      'MMULAB_TOKEN_MISMATCH',
      `the token does not fit this scenario: the run ended with ${scheduler.unused} choice(s) of the token unused`,
    );
  }
  return { ...result, token };
}

function checkSteps(maxSteps: number | undefined): void {
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0)) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `maxSteps must be a positive integer, got ${String(maxSteps)}`,
    );
  }
}

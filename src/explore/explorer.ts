import { MmulabError } from '../errors.js';
import type { Program } from '../sim/program.js';
import { type RunResult, Runtime } from '../sim/runtime.js';
import { decodeTokenRuns, encodeToken } from '../sim/token.js';
import type { SimObserver } from '../sim/trace.js';
import { shrink } from './shrink.js';
import { ReplayScheduler } from './strategies/replay.js';
import type { Strategy } from './strategy.js';
import type { Verdict } from './verdict.js';

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
  const t0 = performance.now();
  const deadline = opts.timeLimitMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.timeLimitMs;
  let runs = start?.runs ?? 0;
  let steps = start?.steps ?? 0;
  const counts = () => ({ runs, steps, ms: Math.round(performance.now() - t0), strategy: strategy.name });
  for (;;) {
    if (runs >= maxRuns) return { kind: 'bounded', cut: 'runs', ...counts() };
    if (opts.shouldStop?.()) return { kind: 'bounded', cut: 'interrupted', ...counts() };
    if (performance.now() > deadline) return { kind: 'bounded', cut: 'time', ...counts() };
    const scheduler = strategy.nextRun();
    if (!scheduler) {
      if (!strategy.exhaustive) return { kind: 'bounded', cut: 'sampling', ...counts() };
      const cut = strategy.cut?.() ?? null;
      return cut === null ? { kind: 'verified', ...counts() } : { kind: 'bounded', cut, ...counts() };
    }
    const result = runOnce(program, {
      scheduler,
      ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
    });
    runs++;
    steps += result.steps;
    strategy.runDone(result);
    opts.onRun?.(runs, result);
    if (result.violation) {
      const token = encodeToken(result.choices);
      const found = { kind: 'violation' as const, violation: result.violation, token };
      if (opts.shrink === false) return { ...found, ...counts() };
      const s = shrink(program, token, opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps });
      if (!s) return { ...found, ...counts() };
      return {
        kind: 'violation',
        violation: s.violation,
        token: s.token,
        shrink: { original: s.original, steps: s.size.steps, preemptions: s.size.preemptions, runs: s.runs },
        ...counts(),
      };
    }
    yield;
  }
}

/** One run of `program` under a scheduler. */
export function runOnce(program: Program, opts: ConstructorParameters<typeof Runtime>[0]): RunResult {
  const rt = new Runtime(opts);
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

import { Worker } from 'node:worker_threads';
import { MmulabError, type MmulabErrorCode } from '../errors.js';
import type { Program } from '../sim/program.js';
import { Runtime, type Scheduler } from '../sim/runtime.js';
import type { SimThread } from '../sim/thread.js';
import { decodeTokenRuns, encodeToken } from '../sim/token.js';
import type { SimObserver } from '../sim/trace.js';
import type { Violation } from '../sim/violation.js';
import { type StepSite, threadName, violationKey } from './dedup.js';
import { DEFAULT_MAX_RUNS, type ExploreStart, foundVerdict } from './explorer.js';
import type { ProgramRef } from './program-ref.js';
import type { StrategyOptions } from './strategies/index.js';
import { ReplayScheduler } from './strategies/replay.js';
import type { FoundViolation, Verdict } from './verdict.js';
import {
  CTRL_SLOTS,
  choicesBuffer,
  type HangPoint,
  INTERRUPT,
  PHASE_SHRINK,
  pollMs,
  RUNS,
  readChoices,
  STEP,
  Stall,
  VIOLATIONS,
} from './watch-shared.js';
import { workerUrl } from './worker-url.js';

/** How long one step may take before the watchdog calls it a hang (`--step-timeout`). */
export const DEFAULT_STEP_TIMEOUT_MS = 2_000;
const DEFAULT_RUN_STEPS = 100_000;

export interface WatchedExploreOptions {
  /** The program for the worker to rebuild; `program` is the same one, for naming hang sites here. */
  readonly ref: ProgramRef;
  readonly program: Program;
  readonly strategy: string;
  readonly strategyOptions: StrategyOptions;
  readonly maxRuns?: number;
  readonly maxSteps?: number;
  readonly timeLimitMs?: number;
  readonly shrink?: boolean;
  readonly maxViolations?: number;
  readonly stepTimeoutMs?: number;
  /** A resumed search: its counts and the strategy's checkpoint. */
  readonly start?: ExploreStart & { readonly state: unknown };
}

export interface WatchHooks {
  /** The search's checkpoints (every 1,000 runs or ~1 s), for `--out`. */
  onCheckpoint?(runs: number, steps: number, state: unknown): void;
  /** Each violation as found (token unshrunk), a hang included; once per key when keeping going. */
  onViolation?(found: FoundViolation): void;
  /** Polled about every 100 ms: runs done and violation runs seen. */
  onProgress?(runs: number, violations: number): void;
  /** Polled about every 100 ms; true stops the search after the run in progress (SIGINT). */
  shouldStop?(): boolean;
}

/** What the watched worker is given (src/explore/watch-worker.ts). */
export type WatchJob = {
  readonly ref: ProgramRef;
  readonly maxSteps?: number;
  readonly ctrl: SharedArrayBuffer;
  readonly choices: SharedArrayBuffer;
  readonly steps: SharedArrayBuffer;
  readonly poison: readonly HangPoint[];
} & (
  | { readonly mode: 'replay'; readonly token: string }
  | {
      readonly mode: 'explore';
      readonly strategy: string;
      readonly strategyOptions: StrategyOptions;
      readonly state: unknown;
      readonly start: ExploreStart;
      readonly maxRuns: number;
      readonly timeLimitMs?: number;
      readonly shrink: boolean;
      readonly maxViolations: number;
      readonly known: readonly string[];
    }
);

export type WatchReply =
  | { readonly type: 'checkpoint'; readonly runs: number; readonly steps: number; readonly state: unknown }
  | { readonly type: 'found'; readonly found: FoundViolation }
  | { readonly type: 'violation'; readonly found: FoundViolation }
  | { readonly type: 'done'; readonly verdict: Verdict; readonly state: unknown }
  | { readonly type: 'replayed'; readonly violation: boolean }
  | { readonly type: 'error'; readonly code: MmulabErrorCode | null; readonly message: string };

type Outcome =
  | { readonly kind: 'done'; readonly reply: WatchReply }
  | { readonly kind: 'hang'; readonly point: HangPoint; readonly runs: number; readonly steps: number }
  | { readonly kind: 'shrink-hang' };

/**
 * `explore` on a worker thread that this thread watches: a step that does not return within
 * `stepTimeoutMs` (a driver's `for (;;) {}`: no step budget sees it) ends in a `driver-hang`
 * violation naming the thread and the step, with a token that replays to the same hang. The
 * worker records each run's choices and step index in shared memory, so the watcher knows
 * the exact schedule prefix without a message per step; it terminates the hung worker (V8
 * interrupts any loop). Stopping at the first violation, the hang is the verdict; keeping
 * going (`maxViolations` > 1), the search restarts from its last checkpoint with that step
 * pruned (the run ends there; nothing after it is explored) and goes on. Otherwise the
 * same runs, in the same order, to the same verdict as `explore`.
 */
export async function exploreWatched(opts: WatchedExploreOptions, hooks: WatchHooks = {}): Promise<Verdict> {
  const t0 = performance.now();
  const timeout = stepTimeout(opts.stepTimeoutMs);
  const maxViolations = opts.maxViolations ?? 1;
  const keepGoing = maxViolations > 1;
  const deadline = opts.timeLimitMs === undefined ? undefined : t0 + opts.timeLimitMs;
  let latest = opts.start ?? { runs: 0, steps: 0, state: null };
  const poison: HangPoint[] = [];
  const found: FoundViolation[] = [];
  const keys = new Set<string>();
  let shrink = opts.shrink !== false;
  let first: FoundViolation | null = null;
  const ms = () => Math.round(performance.now() - t0);
  for (;;) {
    const left = deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
    const outcome = await watch(
      {
        mode: 'explore',
        ref: opts.ref,
        ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
        strategy: opts.strategy,
        strategyOptions: opts.strategyOptions,
        state: latest.state,
        start: { runs: latest.runs, steps: latest.steps },
        maxRuns: opts.maxRuns ?? DEFAULT_MAX_RUNS,
        ...(left === undefined ? {} : { timeLimitMs: left }),
        shrink,
        maxViolations: keepGoing ? maxViolations - found.length : 1,
        known: [...keys],
        poison,
      },
      timeout,
      opts.maxSteps,
      hooks,
      (m) => {
        if (m.type === 'checkpoint') {
          latest = { runs: m.runs, steps: m.steps, state: m.state };
          hooks.onCheckpoint?.(m.runs, m.steps, m.state);
        } else if (m.type === 'found') {
          if (!keepGoing) {
            first = m.found;
            hooks.onViolation?.(m.found);
          } else if (!keys.has(m.found.key)) {
            keys.add(m.found.key);
            found.push(m.found);
            hooks.onViolation?.(m.found);
          }
        } else if (m.type === 'violation') {
          const i = found.findIndex((f) => f.key === m.found.key);
          if (i >= 0) found[i] = m.found;
        }
      },
    );
    if (outcome.kind === 'done') {
      const m = outcome.reply;
      if (m.type !== 'done') throw new Error(`[mmulab internal bug] watched search replied ${m.type}`);
      const v = m.verdict;
      if (v.kind === 'bounded') hooks.onCheckpoint?.(v.runs, v.steps, m.state);
      if (!keepGoing || found.length === 0) return { ...v, ms: ms() };
      const end =
        v.kind === 'violation' ? (v.end ?? 'max-violations') : v.kind === 'verified' ? 'finished' : v.cut;
      return foundVerdict(found, end, { runs: v.runs, steps: v.steps, ms: ms(), strategy: v.strategy });
    }
    if (outcome.kind === 'shrink-hang') {
      // A shrink candidate hung: the violation stands as found; shrink no more.
      if (!keepGoing && first !== null) {
        const f: FoundViolation = first;
        return {
          kind: 'violation',
          violation: f.violation,
          token: f.token,
          runs: f.run,
          steps: latest.steps,
          ms: ms(),
          strategy: opts.strategy,
        };
      }
      shrink = false;
      continue;
    }
    const hang = describeHang(opts.program, outcome.point, timeout, opts.maxSteps);
    const f: FoundViolation = {
      key: violationKey(hang.violation, hang.site),
      violation: hang.violation,
      token: encodeToken(outcome.point.choices),
      run: outcome.runs + 1,
    };
    // The hung run counts, with the steps it took before the one that did not return.
    const hungSteps = Math.max(0, outcome.point.step);
    const counts = {
      runs: outcome.runs + 1,
      steps: outcome.steps + hungSteps,
      ms: ms(),
      strategy: opts.strategy,
    };
    if (!keepGoing) {
      hooks.onViolation?.(f);
      return { kind: 'violation', violation: f.violation, token: f.token, ...counts };
    }
    if (!keys.has(f.key)) {
      keys.add(f.key);
      found.push(f);
      hooks.onViolation?.(f);
    }
    if (found.length >= maxViolations) return foundVerdict(found, 'max-violations', counts);
    poison.push(outcome.point);
  }
}

/**
 * Replays a token on a watched worker first: null when the run ends (replay it here then,
 * with an observer), or the `driver-hang` it reproduces, with the prefix to trace here.
 */
export async function replayWatched(
  ref: ProgramRef,
  program: Program,
  token: string,
  opts: { readonly maxSteps?: number; readonly stepTimeoutMs?: number } = {},
): Promise<{ readonly violation: Violation; readonly point: HangPoint } | null> {
  const timeout = stepTimeout(opts.stepTimeoutMs);
  decodeTokenRuns(token);
  const outcome = await watch(
    {
      mode: 'replay',
      ref,
      token,
      ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
      poison: [],
    },
    timeout,
    opts.maxSteps,
    {},
    () => {},
  );
  if (outcome.kind !== 'hang') return null;
  return {
    violation: describeHang(program, outcome.point, timeout, opts.maxSteps).violation,
    point: outcome.point,
  };
}

/**
 * The hang's thread and step, named by running the schedule prefix here up to the step that
 * did not return (every step before it returned in the worker, and runs are deterministic),
 * then stopping before it. `observer` sees that prefix: a replay's trace.
 */
export function describeHang(
  program: Program,
  point: HangPoint,
  timeoutMs: number,
  maxSteps?: number,
  observer?: SimObserver,
): { readonly violation: Violation; readonly site: StepSite | null } {
  if (point.step < 0) {
    return {
      violation: {
        name: 'driver-hang',
        message: `the run's setup (program setup or a thread's code before its first step) did not return in ${timeoutMs} ms: a loop that never yields`,
        step: 0,
        thread: null,
      },
      site: null,
    };
  }
  const replay = new ReplayScheduler(point.choices);
  let hung: SimThread | null = null;
  const scheduler: Scheduler = {
    pickThread: (enabled) => replay.pickThread(enabled),
    pickValue: (n) => replay.pickValue(n),
    beforeStep: (t, rt) => {
      if (rt.steps < point.step) return true;
      hung = t;
      return false;
    },
  };
  const rt = new Runtime({
    scheduler,
    ...(maxSteps === undefined ? {} : { maxSteps }),
    ...(observer === undefined ? {} : { observer }),
  });
  rt.setup((r) => program.setup(r));
  rt.execute();
  const t = hung as SimThread | null;
  if (t === null || t.pending === null) {
    throw new MmulabError(
      'MMULAB_TOKEN_MISMATCH',
      `the hang did not reproduce here: the run ended before step ${point.step} (a driver that is not deterministic?)`,
    );
  }
  const step = t.pending;
  const where = t.frames.length > 0 ? ` (in ${t.frames.join(' > ')})` : '';
  return {
    violation: {
      name: 'driver-hang',
      message: `${t.label} took step ${point.step}, ${step.op}(${step.obj.name}), and did not come back in ${timeoutMs} ms: the step or the thread's code after it${where} loops without yielding`,
      step: point.step,
      thread: t.label,
    },
    site: { thread: threadName(t.label), obj: step.obj.name, op: step.op },
  };
}

export function stepTimeout(ms: number | undefined): number {
  const t = ms ?? DEFAULT_STEP_TIMEOUT_MS;
  if (!(Number.isInteger(t) && t > 0)) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `the step timeout must be a positive integer (ms), got ${String(ms)}`,
    );
  }
  return t;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type JobBody = DistributiveOmit<WatchJob, 'ctrl' | 'choices' | 'steps'>;

/** Runs one worker session and watches its heartbeat until it replies or hangs. */
function watch(
  body: JobBody,
  timeout: number,
  maxSteps: number | undefined,
  hooks: WatchHooks,
  onMessage: (m: WatchReply) => void,
): Promise<Outcome> {
  const ctrlBuf = new SharedArrayBuffer(4 * CTRL_SLOTS);
  const ctrl = new Int32Array(ctrlBuf);
  const choices = choicesBuffer(maxSteps ?? DEFAULT_RUN_STEPS);
  const stepsBuf = new SharedArrayBuffer(8);
  const job = { ...body, ctrl: ctrlBuf, choices, steps: stepsBuf } as WatchJob;
  const w = new Worker(workerUrl('watch-worker'), { workerData: job });
  return new Promise<Outcome>((resolve, reject) => {
    let settled = false;
    const stall = new Stall(ctrl, timeout);
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      f();
    };
    const timer = setInterval(() => {
      if (hooks.shouldStop?.()) Atomics.store(ctrl, INTERRUPT, 1);
      hooks.onProgress?.(Atomics.load(ctrl, RUNS), Atomics.load(ctrl, VIOLATIONS));
      const p = stall.poll();
      if (p === null) return;
      const point: HangPoint = { step: Atomics.load(ctrl, STEP), choices: readChoices(ctrl, choices) };
      const runs = Atomics.load(ctrl, RUNS);
      const steps = new Float64Array(stepsBuf)[0]!;
      finish(() => {
        void w.terminate();
        resolve(p === PHASE_SHRINK ? { kind: 'shrink-hang' } : { kind: 'hang', point, runs, steps });
      });
    }, pollMs(timeout));
    w.on('message', (m: WatchReply) => {
      if (settled) return;
      if (m.type === 'error') {
        finish(() => {
          void w.terminate();
          reject(
            m.code ? new MmulabError(m.code, m.message) : new Error(`[mmulab] worker failed: ${m.message}`),
          );
        });
      } else if (m.type === 'done' || m.type === 'replayed') {
        finish(() => {
          onMessage(m);
          void w.terminate();
          resolve({ kind: 'done', reply: m });
        });
      } else onMessage(m);
    });
    w.once('error', (e) => finish(() => reject(e)));
    w.once('exit', (code) =>
      finish(() => reject(new Error(`[mmulab] watched worker exited with code ${code} before reporting`))),
    );
  });
}

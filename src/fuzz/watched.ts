import type { MmulabErrorCode } from '../errors.js';
import { describeHang, type SessionBuffers, stepTimeout, watchSession } from '../explore/watchdog.js';
import { workerUrl } from '../explore/worker-url.js';
import { encodeToken } from '../sim/token.js';
import type { FuzzOptions, FuzzProgress, FuzzResult, KnownHang } from './fuzz.js';
import { workloadProgram } from './program.js';
import type { FuzzTargetArgs } from './ref.js';
import type { FuzzTarget } from './targets.js';
import { formatWorkload, type Workload } from './workload.js';

/**
 * Hangs a watched fuzz run takes before it stops shrinking: each costs a step timeout and a
 * new worker that redoes the run up to it, so the hung workload it stops at is reported as
 * the minimal one.
 */
export const MAX_FUZZ_HANGS = 8;

/** A fuzz run's options as data (no callbacks), for the worker. */
export type FuzzRunOptions = Omit<FuzzOptions, 'watch' | 'onWorkload'>;

/** What the watched fuzz worker is given (src/fuzz/fuzz-worker.ts). */
export interface FuzzJob extends SessionBuffers {
  readonly target: FuzzTargetArgs;
  readonly options: FuzzRunOptions;
  /** Workloads (formatWorkload) whose search hung in an earlier session. */
  readonly hangs: readonly (readonly [string, KnownHang])[];
}

export type FuzzReply =
  | { readonly type: 'searching'; readonly workload: Workload; readonly at: FuzzProgress }
  | { readonly type: 'found'; readonly result: FuzzResult }
  | { readonly type: 'done'; readonly result: FuzzResult }
  | { readonly type: 'error'; readonly code: MmulabErrorCode | null; readonly message: string };

/**
 * `fuzz` on a worker thread this thread watches (src/explore/watchdog.ts's session): a step
 * that does not return within the step timeout ends the worker, and the workload being
 * searched gets a `driver-hang` violation, named here by replaying the run's recorded
 * prefix, with that prefix as its token. fast-check then has to learn that the workload
 * fails: a new worker runs the same fuzz run (deterministic: the same workloads in the same
 * order) with the hang known, so the hung workload fails without a search, and shrinking
 * goes on from it; a candidate that hangs in turn costs another timeout and restart. At
 * MAX_FUZZ_HANGS the last hung workload is reported as the minimal one. A hang while the
 * minimal workload's schedule is shrunk reports the violation with the schedule as found.
 * Without a hang: the result of `fuzz` in this thread, `ms` aside.
 */
export async function fuzzWatched(
  args: FuzzTargetArgs,
  target: FuzzTarget,
  options: FuzzRunOptions,
  stepTimeoutMs?: number,
  maxHangs: number = MAX_FUZZ_HANGS,
): Promise<FuzzResult> {
  const timeout = stepTimeout(stepTimeoutMs);
  const t0 = performance.now();
  const hangs = new Map<string, KnownHang>();
  const url = workerUrl('fuzz-worker', import.meta.url);
  for (;;) {
    let searching: { readonly workload: Workload; readonly at: FuzzProgress } | null = null;
    let found: FuzzResult | null = null;
    const outcome = await watchSession<FuzzReply>(
      url,
      (b) => ({ ...b, target: args, options, hangs: [...hangs] }) satisfies FuzzJob,
      timeout,
      options.maxSteps,
      {},
      (m) => {
        if (m.type === 'searching') searching = { workload: m.workload, at: m.at };
        else if (m.type === 'found') found = m.result;
      },
      (m) => m.type === 'done',
    );
    const ms = Math.round(performance.now() - t0);
    if (outcome.kind === 'done') {
      if (outcome.reply.type !== 'done')
        throw new Error(`[mmulab internal bug] fuzz worker replied ${outcome.reply.type}`);
      return { ...outcome.reply.result, ms };
    }
    if (outcome.kind === 'shrink-hang') {
      const f = found as FuzzResult | null;
      if (f === null)
        throw new Error('[mmulab internal bug] a schedule shrink hung before the fuzz run found anything');
      return { ...f, ms };
    }
    const s = searching as { readonly workload: Workload; readonly at: FuzzProgress } | null;
    if (s === null) throw new Error('[mmulab internal bug] a fuzz run hung before searching a workload');
    const { point } = outcome;
    const program = workloadProgram(target, s.workload, options.bugs);
    const hang: KnownHang = {
      violation: describeHang(program, point, timeout, options.maxSteps).violation,
      token: encodeToken(point.choices),
      runs: outcome.runs,
      steps: outcome.steps + Math.max(0, point.step),
    };
    hangs.set(formatWorkload(s.workload), hang);
    if (hangs.size < maxHangs) continue;
    const { at } = s;
    return {
      kind: 'violation',
      workload: s.workload,
      found: at.found ?? s.workload,
      foundAt: at.found ? at.foundAt : at.generated,
      shrinks: at.found ? at.shrinks + 1 : 0,
      path: '',
      violation: hang.violation,
      token: hang.token,
      workloads: at.workloads + 1,
      schedules: at.schedules + hang.runs,
      steps: at.steps + hang.steps,
      ms,
    };
  }
}

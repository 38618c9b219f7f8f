import { Worker } from 'node:worker_threads';
import { MmulabError } from '../errors.js';
import type { Program } from '../sim/program.js';
import { encodeToken } from '../sim/token.js';
import type { ProgramRef } from './program-ref.js';
import { type ShardOptions, type ShardResult, type ShardUnit, shardHead } from './shard.js';
import {
  COUNT_AT,
  COUNT_RUNS,
  COUNT_RUNS_IN_UNIT,
  COUNT_SLOTS,
  COUNT_STEPS,
  CTRL_SLOTS,
  choicesBuffer,
  type HangPoint,
  lowerBest,
  PHASE_SHRINK,
  pollMs,
  readChoices,
  STEP,
  Stall,
} from './watch-shared.js';
import { describeHang, stepTimeout } from './watchdog.js';
import type { ShardJob, ShardReply } from './worker.js';
import { workerUrl } from './worker-url.js';

const DEFAULT_RUN_STEPS = 100_000;

/** A split search's watchdog: the program (to name a hang's thread and step here) and the timeout. */
export interface ShardWatchdog {
  readonly program: Program;
  /** Default DEFAULT_STEP_TIMEOUT_MS (2,000 ms). */
  readonly stepTimeoutMs?: number;
}

/**
 * `--shard i/n` on a watched worker thread: the shard's result as runShard gives it, or,
 * for a run that stops returning within the step timeout, a result whose violation is that
 * `driver-hang` (its token replays to it), for `mmulab merge` to report like any other.
 */
export function runShardWatched(
  ref: ProgramRef,
  opts: Omit<ShardOptions, 'stopAbove' | 'watch'>,
  watchdog: ShardWatchdog,
): Promise<ShardResult> {
  const best = new SharedArrayBuffer(4);
  new Int32Array(best)[0] = 0x7fffffff;
  return runShardWorker({ ref, opts, best, stop: new SharedArrayBuffer(4) }, watchdog);
}

/**
 * Runs one shard on a worker thread (src/explore/worker.ts). Watched, the worker records each
 * run (RecordingScheduler) and this thread polls its heartbeat: a step that does not return
 * within the step timeout ends the worker, and the shard's result is a violation at the
 * hung run's key (its unit for dpor, its global run index for random and pct; 0 in dpor's
 * unit probes or pct's calibration run, which every shard makes). The shared best key is
 * lowered to it, so that the other workers stop past it as they would for any violation.
 * A shrink that hangs (10 step timeouts, at least 20 s) leaves the violation as found.
 */
export function runShardWorker(job: Omit<ShardJob, 'watch'>, watchdog?: ShardWatchdog): Promise<ShardResult> {
  const t0 = performance.now();
  const timeout = watchdog ? stepTimeout(watchdog.stepTimeoutMs) : 0;
  const ctrlBuf = new SharedArrayBuffer(4 * CTRL_SLOTS);
  const ctrl = new Int32Array(ctrlBuf);
  const choices = watchdog ? choicesBuffer(job.opts.maxSteps ?? DEFAULT_RUN_STEPS) : new SharedArrayBuffer(0);
  const countsBuf = new SharedArrayBuffer(8 * COUNT_SLOTS);
  const data: ShardJob = watchdog ? { ...job, watch: { ctrl: ctrlBuf, choices, counts: countsBuf } } : job;
  const w = new Worker(workerUrl(), { workerData: data });
  return new Promise((resolve, reject) => {
    let settled = false;
    const units: ShardUnit[] = [];
    let found: ShardResult | null = null;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearInterval(timer);
      void w.terminate();
      f();
    };
    const stall = new Stall(ctrl, timeout);
    const timer = watchdog
      ? setInterval(() => {
          const p = stall.poll();
          if (p === null) return;
          finish(() => {
            try {
              const r = p === PHASE_SHRINK ? found : hung(watchdog.program, ctrl, choices, countsBuf);
              if (r === null) throw new Error('[mmulab internal bug] a shard shrank no violation');
              if (r.violation) lowerBest(new Int32Array(job.best), r.violation.at);
              resolve(r);
            } catch (e) {
              reject(e);
            }
          });
        }, pollMs(timeout))
      : null;
    const hung = (
      program: Program,
      c: Int32Array,
      buf: SharedArrayBuffer,
      cb: SharedArrayBuffer,
    ): ShardResult => {
      const point: HangPoint = { step: Atomics.load(c, STEP), choices: readChoices(c, buf) };
      const counts = new Float64Array(cb);
      const hang = describeHang(program, point, timeout, job.opts.maxSteps);
      return {
        ...shardHead(program.name, job.opts),
        status: 'violation',
        cut: null,
        runs: counts[COUNT_RUNS]! + 1,
        steps: counts[COUNT_STEPS]! + Math.max(0, point.step),
        ms: Math.round(performance.now() - t0),
        units: [...units],
        violation: {
          at: counts[COUNT_AT]!,
          runsInUnit: counts[COUNT_RUNS_IN_UNIT]!,
          violation: hang.violation,
          token: encodeToken(point.choices),
        },
      };
    };
    w.on('message', (m: ShardReply) => {
      if (m.type === 'unit') units.push(m.unit);
      else if (m.type === 'found') found = m.result;
      else if (m.type === 'result') finish(() => resolve(m.result));
      else {
        finish(() =>
          reject(
            m.code ? new MmulabError(m.code, m.message) : new Error(`[mmulab] worker failed: ${m.message}`),
          ),
        );
      }
    });
    w.once('error', (e) => finish(() => reject(e)));
    w.once('exit', (code) =>
      finish(() => reject(new Error(`[mmulab] worker exited with code ${code} before reporting`))),
    );
  });
}

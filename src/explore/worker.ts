/**
 * The body of one explorer worker thread (src/explore/watch-shards.ts starts it): rebuilds
 * the program from its ProgramRef, runs its shard and posts the ShardResult. Workers share
 * the lowest violation key found so far, so that none runs on past a result it cannot beat.
 * Watched (`watch`), every run is recorded in shared memory for the thread that watches this
 * one (src/explore/watch-shared.ts), which reports a run that stops returning.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MmulabError, type MmulabErrorCode } from '../errors.js';
import { type ProgramRef, resolveProgram } from './program-ref.js';
import { runShard, type ShardOptions, type ShardResult, type ShardUnit, type ShardWatch } from './shard.js';
import {
  COUNT_AT,
  COUNT_RUNS,
  COUNT_RUNS_IN_UNIT,
  COUNT_STEPS,
  lowerBest,
  PHASE,
  PHASE_DONE,
  PHASE_RUN,
  PHASE_SHRINK,
  RecordingScheduler,
} from './watch-shared.js';

export interface ShardJob {
  readonly ref: ProgramRef;
  readonly opts: Omit<ShardOptions, 'stopAbove' | 'watch'>;
  readonly best: SharedArrayBuffer;
  /** Set by the main thread on SIGINT: stop after the run in progress. */
  readonly stop: SharedArrayBuffer;
  /** A watched shard's shared memory: `ctrl` (Int32), the run's choices, `counts` (Float64). */
  readonly watch?: {
    readonly ctrl: SharedArrayBuffer;
    readonly choices: SharedArrayBuffer;
    readonly counts: SharedArrayBuffer;
  };
}

export type ShardReply =
  | { readonly type: 'result'; readonly result: ShardResult }
  | { readonly type: 'error'; readonly code: MmulabErrorCode | null; readonly message: string }
  | { readonly type: 'unit'; readonly unit: ShardUnit }
  | { readonly type: 'found'; readonly result: ShardResult };

const job = workerData as ShardJob;
const best = new Int32Array(job.best);
const stop = new Int32Array(job.stop);
const post = (m: ShardReply) => parentPort!.postMessage(m);
const ctrl = job.watch ? new Int32Array(job.watch.ctrl) : null;
try {
  const program = await resolveProgram(job.ref);
  // An interrupt is a violation key below every run and unit: each shard stops as it would
  // for another worker's better violation, cut `interrupted`.
  const stopAbove = () => (Atomics.load(stop, 0) !== 0 ? -1 : Atomics.load(best, 0));
  const watch = job.watch ? shardWatch(job.watch) : undefined;
  if (ctrl) Atomics.store(ctrl, PHASE, PHASE_RUN);
  const result = runShard(program, { ...job.opts, stopAbove, ...(watch ? { watch } : {}) });
  if (ctrl) Atomics.store(ctrl, PHASE, PHASE_DONE);
  if (result.violation) lowerBest(best, result.violation.at);
  post({ type: 'result', result });
} catch (e) {
  if (ctrl) Atomics.store(ctrl, PHASE, PHASE_DONE);
  post({
    type: 'error',
    code: e instanceof MmulabError ? e.code : null,
    message: e instanceof Error ? e.message : String(e),
  });
}

function shardWatch(w: NonNullable<ShardJob['watch']>): ShardWatch {
  const ctrl = new Int32Array(w.ctrl);
  const counts = new Float64Array(w.counts);
  const none = new Map<number, number[][]>();
  return {
    record: (s) => new RecordingScheduler(s, ctrl, w.choices, none),
    next: (at, runsInUnit, runs, steps) => {
      counts[COUNT_AT] = at;
      counts[COUNT_RUNS_IN_UNIT] = runsInUnit;
      counts[COUNT_RUNS] = runs;
      counts[COUNT_STEPS] = steps;
    },
    unit: (unit) => post({ type: 'unit', unit }),
    shrinking: (found) => {
      if (found) post({ type: 'found', result: found });
      Atomics.store(ctrl, PHASE, found ? PHASE_SHRINK : PHASE_RUN);
    },
  };
}

/**
 * The body of one explorer worker thread (src/explore/workers.ts starts it): rebuilds the
 * program from its ProgramRef, runs its shard and posts the ShardResult. Workers share the
 * lowest violation key found so far, so that none runs on past a result it cannot beat.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MmulabError } from '../errors.js';
import { type ProgramRef, resolveProgram } from './program-ref.js';
import { runShard, type ShardOptions } from './shard.js';

interface Job {
  readonly ref: ProgramRef;
  readonly opts: Omit<ShardOptions, 'stopAbove'>;
  readonly best: SharedArrayBuffer;
  /** Set by the main thread on SIGINT: stop after the run in progress. */
  readonly stop: SharedArrayBuffer;
}

const job = workerData as Job;
const best = new Int32Array(job.best);
const stop = new Int32Array(job.stop);
try {
  const program = await resolveProgram(job.ref);
  // An interrupt is a violation key below every run and unit: each shard stops as it would
  // for another worker's better violation, cut `interrupted`.
  const stopAbove = () => (Atomics.load(stop, 0) !== 0 ? -1 : Atomics.load(best, 0));
  const result = runShard(program, { ...job.opts, stopAbove });
  if (result.violation) lower(result.violation.at);
  parentPort!.postMessage({ ok: true, result });
} catch (e) {
  parentPort!.postMessage({
    ok: false,
    code: e instanceof MmulabError ? e.code : null,
    message: e instanceof Error ? e.message : String(e),
  });
}

function lower(at: number): void {
  for (;;) {
    const cur = Atomics.load(best, 0);
    if (at >= cur || Atomics.compareExchange(best, 0, cur, at) === cur) return;
  }
}

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
}

const job = workerData as Job;
const best = new Int32Array(job.best);
try {
  const program = await resolveProgram(job.ref);
  const result = runShard(program, { ...job.opts, stopAbove: () => Atomics.load(best, 0) });
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

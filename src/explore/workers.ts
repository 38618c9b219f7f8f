import { availableParallelism } from 'node:os';
import { MmulabError } from '../errors.js';
import { mergeShards } from './merge.js';
import type { ProgramRef } from './program-ref.js';
import type { ShardOptions, ShardResult } from './shard.js';
import type { Verdict } from './verdict.js';
import { runShardWorker, type ShardWatchdog } from './watch-shards.js';

export { workerUrl } from './worker-url.js';

export interface ParallelOptions extends Omit<ShardOptions, 'shard' | 'stopAbove' | 'resume' | 'watch'> {
  /** Worker threads (default: every core, os.availableParallelism()). */
  readonly workers?: number;
  /**
   * Polled every 50 ms; once true, every worker stops after the run in progress (its shard
   * then ends cut `interrupted`) and the merged verdict is `bounded`, cut `interrupted`,
   * counting the runs done (unless a violation was found first). SIGINT under --workers.
   */
  readonly shouldStop?: () => boolean;
  /** The shards' partial results of an interrupted run of this search, one per index (resume). */
  readonly resume?: readonly ShardResult[];
  /** Receives the shards' results before they merge (for a resumable `--out` record). */
  readonly onShards?: (results: readonly ShardResult[]) => void;
  /**
   * Watch every worker (src/explore/watch-shards.ts): a run that stops returning in any of
   * them is that shard's `driver-hang` violation, merged like any other (the lowest key wins).
   */
  readonly watchdog?: ShardWatchdog;
}

/** How often the main thread polls `shouldStop` while the workers run. */
const POLL_MS = 50;

/**
 * Runs a search on worker threads: worker w takes shard w of n (src/explore/shard.ts), and
 * the partial results merge (src/explore/merge.ts). The verdict, its violation, token and
 * run count do not depend on n: the search is split the same way for any n, and the
 * violation kept is the one with the lowest run or unit index. For the lead's
 * `mmulab explore --workers N`.
 */
export async function exploreParallel(ref: ProgramRef, opts: ParallelOptions): Promise<Verdict> {
  const n = opts.workers ?? availableParallelism();
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new MmulabError('MMULAB_BAD_OPTION', `workers must be a positive integer, got ${String(n)}`);
  }
  const { workers: _, shouldStop, resume, onShards, watchdog, ...shardOpts } = opts;
  if (resume !== undefined && resume.length !== n) {
    throw new MmulabError(
      'MMULAB_BAD_CHECKPOINT',
      `the interrupted search ran on ${resume.length} worker(s): resume it with --workers ${resume.length}`,
    );
  }
  const best = new SharedArrayBuffer(4);
  new Int32Array(best)[0] = 0x7fffffff;
  const stop = new SharedArrayBuffer(4);
  const poll =
    shouldStop === undefined
      ? null
      : setInterval(() => {
          if (shouldStop()) Atomics.store(new Int32Array(stop), 0, 1);
        }, POLL_MS);
  try {
    const results = await Promise.all(
      Array.from({ length: n }, (_, index) => {
        const own = resume?.find((r) => r.shard.index === index);
        const opts = {
          ...shardOpts,
          shard: { index, count: n },
          ...(own === undefined ? {} : { resume: own }),
        };
        return runShardWorker({ ref, opts, best, stop }, watchdog);
      }),
    );
    onShards?.(results);
    return mergeShards(results);
  } finally {
    if (poll) clearInterval(poll);
  }
}

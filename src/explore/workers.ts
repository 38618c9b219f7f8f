import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MmulabError, type MmulabErrorCode } from '../errors.js';
import { mergeShards } from './merge.js';
import type { ProgramRef } from './program-ref.js';
import type { ShardOptions, ShardResult } from './shard.js';
import type { Verdict } from './verdict.js';

export interface ParallelOptions extends Omit<ShardOptions, 'shard' | 'stopAbove' | 'resume'> {
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
  const { workers: _, shouldStop, resume, onShards, ...shardOpts } = opts;
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
      Array.from({ length: n }, (_, index) =>
        runWorker({
          ref,
          opts: {
            ...shardOpts,
            shard: { index, count: n },
            ...(resume === undefined ? {} : { resume: resume.find((r) => r.shard.index === index) }),
          },
          best,
          stop,
        }),
      ),
    );
    onShards?.(results);
    return mergeShards(results);
  } finally {
    if (poll) clearInterval(poll);
  }
}

/**
 * A worker script next to `base` (by default this module: `worker`, `watch-worker`): the .js
 * from dist/; under tsx or vitest (running the .ts sources) a data: URL module registers
 * tsx's loader in the worker, then imports the .ts.
 */
export function workerUrl(name = 'worker', base: string = import.meta.url): URL {
  if (!base.endsWith('.ts')) return new URL(`./${name}.js`, base);
  // The ESM entry of tsx/esm/api (require.resolve finds the CommonJS one next to it).
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsx = pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
  const worker = new URL(`./${name}.ts`, base).href;
  const code = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(worker)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

type Reply =
  | { readonly ok: true; readonly result: ShardResult }
  | { readonly ok: false; readonly code: MmulabErrorCode | null; readonly message: string };

function runWorker(data: unknown): Promise<ShardResult> {
  const url = workerUrl();
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { workerData: data });
    let settled = false;
    w.once('message', (m: Reply) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else if (m.code) reject(new MmulabError(m.code, m.message));
      else reject(new Error(`[mmulab] worker failed: ${m.message}`));
      void w.terminate();
    });
    w.once('error', (e) => {
      if (!settled) reject(e);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`[mmulab] worker exited with code ${code} before reporting`));
    });
  });
}

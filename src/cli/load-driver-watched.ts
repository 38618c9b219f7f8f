import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MmulabError } from '../errors.js';
import { workerUrl } from '../explore/worker-url.js';
import type { SecondaryMmuDriver } from '../secondary-mmu/define.js';
import { loadDriver } from './load-driver.js';

/**
 * How long a driver module's import, and then its init on the probe mm, may each take. A
 * `--step-timeout` above it raises it; one below does not lower it (loading compiles
 * TypeScript, which a step never does).
 */
export const DEFAULT_LOAD_TIMEOUT_MS = 2_000;

/** The probe thread's phase, in `ProbeJob.phase`: only IMPORT and INIT are timed. */
export const LOAD_START = 0;
export const LOAD_IMPORT = 1;
export const LOAD_INIT = 2;
export const LOAD_DONE = 3;

export interface ProbeJob {
  readonly path: string;
  readonly phase: SharedArrayBuffer;
}

export type ProbeReply =
  | { readonly type: 'imported'; readonly name: string }
  | { readonly type: 'loaded' }
  | { readonly type: 'failed' };

const POLL_MS = 50;

/** The driver of `--driver`, loaded as the CLI's flags say: watched unless `--no-watchdog`. */
export function loadCliDriver(opts: {
  readonly driver?: string;
  readonly stepTimeout?: number;
  readonly watchdog?: boolean;
}): Promise<SecondaryMmuDriver | undefined> {
  if (opts.driver === undefined) return Promise.resolve(undefined);
  if (opts.watchdog === false) return loadDriver(opts.driver);
  return loadDriverWatched(opts.driver, Math.max(DEFAULT_LOAD_TIMEOUT_MS, opts.stepTimeout ?? 0));
}

/**
 * loadDriver, after the same load has finished on a short-lived worker thread within
 * `timeoutMs` for the import and again for init: a module that loops at its top level, or a
 * driver whose init loops, without yielding, is one line (MMULAB_BAD_DRIVER, exit 2) naming
 * the file and the phase, instead of a hung process. Whatever else the load in the worker
 * ends in, the module is then loaded here (its top level runs twice), so that the other
 * failures are the lines loadDriver gives: the probe only rules out a loop.
 */
export async function loadDriverWatched(
  path: string,
  timeoutMs: number = DEFAULT_LOAD_TIMEOUT_MS,
): Promise<SecondaryMmuDriver> {
  if (existsSync(resolve(path))) await probeLoad(path, timeoutMs);
  return loadDriver(path);
}

function probeLoad(path: string, timeoutMs: number): Promise<void> {
  const phaseBuf = new SharedArrayBuffer(4);
  const phase = new Int32Array(phaseBuf);
  const job: ProbeJob = { path, phase: phaseBuf };
  const w = new Worker(workerUrl('driver-probe-worker', import.meta.url), { workerData: job });
  return new Promise<void>((done, fail) => {
    let name: string | null = null;
    let seen = LOAD_START;
    let since = performance.now();
    let settled = false;
    const finish = (e: Error | null) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      void w.terminate();
      if (e) fail(e);
      else done();
    };
    const timer = setInterval(() => {
      const p = Atomics.load(phase, 0);
      const now = performance.now();
      if (p !== seen) {
        seen = p;
        since = now;
        return;
      }
      if ((p !== LOAD_IMPORT && p !== LOAD_INIT) || now - since < timeoutMs) return;
      const what =
        p === LOAD_IMPORT
          ? `driver ${path}: importing it did not finish in ${timeoutMs} ms (a loop at the module's top level that never yields?)`
          : `driver ${name ?? '?'} (${path}): init on the probe mm did not finish in ${timeoutMs} ms (a loop in init that never yields?)`;
      finish(new MmulabError('MMULAB_BAD_DRIVER', what));
    }, POLL_MS);
    w.on('message', (m: ProbeReply) => {
      if (m.type === 'imported') name = m.name;
      // A load that fails fails here too, with loadDriver's own line.
      else finish(null);
    });
    w.once('error', (e) =>
      finish(
        new MmulabError('MMULAB_BAD_DRIVER', `cannot load driver ${path}: ${e.message.split('\n')[0] ?? ''}`),
      ),
    );
    w.once('exit', (code) =>
      finish(
        new MmulabError(
          'MMULAB_BAD_DRIVER',
          `cannot load driver ${path}: it ended the thread (exit code ${code}) while loading`,
        ),
      ),
    );
  });
}

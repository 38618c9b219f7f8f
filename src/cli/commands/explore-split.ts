import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MmulabError } from '../../errors.js';
import { parseShardResult } from '../../explore/merge.js';
import { parseShard, runShard, type ShardOptions, type ShardResult } from '../../explore/shard.js';
import type { Verdict } from '../../explore/verdict.js';
import { runShardWatched, type ShardWatchdog } from '../../explore/watch-shards.js';
import { exploreParallel } from '../../explore/workers.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { wantsReports } from '../reports.js';
import { scenarioRef } from '../scenario-ref.js';
import { readResume, type SearchHeader, SearchLog } from '../search-log.js';
import {
  type ExploreCliOptions,
  printVerdict,
  type SearchDescription,
  verdictJson,
  watched,
} from './explore.js';

export interface SplitSearch extends SearchDescription {
  readonly maxRuns: number;
}

/**
 * `mmulab explore --workers N` and `--shard i/n`: the split search of src/explore/shard.ts,
 * on worker threads (merged here) or one shard in this process (merged by `mmulab merge`).
 * Split runs do not checkpoint: --out with --shard is the shard's result, not a JSONL record.
 * With --driver or --step-timeout every shard runs on a watched worker thread, as the single
 * search does: a run that stops returning is that shard's driver-hang violation.
 */
export async function runSplitExplore(io: Io, s: SplitSearch, opts: ExploreCliOptions): Promise<number> {
  if (opts.resume !== undefined && opts.shard !== undefined) {
    throw new MmulabError('MMULAB_BAD_OPTION', '--resume continues a search: not with --shard');
  }
  if (opts.workers !== undefined && opts.shard !== undefined) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      '--shard runs one shard in this process: give --workers or --shard, not both',
    );
  }
  if (s.strategy === 'dfs') {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      'dfs does not split; use --strategy dpor (the default with --workers and --shard), random or pct',
    );
  }
  const split: Omit<ShardOptions, 'shard' | 'resume'> = {
    strategy: s.strategy,
    seed: opts.seed,
    maxRuns: s.maxRuns,
    ...(opts.depth === undefined ? {} : { depth: opts.depth }),
    ...(opts.preemptions === undefined ? {} : { preemptions: opts.preemptions }),
    ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
    ...(opts.timeLimit === undefined ? {} : { timeLimitMs: opts.timeLimit }),
  };
  const ref = scenarioRef({
    scenario: s.scenario,
    design: s.design,
    bugs: s.bugs,
    driver: opts.driver ?? null,
    lockdep: opts.lockdep === true,
  });
  const watchdog: ShardWatchdog | undefined = watched(opts)
    ? { program: s.program, ...(opts.stepTimeout === undefined ? {} : { stepTimeoutMs: opts.stepTimeout }) }
    : undefined;
  if (opts.shard === undefined) {
    if (opts.out !== undefined && opts.resume !== undefined && opts.out !== opts.resume) {
      throw new MmulabError(
        'MMULAB_BAD_OPTION',
        '--resume appends to the file it resumes: give --out the same file, or no --out',
      );
    }
    const workers = typeof opts.workers === 'number' ? opts.workers : availableParallelism();
    const header = { ...searchHeader(s, opts), workers };
    const resume = opts.resume === undefined ? undefined : readSplitResume(opts.resume, header);
    // ^C stops every worker after its run in progress; the merged partial verdict is printed.
    // Handled from before the header is written: a test (or a user) may ^C as soon as it is.
    // A second ^C takes the default action (exit 130): a shard stuck in a driver loop that
    // never yields (unwatched: --no-watchdog) never reads the flag.
    let interrupted = false;
    const onSigint = () => {
      if (!interrupted) {
        interrupted = true;
        return;
      }
      process.off('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
    };
    process.on('SIGINT', onSigint);
    const logPath = opts.resume ?? opts.out;
    let log: SearchLog | null = null;
    let v: Verdict;
    let shards: readonly ShardResult[] = [];
    try {
      log = logPath === undefined ? null : new SearchLog(logPath, opts.resume !== undefined);
      log?.write(
        opts.resume === undefined
          ? header
          : { type: 'resume', runs: resume === undefined ? 0 : sum(resume, 'runs') },
      );
      v = await exploreParallel(ref, {
        ...split,
        workers,
        shouldStop: () => interrupted,
        onShards: (r) => {
          shards = r;
        },
        ...(resume === undefined ? {} : { resume }),
        ...(watchdog === undefined ? {} : { watchdog }),
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (log) {
      // Each shard's partial result: what --resume --workers continues from.
      if (v.kind === 'bounded') log.write({ type: 'shards', runs: v.runs, steps: v.steps, results: shards });
      log.write({ type: 'verdict', ...verdictJson(s.scenario, s.design, s.bugs, s.strategy, v, s.ctx) });
      log.close();
    }
    return printVerdict(io, s, v, opts);
  }
  const shard = parseShard(opts.shard);
  if (opts.out === undefined && opts.json !== true) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      '--shard writes a partial result for mmulab merge: give --out FILE (or --json for stdout)',
    );
  }
  if (wantsReports(opts)) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      "a shard writes no trace or report: replay the merged verdict's token for them",
    );
  }
  const r = watchdog
    ? await runShardWatched(ref, { ...split, shard }, watchdog)
    : runShard(s.program, { ...split, shard });
  const text = `${JSON.stringify(r)}\n`;
  if (opts.out !== undefined) {
    try {
      writeFileSync(opts.out, text);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
      throw new MmulabError('MMULAB_BAD_FILE', `cannot write shard result ${opts.out}: ${why}`);
    }
  }
  if (opts.json) io.out(text);
  else {
    const what = r.status === 'cut' ? `cut (${r.cut})` : r.status;
    io.out(
      `${r.program}: shard ${shard.index}/${shard.count} ${what} after ${r.runs.toLocaleString('en-US')} run(s) [${r.strategy}]; wrote ${opts.out}\n`,
    );
  }
  return r.status === 'violation' ? EXIT_VIOLATION : EXIT_OK;
}

/** The header of a `--workers --out` record: the single search's fields and the worker count. */
function searchHeader(s: SplitSearch, opts: ExploreCliOptions): SearchHeader {
  return {
    type: 'header',
    version: 1,
    scenario: s.scenario,
    design: s.design,
    bugs: [...s.bugs].sort(),
    strategy: s.strategy,
    seed: opts.seed,
    depth: opts.depth ?? null,
    preemptions: opts.preemptions ?? null,
    maxSteps: opts.maxSteps ?? null,
    driver: opts.driver ?? null,
    ...(opts.lockdep ? { lockdep: true } : {}),
  };
}

/**
 * The shards' results a `--workers --out` record ended with (its last `shards` line), after
 * the checks `--resume` makes of any record (src/cli/search-log.ts). One line and exit 2 for
 * a record of a single search, or of one with another worker count.
 */
function readSplitResume(
  path: string,
  header: SearchHeader & { workers: number },
): ShardResult[] | undefined {
  readResume(path, header);
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  let head: unknown = null;
  let last: unknown = null;
  for (const l of lines) {
    let x: { type?: unknown; workers?: unknown; results?: unknown };
    try {
      x = JSON.parse(l) as typeof x;
    } catch {
      continue;
    }
    if (x.type === 'header') head = x;
    if (x.type === 'checkpoint') {
      throw new MmulabError(
        'MMULAB_BAD_CHECKPOINT',
        `cannot resume from ${path}: it records a single search; resume it without --workers`,
      );
    }
    if (x.type === 'shards') last = x.results;
  }
  const workers = (head as { workers?: unknown } | null)?.workers;
  if (workers !== header.workers) {
    throw new MmulabError(
      'MMULAB_BAD_CHECKPOINT',
      `cannot resume from ${path}: it records a search on ${String(workers ?? 'no')} worker(s), this one has ${header.workers}; give --workers ${String(workers ?? 'N')}`,
    );
  }
  // Killed before its end: no shard results, so the search starts over (appending).
  if (!Array.isArray(last)) return undefined;
  return last.map((r) => parseShardResult(JSON.stringify(r), path));
}

function sum(rs: readonly ShardResult[], k: 'runs' | 'steps'): number {
  return rs.reduce((a, r) => a + r[k], 0);
}

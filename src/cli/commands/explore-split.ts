import { writeFileSync } from 'node:fs';
import { MmulabError } from '../../errors.js';
import { parseShard, runShard, type ShardOptions } from '../../explore/shard.js';
import { exploreParallel } from '../../explore/workers.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { wantsReports } from '../reports.js';
import { scenarioRef } from '../scenario-ref.js';
import { type ExploreCliOptions, printVerdict, type SearchDescription } from './explore.js';

export interface SplitSearch extends SearchDescription {
  readonly maxRuns: number;
}

/**
 * `mmulab explore --workers N` and `--shard i/n`: the split search of src/explore/shard.ts,
 * on worker threads (merged here) or one shard in this process (merged by `mmulab merge`).
 * Split runs do not checkpoint: --out with --shard is the shard's result, not a JSONL record.
 */
export async function runSplitExplore(io: Io, s: SplitSearch, opts: ExploreCliOptions): Promise<number> {
  if (opts.resume !== undefined) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      '--resume continues a single search: not with --workers or --shard',
    );
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
  const split: Omit<ShardOptions, 'shard'> = {
    strategy: s.strategy,
    seed: opts.seed,
    maxRuns: s.maxRuns,
    ...(opts.depth === undefined ? {} : { depth: opts.depth }),
    ...(opts.preemptions === undefined ? {} : { preemptions: opts.preemptions }),
    ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
    ...(opts.timeLimit === undefined ? {} : { timeLimitMs: opts.timeLimit }),
  };
  if (opts.shard === undefined) {
    if (opts.out !== undefined) {
      throw new MmulabError(
        'MMULAB_BAD_OPTION',
        '--out records one in-process search (JSONL checkpoints): not with --workers; for shard files use --shard i/n --out FILE',
      );
    }
    const ref = scenarioRef({
      scenario: s.scenario,
      design: s.design,
      bugs: s.bugs,
      driver: opts.driver ?? null,
    });
    const v = await exploreParallel(ref, {
      ...split,
      ...(typeof opts.workers === 'number' ? { workers: opts.workers } : {}),
    });
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
  const r = runShard(s.program, { ...split, shard });
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

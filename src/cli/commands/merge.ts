import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MmulabError } from '../../errors.js';
import { mergeShards, parseShardResult } from '../../explore/merge.js';
import { describeVerdict } from '../../explore/verdict.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { withExamples } from '../help.js';

/**
 * `mmulab merge shard-*.json`: joins the partial results of `mmulab explore --shard i/n` into
 * the search's verdict (src/explore/merge.ts decides). Exit 1 on a violation, 0 otherwise.
 */
export function runMerge(files: readonly string[], json: boolean, io: Io): number {
  const results = files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
      throw new MmulabError('MMULAB_BAD_FILE', `cannot read shard result ${f}: ${why}`);
    }
    return parseShardResult(text, f);
  });
  const v = mergeShards(results);
  if (json) {
    io.out(`${JSON.stringify({ program: results[0]!.program, shards: results.length, verdict: v })}\n`);
  } else {
    io.out(`${results[0]!.program}: ${describeVerdict(v)} [${v.strategy}, ${results.length} shards]\n`);
    if (v.kind === 'violation') io.out(`replay token: ${v.token}\n`);
  }
  return v.kind === 'violation' ? EXIT_VIOLATION : EXIT_OK;
}

export function registerMerge(program: Command, io: Io, setExit: (code: number) => void): void {
  withExamples(
    program
      .command('merge')
      .description('join the partial results of a sharded search (--shard i/n) into one verdict')
      .argument('<files...>', 'shard result files (JSON), one per shard')
      .option('--json', 'print the verdict as JSON')
      .action((files: string[], o: { json?: boolean }) => setExit(runMerge(files, o.json === true, io))),
    [
      [
        'mmulab merge shard-*.json',
        'verified only if every shard finished uncut; a violation in any shard wins (the lowest run or unit index)',
      ],
      ['mmulab merge --json shard-0.json shard-1.json', 'the merged verdict as one JSON line'],
    ],
  );
}

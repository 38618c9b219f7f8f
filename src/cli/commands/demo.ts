import type { Command } from 'commander';
import { explore } from '../../explore/explorer.js';
import { DfsStrategy } from '../../explore/strategies/dfs.js';
import { demos } from '../../scenarios/demos.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { withExamples } from '../help.js';
import { table } from '../table.js';

/**
 * `mmulab demo`: the runtime's demo programs under exhaustive search, each with the verdict
 * it must reach. Exit 0 when every verdict is the expected one.
 */
export function runDemos(io: Io): number {
  const rows: string[][] = [];
  let ok = true;
  for (const d of demos) {
    const v = explore(d, { strategy: new DfsStrategy(), maxRuns: 100_000 });
    const got = v.kind === 'violation' ? `violation: ${v.violation.name}` : v.kind;
    const as = v.kind === d.expect;
    ok &&= as;
    rows.push([d.name, got, String(v.runs), as ? 'as expected' : `EXPECTED ${d.expect}`, d.description]);
  }
  io.out(table(['demo', 'verdict (dfs)', 'runs', 'check', 'what it shows'], rows));
  return ok ? EXIT_OK : EXIT_VIOLATION;
}

export function registerDemo(program: Command, io: Io, setExit: (code: number) => void): void {
  withExamples(
    program
      .command('demo')
      .description("run the runtime's demo programs under exhaustive search and print their verdicts")
      .action(() => setExit(runDemos(io))),
    [
      [
        'mmulab demo',
        'one row a demo: its verdict under dfs, the runs it took, and whether that was expected',
      ],
    ],
  );
}

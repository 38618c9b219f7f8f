import type { Command } from 'commander';
import { catalogue } from '../../scenarios/catalogue.js';
import { EXIT_OK, type Io } from '../exit.js';
import { table } from '../table.js';

/** `mmulab list [--json]`: the scenario catalogue. */
export function runList(io: Io, opts: { json?: boolean }): number {
  if (opts.json) {
    const out = catalogue.map((s) => ({
      name: s.name,
      description: s.description,
      reference: s.reference,
      secondary: s.secondary,
      designs: s.designs,
      threads: s.threads,
      bugs: Object.entries(s.bugs).map(([name, description]) => ({ name, description })),
    }));
    io.out(`${JSON.stringify(out, null, 2)}\n`);
    return EXIT_OK;
  }
  const rows = catalogue.map((s) => [
    s.name,
    s.threads.join(', '),
    Object.keys(s.bugs).join(', '),
    s.description,
  ]);
  io.out(table(['scenario', 'threads', 'bug flags', 'what it runs'], rows));
  return EXIT_OK;
}

export function registerList(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('list')
    .description('list the scenarios, their threads and their bug flags')
    .option('--json', 'print the catalogue as JSON')
    .action((opts: { json?: boolean }) => setExit(runList(io, opts)));
}

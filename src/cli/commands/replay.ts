import type { Command } from 'commander';
import { replay } from '../../explore/explorer.js';
import { buildScenario, catalogue, findScenario } from '../../scenarios/catalogue.js';
import { driverScenarios } from '../../scenarios/races/driver-world.js';
import type { SecondaryMmuDriver } from '../../secondary-mmu/define.js';
import type { SimEvent } from '../../sim/trace.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { loadDriver } from '../load-driver.js';
import { collect } from '../parse.js';
import { renderReplayText } from './replay-text.js';

export interface ReplayCliOptions {
  readonly token: string;
  readonly bug: string[];
  readonly design?: string;
  readonly driver?: string;
}

/** `mmulab replay <scenario> --token T`: the run the token names, as a text trace. */
export function runReplay(io: Io, name: string, opts: ReplayCliOptions, driver?: SecondaryMmuDriver): number {
  const from = driver ? driverScenarios(driver) : catalogue;
  const design = opts.design ?? findScenario(name, from).designs[0]!;
  const program = buildScenario(name, { design, bugs: opts.bug }, from);
  const events: SimEvent[] = [];
  const r = replay(program, opts.token, { observer: (e) => events.push(e) });
  io.out(renderReplayText(events));
  return r.violation ? EXIT_VIOLATION : EXIT_OK;
}

export function registerReplay(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description('replay the run a token names and print its trace')
    .argument('<scenario>', 'a scenario name (mmulab list)')
    .requiredOption('--token <token>', 'the replay token printed by explore')
    .option('--bug <name>', 'the bug flags the token was found with (repeatable)', collect, [])
    .option('--design <name>', 'notifier design')
    .option('--driver <path>', 'the driver module the token was found with')
    .action(async (name: string, opts: ReplayCliOptions) =>
      setExit(runReplay(io, name, opts, opts.driver ? await loadDriver(opts.driver) : undefined)),
    );
}

import type { Command } from 'commander';
import { replay } from '../../explore/explorer.js';
import { buildScenario, catalogue, findScenario } from '../../scenarios/catalogue.js';
import { driverScenarios } from '../../scenarios/races/driver-world.js';
import type { SecondaryMmuDriver } from '../../secondary-mmu/define.js';
import type { SimEvent } from '../../sim/trace.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { loadDriver } from '../load-driver.js';
import { collect, positiveInt } from '../parse.js';
import { addReportFlags, type ReportFlags, writeRunReports } from '../reports.js';
import { replayCommand } from './explore.js';
import { renderReplayText } from './replay-text.js';

export interface ReplayCliOptions extends ReportFlags {
  readonly token: string;
  readonly bug: string[];
  readonly design?: string;
  readonly driver?: string;
  readonly maxSteps?: number;
}

/** `mmulab replay <scenario> --token T`: the run the token names, as a text trace. */
export function runReplay(io: Io, name: string, opts: ReplayCliOptions, driver?: SecondaryMmuDriver): number {
  const from = driver ? driverScenarios(driver) : catalogue;
  const design = opts.design ?? findScenario(name, from).designs[0]!;
  const program = buildScenario(name, { design, bugs: opts.bug }, from);
  const events: SimEvent[] = [];
  const steps = opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps };
  const r = replay(program, opts.token, { observer: (e) => events.push(e), ...steps });
  io.out(renderReplayText(events));
  const cmd = replayCommand(name, opts.bug, design, opts.token, {
    maxSteps: opts.maxSteps,
    driver: driver && opts.driver ? { path: opts.driver, scenarios: from } : undefined,
  });
  for (const w of writeRunReports(program, opts.token, opts, cmd, opts.maxSteps)) io.out(`wrote ${w}\n`);
  return r.violation ? EXIT_VIOLATION : EXIT_OK;
}

export function registerReplay(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('replay')
    .description('replay the run a token names and print its trace')
    .argument('<scenario>', 'a scenario name (mmulab list)')
    .requiredOption('--token <token>', 'the replay token printed by explore')
    .option('--bug <name>', 'the bug flags the token was found with (repeatable)', collect, [])
    .option('--design <name>', 'notifier design')
    .option('--driver <path>', 'the driver module the token was found with')
    .option('--max-steps <n>', 'the step budget the run was found with', positiveInt('--max-steps'));
  addReportFlags(cmd);
  cmd.action(async (name: string, opts: ReplayCliOptions) =>
    setExit(runReplay(io, name, opts, opts.driver ? await loadDriver(opts.driver) : undefined)),
  );
}

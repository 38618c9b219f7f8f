import type { Command } from 'commander';
import { replay } from '../../explore/explorer.js';
import { buildScenario, findScenario } from '../../scenarios/catalogue.js';
import type { SimEvent } from '../../sim/trace.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { collect, positiveInt } from '../parse.js';
import { addReportFlags, type ReportFlags, writeRunReports } from '../reports.js';
import { renderReplayText } from './replay-text.js';

export interface ReplayCliOptions extends ReportFlags {
  readonly token: string;
  readonly bug: string[];
  readonly design?: string;
  readonly maxSteps?: number;
}

/** `mmulab replay <scenario> --token T`: the run the token names, as a text trace. */
export function runReplay(io: Io, name: string, opts: ReplayCliOptions): number {
  const design = opts.design ?? findScenario(name).designs[0]!;
  const program = buildScenario(name, { design, bugs: opts.bug });
  const events: SimEvent[] = [];
  const steps = opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps };
  const r = replay(program, opts.token, { observer: (e) => events.push(e), ...steps });
  io.out(renderReplayText(events));
  const flags = opts.bug.map((b) => ` --bug ${b}`).join('');
  const d = opts.design ? ` --design ${opts.design}` : '';
  const m = opts.maxSteps === undefined ? '' : ` --max-steps ${opts.maxSteps}`;
  const cmd = `mmulab replay ${name}${d}${flags}${m} --token ${opts.token}`;
  for (const w of writeRunReports(program, opts.token, opts, cmd, opts.maxSteps)) {
    io.out(`wrote ${w}\n`);
  }
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
    .option('--max-steps <n>', 'the step budget the run was found with', positiveInt('--max-steps'));
  addReportFlags(cmd);
  cmd.action((name: string, opts: ReplayCliOptions) => setExit(runReplay(io, name, opts)));
}

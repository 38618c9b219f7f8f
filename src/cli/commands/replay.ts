import type { Command } from 'commander';
import { replay } from '../../explore/explorer.js';
import { DEFAULT_STEP_TIMEOUT_MS, describeHang, replayWatched } from '../../explore/watchdog.js';
import { buildScenario, catalogue, findScenario } from '../../scenarios/catalogue.js';
import { driverScenarios } from '../../scenarios/races/driver-world.js';
import type { SecondaryMmuDriver } from '../../secondary-mmu/define.js';
import type { SimEvent } from '../../sim/trace.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { loadCliDriver } from '../load-driver-watched.js';
import { collect, positiveInt } from '../parse.js';
import { addReportFlags, type ReportFlags, wantsReports, writeRunReports } from '../reports.js';
import { scenarioRef } from '../scenario-ref.js';
import { replayCommand } from './explore.js';
import { renderReplayText } from './replay-text.js';

export interface ReplayCliOptions extends ReportFlags {
  readonly token: string;
  readonly bug: string[];
  readonly design?: string;
  readonly driver?: string;
  readonly maxSteps?: number;
  readonly stepTimeout?: number;
  readonly watchdog?: boolean;
  readonly lockdep?: boolean;
}

/**
 * `mmulab replay <scenario> --token T`: the run the token names, as a text trace. With a
 * user's driver (or --step-timeout) the run is first replayed on a watched worker thread: a
 * token that ends in a driver loop that never yields prints the trace up to the step that
 * did not return and the same `driver-hang` violation, instead of hanging.
 */
export async function runReplay(
  io: Io,
  name: string,
  opts: ReplayCliOptions,
  driver?: SecondaryMmuDriver,
): Promise<number> {
  const from = driver ? driverScenarios(driver) : catalogue;
  const design = opts.design ?? findScenario(name, from).designs[0]!;
  const lockdep = opts.lockdep === true;
  const program = buildScenario(name, { design, bugs: opts.bug, lockdep }, from);
  const events: SimEvent[] = [];
  const steps = opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps };
  const cmd = replayCommand(name, opts.bug, design, opts.token, {
    maxSteps: opts.maxSteps,
    stepTimeout: opts.stepTimeout,
    driver: driver && opts.driver ? { path: opts.driver, scenarios: from } : undefined,
    lockdep,
  });
  const watch = opts.watchdog !== false && (opts.driver !== undefined || opts.stepTimeout !== undefined);
  if (watch) {
    const ref = scenarioRef({ scenario: name, design, bugs: opts.bug, driver: opts.driver ?? null, lockdep });
    const timeout = opts.stepTimeout === undefined ? {} : { stepTimeoutMs: opts.stepTimeout };
    const hang = await replayWatched(ref, program, opts.token, { ...steps, ...timeout });
    if (hang) {
      describeHang(program, hang.point, opts.stepTimeout ?? DEFAULT_STEP_TIMEOUT_MS, opts.maxSteps, (e) =>
        events.push(e),
      );
      events.push({ type: 'violation', violation: hang.violation });
      io.out(renderReplayText(events));
      if (wantsReports(opts)) io.err('mmulab: a driver-hang run is not replayed for reports\n');
      return EXIT_VIOLATION;
    }
  }
  const r = replay(program, opts.token, { observer: (e) => events.push(e), ...steps });
  io.out(renderReplayText(events));
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
    .option('--max-steps <n>', 'the step budget the run was found with', positiveInt('--max-steps'))
    .option('--lockdep', 'the run was found with the lock validator on')
    .option(
      '--step-timeout <ms>',
      `watchdog: replay on a watched worker thread; a step that does not return within this many ms is a driver-hang (default ${DEFAULT_STEP_TIMEOUT_MS}; always on with --driver)`,
      positiveInt('--step-timeout'),
    )
    .option('--no-watchdog', 'replay a --driver token in this thread, unwatched');
  addReportFlags(cmd);
  cmd.action(async (name: string, opts: ReplayCliOptions) =>
    setExit(await runReplay(io, name, opts, await loadCliDriver(opts))),
  );
}

import type { Command } from 'commander';
import { MmulabError } from '../../errors.js';
import { exploreAsync } from '../../explore/explorer.js';
import { makeStrategy, type StrategyOptions, strategies } from '../../explore/strategies/index.js';
import { describeVerdict, type FoundViolation, type Verdict } from '../../explore/verdict.js';
import { DEFAULT_STEP_TIMEOUT_MS, exploreWatched } from '../../explore/watchdog.js';
import { buildScenario, catalogue, findScenario } from '../../scenarios/catalogue.js';
import { driverScenarios } from '../../scenarios/races/driver-world.js';
import type { Scenario } from '../../scenarios/scenario.js';
import type { SecondaryMmuDriver } from '../../secondary-mmu/define.js';
import type { Program } from '../../sim/program.js';
import { encodeToken } from '../../sim/token.js';
import type { Violation } from '../../sim/violation.js';
import { colours, verdictColour } from '../colour.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { loadCliDriver } from '../load-driver-watched.js';
import { collect, duration, nonNegativeInt, positiveInt } from '../parse.js';
import { SearchProgress } from '../progress.js';
import { addReportFlags, type ReportFlags, wantsReports, writeRunReports } from '../reports.js';
import { scenarioRef } from '../scenario-ref.js';
import { readResume, type SearchHeader, SearchLog } from '../search-log.js';
import { runSplitExplore } from './explore-split.js';

export interface ExploreCliOptions extends ReportFlags {
  readonly bug: string[];
  readonly design?: string;
  /** Default dfs; dpor with --workers or --shard (dfs does not split). */
  readonly strategy?: string;
  readonly runs?: number;
  readonly seed: number;
  readonly json?: boolean;
  readonly depth?: number;
  readonly preemptions?: number;
  readonly maxSteps?: number;
  readonly timeLimit?: number;
  /** A driver module (`--driver ./x.ts`): the standard workloads run against it. */
  readonly driver?: string;
  /** A JSONL record of the search (header, checkpoints, violation, verdict). */
  readonly out?: string;
  /** Continue the search an --out file recorded, appending to it. */
  readonly resume?: string;
  /** Run the split search on this many worker threads (src/explore/workers.ts); true: every core. */
  readonly workers?: number | true;
  /** `i/n`: run shard i of n in this process and write its partial result (mmulab merge). */
  readonly shard?: string;
  /** Watchdog: a step that does not return within this many ms is a `driver-hang`. */
  readonly stepTimeout?: number;
  /** `--no-watchdog`: run the search in this thread even with --driver. */
  readonly watchdog?: boolean;
  /** `--lockdep`: the lock validator (src/sim/lockdep.ts) on in every run. */
  readonly lockdep?: boolean;
  /** Record each distinct violation and go on (`--keep-going`: no limit). */
  readonly keepGoing?: boolean;
  readonly maxViolations?: number;
}

/**
 * What a replay command must carry besides scenario, design, bugs and token to reproduce the
 * run: the step budget it was found with and the user's driver module.
 */
export interface ReplayContext {
  readonly maxSteps?: number | undefined;
  /** An explicit --step-timeout: the replay of a driver-hang needs the same watchdog. */
  readonly stepTimeout?: number | undefined;
  readonly driver?: { readonly path: string; readonly scenarios: readonly Scenario[] } | undefined;
  /** Found with --lockdep: the replay needs the validator too. */
  readonly lockdep?: boolean | undefined;
}

/** Runs an exhaustive strategy to the end unless told otherwise; a sampler gets 10,000 runs. */
export const DEFAULT_RUNS_SAMPLING = 10_000;
export const DEFAULT_RUNS_EXHAUSTIVE = 1_000_000;

/** The exact command that replays a token. */
export function replayCommand(
  scenario: string,
  bugs: readonly string[],
  design: string,
  token: string,
  ctx: ReplayContext = {},
): string {
  const flags = bugs.map((b) => ` --bug ${b}`).join('');
  const d = design === findScenario(scenario, ctx.driver?.scenarios).designs[0] ? '' : ` --design ${design}`;
  const dr = ctx.driver ? ` --driver ${ctx.driver.path}` : '';
  const m = ctx.maxSteps === undefined ? '' : ` --max-steps ${ctx.maxSteps}`;
  const w = ctx.stepTimeout === undefined ? '' : ` --step-timeout ${ctx.stepTimeout}`;
  const l = ctx.lockdep ? ' --lockdep' : '';
  return `mmulab replay ${scenario}${dr}${d}${flags}${m}${w}${l} --token ${token}`;
}

/**
 * `mmulab explore <scenario>`: one search, its verdict, and the replay command. The search
 * runs in slices (exploreAsync) so that SIGINT ends it cleanly: the partial verdict is
 * printed, `bounded` and cut `interrupted`, and the exit code is 0 when nothing was found.
 */
export async function runExplore(
  io: Io,
  name: string,
  opts: ExploreCliOptions,
  driver?: SecondaryMmuDriver,
): Promise<number> {
  const from = driver ? driverScenarios(driver) : catalogue;
  const ctx: ReplayContext = {
    maxSteps: opts.maxSteps,
    stepTimeout: opts.stepTimeout,
    driver: driver && opts.driver ? { path: opts.driver, scenarios: from } : undefined,
    lockdep: opts.lockdep,
  };
  const scenario = findScenario(name, from);
  const design = opts.design ?? scenario.designs[0]!;
  const bugs = [...new Set(opts.bug)];
  const lockdep = opts.lockdep === true;
  const program = buildScenario(name, { design, bugs, lockdep }, from);
  const split = opts.workers !== undefined || opts.shard !== undefined;
  const strategyName = opts.strategy ?? (split ? 'dpor' : 'dfs');
  const strategy = makeStrategy(strategyName, strategyOptions(opts));
  const maxRuns = opts.runs ?? (strategy.exhaustive ? DEFAULT_RUNS_EXHAUSTIVE : DEFAULT_RUNS_SAMPLING);
  if (split && (opts.keepGoing || opts.maxViolations !== undefined)) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      '--keep-going and --max-violations go on within one search: not with --workers or --shard',
    );
  }
  if (split) {
    const search = { scenario: name, design, bugs, strategy: strategyName, maxRuns, program, ctx };
    return runSplitExplore(io, search, opts);
  }
  const header: SearchHeader = {
    type: 'header',
    version: 1,
    scenario: name,
    design,
    bugs: [...bugs].sort(),
    strategy: strategyName,
    seed: opts.seed,
    depth: opts.depth ?? null,
    preemptions: opts.preemptions ?? null,
    maxSteps: opts.maxSteps ?? null,
    driver: opts.driver ?? null,
    ...(lockdep ? { lockdep } : {}),
  };
  if (opts.out !== undefined && opts.resume !== undefined && opts.out !== opts.resume) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      '--resume appends to the file it resumes: give --out the same file, or no --out',
    );
  }
  const checkpoint = strategy.checkpoint?.bind(strategy);
  if ((opts.out !== undefined || opts.resume !== undefined) && !(checkpoint && strategy.restore)) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `strategy ${strategy.name} cannot checkpoint: no --out or --resume with it`,
    );
  }
  let start = { runs: 0, steps: 0 };
  let resumeState: unknown = null;
  if (opts.resume !== undefined) {
    const point = readResume(opts.resume, header);
    if (point.state !== null) strategy.restore!(point.state);
    resumeState = point.state;
    start = { runs: point.start.runs, steps: point.start.steps };
  }
  const logPath = opts.resume ?? opts.out;
  const log = logPath === undefined ? null : new SearchLog(logPath, opts.resume !== undefined);
  if (log)
    log.write(opts.resume === undefined ? header : { type: 'resume', runs: start.runs, steps: start.steps });
  const progress = new SearchProgress({ isTty: io.isTty, json: opts.json === true });
  const maxViolations = opts.maxViolations ?? (opts.keepGoing ? Number.POSITIVE_INFINITY : 1);
  const keepGoing = maxViolations > 1;
  const logViolation = (runs: number, violation: Violation, token: string) =>
    log?.write({ type: 'violation', runs, invariant: violation.name, message: violation.message, token });
  let steps = start.steps;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  let v: Verdict;
  try {
    if (watched(opts)) {
      v = await exploreWatched(
        {
          ref: scenarioRef({ scenario: name, design, bugs, driver: opts.driver ?? null, lockdep }),
          program,
          strategy: strategyName,
          strategyOptions: strategyOptions(opts),
          maxRuns,
          maxViolations,
          ...(opts.stepTimeout === undefined ? {} : { stepTimeoutMs: opts.stepTimeout }),
          ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
          ...(opts.timeLimit === undefined ? {} : { timeLimitMs: opts.timeLimit }),
          start: { ...start, state: resumeState },
        },
        {
          shouldStop: () => interrupted,
          onProgress: (runs, violations) => progress.onCount(runs, violations),
          onCheckpoint: (runs, s, state) => log?.checkpoint(runs, s, state),
          onViolation: (f) => logViolation(f.run, f.violation, f.token),
        },
      );
    } else {
      v = await exploreAsync(
        program,
        {
          strategy,
          maxRuns,
          maxViolations,
          shouldStop: () => interrupted,
          onRun: (runs, result) => {
            progress.onRun(runs, result);
            steps += result.steps;
            if (!log) return;
            if (result.violation) {
              if (!keepGoing) logViolation(runs, result.violation, encodeToken(result.choices));
            } else {
              log.maybeCheckpoint(runs, steps, () => checkpoint!());
            }
          },
          ...(keepGoing
            ? {
                onViolation: (f: FoundViolation) =>
                  logViolation(f.run, f.violation, f.shrink?.original.token ?? f.token),
              }
            : {}),
          ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
          ...(opts.timeLimit === undefined ? {} : { timeLimitMs: opts.timeLimit }),
        },
        start,
      );
    }
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
  }
  if (log) {
    // A watched search's last checkpoint came through onCheckpoint already.
    if (v.kind === 'bounded' && !watched(opts)) log.checkpoint(v.runs, v.steps, checkpoint!());
    const { written: _, ...line } = {
      ...verdictJson(name, design, bugs, strategyName, v, ctx),
      written: null,
    };
    log.write({ type: 'verdict', ...line });
    log.close();
  }
  return printVerdict(io, { scenario: name, design, bugs, strategy: strategyName, program, ctx }, v, opts);
}

function strategyOptions(opts: ExploreCliOptions): StrategyOptions {
  return {
    seed: opts.seed,
    ...(opts.depth === undefined ? {} : { depth: opts.depth }),
    ...(opts.preemptions === undefined ? {} : { preemptions: opts.preemptions }),
  };
}

/**
 * Whether the search runs on a watched worker (src/explore/watchdog.ts): by default for a
 * user's driver (--driver), whose code may loop without yielding; for any search given
 * --step-timeout; never with --no-watchdog.
 */
export function watched(opts: ExploreCliOptions): boolean {
  if (opts.watchdog === false) return false;
  return opts.driver !== undefined || opts.stepTimeout !== undefined;
}

/** What a verdict is printed with: the search it ends. */
export interface SearchDescription {
  readonly scenario: string;
  readonly design: string;
  readonly bugs: readonly string[];
  readonly strategy: string;
  readonly program: Program;
  readonly ctx: ReplayContext;
}

/** Writes the reports a violation asks for, prints the verdict (text or --json), returns the exit code. */
export function printVerdict(io: Io, s: SearchDescription, v: Verdict, opts: ExploreCliOptions): number {
  const { scenario: name, design, bugs, program, ctx } = s;
  // A hang's token hangs whoever replays it unwatched: `mmulab replay` traces it safely.
  const hang = v.kind === 'violation' && v.violation.name === 'driver-hang';
  if (hang && wantsReports(opts)) {
    io.err('mmulab: a driver-hang run is not replayed for reports; mmulab replay traces it\n');
  }
  const written =
    v.kind === 'violation' && !hang
      ? writeRunReports(
          program,
          v.token,
          opts,
          replayCommand(name, bugs, design, v.token, ctx),
          opts.maxSteps,
        )
      : [];
  if (v.kind !== 'violation' && wantsReports(opts)) {
    io.err('mmulab: no violation, so no trace or report was written\n');
  }
  if (opts.json) {
    io.out(`${JSON.stringify({ ...verdictJson(name, design, bugs, s.strategy, v, ctx), written })}\n`);
  } else {
    const c = colours({ isTty: io.isTty, json: false });
    const text = verdictText(name, design, bugs, v, ctx).split('\n');
    text[1] = verdictColour(c, v, text[1] ?? '');
    io.out(text.join('\n'));
    for (const w of written) io.out(`wrote ${w}\n`);
  }
  return v.kind === 'violation' ? EXIT_VIOLATION : EXIT_OK;
}

export function verdictJson(
  scenario: string,
  design: string,
  bugs: readonly string[],
  strategy: string,
  v: Verdict,
  ctx: ReplayContext = {},
) {
  return {
    scenario,
    design,
    bugs,
    strategy,
    verdict: v.kind,
    runs: v.runs,
    steps: v.steps,
    ms: v.ms,
    cut: v.kind === 'bounded' ? v.cut : null,
    violation:
      v.kind === 'violation'
        ? {
            invariant: v.violation.name,
            message: v.violation.message,
            step: v.violation.step,
            thread: v.violation.thread,
            token: v.token,
            replay: replayCommand(scenario, bugs, design, v.token, ctx),
          }
        : null,
    ...(v.kind === 'violation' && v.violations !== undefined
      ? {
          end: v.end ?? null,
          violations: v.violations.map((f) => ({
            key: f.key,
            run: f.run,
            invariant: f.violation.name,
            message: f.violation.message,
            step: f.violation.step,
            thread: f.violation.thread,
            token: f.token,
            replay: replayCommand(scenario, bugs, design, f.token, ctx),
          })),
        }
      : {}),
  };
}

function verdictText(
  scenario: string,
  design: string,
  bugs: readonly string[],
  v: Verdict,
  ctx: ReplayContext,
): string {
  const drv = ctx.driver ? ` with driver ${ctx.driver.path}` : '';
  const ld = ctx.lockdep ? ', lockdep' : '';
  const head = `${scenario}${drv} (design ${design}, bugs: ${bugs.length ? bugs.join(', ') : 'none'}${ld}) with ${v.strategy}`;
  const lines = [head];
  if (v.kind === 'violation' && v.violations !== undefined) {
    lines.push(describeVerdict(v));
    v.violations.forEach((f, i) => {
      lines.push(`${i + 1}. ${f.violation.name}, found in run ${f.run.toLocaleString('en-US')}`);
      lines.push(`  ${f.violation.message}`);
      lines.push(`  at step ${f.violation.step}${f.violation.thread ? ` by ${f.violation.thread}` : ''}`);
      lines.push(`  replay: ${replayCommand(scenario, bugs, design, f.token, ctx)}`);
    });
  } else if (v.kind === 'violation') {
    lines.push(`violation: ${v.violation.name}, found after ${v.runs.toLocaleString('en-US')} run(s)`);
    lines.push(`  ${v.violation.message}`);
    lines.push(`  at step ${v.violation.step}${v.violation.thread ? ` by ${v.violation.thread}` : ''}`);
    lines.push(`replay: ${replayCommand(scenario, bugs, design, v.token, ctx)}`);
  } else {
    lines.push(describeVerdict(v));
  }
  lines.push(
    `(${v.runs.toLocaleString('en-US')} runs, ${v.steps.toLocaleString('en-US')} steps, ${v.ms} ms)`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerExplore(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('explore')
    .description('search the schedules of a scenario for a violation')
    .argument('<scenario>', 'a scenario name (mmulab list)')
    .option('--bug <name>', 'turn on a bug flag of the secondary (repeatable)', collect, [])
    .option('--design <name>', 'notifier design')
    .option(
      '--strategy <name>',
      `search strategy (${Object.keys(strategies).join(', ')}; default dfs, dpor with --workers or --shard)`,
    )
    .option(
      '--runs <n>',
      `run limit (default ${DEFAULT_RUNS_SAMPLING.toLocaleString('en-US')} for samplers, ${DEFAULT_RUNS_EXHAUSTIVE.toLocaleString('en-US')} for exhaustive strategies)`,
      positiveInt('--runs'),
    )
    .option('--seed <s>', 'seed of a random strategy', nonNegativeInt('--seed'), 1)
    .option('--depth <d>', "PCT's bug depth d (d-1 priority change points)", positiveInt('--depth'))
    .option(
      '--preemptions <k>',
      'preemption bound for dpor (a bound: the verdict is then bounded)',
      nonNegativeInt('--preemptions'),
    )
    .option(
      '--max-steps <n>',
      'step budget of one run (a run over it is a step-budget violation)',
      positiveInt('--max-steps'),
    )
    .option(
      '--time-limit <duration>',
      'stop the search after this long (30s, 5m): the verdict is then bounded',
      duration('--time-limit'),
    )
    .option('--driver <path>', 'a driver module (defineSecondaryMmu): run a standard workload against it')
    .option(
      '--lockdep',
      'run with the lock validator on (CONFIG_PROVE_LOCKING): a lock-order cycle is a violation, circular-locking',
    )
    .option('--json', 'print one JSON object')
    .option('--out <file>', 'record the search as JSONL: header, checkpoints, violation, verdict')
    .option('--resume <file>', 'continue the search an --out file recorded (appends to it)')
    .option(
      '--workers [n]',
      'split the search (dpor, random, pct) over n worker threads, every core if n is left out; same verdict, runs and token for any n (without the flag: one in-process search, which starts faster and can checkpoint)',
      positiveInt('--workers'),
    )
    .option(
      '--step-timeout <ms>',
      `watchdog: a single step that does not return within this many ms (a driver loop that never yields) ends the run as a driver-hang violation with a replay token (default ${DEFAULT_STEP_TIMEOUT_MS}; the search then runs on a watched worker thread, as it always does with --driver)`,
      positiveInt('--step-timeout'),
    )
    .option(
      '--no-watchdog',
      'run a --driver search in this thread, unwatched (a driver loop that never yields then hangs it)',
    )
    .option(
      '--keep-going',
      'record each distinct violation (kind and location) and go on to the end of the search',
    )
    .option(
      '--max-violations <n>',
      'like --keep-going, but stop after n distinct violations',
      positiveInt('--max-violations'),
    )
    .option(
      '--shard <i/n>',
      'run shard i of n (0-based) and write its partial result JSON to --out (or stdout with --json) for mmulab merge',
    );
  addReportFlags(cmd);
  cmd.action(async (name: string, opts: ExploreCliOptions) =>
    setExit(await runExplore(io, name, opts, await loadCliDriver(opts))),
  );
}

import type { Command } from 'commander';
import { MmulabError } from '../../errors.js';
import { replay } from '../../explore/explorer.js';
import { strategies } from '../../explore/strategies/index.js';
import { describeVerdict } from '../../explore/verdict.js';
import {
  DEFAULT_MAX_SHRINKS,
  exploreWorkload,
  type FuzzResult,
  type FuzzStrategy,
  fuzz,
} from '../../fuzz/fuzz.js';
import { workloadProgram } from '../../fuzz/program.js';
import { checkBugs, driverTarget, type FuzzTarget, findFuzzTarget, fuzzTargets } from '../../fuzz/targets.js';
import {
  CPU_OPS,
  type CpuOpName,
  formatWorkload,
  formatWorkloadLines,
  parseWorkload,
  type Workload,
  workloadPages,
} from '../../fuzz/workload.js';
import type { SecondaryMmuDriver } from '../../secondary-mmu/define.js';
import type { SimEvent } from '../../sim/trace.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { withExamples } from '../help.js';
import { loadCliDriver } from '../load-driver-watched.js';
import { collect, nonNegativeInt, positiveInt } from '../parse.js';
import { renderReplayText } from './replay-text.js';

export interface FuzzCliOptions {
  readonly runs: number;
  readonly schedules: number;
  readonly seed: number;
  readonly bug: string[];
  readonly driver?: string;
  readonly strategy: string;
  readonly ops?: string;
  readonly devices: number;
  readonly maxSteps?: number;
  /** One workload in the printed form: search it (or, with --token, replay one run of it). */
  readonly workload?: string;
  readonly token?: string;
  readonly json?: boolean;
}

export const DEFAULT_FUZZ_RUNS = 100;
export const DEFAULT_FUZZ_SCHEDULES = 100;

const n = (x: number) => x.toLocaleString('en-US');

/** Bug flags from repeated and comma-separated --bug, deduplicated. */
function bugList(opts: FuzzCliOptions): string[] {
  return [...new Set(opts.bug.flatMap((b) => b.split(',')).filter((b) => b !== ''))];
}

function parseOps(s: string | undefined): readonly CpuOpName[] {
  if (s === undefined) return CPU_OPS;
  const ops = s.split(',').filter((o) => o !== '');
  for (const o of ops) {
    if (!(CPU_OPS as readonly string[]).includes(o)) {
      throw new MmulabError(
        'MMULAB_BAD_OPTION',
        `unknown operation '${o}' in --ops (valid: ${CPU_OPS.join(', ')})`,
      );
    }
  }
  if (ops.length === 0) throw new MmulabError('MMULAB_BAD_OPTION', '--ops needs at least one operation');
  return ops as CpuOpName[];
}

function parseStrategy(s: string, single: boolean): string {
  if (s === 'random' || s === 'pct') return s;
  if (single && Object.hasOwn(strategies, s)) return s;
  throw new MmulabError(
    'MMULAB_UNKNOWN_STRATEGY',
    single
      ? `--strategy must be one of ${Object.keys(strategies).join(', ')}, got '${s}'`
      : `--strategy must be random or pct, got '${s}' (dfs and dpor search one --workload)`,
  );
}

/** The command that reproduces one run exactly: the workload, its bugs and the schedule's token. */
export function reproduceCommand(
  target: FuzzTarget,
  w: Workload,
  bugs: readonly string[],
  token: string,
  opts: { readonly driver?: string | undefined; readonly maxSteps?: number | undefined },
): string {
  const who = opts.driver ? `--driver ${opts.driver}` : target.name;
  const b = bugs.length ? ` --bug ${bugs.join(',')}` : '';
  const m = opts.maxSteps === undefined ? '' : ` --max-steps ${opts.maxSteps}`;
  return `mmulab fuzz ${who}${b}${m} --workload '${formatWorkload(w, target.deviceLabel)}' --token ${token}`;
}

/** `3 threads, 7 operations over 2 pages`: what shrinking started from. */
function size(w: Workload): string {
  const ops = w.threads.reduce((k, t) => k + t.ops.length, 0);
  const pages = workloadPages(w);
  return `${w.threads.length} threads, ${ops} operations over ${pages} page${pages === 1 ? '' : 's'}`;
}

function header(target: FuzzTarget, bugs: readonly string[], opts: FuzzCliOptions): string {
  const drv = opts.driver ? ` from ${opts.driver}` : '';
  return `fuzz ${target.name}${drv} (design ${target.design}, bugs: ${bugs.length ? bugs.join(', ') : 'none'})`;
}

function printResult(
  io: Io,
  target: FuzzTarget,
  bugs: readonly string[],
  opts: FuzzCliOptions,
  r: FuzzResult,
  /** One given workload (`--workload`): nothing was generated or shrunk. */
  given = false,
): number {
  if (opts.json) {
    io.out(`${JSON.stringify(resultJson(target, bugs, opts, r))}\n`);
    return r.kind === 'violation' ? EXIT_VIOLATION : EXIT_OK;
  }
  const counts = `(${n(r.workloads)} workload${r.workloads === 1 ? '' : 's'} searched, ${n(r.schedules)} schedules, ${n(r.steps)} steps, ${r.ms} ms)`;
  if (r.kind === 'bounded') {
    io.out(
      `bounded: no violation in ${n(r.tested)} workloads x ${n(opts.schedules)} schedules (not a proof)\n${counts}\n`,
    );
    return EXIT_OK;
  }
  const v = r.violation;
  const generated = !given;
  const lines = [
    generated ? `violation: ${v.name}, first in generated workload ${n(r.foundAt)}` : `violation: ${v.name}`,
    !generated
      ? 'workload:'
      : r.shrinks === 0
        ? 'minimal workload (fast-check could not shrink it):'
        : `minimal workload (fast-check shrank it ${r.shrinks} time${r.shrinks === 1 ? '' : 's'}, from ${size(r.found)}):`,
    ...formatWorkloadLines(r.workload, target.deviceLabel).map((l) => `  ${l}`),
    `${v.name} at step ${v.step}${v.thread ? ` by ${v.thread}` : ''}: ${v.message}`,
  ];
  if (r.schedule) {
    const s = r.schedule;
    const pre = (k: number) => `${k} preemption${k === 1 ? '' : 's'}`;
    lines.push(
      `schedule: ${s.steps} steps, ${pre(s.preemptions)} (shrunk from ${s.original.steps} steps, ${pre(s.original.preemptions)})`,
    );
  }
  lines.push(`reproduce: ${reproduceCommand(target, r.workload, bugs, r.token, opts)}`);
  io.out(`${lines.join('\n')}\n${counts}\n`);
  return EXIT_VIOLATION;
}

/** `--json`: the result as one object (the text's facts, nothing more). */
export function resultJson(target: FuzzTarget, bugs: readonly string[], opts: FuzzCliOptions, r: FuzzResult) {
  return {
    secondary: target.name,
    driver: opts.driver ?? null,
    design: target.design,
    bugs,
    seed: opts.seed,
    strategy: opts.strategy,
    schedulesPerWorkload: opts.schedules,
    ops: opts.ops === undefined ? CPU_OPS : parseOps(opts.ops),
    devices: opts.devices,
    verdict: r.kind,
    workloads: r.workloads,
    schedules: r.schedules,
    steps: r.steps,
    ms: r.ms,
    violation:
      r.kind === 'violation'
        ? {
            invariant: r.violation.name,
            message: r.violation.message,
            step: r.violation.step,
            thread: r.violation.thread,
            workload: formatWorkload(r.workload, target.deviceLabel),
            found: formatWorkload(r.found, target.deviceLabel),
            foundAt: r.foundAt,
            shrinks: r.shrinks,
            path: r.path,
            token: r.token,
            schedule: r.schedule ?? null,
            reproduce: reproduceCommand(target, r.workload, bugs, r.token, opts),
          }
        : null,
  };
}

/** `--workload W --token T`: the one run, as a trace. */
function replayOne(
  io: Io,
  target: FuzzTarget,
  w: Workload,
  bugs: readonly string[],
  opts: FuzzCliOptions,
): number {
  const events: SimEvent[] = [];
  const r = replay(workloadProgram(target, w, bugs), opts.token!, {
    observer: (e) => events.push(e),
    ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
  });
  io.out(`${formatWorkloadLines(w, target.deviceLabel).join('\n')}\n`);
  io.out(renderReplayText(events));
  return r.violation ? EXIT_VIOLATION : EXIT_OK;
}

/**
 * `--workload W`: that workload's schedules, searched (and a violation's schedule shrunk) as a
 * fuzz case is. With an exhaustive strategy (dpor, dfs) that finishes uncut, the verdict is
 * `verified` for this workload: every schedule of it ran.
 */
function searchOne(
  io: Io,
  target: FuzzTarget,
  w: Workload,
  bugs: readonly string[],
  opts: FuzzCliOptions,
): number {
  const strategy = parseStrategy(opts.strategy, true);
  const v = exploreWorkload(
    target,
    w,
    { bugs, schedules: opts.schedules, seed: opts.seed, strategy, ...maxSteps(opts) },
    true,
  );
  if (v.kind === 'violation') {
    const r: FuzzResult = {
      kind: 'violation',
      workload: w,
      found: w,
      foundAt: 1,
      shrinks: 0,
      path: '',
      violation: v.violation,
      token: v.token,
      ...(v.shrink ? { schedule: v.shrink } : {}),
      workloads: 1,
      schedules: v.runs,
      steps: v.steps,
      ms: v.ms,
    };
    return printResult(io, target, bugs, opts, r, true);
  }
  if (opts.json) {
    const cut = v.kind === 'bounded' ? v.cut : null;
    const { runs, steps, ms } = v;
    const workload = formatWorkload(w, target.deviceLabel);
    io.out(
      `${JSON.stringify({ secondary: target.name, design: target.design, bugs, strategy, workload, verdict: v.kind, cut, schedules: runs, steps, ms, violation: null })}\n`,
    );
    return EXIT_OK;
  }
  io.out(`${describeVerdict(v)}\n(${n(v.runs)} schedules, ${n(v.steps)} steps, ${v.ms} ms)\n`);
  return EXIT_OK;
}

function maxSteps(opts: FuzzCliOptions): { maxSteps?: number } {
  return opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps };
}

/** `mmulab fuzz <secondary>`: generated workloads against a secondary, the first violation shrunk. */
export function runFuzz(
  io: Io,
  secondary: string | undefined,
  opts: FuzzCliOptions,
  driver?: SecondaryMmuDriver,
): number {
  if (driver && secondary !== undefined) {
    throw new MmulabError('MMULAB_BAD_OPTION', `give a secondary (${secondary}) or --driver, not both`);
  }
  if (!driver && secondary === undefined) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `which secondary? (${Object.keys(fuzzTargets).join(', ')}, or --driver ./driver.ts)`,
    );
  }
  const target = driver ? driverTarget(driver) : findFuzzTarget(secondary!);
  const bugs = bugList(opts);
  checkBugs(target, bugs);
  const strategy = parseStrategy(opts.strategy, opts.workload !== undefined);
  const ops = parseOps(opts.ops);
  if (opts.token !== undefined && opts.workload === undefined) {
    throw new MmulabError('MMULAB_BAD_OPTION', '--token replays a run of a --workload: give both');
  }
  const w = opts.workload === undefined ? null : parseWorkload(opts.workload);
  if (w && opts.token !== undefined) return replayOne(io, target, w, bugs, opts);
  if (w) {
    io.out(
      `${header(target, bugs, opts)}: one workload x ${n(opts.schedules)} schedules at most, ${strategy}${strategy === 'random' || strategy === 'pct' ? `, seed ${opts.seed}` : ''}\n`,
    );
    return searchOne(io, target, w, bugs, opts);
  }
  const opsNote =
    (ops.length === CPU_OPS.length ? '' : `, ops ${ops.join(',')}`) +
    (opts.devices === 2 ? '' : `, at most ${opts.devices} device thread${opts.devices === 1 ? '' : 's'}`);
  if (!opts.json)
    io.out(
      `${header(target, bugs, opts)}: ${n(opts.runs)} workloads x ${n(opts.schedules)} schedules, ${strategy}, seed ${opts.seed}${opsNote}\n`,
    );
  const r = fuzz(target, {
    bugs,
    runs: opts.runs,
    schedules: opts.schedules,
    seed: opts.seed,
    strategy: strategy as FuzzStrategy,
    ops,
    devices: opts.devices,
    maxShrinks: DEFAULT_MAX_SHRINKS,
    ...maxSteps(opts),
  });
  return printResult(io, target, bugs, opts, r);
}

export function registerFuzz(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('fuzz')
    .description(
      'generate workloads (primary operations over a small address space, device accesses) against a secondary; shrink the first violation',
    )
    .argument('[secondary]', `a secondary MMU (${Object.keys(fuzzTargets).join(', ')}); or --driver`)
    .option('--runs <n>', 'workloads to generate', positiveInt('--runs'), DEFAULT_FUZZ_RUNS)
    .option(
      '--schedules <m>',
      'schedules searched per workload',
      positiveInt('--schedules'),
      DEFAULT_FUZZ_SCHEDULES,
    )
    .option('--seed <s>', "fast-check's seed, and the schedule strategy's", nonNegativeInt('--seed'), 1)
    .option(
      '--bug <flag,...>',
      'turn on bug flags of the secondary (repeatable, or comma-separated)',
      collect,
      [],
    )
    .option('--driver <path>', 'a driver module (defineSecondaryMmu) instead of a built-in secondary')
    .option(
      '--strategy <name>',
      'schedule strategy per workload: random or pct (dfs, dpor too for one --workload)',
      'random',
    )
    .option('--ops <op,...>', `primary operations workloads draw from (default all: ${CPU_OPS.join(',')})`)
    .option('--devices <n>', 'device threads a workload has at most: 1 or 2', positiveInt('--devices'), 2)
    .option('--max-steps <n>', 'step budget of one run', positiveInt('--max-steps'))
    .option('--workload <text>', 'search this one workload (the printed form) instead of generating')
    .option('--token <token>', 'with --workload: replay this one run and print its trace')
    .option('--json', 'print one JSON object');
  withExamples(cmd, [
    [
      'mmulab fuzz kvm --bug no-retry-check',
      'find the textbook race from random workloads; prints the minimal one',
    ],
    ['mmulab fuzz hmm --devices 1', 'attack the correct HMM mirror: bounded, no proof'],
    ['mmulab fuzz --driver examples/toy-tlb.ts --bug noRetryCheck', 'fuzz your own driver'],
    [
      "mmulab fuzz kvm --bug no-retry-check --workload 'maps 0-1000 rw-p; T0 vcpu0: store(0x0); T1 cpu0: reclaim(0x0)' --token m1.AAIBBwAC",
      'replay the printed counterexample step by step',
    ],
  ]);
  cmd.action(async (secondary: string | undefined, opts: FuzzCliOptions) =>
    setExit(runFuzz(io, secondary, opts, await loadCliDriver(opts))),
  );
}

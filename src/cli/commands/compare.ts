import type { Command } from 'commander';
import {
  type CompareCell,
  type CompareResult,
  type CompareRow,
  compare,
  defaultDesigns,
  defaultRows,
} from '../../compare/compare.js';
import { MmulabError } from '../../errors.js';
import { findScenario } from '../../scenarios/catalogue.js';
import { EXIT_OK, type Io } from '../exit.js';
import { withExamples } from '../help.js';
import { positiveInt } from '../parse.js';
import { table } from '../table.js';
import { replayCommand } from './explore.js';

export interface CompareCliOptions {
  readonly designs?: string;
  readonly scenarios?: string;
  readonly json?: boolean;
  readonly timeLimit?: number;
}

/**
 * Per-cell search budget. The slowest default cell (claim-parallel-starts under interval,
 * ≈120,000 runs) needs about 30 s on one core; a cell cut by it says `bounded (time)`.
 */
export const DEFAULT_CELL_TIME_MS = 45_000;

function list(v: string, what: string): string[] {
  const out = v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  if (out.length === 0) throw new MmulabError('MMULAB_BAD_OPTION', `${what} needs at least one name`);
  return [...new Set(out)];
}

/**
 * `--scenarios a,b+flag`: a scenario name takes its rows of the default set (or, if it has
 * none, one row without bug flags); `name+flag[+flag]` is one row with those flags.
 */
export function parseRows(v: string): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const item of list(v, '--scenarios')) {
    const [name, ...bugs] = item.split('+');
    const s = findScenario(name!);
    for (const b of bugs) {
      if (!(b in s.bugs) && !(b in s.safeBugs)) {
        throw new MmulabError(
          'MMULAB_UNKNOWN_BUG',
          `unknown bug '${b}' for ${s.name} (valid: ${[...Object.keys(s.bugs), ...Object.keys(s.safeBugs)].join(', ') || 'none'})`,
        );
      }
    }
    if (bugs.length > 0) rows.push({ scenario: s.name, bugs });
    else {
      const defaults = defaultRows.filter((r) => r.scenario === s.name);
      rows.push(...(defaults.length > 0 ? defaults : [{ scenario: s.name, bugs: [] }]));
    }
  }
  return rows;
}

export function verdictCell(c: CompareCell): string {
  const v = c.verdict;
  if (v.kind === 'violation') return `VIOLATION ${v.invariant}`;
  if (v.kind === 'bounded') return `bounded (${v.cut})`;
  if (v.kind === 'n/a') return 'n/a';
  return 'verified';
}

/** `callbacks/ops f<flushes> r<retries> l<mmuLock steps>`, `!` when the measured run itself broke. */
export function costCell(c: CompareCell): string {
  const k = c.costs;
  if (!k) return 'n/a';
  return `${k.callbacks}/${k.notifierOps} f${k.tlbFlushes} r${k.faultRetries} l${k.mmuLockSteps}${k.violated ? '!' : ''}`;
}

export function renderCompare(r: CompareResult): string {
  const head = ['scenario', ...r.designs];
  const out: string[] = [];
  out.push('Verdicts (dpor: verified = every schedule ran, none cut):\n');
  out.push(
    table(
      head,
      r.rows.map((row) => [row.label, ...row.cells.map(verdictCell)]),
    ),
  );
  out.push(
    '\nCosts of the serial run (callbacks/notifier calls, f = secondary TLB flushes, r = fault retries, l = steps under an mmuLock; ! = that run broke; n/a = the scenario predates the design):\n',
  );
  out.push(
    table(
      head,
      r.rows.map((row) => [row.label, ...row.cells.map(costCell)]),
    ),
  );
  const broken = r.rows.flatMap((row) =>
    row.cells.filter((c) => c.verdict.kind === 'violation').map((c) => ({ row, c })),
  );
  if (broken.length > 0) {
    out.push('\nViolations:\n');
    for (const { row, c } of broken) {
      out.push(`  ${row.label} under ${c.design}: ${c.verdict.invariant}: ${c.verdict.message}\n`);
      out.push(`    ${replayCommand(row.scenario, row.bugs, c.design, c.verdict.token!)}\n`);
    }
  }
  return out.join('');
}

export function compareJson(r: CompareResult) {
  return {
    designs: r.designs,
    rows: r.rows.map((row) => ({
      scenario: row.scenario,
      bugs: row.bugs,
      label: row.label,
      cells: row.cells.map((c) => ({
        design: c.design,
        verdict: c.verdict.kind,
        invariant: c.verdict.invariant,
        message: c.verdict.message,
        cut: c.verdict.cut,
        runs: c.verdict.runs,
        ms: c.verdict.ms,
        replay:
          c.verdict.kind === 'violation'
            ? replayCommand(row.scenario, row.bugs, c.design, c.verdict.token!)
            : null,
        costs: c.costs,
      })),
    })),
  };
}

/** `mmulab compare`: rows scenarios, columns designs. Violations are the evidence, not a failure: exit 0. */
export function runCompare(io: Io, opts: CompareCliOptions): number {
  const designs = opts.designs === undefined ? defaultDesigns : list(opts.designs, '--designs');
  const rows = opts.scenarios === undefined ? defaultRows : parseRows(opts.scenarios);
  const r = compare({ designs, rows, timeLimitMs: opts.timeLimit ?? DEFAULT_CELL_TIME_MS });
  io.out(opts.json ? `${JSON.stringify(compareJson(r), null, 2)}\n` : renderCompare(r));
  return EXIT_OK;
}

export function registerCompare(program: Command, io: Io, setExit: (code: number) => void): void {
  withExamples(
    program
      .command('compare')
      .description('run the same scenarios under each notifier design: verdicts and costs in one table')
      .option('--designs <list>', `comma-separated designs (default: ${defaultDesigns.join(',')})`)
      .option(
        '--scenarios <list>',
        'comma-separated scenarios, each optionally with +bug flags (default: the claims of seed 003 and the era rows)',
      )
      .option(
        '--time-limit <ms>',
        `search budget per cell in ms; a cut cell is bounded (default ${DEFAULT_CELL_TIME_MS})`,
        positiveInt('--time-limit'),
      )
      .option('--json', 'print the table as JSON')
      .action((opts: CompareCliOptions) => setExit(runCompare(io, opts))),
    [
      ['mmulab compare', "every design against seed 003's claims (about 15 s on 2 cores)"],
      [
        'mmulab compare --designs classic,seqlock-register --scenarios claim-register-race',
        'one claim, two designs',
      ],
      [
        'mmulab compare --scenarios claim-end-without-start+assumes-pairing --json',
        'one driver variant, as data',
      ],
    ],
  );
}

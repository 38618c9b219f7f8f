import { MmulabError } from '../errors.js';
import { explore } from '../explore/explorer.js';
import { makeStrategy } from '../explore/strategies/index.js';
import type { Cut } from '../explore/verdict.js';
import { designs as designRegistry } from '../notifier/designs.js';
import { buildScenario, findScenario } from '../scenarios/catalogue.js';
import { effectiveBugs } from '../scenarios/claims/claims.js';
import { type Costs, measureCosts } from './costs.js';

/** One row of the comparison: a scenario with its bug flags (a driver variant). */
export interface CompareRow {
  readonly scenario: string;
  readonly bugs: readonly string[];
}

/** Seed 003's claims, each correct driver next to the variant the seed says breaks. */
export const defaultRows: readonly CompareRow[] = [
  { scenario: 'claim-aging', bugs: [] },
  { scenario: 'claim-register-race', bugs: [] },
  { scenario: 'claim-end-without-start', bugs: ['assumes-pairing'] },
  { scenario: 'claim-end-without-start', bugs: [] },
  { scenario: 'claim-parallel-starts', bugs: ['global-seqcount'] },
  { scenario: 'claim-parallel-starts', bugs: [] },
  { scenario: 'claim-put-page-before-flush', bugs: ['put-page-before-flush'] },
  { scenario: 'claim-put-page-before-flush', bugs: [] },
  { scenario: 'claim-failed-start', bugs: ['core-pre-5.12'] },
  { scenario: 'claim-failed-start', bugs: [] },
  { scenario: 'era-reclaim-2.6.27', bugs: [] },
  { scenario: 'era-reclaim-3.6', bugs: [] },
  { scenario: 'era-reclaim-4.13', bugs: [] },
];

/** The designs in history order: the columns. */
export const defaultDesigns: readonly string[] = Object.keys(designRegistry);

export interface CellVerdict {
  /** `n/a`: the scenario does not run under the design (an era older than the design). */
  readonly kind: 'violation' | 'verified' | 'bounded' | 'n/a';
  readonly invariant: string | null;
  readonly message: string | null;
  readonly token: string | null;
  readonly cut: Cut | null;
  readonly runs: number;
  readonly ms: number;
}

export interface CompareCell {
  readonly design: string;
  readonly verdict: CellVerdict;
  /** Null for an `n/a` cell. */
  readonly costs: Costs | null;
}

export interface CompareResult {
  readonly designs: readonly string[];
  readonly rows: ReadonlyArray<
    CompareRow & { readonly label: string; readonly cells: readonly CompareCell[] }
  >;
}

export interface CompareOptions {
  readonly designs?: readonly string[];
  readonly rows?: readonly CompareRow[];
  /** Exhaustive search (dpor) budget per cell; a cut cell is `bounded`. */
  readonly maxRuns?: number;
  readonly timeLimitMs?: number;
  /** Called after each cell (progress). */
  readonly onCell?: (row: CompareRow, cell: CompareCell) => void;
}

export function rowLabel(r: CompareRow): string {
  return r.bugs.length ? `${r.scenario} +${r.bugs.join(',')}` : r.scenario;
}

/** Checks names up front: one clear error before any search runs. */
export function checkCompareOptions(opts: CompareOptions): void {
  for (const d of opts.designs ?? []) {
    if (!(d in designRegistry)) {
      throw new MmulabError(
        'MMULAB_UNKNOWN_DESIGN',
        `unknown notifier design '${d}' (valid: ${Object.keys(designRegistry).join(', ')})`,
      );
    }
  }
  for (const r of opts.rows ?? []) findScenario(r.scenario);
}

/**
 * The same workloads under each design: per cell the verdict of an exhaustive search
 * (dpor; `verified` only if it finished uncut) and the costs of the serial run.
 */
export function compare(opts: CompareOptions = {}): CompareResult {
  checkCompareOptions(opts);
  const designs = opts.designs ?? defaultDesigns;
  const rows = opts.rows ?? defaultRows;
  // Cells whose programs are the same (a flag that does nothing under a design) run once.
  const done = new Map<string, Omit<CompareCell, 'design'>>();
  return {
    designs,
    rows: rows.map((row) => ({
      ...row,
      label: rowLabel(row),
      cells: designs.map((design) => {
        const key = JSON.stringify([
          row.scenario,
          design,
          [...effectiveBugs(row.scenario, design, row.bugs)].sort(),
        ]);
        const seen = done.get(key);
        if (seen) {
          const cell = { design, ...seen };
          opts.onCell?.(row, cell);
          return cell;
        }
        if (!findScenario(row.scenario).designs.includes(design)) {
          const na: CompareCell = {
            design,
            verdict: { kind: 'n/a', invariant: null, message: null, token: null, cut: null, runs: 0, ms: 0 },
            costs: null,
          };
          opts.onCell?.(row, na);
          return na;
        }
        const program = buildScenario(row.scenario, { design, bugs: row.bugs });
        const v = explore(program, {
          strategy: makeStrategy('dpor', {}),
          maxRuns: opts.maxRuns ?? 1_000_000,
          ...(opts.timeLimitMs === undefined ? {} : { timeLimitMs: opts.timeLimitMs }),
        });
        const cell: CompareCell = {
          design,
          verdict: {
            kind: v.kind,
            invariant: v.kind === 'violation' ? v.violation.name : null,
            message: v.kind === 'violation' ? v.violation.message : null,
            token: v.kind === 'violation' ? v.token : null,
            cut: v.kind === 'bounded' ? v.cut : null,
            runs: v.runs,
            ms: v.ms,
          },
          costs: measureCosts(program),
        };
        done.set(key, { verdict: cell.verdict, costs: cell.costs });
        opts.onCell?.(row, cell);
        return cell;
      }),
    })),
  };
}

import { buildScenario } from '../scenarios/catalogue.js';
import type { Scenario } from '../scenarios/scenario.js';
import { explore } from './explorer.js';
import { makeStrategy } from './strategies/index.js';
import type { Verdict } from './verdict.js';

/** One search of the catalogue run: a scenario under one bug flag, or under none. */
export interface CatalogueEntry {
  readonly scenario: string;
  readonly reference: string;
  readonly design: string;
  /** The bug flag turned on, or null for the correct driver. */
  readonly bug: string | null;
  /**
   * What the search must reach: a bug flag is found, the fix and the safe flags verified, or
   * `bounded` for a scenario that declares a sampling search (Scenario.catalogueSearch).
   */
  readonly expect: 'violation' | 'verified' | 'bounded';
  /** The strategy used and, for a sampling search, its run bound. */
  readonly strategy: string;
  readonly verdict: Verdict;
  /** The verdict is the expected one. */
  readonly asExpected: boolean;
}

export interface CatalogueOptions {
  /** Exhaustive strategy for every entry (default dpor). */
  readonly strategy?: string;
  /** Run limit of each search (a bound: hitting it gives `bounded`). */
  readonly maxRuns?: number;
  /** Time limit of each search in ms (a bound). */
  readonly timeLimitMs?: number;
  /** Called after each entry, for progress. */
  readonly onEntry?: (e: CatalogueEntry, index: number, total: number) => void;
}

/**
 * The main job: every scenario under each of its bug flags (which the search must find) and
 * under its correct driver and its safe flags (which it must verify), each with an
 * exhaustive search. A bound that cuts a search shows as `bounded`, never as verified.
 */
export function runCatalogue(scenarios: readonly Scenario[], opts: CatalogueOptions = {}): CatalogueEntry[] {
  const plan: Array<{ s: Scenario; bug: string | null; expect: CatalogueEntry['expect'] }> = [];
  for (const s of scenarios) {
    const fixed = s.catalogueSearch ? 'bounded' : 'verified';
    for (const bug of Object.keys(s.bugs)) plan.push({ s, bug, expect: 'violation' });
    plan.push({ s, bug: null, expect: s.correctFails ? 'violation' : fixed });
    for (const bug of Object.keys(s.safeBugs)) plan.push({ s, bug, expect: fixed });
  }
  const out: CatalogueEntry[] = [];
  plan.forEach(({ s, bug, expect }, i) => {
    const design = s.catalogueDesign ?? s.designs[0]!;
    const program = buildScenario(s.name, { design, bugs: bug ? [bug] : [] });
    const sampled = s.catalogueSearch;
    const strategy = sampled?.strategy ?? opts.strategy ?? 'dpor';
    const verdict = explore(program, {
      strategy: makeStrategy(strategy, { seed: 1 }),
      maxRuns: sampled?.runs ?? opts.maxRuns ?? 1_000_000,
      ...(opts.timeLimitMs === undefined ? {} : { timeLimitMs: opts.timeLimitMs }),
    });
    const entry: CatalogueEntry = {
      scenario: s.name,
      reference: s.reference,
      design,
      bug,
      expect,
      strategy: sampled ? `${strategy}, ${sampled.runs.toLocaleString('en-US')} runs` : strategy,
      verdict,
      asExpected: verdict.kind === expect,
    };
    out.push(entry);
    opts.onEntry?.(entry, i, plan.length);
  });
  return out;
}

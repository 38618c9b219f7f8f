import { MmulabError } from '../../errors.js';
import type { Strategy } from '../strategy.js';
import { DfsStrategy } from './dfs.js';
import { RandomStrategy } from './random.js';

/** What a strategy may be configured with; each takes the fields it understands. */
export interface StrategyOptions {
  readonly seed?: number;
  /** PCT's bug depth d. */
  readonly depth?: number;
  /** Preemption bound for dfs/dpor (a bound: verdicts become `bounded`). */
  readonly preemptions?: number;
  /** Shard i of n: the strategy takes its deterministic share of the search. */
  readonly shard?: { readonly index: number; readonly count: number };
}

type Factory = (opts: StrategyOptions) => Strategy;

/**
 * Strategies by name, for the CLI and the library alike. A strategy added here is
 * available to `mmulab explore --strategy NAME` with no other change.
 */
export const strategies: Record<string, { readonly describe: string; readonly make: Factory }> = {
  random: {
    describe: 'seeded uniform random walk over the enabled threads (bounded by --runs)',
    make: (o) => new RandomStrategy(o.seed ?? 1, o.shard?.index ?? 0, o.shard?.count ?? 1),
  },
  dfs: {
    describe: 'exhaustive depth-first enumeration of every schedule, no reduction',
    make: () => new DfsStrategy(),
  },
};

export function makeStrategy(name: string, opts: StrategyOptions = {}): Strategy {
  const s = strategies[name];
  if (!s) {
    throw new MmulabError(
      'MMULAB_UNKNOWN_STRATEGY',
      `unknown strategy '${name}' (valid: ${Object.keys(strategies).join(', ')})`,
    );
  }
  return s.make(opts);
}

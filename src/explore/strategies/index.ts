import { MmulabError } from '../../errors.js';
import type { Strategy } from '../strategy.js';
import { DfsStrategy } from './dfs.js';
import { DporStrategy } from './dpor.js';
import { PctStrategy } from './pct.js';
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
  pct: {
    describe:
      'probabilistic concurrency testing: random priorities, depth-1 change points (--depth, default 3)',
    make: (o) => new PctStrategy(o.seed ?? 1, depth(o.depth), o.shard?.index ?? 0, o.shard?.count ?? 1),
  },
  dfs: {
    describe: 'exhaustive depth-first enumeration of every schedule, no reduction',
    make: () => new DfsStrategy(),
  },
  dpor: {
    describe:
      'exhaustive search with dynamic partial-order reduction and sleep sets (--preemptions k bounds it)',
    make: (o) => new DporStrategy(preemptions(o.preemptions)),
  },
};

function depth(d: number | undefined): number {
  if (d === undefined) return 3;
  if (!(Number.isInteger(d) && d >= 1)) {
    throw new MmulabError('MMULAB_BAD_OPTION', `depth must be a positive integer, got ${String(d)}`);
  }
  return d;
}

function preemptions(k: number | undefined): number | null {
  if (k === undefined) return null;
  if (!(Number.isInteger(k) && k >= 0)) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `preemptions must be a non-negative integer, got ${String(k)}`,
    );
  }
  return k;
}

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

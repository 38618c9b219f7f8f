import { explore } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import type { Verdict } from '../../src/explore/verdict.js';
import type { Program } from '../../src/sim/program.js';
import type { Runtime } from '../../src/sim/runtime.js';

/** A program from a setup function. */
export function prog(name: string, setup: (rt: Runtime) => void): Program {
  return { name, setup };
}

/** Exhaustive dfs with a generous run bound (the test programs are small). */
export function dfs(p: Program, maxRuns = 200_000): Verdict {
  return explore(p, { strategy: new DfsStrategy(), maxRuns });
}

/**
 * Runs every schedule of a program (dfs, never stopping at violations) and returns the set
 * of final outcomes that `outcome` reports at the end of each run.
 */
export function outcomes(
  setup: (rt: Runtime, record: (o: string) => void) => void,
  maxRuns = 200_000,
): Set<string> {
  const seen = new Set<string>();
  let last = '';
  const strategy = new DfsStrategy();
  let runs = 0;
  for (;;) {
    const scheduler = strategy.nextRun();
    if (!scheduler) break;
    if (++runs > maxRuns) throw new Error('too many runs');
    last = '';
    const v = explore(
      prog('outcomes', (rt) => setup(rt, (o) => (last = o))),
      {
        strategy: { name: 'one', exhaustive: false, nextRun: () => scheduler, runDone: () => {} },
        maxRuns: 1,
      },
    );
    strategy.runDone();
    seen.add(v.kind === 'violation' ? `violation:${v.violation.name}` : last);
  }
  return seen;
}

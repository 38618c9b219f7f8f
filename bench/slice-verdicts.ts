/** Verdicts and timings of every KVM scenario x bug x strategy: `npx tsx bench/slice-verdicts.ts [scenario] [dfs,random]`. */
import { explore } from '../src/explore/explorer.js';
import { makeStrategy } from '../src/explore/strategies/index.js';
import { buildScenario, catalogue, scenarioBugNames } from '../src/scenarios/catalogue.js';

const only = process.argv[2];
for (const s of catalogue) {
  if (only && s.name !== only) continue;
  for (const bug of [null, ...scenarioBugNames(s)]) {
    for (const strat of (process.argv[3] ?? 'dfs,random').split(',')) {
      const p = buildScenario(s.name, { bugs: bug ? [bug] : [] });
      const t0 = Date.now();
      const v = explore(p, {
        strategy: makeStrategy(strat, { seed: 1 }),
        maxRuns: strat === 'dfs' ? 300000 : 10000,
        timeLimitMs: 60000,
      });
      console.log(
        s.name.padEnd(18),
        String(bug).padEnd(22),
        strat.padEnd(6),
        v.kind.padEnd(9),
        v.kind === 'violation' ? v.violation.name : ((v as { cut?: string }).cut ?? ''),
        v.runs,
        v.steps,
        Date.now() - t0,
        'ms',
        v.kind === 'violation' ? v.violation.message : '',
      );
    }
  }
}

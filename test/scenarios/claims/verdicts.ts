import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../../src/explore/explorer.js';
import { DporStrategy } from '../../../src/explore/strategies/dpor.js';
import { buildScenario } from '../../../src/scenarios/catalogue.js';
import { expected } from './expected.js';

/** Budget of a `bounded` cell in the tests. */
const BOUNDED_RUNS = 3000;

/** One describe per row: each design's verdict, and a violation's token replays it. */
export function verdictSuite(label: string): void {
  const [scenario, flags] = label.split(' +');
  const bugs = flags ? flags.split(',') : [];
  describe(label, () => {
    for (const [design, want] of Object.entries(expected[label]!)) {
      it(`${design}: ${want}`, () => {
        const p = buildScenario(scenario!, { design, bugs });
        const bounded = want === 'bounded';
        const v = explore(p, { strategy: new DporStrategy(), maxRuns: bounded ? BOUNDED_RUNS : 1_000_000 });
        if (bounded) {
          expect(v.kind === 'violation' ? v.violation : v.kind).toBe('bounded');
          return;
        }
        expect(v.kind === 'violation' ? v.violation.name : v.kind).toBe(want);
        if (v.kind === 'violation') expect(replay(p, v.token).violation).toEqual(v.violation);
      });
    }
  });
}

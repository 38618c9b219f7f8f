import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/explore/explorer.js';
import { RandomStrategy } from '../../src/explore/strategies/random.js';
import { buildScenario, catalogue } from '../../src/scenarios/catalogue.js';
import { kvmBugs } from '../../src/secondary-mmu/kvm/bugs.js';

describe('replay tokens', () => {
  it('any violation a random search finds replays to the same violation, step for step', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          ...catalogue.filter((s) => Object.keys(kvmBugs).every((b) => b in s.bugs)).map((s) => s.name),
        ),
        fc.constantFrom(...Object.keys(kvmBugs)),
        fc.nat(1000),
        (name, bug, seed) => {
          const p = buildScenario(name, { bugs: [bug] });
          // kvm-reclaim-aging's seq-bump-at-start is the rarest: up to 28,432 runs over seeds 0-39.
          const v = explore(p, { strategy: new RandomStrategy(seed), maxRuns: 100_000 });
          expect(v.kind).toBe('violation');
          if (v.kind !== 'violation') return;
          const r = replay(p, v.token);
          expect(r.violation).toEqual(v.violation);
          expect(r.steps).toBe(v.violation.step + 1);
        },
      ),
      { numRuns: 40 },
    );
  });
});

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

interface Probe {
  verdict: string;
  steps: number;
  growth: number;
}

/** test/fixtures/memory/long-run.ts in a child with a 64 MB old space and an exposed GC. */
function longRun(strategy: string): Probe {
  const out = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=64',
      '--import',
      'tsx',
      'test/fixtures/memory/long-run.ts',
      strategy,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(out) as Probe;
}

describe("a run's memory is bounded without an observer", () => {
  // 90,000 steps between the two probes, each a scheduling choice: the recorded choices
  // (one number each) are all a run keeps; 20 bytes a step leaves room for their array's
  // growth and nothing else. A trace or an event kept per step would be hundreds.
  for (const strategy of ['random', 'pct']) {
    it(`${strategy}: a 110,000-step run completes in 64 MB, heap growing < 20 bytes a step`, () => {
      const r = longRun(strategy);
      expect([r.verdict, r.steps]).toEqual(['bounded', 110_000]);
      expect(r.growth).toBeLessThan(20 * 90_000);
    }, 60_000);
  }

  // dpor keeps the run's events: one node per event (its thread, the enabled set, the
  // backtrack and done sets, its vector clock and footprint) and an undo record per access.
  // Shared arrays for the sets most nodes never change and one footprint per object keep
  // that at ~360 bytes (it was ~890, and a 100,000-step run did not fit in 64 MB).
  it('dpor: a 110,000-step run completes in 64 MB, heap growing < 400 bytes a step', () => {
    const r = longRun('dpor');
    expect([r.verdict, r.steps]).toEqual(['bounded', 110_000]);
    expect(r.growth).toBeLessThan(400 * 90_000);
  }, 60_000);
});

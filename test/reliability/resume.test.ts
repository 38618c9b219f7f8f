import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import type { Verdict } from '../../src/explore/verdict.js';
import { notifierRace } from '../../src/scenarios/demos.js';
import type { Program } from '../../src/sim/program.js';

const strip = (v: Verdict) => ({ ...v, ms: 0 });

/**
 * The search stopped after each run count in `stops` (through shouldStop, as a SIGINT does),
 * its strategy checkpointed through JSON and restored into a fresh one, then continued.
 */
function interrupted(
  program: Program,
  strategy: string,
  stops: readonly number[],
  maxRuns: number,
): { verdict: Verdict; pieces: Verdict[] } {
  let state: unknown = null;
  let start = { runs: 0, steps: 0 };
  const pieces: Verdict[] = [];
  for (const stop of [...stops, Number.POSITIVE_INFINITY]) {
    const s = makeStrategy(strategy, { seed: 5 });
    if (state !== null) s.restore!(JSON.parse(JSON.stringify(state)));
    let runs = start.runs;
    const v = explore(
      program,
      { strategy: s, maxRuns, onRun: (n) => (runs = n), shouldStop: () => runs >= stop },
      start,
    );
    pieces.push(v);
    if (v.kind !== 'bounded' || v.cut !== 'interrupted') return { verdict: v, pieces };
    state = s.checkpoint!();
    start = { runs: v.runs, steps: v.steps };
  }
  throw new Error('unreachable');
}

describe('checkpoint and restore: an interrupted search resumes to the uninterrupted verdict', () => {
  const cases = [
    // [program, strategy, runs limit, verdict kind of the whole search]
    [notifierRace(false, 2, 2), 'dfs', 1_000_000, 'violation'],
    [notifierRace(true, 1, 1), 'dfs', 1_000_000, 'verified'],
    [notifierRace(false, 2, 2), 'dpor', 1_000_000, 'violation'],
    [notifierRace(true, 2, 1), 'dpor', 1_000_000, 'verified'],
    [notifierRace(true, 2, 1), 'random', 300, 'bounded'],
    [notifierRace(false, 2, 2), 'random', 10_000, 'violation'],
    [notifierRace(true, 2, 1), 'pct', 300, 'bounded'],
    [notifierRace(false, 2, 2), 'pct', 10_000, 'violation'],
  ] as const;

  for (const [program, strategy, maxRuns, kind] of cases) {
    it(`${strategy} on ${program.name}: same verdict, runs, steps and token (${kind})`, () => {
      const whole = explore(program, { strategy: makeStrategy(strategy, { seed: 5 }), maxRuns });
      expect(whole.kind).toBe(kind);
      expect(whole.runs).toBeGreaterThan(1);
      const stops = [1, 2, Math.floor(whole.runs / 2), whole.runs - 1].filter(
        (x, i, a) => x > 0 && x < whole.runs && a.indexOf(x) === i,
      );
      const { verdict, pieces } = interrupted(program, strategy, stops, maxRuns);
      expect(strip(verdict)).toEqual(strip(whole));
      expect(pieces.map((p) => p.runs)).toEqual([...stops, whole.runs]);
    });
  }

  it('holds for any interruption points (dfs and dpor on fixed races)', () => {
    for (const [program, strategy] of [
      [notifierRace(true, 1, 1), 'dfs'],
      [notifierRace(true, 2, 1), 'dpor'],
    ] as const) {
      const whole = explore(program, { strategy: makeStrategy(strategy), maxRuns: 1_000_000 });
      expect(whole.kind).toBe('verified');
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: whole.runs - 1 }), { maxLength: 3 }), (xs) => {
          const stops = [...xs].sort((a, b) => a - b);
          expect(strip(interrupted(program, strategy, stops, 1_000_000).verdict)).toEqual(strip(whole));
        }),
        { numRuns: 15, seed: 7 },
      );
    }
  });

  it('refuses a checkpoint of another shape in one line', () => {
    for (const [strategy, bad] of [
      ['random', { k: 1 }],
      ['pct', { run: 1 }],
      ['dfs', { stack: [[1, 2]], started: true, finished: false }],
      ['dpor', { stack: 'x' }],
    ] as const) {
      expect(() => makeStrategy(strategy).restore!(bad)).toThrow(
        expect.objectContaining({
          code: 'MMULAB_BAD_CHECKPOINT',
          message: expect.stringMatching(/^not a \w+ checkpoint: /),
        }),
      );
    }
  });
});

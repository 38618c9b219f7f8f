import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore, replay, runOnce } from '../../src/explore/explorer.js';
import { shrink } from '../../src/explore/shrink.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import { lostUpdate, notifierRace } from '../../src/scenarios/demos.js';
import { encodeToken } from '../../src/sim/token.js';
import { build, genProgram } from './random-programs.js';

describe('shrinking a violation before it is shown', () => {
  it('cuts 3t-buggy random seed 3 from 16 steps, 6 preemptions to 15 steps, 2 preemptions', () => {
    const p = notifierRace(false, 2, 2);
    const v = explore(p, { strategy: makeStrategy('random', { seed: 3 }) });
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.shrink).toMatchObject({ original: { steps: 16, preemptions: 6 }, steps: 15, preemptions: 2 });
    const r = replay(p, v.token);
    expect(r.violation).toEqual(v.violation);
    expect(r.steps).toBe(15);
    expect(replay(p, v.shrink!.original.token).violation?.name).toBe('coherence');
  });

  it('brings the lost update down to its one preemption', () => {
    const v = explore(lostUpdate, { strategy: makeStrategy('random', { seed: 3 }) });
    expect(v.kind === 'violation' && v.shrink).toMatchObject({
      original: { preemptions: 3 },
      preemptions: 1,
    });
  });

  it('is skipped with shrink: false, and returns null for a token that does not violate', () => {
    const p = notifierRace(false, 2, 2);
    const v = explore(p, { strategy: makeStrategy('random', { seed: 3 }), shrink: false });
    expect(v.kind === 'violation' && v.shrink).toBe(undefined);
    const ok = runOnce(notifierRace(true), { scheduler: makeStrategy('random', { seed: 1 }).nextRun()! });
    expect(ok.violation).toBe(null);
    expect(shrink(notifierRace(true), encodeToken(ok.choices))).toBe(null);
  });

  it('never grows a schedule and always keeps the violation name (generated programs)', () => {
    fc.assert(
      fc.property(genProgram, fc.nat(1000), (g, seed) => {
        const a = build(g);
        const v = explore(a.program, {
          strategy: makeStrategy('random', { seed }),
          maxRuns: 200,
          shrink: false,
        });
        fc.pre(v.kind === 'violation');
        if (v.kind !== 'violation') return;
        const s = shrink(build(g).program, v.token);
        expect(s).not.toBe(null);
        const size = s!.size;
        const o = s!.original;
        expect(
          size.preemptions < o.preemptions || (size.preemptions === o.preemptions && size.steps <= o.steps),
        ).toBe(true);
        const r = replay(build(g).program, s!.token);
        expect(r.violation?.name).toBe(v.violation.name);
        expect(r.violation).toEqual(s!.violation);
      }),
      { numRuns: 150, seed: 424242 },
    );
  });
});

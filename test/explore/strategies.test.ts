import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { explore, replay } from '../../src/explore/explorer.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import { PctStrategy } from '../../src/explore/strategies/pct.js';
import { notifierRace, seqlockReader } from '../../src/scenarios/demos.js';

describe('dpor on the notifier race of the baselines', () => {
  it('verifies 2t-fixed in 8 runs (its 8 traces) where dfs needs 483', () => {
    const v = explore(notifierRace(true), { strategy: makeStrategy('dpor') });
    expect(v.kind).toBe('verified');
    expect(v.runs).toBe(8);
    expect(explore(notifierRace(true), { strategy: makeStrategy('dfs') }).runs).toBe(483);
  });

  it('finds the 3t-buggy coherence violation and the token replays it', () => {
    const v = explore(notifierRace(false, 2, 2), { strategy: makeStrategy('dpor') });
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.violation.name).toBe('coherence');
    const r = replay(notifierRace(false, 2, 2), v.token);
    expect(r.violation?.message).toBe(v.violation.message);
  });

  it('verifies the seqlock reader (a retry loop) with no step bound', () => {
    const v = explore(seqlockReader, { strategy: makeStrategy('dpor') });
    expect(v).toMatchObject({ kind: 'verified', runs: 39 });
  });

  it('is bounded, never verified, when the preemption bound drops schedules', () => {
    const v = explore(notifierRace(true, 2, 2), { strategy: makeStrategy('dpor', { preemptions: 1 }) });
    expect(v).toMatchObject({ kind: 'bounded', cut: 'preemptions' });
  });

  it('rejects a negative preemption bound with MMULAB_BAD_OPTION', () => {
    expect(() => makeStrategy('dpor', { preemptions: -1 })).toThrowError(MmulabError);
  });
});

describe('pct', () => {
  it('is deterministic for a seed and finds the 2t race', () => {
    const a = explore(notifierRace(false), { strategy: makeStrategy('pct', { seed: 5, depth: 2 }) });
    const b = explore(notifierRace(false), { strategy: makeStrategy('pct', { seed: 5, depth: 2 }) });
    expect(a.kind).toBe('violation');
    expect(b).toMatchObject({ kind: a.kind, runs: a.runs, steps: a.steps });
  });

  it('never claims verified', () => {
    const v = explore(notifierRace(true), { strategy: makeStrategy('pct', { seed: 1 }), maxRuns: 50 });
    expect(v).toMatchObject({ kind: 'bounded', cut: 'runs', runs: 50 });
  });

  it('states the ASPLOS 2010 bound 1/(n k^(d-1))', () => {
    expect(PctStrategy.bound(2, 10, 3)).toBe(1 / 200);
  });

  it('rejects depth 0', () => {
    expect(() => makeStrategy('pct', { depth: 0 })).toThrowError(/depth must be a positive integer/);
  });
});

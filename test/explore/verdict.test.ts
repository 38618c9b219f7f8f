import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { explore } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import { RandomStrategy } from '../../src/explore/strategies/random.js';
import { describeVerdict } from '../../src/explore/verdict.js';
import { notifierRace, seqlockReader } from '../../src/scenarios/demos.js';
import { Word } from '../../src/sim/cell.js';

describe('verdicts are honest', () => {
  it('dfs verifies the 2-thread fixed race: every schedule, 483 runs', () => {
    const v = explore(notifierRace(true), { strategy: new DfsStrategy(), maxRuns: 10_000 });
    expect(v).toMatchObject({ kind: 'verified', runs: 483, strategy: 'dfs' });
  });

  it('dfs cut by the run bound says bounded, not verified', () => {
    const v = explore(seqlockReader, { strategy: new DfsStrategy(), maxRuns: 100 });
    expect(v).toMatchObject({ kind: 'bounded', cut: 'runs', runs: 100 });
    expect(describeVerdict(v)).toBe('bounded: no violation in 100 runs (cut by the run limit; not a proof)');
  });

  it('random never claims verified', () => {
    const v = explore(notifierRace(true), { strategy: new RandomStrategy(1), maxRuns: 2000 });
    expect(v.kind).toBe('bounded');
  });

  it('an interrupted search says so', () => {
    let n = 0;
    const v = explore(seqlockReader, { strategy: new DfsStrategy(), shouldStop: () => ++n > 5 });
    expect(v).toMatchObject({ kind: 'bounded', cut: 'interrupted', runs: 5 });
  });

  it('the buggy race is found by dfs and by random', () => {
    const d = explore(notifierRace(false), { strategy: new DfsStrategy() });
    expect(d.kind === 'violation' && d.violation).toMatchObject({
      name: 'coherence',
      message: 'spte[0] maps frame 1, which munmap freed',
    });
    const r = explore(notifierRace(false), { strategy: new RandomStrategy(7), maxRuns: 10_000 });
    expect(r.kind).toBe('violation');
  });

  it('bad options are one-line caller errors', () => {
    expect(() => explore(seqlockReader, { strategy: new DfsStrategy(), maxRuns: -1 })).toThrow(
      new MmulabError('MMULAB_BAD_OPTION', 'maxRuns must be a positive integer, got -1'),
    );
    expect(() => explore(seqlockReader, { strategy: new DfsStrategy(), maxSteps: 0 })).toThrow(
      'maxSteps must be a positive integer, got 0',
    );
    expect(() => makeStrategy('bfs')).toThrow("unknown strategy 'bfs' (valid: random, pct, dfs, dpor)");
  });

  it('a program whose setup throws is a caller error naming the program', () => {
    const bad = {
      name: 'broken',
      setup: () => {
        throw new Error('no such page');
      },
    };
    expect(() => explore(bad, { strategy: new DfsStrategy() })).toThrow('broken: setup failed: no such page');
  });

  it('a step budget ends a livelocked run as a step-budget violation', () => {
    const v = explore(
      {
        name: 'spin',
        setup(rt) {
          const flag = new Word('flag', 0);
          rt.spawn('spinner', function* () {
            while ((yield* flag.read()) === 0) {
              /* a spin loop without the retry primitive */
            }
          });
        },
      },
      { strategy: new DfsStrategy(), maxSteps: 50 },
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'step-budget',
      message: '50 steps and 1 thread(s) still running: a livelock, or raise the budget (maxSteps)',
    });
  });
});

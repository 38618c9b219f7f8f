import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { explore, runOnce } from '../../src/explore/explorer.js';
import { mergeShards, parseShardResult } from '../../src/explore/merge.js';
import {
  parseShard,
  planUnits,
  runShard,
  type ShardResult,
  splitUnits,
  unitsOfShard,
} from '../../src/explore/shard.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import { DporStrategy } from '../../src/explore/strategies/dpor.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import type { Strategy } from '../../src/explore/strategy.js';
import { notifierRace } from '../../src/scenarios/demos.js';
import type { Program } from '../../src/sim/program.js';
import { build, genProgram } from './random-programs.js';

function ends(program: Program, finalState: () => string, strategy: Strategy, cap: number) {
  const set = new Set<string>();
  let runs = 0;
  for (let s = strategy.nextRun(); s; s = strategy.nextRun()) {
    if (++runs > cap) return null;
    const r = runOnce(program, { scheduler: s });
    if (!r.pruned) set.add(r.violation ? `violation ${r.violation.name}` : `final ${finalState()}`);
    strategy.runDone(r);
  }
  return { set, runs };
}

function shards(program: Program, strategy: string, count: number, extra: object = {}): ShardResult[] {
  return Array.from({ length: count }, (_, index) =>
    runShard(program, { strategy, shard: { index, count }, ...extra }),
  );
}

describe('splitting a dpor search into prefixes', () => {
  it('reaches exactly the ends dfs reaches, over the union of its units (generated programs)', () => {
    fc.assert(
      // Probes of 1 or 2 runs make the generated programs' small searches split deep.
      fc.property(genProgram, fc.constantFrom(2, 5, 16), fc.constantFrom(1, 2, 32), (g, units, probe) => {
        const a = build(g);
        const dfs = ends(a.program, a.finalState, new DfsStrategy(), 4000);
        fc.pre(dfs !== null);
        const b = build(g);
        const all = new Set<string>();
        let runs = 0;
        const prefixes = splitUnits(b.program, units, undefined, probe);
        for (const prefix of prefixes) {
          const r = ends(b.program, b.finalState, new DporStrategy(null, prefix), 4000)!;
          for (const e of r.set) all.add(e);
          runs += r.runs;
        }
        expect([...all].sort()).toEqual([...dfs!.set].sort());
        expect(runs).toBeLessThanOrEqual(dfs!.runs + prefixes.length);
      }),
      { numRuns: 60, seed: 20261123 },
    );
  });

  // Each unit is a search of its own, with its own state cache: a state another unit
  // explored is explored again, so the split costs 3t FIXED 2.6x the runs of one search.
  it('splits 3t FIXED into 86 units (16 large): 3,883 runs against 1,439 unsplit', () => {
    const p = notifierRace(true, 2, 2);
    const plan = planUnits(p, 16);
    expect(plan).toHaveLength(86);
    expect(plan.filter((u) => u.large)).toHaveLength(16);
    expect(explore(p, { strategy: makeStrategy('dpor') })).toMatchObject({ kind: 'verified', runs: 1_439 });
    for (const n of [1, 4])
      expect(mergeShards(shards(p, 'dpor', n))).toMatchObject({ kind: 'verified', runs: 3_883 });
  }, 30_000);

  it('deals the large units out in turn and the small ones from the other end', () => {
    const plan = [true, false, true, true, false, false, true].map((large, i) => ({ prefix: [i], large }));
    const of = (index: number) => unitsOfShard(plan, { index, count: 3 });
    // large: 0, 2, 3, 6 -> shards 0, 1, 2, 0; small: 1, 4, 5 -> shards 2, 1, 0.
    expect([of(0), of(1), of(2)]).toEqual([
      [0, 5, 6],
      [2, 4],
      [1, 3],
    ]);
  });
});

describe('shards and merge', () => {
  it('gives the same verdict, token and runs for any shard count', () => {
    for (const strategy of ['dpor', 'random', 'pct']) {
      const p = notifierRace(false, 2, 2);
      const one = mergeShards(shards(p, strategy, 1, { seed: 4 }));
      for (const n of [2, 3, 5]) {
        const v = mergeShards(shards(p, strategy, n, { seed: 4 }));
        expect({ ...v, ms: 0, steps: 0 }).toEqual({ ...one, ms: 0, steps: 0 });
      }
      expect(one.kind).toBe('violation');
    }
  });

  it('keeps the lowest run index: random shards find what explore finds first', () => {
    for (const strategy of ['random']) {
      const p = notifierRace(false, 3, 3);
      const one = explore(p, { strategy: makeStrategy(strategy, { seed: 11 }) });
      const v = mergeShards(shards(p, strategy, 4, { seed: 11 }));
      expect(v.kind).toBe('violation');
      if (v.kind !== 'violation' || one.kind !== 'violation') return;
      expect([v.runs, v.token, v.violation]).toEqual([one.runs, one.token, one.violation]);
    }
  });

  it('is verified only when every shard completed; a sampling strategy stays bounded', () => {
    const p = notifierRace(true);
    const parts = shards(p, 'dpor', 3);
    // dpor's 8 runs end within the split's probe: one small unit, dealt to the last shard.
    expect(splitUnits(p, 16)).toEqual([[]]);
    expect(parts.map((r) => r.units.length)).toEqual([0, 0, 1]);
    expect(mergeShards(parts)).toMatchObject({ kind: 'verified', runs: 8 });
    expect(() => mergeShards(parts.slice(1))).toThrow(/^shard\(s\) 0\/3 missing/);
    const cut = { ...parts[1]!, status: 'cut' as const, cut: 'time' as const };
    expect(mergeShards([parts[0]!, cut, parts[2]!])).toMatchObject({ kind: 'bounded', cut: 'time' });
    expect(mergeShards(shards(p, 'random', 2, { maxRuns: 100 }))).toMatchObject({
      kind: 'bounded',
      cut: 'runs',
      runs: 100,
    });
  });

  it('refuses shards of different searches, duplicates and bad files with MMULAB_BAD_SHARDS', () => {
    const a = runShard(notifierRace(true), { strategy: 'dpor', shard: { index: 0, count: 2 } });
    const b = runShard(notifierRace(false), { strategy: 'dpor', shard: { index: 1, count: 2 } });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof MmulabError ? `${e.code}: ${e.message}` : String(e);
      }
      return 'no error';
    };
    expect(code(() => mergeShards([a, b]))).toBe(
      'MMULAB_BAD_SHARDS: shard 1/2 (notifier-race-2t-buggy, dpor) is not from the same search as shard 0/2 (notifier-race-2t-fixed, dpor)',
    );
    expect(code(() => mergeShards([a, a]))).toBe('MMULAB_BAD_SHARDS: shard 0/2 appears twice');
    expect(code(() => parseShardResult('{', 's.json'))).toMatch(/^MMULAB_BAD_SHARDS: s\.json: not JSON/);
    expect(code(() => parseShardResult('{"format":"x"}', 's.json'))).toBe(
      'MMULAB_BAD_SHARDS: s.json: not an mmulab shard result (format mmulab-shard/1)',
    );
    expect(parseShardResult(JSON.stringify(a), 'a.json')).toEqual(a);
  });

  it('parses --shard i/n and rejects anything else in one line', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['4/4', '1', '-1/2', 'a/b', '0/0']) {
      expect(() => parseShard(bad)).toThrow(
        `--shard must be i/n with 0 <= i < n (shard 0/4 is the first of four), got '${bad}'`,
      );
    }
  });
});

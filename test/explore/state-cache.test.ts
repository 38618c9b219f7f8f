import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore, runOnce } from '../../src/explore/explorer.js';
import { StateCache, Summary } from '../../src/explore/state-cache.js';
import { DporStrategy } from '../../src/explore/strategies/dpor.js';
import type { Strategy } from '../../src/explore/strategy.js';
import { lostUpdate, notifierRace } from '../../src/scenarios/demos.js';
import { Word } from '../../src/sim/cell.js';
import type { Program } from '../../src/sim/program.js';
import { StateTable, valueKey } from '../../src/sim/state.js';
import { build, genProgram } from './random-programs.js';

/** Every run of a strategy, not stopping at violations: the ends it reaches, and its run count. */
function ends(
  program: Program,
  finalState: () => string,
  strategy: Strategy,
): { runs: number; ends: string[] } {
  const set = new Set<string>();
  let runs = 0;
  for (let s = strategy.nextRun(); s; s = strategy.nextRun()) {
    const r = runOnce(program, { scheduler: s });
    runs++;
    if (!r.pruned) set.add(r.violation ? `violation ${r.violation.name}` : `final ${finalState()}`);
    strategy.runDone(r);
  }
  return { runs, ends: [...set].sort() };
}

describe("dpor's state cache", () => {
  it('reaches the ends the stateless search reaches, in fewer runs overall (generated programs)', () => {
    let cachedRuns = 0;
    let statelessRuns = 0;
    let hits = 0;
    fc.assert(
      fc.property(genProgram, (g) => {
        const a = build(g);
        const stateless = ends(a.program, a.finalState, new DporStrategy(null, [], false));
        const b = build(g);
        const dpor = new DporStrategy();
        const cached = ends(b.program, b.finalState, dpor);
        expect(cached.ends).toEqual(stateless.ends);
        cachedRuns += cached.runs;
        statelessRuns += stateless.runs;
        hits += dpor.cacheStats().hits;
      }),
      { numRuns: 60, seed: 11 },
    );
    expect(hits).toBeGreaterThan(0);
    expect(cachedRuns).toBeLessThan(statelessRuns);
  });

  it('verifies 3t FIXED in 1,439 runs (32,686 stateless) and finds 3t BUGGY on run 2', () => {
    const fixed = new DporStrategy();
    expect(explore(notifierRace(true, 2, 2), { strategy: fixed })).toMatchObject({
      kind: 'verified',
      runs: 1_439,
    });
    expect(fixed.cacheStats()).toMatchObject({ hits: 1_124, partialHits: 405 });
    const stateless = { strategy: new DporStrategy(null, [], false), maxRuns: 100_000 };
    expect(explore(notifierRace(true, 2, 2), stateless)).toMatchObject({
      kind: 'verified',
      runs: 32_686,
    });
    expect(explore(notifierRace(false, 2, 2), { strategy: new DporStrategy() })).toMatchObject({
      kind: 'violation',
      runs: 2,
    });
  });

  it('stays off for a program that does not declare its state closed, and under a preemption bound', () => {
    const open = new DporStrategy();
    expect(explore(lostUpdate, { strategy: open }).kind).toBe('violation');
    expect(open.cacheStats()).toEqual({ states: 0, hits: 0, partialHits: 0 });
    const bounded = new DporStrategy(2);
    explore(notifierRace(true, 2, 2), { strategy: bounded });
    expect(bounded.cacheStats()).toEqual({ states: 0, hits: 0, partialHits: 0 });
  });

  it('never names a state holding an object made after setup', () => {
    const dpor = new DporStrategy();
    const program: Program = {
      name: 'late-object',
      closedState: true,
      setup(rt) {
        const flag = new Word('flag', 0);
        for (const name of ['a', 'b']) {
          rt.spawn(name, function* () {
            yield* flag.write(1);
            // Made by a step, not by setup (a thread's prologue runs in setup).
            const w = new Word(`${name}.late`, 0);
            yield* w.write(1);
          });
        }
      },
    };
    expect(explore(program, { strategy: dpor }).kind).toBe('verified');
    // The initial state only: every later choice point holds a word one of the threads made.
    expect(dpor.cacheStats().states).toBe(1);
  });
});

describe('summaries with roots', () => {
  it('keeps the intersection of the roots an access is seen with, and saves and loads', () => {
    const s = new Summary();
    s.put(3, 0b011, 0b1100);
    s.put(1, 0b001, 0);
    s.put(3, 0b110, 0b0110);
    expect(s.ids).toEqual([3, 1]);
    expect([s.t[3], s.o[3]]).toEqual([0b010, 0b0100]);
    expect(s.save()).toEqual([
      [3, 1],
      [0b010, 0b001],
      [0b0100, 0],
    ]);
    const back = Summary.load(JSON.parse(JSON.stringify(s.save())));
    expect(back?.save()).toEqual(s.save());
    expect(Summary.load([[1], [2]])).toBeNull();
    s.clear();
    expect(s.ids).toEqual([]);
    s.put(3, 1, 1);
    expect([s.t[3], s.o[3]]).toEqual([1, 1]);
  });

  it('interns equal summaries built in different orders as one entry', () => {
    const cache = new StateCache();
    const fp = { objs: [4, 5], writes: [true, false] };
    const a = new Summary();
    cache.add(a, 0, null, fp, 0b01, 0b10000);
    cache.add(a, 1, null, fp, 0b10, 0);
    const b = new Summary();
    cache.add(b, 1, null, fp, 0b10, 0);
    cache.add(b, 0, null, fp, 0b01, 0b10000);
    const [x, y, z] = ['x', 'y', 'z'].map((k) => cache.slot(k));
    expect(cache.at(x!)).toBeNull();
    cache.store(x!, [1], a);
    cache.store(y!, [1], b);
    expect(cache.at(x!)).toBe(cache.at(y!));
    const c = new Summary();
    cache.add(c, 0, null, fp, 0b01, 0);
    cache.store(z!, [1], c);
    expect(cache.at(z!)).not.toBe(cache.at(x!));
    // Stored again from another sleep set: the intersection of both sleep sets and roots.
    cache.store(x!, [1, 2], c);
    expect(cache.at(x!)?.sleep).toEqual([1]);
    const e = cache.at(x!)!;
    const acc = Array.from(cache.arena.subarray(e.start, e.end));
    expect(acc.filter((_, k) => k % 3 === 0).length).toBe(4);
    expect(acc.filter((_, k) => k % 3 === 2)).toEqual([0, 0, 0, 0]);
  });
});

describe('thread histories and value keys', () => {
  it('gives equal sequences of values one history, and different ones different histories', () => {
    const t = new StateTable();
    const h = (vs: unknown[]) => vs.reduce<number>((prev, v) => t.extend(prev, v), 0);
    expect(h([1, true, undefined, 'x', { a: 1 }])).toBe(h([1, true, undefined, 'x', { a: 1 }]));
    expect(h([1, 2])).not.toBe(h([2, 1]));
    expect(h(['1'])).not.toBe(h([1]));
    expect(h([true])).not.toBe(h([1]));
    expect(h([{ a: 1 }])).not.toBe(h([{ a: 2 }]));
    expect(h([1, () => 0, 2])).toBe(-1);
  });

  it('names primitives, records and arrays, and refuses closures and class instances', () => {
    expect(valueKey({ pfn: 3, writable: true })).toBe('{pfn:3,writable:t,}');
    expect(valueKey([1, 'a'])).toBe('[1,"a",]');
    expect(valueKey(new Map())).toBeNull();
    expect(valueKey(() => 1)).toBeNull();
  });

  it('survives a checkpoint: the table loads back to the same ids', () => {
    const t = new StateTable();
    const ids = [t.extend(0, 1), t.extend(0, 'x'), t.extend(1, undefined), t.extend(1, Number.NaN)];
    const keys = [t.intern(5), t.intern('a'), t.intern(-1)];
    const u = new StateTable();
    expect(u.load(JSON.parse(JSON.stringify(t.save())))).toBe(true);
    expect([u.extend(0, 1), u.extend(0, 'x'), u.extend(1, undefined), u.extend(1, Number.NaN)]).toEqual(ids);
    expect([u.intern(5), u.intern('a'), u.intern(-1)]).toEqual(keys);
    expect(u.load({ histories: 'x' })).toBe(false);
  });
});

describe("dpor's state cache and the step budget", () => {
  it('caches under --keep-going as without it, and stores nothing once a run is cut by the step budget', () => {
    const keepGoing = { maxViolations: Number.POSITIVE_INFINITY, maxRuns: 10_000 };
    const whole = new DporStrategy();
    expect(explore(notifierRace(true, 2, 2), { strategy: whole, ...keepGoing })).toMatchObject({
      kind: 'verified',
      runs: 1_439,
    });
    // 3t FIXED's runs take up to 60-odd steps: the first cut comes after 258 states were stored.
    const cut = new DporStrategy();
    const v = explore(notifierRace(true, 2, 2), { strategy: cut, maxSteps: 60, ...keepGoing });
    expect(v.kind).toBe('violation');
    expect(cut.cacheStats()).toEqual({ states: 258, hits: 27, partialHits: 7 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runOnce } from '../../src/explore/explorer.js';
import { Word } from '../../src/sim/cell.js';
import { Rng } from '../../src/sim/rng.js';
import type { Runtime, Scheduler } from '../../src/sim/runtime.js';
import { oneStep, Step, touching } from '../../src/sim/step.js';
import { build, genProgram } from '../explore/random-programs.js';
import { prog } from './harness.js';

/** Runs a one-thread program and returns the step counts at which `watched` was checked. */
function checksOf(setup: (rt: Runtime, watched: () => string | null) => void): number[] {
  const at: number[] = [];
  let rt: Runtime | null = null;
  const watched = () => {
    at.push(rt!.steps);
    return null;
  };
  const r = runOnce(
    prog('checks', (x) => {
      rt = x;
      setup(x, watched);
    }),
    { scheduler: { pickThread: () => 0, pickValue: () => 0 } },
  );
  expect(r.violation).toBeNull();
  return at;
}

describe('invariant checks (Runtime.invariant with a read set)', () => {
  it('an invariant without reads is checked before the run and after every step', () => {
    const at = checksOf((rt, watched) => {
      const a = new Word('a', 0);
      const b = new Word('b', 0);
      rt.spawn('t', function* () {
        yield* b.write(1);
        yield* a.write(1);
        yield* a.read();
      });
      rt.invariant('all', watched);
    });
    expect(at).toEqual([0, 1, 2, 3]);
  });

  it('one with reads only after the steps that write what it reads', () => {
    const at = checksOf((rt, watched) => {
      const a = new Word('a', 0);
      const b = new Word('b', 0);
      rt.spawn('t', function* () {
        yield* b.write(1);
        yield* a.write(1);
        yield* a.read();
        yield* a.update((v) => v + 1);
        yield* b.read();
      });
      rt.invariant('a', watched, [a]);
    });
    expect(at).toEqual([0, 2, 4]);
  });

  it('after a coarse step that touches what it reads, and after a plain write to it', () => {
    const at = checksOf((rt, watched) => {
      const a = new Word('a', 0);
      const b = new Word('b', 0);
      rt.spawn('t', function* () {
        yield* oneStep(touching(new Step(b, 'write', 'write', false, 1), [a]));
        yield* b.read();
        // Thread code between steps belongs to the step before: here the read of b.
        a.value = 2;
        yield* b.read();
      });
      rt.invariant('a', watched, [a]);
    });
    expect(at).toEqual([0, 1, 2]);
  });

  it('after the step that adds it, and after every step once one reads a thread', () => {
    const added = checksOf((rt, watched) => {
      const a = new Word('a', 0);
      const b = new Word('b', 0);
      rt.spawn('t', function* () {
        yield* b.read();
        rt.invariant('late', watched, [a]);
        yield* b.read();
        yield* b.read();
      });
    });
    expect(added).toEqual([1]);
    const threads = checksOf((rt, watched) => {
      const b = new Word('b', 0);
      const t = rt.spawn('t', function* () {
        yield* b.read();
        yield* b.read();
      });
      rt.invariant('thread', watched, [t]);
    });
    expect(threads).toEqual([0, 1, 2]);
  });

  it('declaring the read set never changes a run: same choices, steps and violation', () => {
    const run = (declared: boolean, g: Parameters<typeof build>[0], seed: number) => {
      const rng = new Rng(seed);
      const scheduler: Scheduler = {
        pickThread: (en) => rng.below(en.length),
        pickValue: (n) => rng.below(n),
      };
      const program = build({ ...g, inv: g.inv && { ...g.inv, declared } }).program;
      const r = runOnce(program, { scheduler });
      return { steps: r.steps, choices: r.choices, violation: r.violation };
    };
    fc.assert(
      fc.property(genProgram, fc.nat(1000), (g, seed) => {
        expect(run(true, g, seed)).toEqual(run(false, g, seed));
      }),
      { numRuns: 300 },
    );
  });
});

import fc from 'fast-check';
import { choose, RETRY, retryLoop } from '../../src/sim/api.js';
import { Word } from '../../src/sim/cell.js';
import type { Program } from '../../src/sim/program.js';
import type { Sim } from '../../src/sim/step.js';
import { Mutex, mutexLock, mutexUnlock } from '../../src/sim/sync/mutex.js';
import { SpinLock, spinLock, spinUnlock } from '../../src/sim/sync/spinlock.js';

/** One operation of a generated thread. */
export type Op =
  | { readonly k: 'read'; readonly c: number }
  | { readonly k: 'write'; readonly c: number; readonly v: number; readonly local: boolean }
  | { readonly k: 'add'; readonly c: number }
  | { readonly k: 'choose' }
  | { readonly k: 'await'; readonly c: number; readonly min: number }
  | { readonly k: 'locked'; readonly l: number; readonly body: readonly Op[] };

export interface GenProgram {
  readonly cells: number;
  readonly locks: number;
  readonly threads: readonly (readonly Op[])[];
  /** Invariant: cells[a] + cells[b] !== bad, its reads declared or not. */
  readonly inv: {
    readonly a: number;
    readonly b: number;
    readonly bad: number;
    readonly declared: boolean;
  } | null;
}

const CELLS = 3;
const LOCKS = 2;

const leaf: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('read' as const), c: fc.nat(CELLS - 1) }),
  fc.record({ k: fc.constant('write' as const), c: fc.nat(CELLS - 1), v: fc.nat(2), local: fc.boolean() }),
  fc.record({ k: fc.constant('add' as const), c: fc.nat(CELLS - 1) }),
  fc.record({ k: fc.constant('choose' as const) }),
  fc.record({ k: fc.constant('await' as const), c: fc.nat(CELLS - 1), min: fc.integer({ min: 1, max: 2 }) }),
);

/** A locked section (lock 0 a spinlock, lock 1 a mutex) of 1 to maxBody leaf operations. */
function lockedSection(maxBody: number): fc.Arbitrary<Op> {
  return fc.record({
    k: fc.constant('locked' as const),
    l: fc.nat(LOCKS - 1),
    body: fc.array(leaf, { minLength: 1, maxLength: maxBody }),
  });
}

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 1, arbitrary: lockedSection(2) },
);

const genInv: fc.Arbitrary<GenProgram['inv']> = fc.option(
  fc.record({
    a: fc.nat(CELLS - 1),
    b: fc.nat(CELLS - 1),
    bad: fc.integer({ min: 1, max: 4 }),
    declared: fc.boolean(),
  }),
  { nil: null },
);

/** Small programs: 2-4 threads of 1-3 operations over 3 cells, a spinlock and a mutex. */
export const genProgram: fc.Arbitrary<GenProgram> = fc.record({
  cells: fc.constant(CELLS),
  locks: fc.constant(LOCKS),
  threads: fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 4 }),
  inv: genInv,
});

/**
 * Lock-heavy programs: half the operations are locked sections of up to 3 steps, threads of up
 * to 4 operations. The state cache's summaries treat lock acquires and releases specially
 * (their roots, the ops of co-enabledness): these programs exercise that.
 */
export const genLockHeavyProgram: fc.Arbitrary<GenProgram> = fc.record({
  cells: fc.constant(CELLS),
  locks: fc.constant(LOCKS),
  threads: fc.array(
    fc.array(fc.oneof({ weight: 1, arbitrary: leaf }, { weight: 1, arbitrary: lockedSection(3) }), {
      minLength: 1,
      maxLength: 4,
    }),
    { minLength: 2, maxLength: 3 },
  ),
  inv: genInv,
});

/** The program, and a function that renders the final state of a run of it. */
export function build(g: GenProgram): { program: Program; finalState: () => string } {
  let cells: Word[] = [];
  let locals: number[] = [];
  const program: Program = {
    name: 'generated',
    // Each thread's locals (ls[ti]) are its own, computed from what its steps returned.
    closedState: true,
    setup(rt) {
      cells = Array.from({ length: g.cells }, (_, i) => new Word(`c${i}`, 0));
      // Lock 0 is a spinlock, the others mutexes: both declare which release/acquire pairs are
      // never co-enabled, and dpor relies on it.
      const locks = Array.from({ length: g.locks }, (_, i) =>
        i === 0 ? new SpinLock(`l${i}`) : new Mutex(`l${i}`),
      );
      locals = g.threads.map(() => 0);
      const cs = cells;
      const ls = locals;
      g.threads.forEach((ops, ti) => {
        function* exec(o: Op): Sim<void> {
          switch (o.k) {
            case 'read':
              ls[ti] = ls[ti]! * 3 + (yield* cs[o.c]!.read());
              return;
            case 'write':
              yield* cs[o.c]!.write(o.local ? ls[ti]! + o.v : o.v);
              return;
            case 'add':
              yield* cs[o.c]!.add(1);
              return;
            case 'choose':
              ls[ti] = ls[ti]! * 2 + (yield* choose(2));
              return;
            case 'await': {
              const c = cs[o.c]!;
              const min = o.min;
              yield* retryLoop(function* () {
                return (yield* c.read()) >= min ? 0 : RETRY;
              });
              return;
            }
            case 'locked': {
              const l = locks[o.l]!;
              if (l instanceof SpinLock) yield* spinLock(l);
              else yield* mutexLock(l);
              for (const b of o.body) yield* exec(b);
              if (l instanceof SpinLock) yield* spinUnlock(l);
              else yield* mutexUnlock(l);
              return;
            }
          }
        }
        rt.spawn(`t${ti}`, function* () {
          for (const o of ops) yield* exec(o);
        });
      });
      const inv = g.inv;
      if (inv) {
        const check = () =>
          cs[inv.a]!.value + cs[inv.b]!.value === inv.bad ? `c${inv.a} + c${inv.b} = ${inv.bad}` : null;
        if (inv.declared) rt.invariant('sum', check, [cs[inv.a]!, cs[inv.b]!]);
        else rt.invariant('sum', check);
      }
    },
  };
  return { program, finalState: () => `${cells.map((c) => c.value).join(',')}|${locals.join(',')}` };
}

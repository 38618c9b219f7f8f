import { Word } from '../sim/cell.js';
import type { Program } from '../sim/program.js';
import type { Sim } from '../sim/step.js';

/**
 * A bug of depth 3 inside a long run, for comparing random walk and PCT: A publishes x late in
 * its run and B looks for it early; B answers with y, which A checks a few steps later; A then
 * sets z, which B checks a few steps after its answer. Only A.x < B.rx, B.y < A.ry and
 * A.z < B.rz together set `bug`: three ordered preemptions, each inside a short window.
 *
 *     A                         B
 *     pad * aLead               pad * 5
 *     x = 1                     if (x) y = 1
 *     pad * window              pad * window
 *     if (y) z = 1              if (z) bug = 1
 *     pad * tail                pad * tail
 */
export function deepBug(aLead = 40, window = 8, tail = 20): Program {
  return {
    name: `deep-bug-${aLead}-${window}`,
    setup(rt) {
      const x = new Word('x', 0);
      const y = new Word('y', 0);
      const z = new Word('z', 0);
      const bug = new Word('bug', 0);
      const padA = new Word('padA', 0);
      const padB = new Word('padB', 0);
      function* pad(w: Word, n: number): Sim<void> {
        for (let i = 0; i < n; i++) yield* w.read();
      }
      rt.spawn('A', function* () {
        yield* pad(padA, aLead);
        yield* x.write(1);
        yield* pad(padA, window);
        if ((yield* y.read()) === 1) yield* z.write(1);
        yield* pad(padA, tail);
      });
      rt.spawn('B', function* () {
        yield* pad(padB, 5);
        if ((yield* x.read()) === 1) yield* y.write(1);
        yield* pad(padB, window);
        if ((yield* z.read()) === 1) yield* bug.write(1);
        yield* pad(padB, tail);
      });
      rt.invariant('deep-bug', () => (bug.value === 1 ? 'A and B met at all three points' : null), [bug]);
    },
  };
}

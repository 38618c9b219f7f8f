import { describe, expect, it } from 'vitest';
import { RETRY, retryLoop } from '../../src/sim/api.js';
import { Word } from '../../src/sim/cell.js';
import { AtomicT, atomicCmpxchg, atomicInc } from '../../src/sim/sync/atomic.js';
import { SpinLock, spinLock, spinTrylock, spinUnlock } from '../../src/sim/sync/spinlock.js';
import type { SimThread } from '../../src/sim/thread.js';
import { dfs, prog } from './harness.js';

/**
 * The one-step primitives and retryLoop are plain iterators, not generators (src/sim/step.ts
 * oneStep, src/sim/api.ts RetryLoop): `yield*` into them must return what the generators did.
 */
describe('one-step primitives and retryLoop as iterators', () => {
  it('return the step results: values, cached small results and records alike', () => {
    const seen: unknown[] = [];
    const v = dfs(
      prog('results', (rt) => {
        const big = new Word('big', 1000);
        const neg = new Word('neg', -3);
        const rec = new Word('rec', { frame: 7 });
        const a = new AtomicT('a', 5);
        const l = new SpinLock('l');
        rt.spawn('t', function* () {
          seen.push(yield* big.read(), yield* neg.read(), yield* rec.read());
          seen.push(yield* big.update((x) => x + 1, true), yield* big.read());
          seen.push(yield* atomicCmpxchg(a, 5, 63), yield* atomicCmpxchg(a, 5, 64), yield* a.read());
          yield* atomicInc(a);
          seen.push(yield* a.read(), yield* spinTrylock(l));
          yield* spinUnlock(l);
          yield* spinLock(l);
          yield* spinUnlock(l);
        });
      }),
    );
    expect(v.kind).toBe('verified');
    expect(seen).toEqual([1000, -3, { frame: 7 }, 1000, 1001, 5, 63, 63, 64, true]);
  });

  it('retryLoop returns the body value, reruns after a change, and closes its record', () => {
    const ends: string[] = [];
    const v = dfs(
      prog('retry', (rt) => {
        const flag = new Word('flag', 0);
        const threads: SimThread[] = [];
        threads.push(
          rt.spawn('waiter', () =>
            retryLoop(function* () {
              const outer = yield* flag.read();
              // A nested loop: its record is closed before the outer iteration goes on.
              const inner = yield* retryLoop(function* () {
                return (yield* flag.read()) + 10;
              });
              return outer === 0 ? RETRY : `${outer}/${inner}`;
            }),
          ),
        );
        rt.spawn('setter', function* () {
          yield* flag.write(1);
        });
        rt.invariant('records', () => {
          const t = threads[0]!;
          if (t.done) ends.push(`${String(t.result)} open=${t.retries.length}`);
          return null;
        });
      }),
    );
    expect(v.kind).toBe('verified');
    expect([...new Set(ends)].sort()).toEqual(['1/11 open=0']);
  });

  it('a body that throws ends the run as thread-exception with the message', () => {
    const v = dfs(
      prog('throws', (rt) => {
        const w = new Word('w', 0);
        rt.spawn('t', () =>
          retryLoop(function* () {
            yield* w.read();
            throw new Error('boom');
          }),
        );
      }),
    );
    expect(v.kind === 'violation' && [v.violation.name, v.violation.message]).toEqual([
      'thread-exception',
      'T0(t) threw: boom',
    ]);
  });
});

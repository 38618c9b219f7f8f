import { describe, expect, it } from 'vitest';
import { join, RETRY, retryLoop } from '../../src/sim/api.js';
import { Word } from '../../src/sim/cell.js';
import type { Sim } from '../../src/sim/step.js';
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

/**
 * The runtime resumes a thread's innermost retryLoop directly once its steps reach it through
 * `yield*` frames only (Runtime's resume): the frames above must still see every value,
 * exception and `finally` as if resumed one by one.
 */
describe('retry loops resumed directly', () => {
  it('the frames above a loop get its value, nested loops and loops as thread bodies alike', () => {
    const log: string[] = [];
    const v = dfs(
      prog('nested', (rt) => {
        const a = new Word('a', 0);
        function* fault(tag: string): Sim<string> {
          try {
            const x = yield* retryLoop(function* () {
              const seen = yield* a.read();
              yield* a.read();
              const y = yield* retryLoop(function* () {
                yield* a.read();
                return (yield* a.read()) + 100;
              });
              return seen === 0 ? RETRY : seen + y;
            });
            return `${tag}=${x}`;
          } finally {
            log.push(`finally ${tag}`);
          }
        }
        rt.spawn('t', function* () {
          log.push(yield* fault('f1'));
          log.push(yield* fault('f2'));
        });
        const u = rt.spawn('u', () =>
          retryLoop(function* () {
            yield* a.write(1);
            yield* a.read();
            return 7;
          }),
        );
        rt.spawn('j', function* () {
          log.push(`u=${String(yield* join(u))}`);
        });
      }),
    );
    expect(v.kind).toBe('verified');
    expect([...new Set(log)].sort()).toEqual(['f1=102', 'f2=102', 'finally f1', 'finally f2', 'u=7']);
  });

  it('an exception from a loop reaches the frames above it, which may catch it', () => {
    const seen: string[] = [];
    const v = dfs(
      prog('catch', (rt) => {
        const a = new Word('a', 0);
        rt.spawn('t', function* () {
          for (const k of [1, 2]) {
            try {
              yield* retryLoop(function* () {
                yield* a.read();
                yield* a.read();
                yield* retryLoop(function* () {
                  yield* a.read();
                  yield* a.read();
                  throw new Error(`boom${k}`);
                });
                return 0;
              });
            } catch (e) {
              seen.push(`${(e as Error).message} open=${rt.threads[0]!.retries.length}`);
            }
            yield* a.write(k);
          }
          seen.push(`end ${yield* a.read()}`);
        });
      }),
    );
    expect(v.kind).toBe('verified');
    expect(seen).toEqual(['boom1 open=0', 'boom2 open=0', 'end 2']);
  });

  it('a loop driven with plain `yield` by its caller is resumed through the caller', () => {
    const log: string[] = [];
    const v = dfs(
      prog('manual', (rt) => {
        const a = new Word('a', 0);
        rt.spawn('t', function* () {
          const loop = retryLoop(function* () {
            yield* a.read();
            yield* a.read();
            return 5;
          });
          let r = loop.next();
          let k = 0;
          while (!r.done) {
            log.push(`step ${k++}`);
            r = loop.next(yield r.value);
          }
          log.push(`value ${String(r.value)}`);
        });
      }),
    );
    expect(v.kind).toBe('verified');
    expect(log).toEqual(['step 0', 'step 1', 'value 5']);
  });
});

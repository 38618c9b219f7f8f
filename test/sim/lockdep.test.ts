import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/explore/explorer.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import {
  enableLockdep,
  join,
  LockdepMap,
  lockMapAcquire,
  lockMapRelease,
  Mutex,
  mutexLock,
  mutexTrylock,
  mutexUnlock,
  type Runtime,
  SpinLock,
  spawnThread,
  spinLockSection,
} from '../../src/sim/index.js';
import { dfs, prog } from './harness.js';

/** T1 takes A then B; T2, started only after T1 has exited, takes B then A: no run deadlocks. */
function serialisedAbba(rt: Runtime): void {
  const a = new Mutex('A');
  const b = new Mutex('B');
  rt.spawn('main', function* () {
    const t1 = yield* spawnThread('ab', function* () {
      yield* mutexLock(a);
      yield* mutexLock(b);
      yield* mutexUnlock(b);
      yield* mutexUnlock(a);
    });
    yield* join(t1);
    yield* spawnThread('ba', function* () {
      yield* mutexLock(b);
      yield* mutexLock(a);
      yield* mutexUnlock(a);
      yield* mutexUnlock(b);
    });
  });
}

describe('lockdep', () => {
  it('off: an ABBA order that can never deadlock is verified', () => {
    expect(dfs(prog('abba', serialisedAbba)).kind).toBe('verified');
  });

  it('on: the same order is reported on the first run, naming the chain and its witness', () => {
    const v = dfs(
      prog('abba', (rt) => {
        enableLockdep(rt);
        serialisedAbba(rt);
      }),
    );
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.runs).toBe(1);
    expect(v.violation).toEqual({
      name: 'circular-locking',
      message:
        'possible circular locking dependency: T2(ba) takes A while holding B, but A → B already (T1(ab) took B under A)',
      step: 8,
      thread: 'T2(ba)',
    });
  });

  it('a trylock orders nothing before it: A then trylock(B) against B then A is no cycle', () => {
    const v = dfs(
      prog('trylock', (rt) => {
        enableLockdep(rt);
        const a = new Mutex('A');
        const b = new Mutex('B');
        rt.spawn('a-tryb', function* () {
          yield* mutexLock(a);
          if (yield* mutexTrylock(b)) yield* mutexUnlock(b);
          yield* mutexUnlock(a);
        });
        rt.spawn('b-a', function* () {
          yield* mutexLock(b);
          yield* mutexLock(a);
          yield* mutexUnlock(a);
          yield* mutexUnlock(b);
        });
      }),
    );
    expect(v.kind).toBe('verified');
  });

  it('a spinlock section is ordered after what is held, and a pseudo-lock map orders like a lock', () => {
    const map = new LockdepMap('reclaim_ctx');
    const v = dfs(
      prog('map', (rt) => {
        enableLockdep(rt);
        const l = new Mutex('L');
        const ptl = new SpinLock('ptl');
        rt.spawn('in-ctx', function* () {
          lockMapAcquire(map);
          yield* mutexLock(l);
          yield* spinLockSection(ptl, 'section', () => 0);
          yield* mutexUnlock(l);
          lockMapRelease(map);
        });
        rt.spawn('ptl-then-ctx', function* () {
          yield* mutexLock(l);
          lockMapAcquire(map);
          lockMapRelease(map);
          yield* mutexUnlock(l);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation.name).toBe('circular-locking');
    expect(v.kind === 'violation' && v.violation.message).toMatch(/reclaim_ctx/);
  });

  it('records every held → taken dependency with its first witness', () => {
    let deps: string[] = [];
    explore(
      prog('deps', (rt) => {
        const ld = enableLockdep(rt);
        const a = new Mutex('A');
        const ptl = new SpinLock('ptl');
        rt.spawn('t', function* () {
          yield* mutexLock(a);
          yield* spinLockSection(ptl, 'section', () => 0);
          yield* mutexUnlock(a);
          deps = ld.dependencies();
        });
      }),
      { strategy: makeStrategy('random', { seed: 1 }), maxRuns: 1 },
    );
    expect(deps).toEqual(['A → ptl (T0(t) took ptl under A)']);
  });

  it('a learnt dependency that would close a cycle at setup is refused', () => {
    const run = () =>
      explore(
        prog('learn', (rt) => {
          const ld = enableLockdep(rt);
          ld.learn('A', 'B', 'boot');
          ld.learn('B', 'A', 'boot');
        }),
        { strategy: makeStrategy('random', { seed: 1 }), maxRuns: 1 },
      );
    expect(run).toThrow('learn: setup failed: [mmulab] lockdep.learn(B → A) closes a cycle at setup');
  });

  it('the report replays from its token', () => {
    const p = prog('abba', (rt) => {
      enableLockdep(rt);
      serialisedAbba(rt);
    });
    const v = dfs(p);
    if (v.kind !== 'violation') throw new Error('expected a violation');
    expect(replay(p, v.token).violation).toEqual(v.violation);
  });
});

import { describe, expect, it } from 'vitest';
import {
  downRead,
  downWrite,
  Mutex,
  mutexLock,
  mutexUnlock,
  RwLock,
  RwSemaphore,
  readLock,
  readUnlock,
  SpinLock,
  Step,
  spinLock,
  spinTrylock,
  spinUnlock,
  upRead,
  upWrite,
  Word,
  writeLock,
  writeUnlock,
} from '../../src/sim/index.js';
import { dfs, outcomes, prog } from './harness.js';

describe('spinlock', () => {
  it('excludes: two locked increments never lose an update (every schedule)', () => {
    const v = dfs(
      prog('locked-inc', (rt) => {
        const l = new SpinLock('l');
        const c = new Word('c', 0);
        const done = new Word('done', 0);
        for (const n of ['a', 'b']) {
          rt.spawn(n, function* () {
            yield* spinLock(l);
            yield* c.write((yield* c.read()) + 1);
            yield* spinUnlock(l);
            yield* done.add(1);
          });
        }
        rt.invariant('lost-update', () => (done.value === 2 && c.value !== 2 ? `c=${c.value}` : null));
      }),
    );
    expect(v.kind).toBe('verified');
  });

  it('reports a lock-order inversion as a deadlock naming both wait edges', () => {
    const v = dfs(
      prog('abba', (rt) => {
        const a = new SpinLock('A');
        const b = new SpinLock('B');
        rt.spawn('ab', function* () {
          yield* spinLock(a);
          yield* spinLock(b);
          yield* spinUnlock(b);
          yield* spinUnlock(a);
        });
        rt.spawn('ba', function* () {
          yield* spinLock(b);
          yield* spinLock(a);
          yield* spinUnlock(a);
          yield* spinUnlock(b);
        });
      }),
    );
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.violation.name).toBe('deadlock');
    expect(v.violation.message).toBe(
      'T0(ab) waits for spin_lock(B) held by T1(ba); T1(ba) waits for spin_lock(A) held by T0(ab)',
    );
  });

  it('reports taking a held spinlock again as recursive-lock', () => {
    const v = dfs(
      prog('rec', (rt) => {
        const l = new SpinLock('mmu_lock');
        rt.spawn('t', function* () {
          yield* spinLock(l);
          yield* spinLock(l);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'recursive-lock',
      message: 'T0(t) calls spin_lock(mmu_lock) while already holding it: a self-deadlock in the kernel',
    });
  });

  it('reports unlock of a lock not held, which a forgotten yield* produces', () => {
    const v = dfs(
      prog('forgot', (rt) => {
        const l = new SpinLock('l');
        rt.spawn('t', function* () {
          spinLock(l); // the generator is created and dropped: the lock is never taken
          yield* spinUnlock(l);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'unlock-not-held',
      message: 'T0(t) calls spin_unlock(l) without holding it',
    });
  });

  it('reports a lock held at thread exit', () => {
    const v = dfs(
      prog('leak', (rt) => {
        const l = new SpinLock('ptl');
        rt.spawn('t', function* () {
          yield* spinLock(l);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'lock-held-at-exit',
      message: 'T0(t) exits holding ptl',
    });
  });

  it('reports `yield` of a primitive where `yield*` was meant', () => {
    const v = dfs(
      prog('bad-yield', (rt) => {
        const l = new SpinLock('l');
        rt.spawn('t', function* () {
          yield spinLock(l) as never;
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation.name).toBe('bad-yield');
  });

  it('spin_trylock fails while another thread holds the lock', () => {
    const seen = outcomes((rt, record) => {
      const l = new SpinLock('l');
      rt.spawn('holder', function* () {
        yield* spinLock(l);
        yield* spinUnlock(l);
      });
      rt.spawn('try', function* () {
        const got = yield* spinTrylock(l);
        if (got) yield* spinUnlock(l);
        record(String(got));
      });
    });
    expect([...seen].sort()).toEqual(['false', 'true']);
  });
});

describe('sleeping locks and context', () => {
  it('reports mutex_lock under a spinlock as sleep-in-atomic', () => {
    const v = dfs(
      prog('mutex-under-spin', (rt) => {
        const s = new SpinLock('kvm.mmu_lock');
        const m = new Mutex('slots_lock');
        rt.spawn('t', function* () {
          yield* spinLock(s);
          yield* mutexLock(m);
          yield* mutexUnlock(m);
          yield* spinUnlock(s);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'T0(t) calls mutex_lock(slots_lock), which may sleep, in atomic context (spin_lock(kvm.mmu_lock))',
    );
  });

  it("rwsem: a writer queued behind a reader holds off that reader's recursive down_read", () => {
    const v = dfs(
      prog('mmap-lock-recursion', (rt) => {
        const mmapLock = new RwSemaphore('mmap_lock');
        rt.spawn('fault', function* () {
          yield* downRead(mmapLock);
          yield* downRead(mmapLock);
          yield* upRead(mmapLock);
          yield* upRead(mmapLock);
        });
        rt.spawn('munmap', function* () {
          yield* downWrite(mmapLock);
          yield* upWrite(mmapLock);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'deadlock',
      message:
        'T0(fault) waits for down_read(mmap_lock) held by readers T0(fault), writers queued: T1(munmap); ' +
        'T1(munmap) waits for down_write (wait)(mmap_lock) held by readers T0(fault), writers queued: T1(munmap)',
    });
  });

  it('rwsem: readers share, a writer excludes them (every schedule)', () => {
    const seen = outcomes((rt, record) => {
      const sem = new RwSemaphore('sem');
      const inside = new Word('inside', 0);
      let maxReaders = 0;
      for (const n of ['r0', 'r1']) {
        rt.spawn(n, function* () {
          yield* downRead(sem);
          const k = (yield* inside.add(1)) as number;
          maxReaders = Math.max(maxReaders, k);
          yield* inside.add(-1);
          yield* upRead(sem);
        });
      }
      rt.spawn('w', function* () {
        yield* downWrite(sem);
        if ((yield* inside.read()) !== 0) record('writer overlapped a reader');
        yield* upWrite(sem);
        record(`max readers ${maxReaders}`);
      });
    });
    expect(seen.has('writer overlapped a reader')).toBe(false);
    expect(seen.has('max readers 2')).toBe(true);
  });

  it('rwlock: a write_lock waits for readers; read_lock under it is atomic context', () => {
    const v = dfs(
      prog('rwlock', (rt) => {
        const l = new RwLock('tasklist_lock');
        const x = new Word('x', 0);
        rt.spawn('r', function* () {
          yield* readLock(l);
          const a = yield* x.read();
          const b = yield* x.read();
          yield* readUnlock(l);
          if (a !== b) throw new Error('write under read lock');
        });
        rt.spawn('w', function* () {
          yield* writeLock(l);
          yield* x.write(1);
          yield* writeUnlock(l);
        });
      }),
    );
    expect(v.kind).toBe('verified');
  });
});

describe('which steps may be co-enabled (for DPOR), named by op', () => {
  it('an acquire is never enabled with the release of the same lock; everything else may be', () => {
    const s = new SpinLock('s');
    expect(s.coEnabled(s.unlockStep, 'spin_lock')).toBe(false);
    expect(s.coEnabled(s.unlockStep, 'spin_trylock')).toBe(true);
    expect(s.coEnabled(s.lockStep, 'spin_lock')).toBe(true);
    const m = new Mutex('m');
    expect(m.coEnabled(m.unlockStep, 'mutex_lock')).toBe(false);
    expect(m.coEnabled(m.unlockStep, 'mutex_trylock')).toBe(true);
    const rw = new RwLock('rw');
    expect(rw.coEnabled(rw.writeUnlockStep, 'read_lock')).toBe(false);
    expect(rw.coEnabled(rw.writeUnlockStep, 'write_lock')).toBe(false);
    expect(rw.coEnabled(rw.readUnlockStep, 'write_lock')).toBe(false);
    expect(rw.coEnabled(rw.readUnlockStep, 'read_lock')).toBe(true);
    const w = new Word('w', 0);
    expect(w.coEnabled(new Step(w, 'write', 'write'), 'write')).toBe(true);
  });
});

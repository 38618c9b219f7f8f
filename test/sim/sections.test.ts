import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import { RETRY, retryLoop } from '../../src/sim/api.js';
import { Word } from '../../src/sim/cell.js';
import type { Program } from '../../src/sim/program.js';
import { downRead, RwSemaphore, upRead } from '../../src/sim/sync/rwsem.js';
import {
  SpinLock,
  spinLock,
  spinLockSection,
  spinLockThen,
  spinUnlock,
} from '../../src/sim/sync/spinlock.js';
import { record } from '../helpers/record.js';

describe('spinLockSection / spinLockThen', () => {
  it('a section is one step that waits for the lock and leaves it free', () => {
    const p: Program = {
      name: 'section',
      setup(rt) {
        const l = new SpinLock('l');
        const w = new Word('w', 0);
        rt.spawn('holder', function* () {
          yield* spinLock(l);
          yield* w.write(1);
          yield* spinUnlock(l);
        });
        rt.spawn('section', () => spinLockSection(l, 'read w', () => w.value));
      },
    };
    // Only two orders: the section before the holder's lock, or after its unlock.
    expect(explore(p, { strategy: new DfsStrategy() })).toMatchObject({ kind: 'verified', runs: 2 });
    expect(record(p)).toEqual([
      'spin_lock(l) = true',
      'write w := 1',
      'spin_unlock(l)',
      'spin_lock(l); read w; spin_unlock(l)',
    ]);
  });

  it('spinLockThen keeps the lock held: exiting without spinUnlock is lock-held-at-exit', () => {
    const events = record({
      name: 'then',
      setup(rt) {
        const l = new SpinLock('l');
        rt.spawn('t', function* () {
          yield* spinLockThen(l, 'first access', () => 0);
        });
      },
    });
    expect(events).toEqual([
      'spin_lock(l); first access',
      'VIOLATION lock-held-at-exit: T0(t) exits holding l',
    ]);
  });
});

describe('retry loops', () => {
  it('Word.locked() is recorded: a failed iteration waits for the word to change', () => {
    const p: Program = {
      name: 'locked-read',
      setup(rt) {
        const l = new SpinLock('l');
        const flag = new Word('flag', 0);
        rt.spawn('waiter', () =>
          retryLoop(function* () {
            const v = yield* spinLockSection(l, 'check flag', () => flag.locked());
            return v === 0 ? RETRY : v;
          }),
        );
        rt.spawn('setter', () =>
          spinLockSection(l, 'set flag', () => {
            flag.value = 1;
          }),
        );
      },
    };
    expect(explore(p, { strategy: new DfsStrategy() }).kind).toBe('verified');
  });

  it("a retrying thread's own down_read/up_read does not let a failed iteration rerun at once", () => {
    const p: Program = {
      name: 'rwsem-retry',
      setup(rt) {
        const sem = new RwSemaphore('sem');
        const flag = new Word('flag', 0);
        rt.spawn('waiter', () =>
          retryLoop(function* () {
            yield* downRead(sem);
            const v = yield* flag.read();
            yield* upRead(sem);
            return v === 0 ? RETRY : v;
          }),
        );
      },
    };
    // Nobody sets the flag: without the rwsem snapshot this spins to the step budget.
    const v = explore(p, { strategy: new DfsStrategy(), maxSteps: 1000 });
    expect(v.kind === 'violation' && v.violation.name).toBe('livelock');
  });
});

import { describe, expect, it } from 'vitest';
import {
  AtomicT,
  atomicCmpxchg,
  atomicDecAndTest,
  atomicInc,
  Completion,
  callRcu,
  choose,
  complete,
  completeAll,
  downWriteRecursive,
  Mutex,
  mutexLock,
  mutexUnlock,
  prepareToWait,
  RETRY,
  RecursiveRwsem,
  rangeLockDownRead,
  rangeLockUpRead,
  rcuReadLock,
  rcuReadUnlock,
  readSeqcountBegin,
  readSeqcountRetry,
  retryLoop,
  Seqcount,
  SpinLock,
  Srcu,
  schedule,
  spinLock,
  spinUnlock,
  srcuReadLock,
  srcuReadUnlock,
  synchronizeRcu,
  synchronizeSrcu,
  upWriteRecursive,
  WaitQueue,
  Word,
  waitEvent,
  waitEventUntilChanged,
  waitForCompletion,
  wakeUp,
  writeSeqcountBegin,
  writeSeqcountEnd,
} from '../../src/sim/index.js';
import { dfs, outcomes, prog } from './harness.js';

describe('seqcount', () => {
  it('a reader that read torn data always retries; some readers do retry', () => {
    const seen = outcomes((rt, record) => {
      const s = new Seqcount('seq');
      const x = new Word('x', 0);
      const y = new Word('y', 0);
      rt.spawn('writer', function* () {
        yield* writeSeqcountBegin(s);
        yield* x.write(1);
        yield* y.write(1);
        yield* writeSeqcountEnd(s);
      });
      rt.spawn('reader', function* () {
        const start = yield* readSeqcountBegin(s);
        const torn = (yield* x.read()) !== (yield* y.read());
        record(`retry=${yield* readSeqcountRetry(s, start)} torn=${torn}`);
      });
    });
    expect([...seen].sort()).toEqual([
      'retry=false torn=false',
      'retry=true torn=false',
      'retry=true torn=true',
    ]);
  });

  it('read_seqcount_begin waits while a write section is open', () => {
    const seen = outcomes((rt, record) => {
      const s = new Seqcount('seq');
      rt.spawn('writer', function* () {
        yield* writeSeqcountBegin(s);
        yield* writeSeqcountEnd(s);
      });
      rt.spawn('reader', function* () {
        record(`begin=${yield* readSeqcountBegin(s)}`);
      });
    });
    expect([...seen].sort()).toEqual(['begin=0', 'begin=2']);
  });
});

describe('recursive rwsem (the range lock)', () => {
  it('holds the fault side off while any start is inside, and lets starts overlap', () => {
    const seen = outcomes((rt, record) => {
      const range = new RecursiveRwsem('range_lock');
      let overlap = false;
      for (const n of ['munmap', 'dontneed']) {
        rt.spawn(n, function* () {
          yield* downWriteRecursive(range);
          if (range.writers.length === 2) overlap = true;
          yield* upWriteRecursive(range);
        });
      }
      rt.spawn('fault', function* () {
        yield* rangeLockDownRead(range);
        if (range.writers.length > 0) record('fault inside an invalidation');
        yield* rangeLockUpRead(range);
      });
      rt.spawn('end', function* () {
        yield* choose(1);
      });
      void overlap;
      rt.invariant('sides', () =>
        range.readers.length > 0 && range.writers.length > 0 ? 'a fault overlaps an invalidation' : null,
      );
      record('ok');
      rt.invariant('overlap-seen', () => {
        if (range.writers.length === 2) record('two starts inside at once');
        return null;
      });
    });
    expect(seen.has('fault inside an invalidation')).toBe(false);
    expect(seen.has('violation:sides')).toBe(false);
    expect(seen.has('two starts inside at once')).toBe(true);
  });

  it('the same thread may take the write side twice (nested ranges)', () => {
    const v = dfs(
      prog('nested', (rt) => {
        const range = new RecursiveRwsem('range_lock');
        rt.spawn('t', function* () {
          yield* downWriteRecursive(range);
          yield* downWriteRecursive(range);
          yield* upWriteRecursive(range);
          yield* upWriteRecursive(range);
        });
      }),
    );
    expect(v.kind).toBe('verified');
  });

  it('reports an end without a start as unlock-not-held', () => {
    const v = dfs(
      prog('unpaired', (rt) => {
        const range = new RecursiveRwsem('range_lock');
        rt.spawn('t', function* () {
          yield* upWriteRecursive(range);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation.name).toBe('unlock-not-held');
  });
});

describe('rcu', () => {
  function publishAndFree(wait: boolean) {
    return prog('rcu-free', (rt) => {
      const ptr = new Word<number>('gp', 1);
      const freed = new Word('freed', 0);
      rt.spawn('reader', function* () {
        yield* rcuReadLock();
        const p = yield* ptr.read();
        if (p !== 0 && (yield* freed.read()) === p) throw new Error(`use after free of object ${p}`);
        yield* rcuReadUnlock();
      });
      rt.spawn('updater', function* () {
        yield* ptr.write(0);
        if (wait) yield* synchronizeRcu();
        yield* freed.write(1);
      });
    });
  }

  it('synchronize_rcu waits for readers that were inside: no use after free', () => {
    expect(dfs(publishAndFree(true)).kind).toBe('verified');
  });

  it('without the grace period the reader uses the freed object', () => {
    const v = dfs(publishAndFree(false));
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'T0(reader) threw: use after free of object 1',
    );
  });

  it('a spinlock holder that calls synchronize_rcu is reported as sleep-in-atomic', () => {
    const v = dfs(
      prog('sync-under-spin', (rt) => {
        const l = new SpinLock('l');
        rt.spawn('t', function* () {
          yield* spinLock(l);
          yield* synchronizeRcu();
          yield* spinUnlock(l);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'T0(t) calls synchronize_rcu(rcu), which may sleep, in atomic context (spin_lock(l))',
    );
  });

  it('sleeping inside rcu_read_lock is sleep-in-atomic; inside srcu_read_lock it is allowed', () => {
    const inRcu = dfs(
      prog('sleep-in-rcu', (rt) => {
        const m = new Mutex('m');
        rt.spawn('t', function* () {
          yield* rcuReadLock();
          yield* mutexLock(m);
          yield* mutexUnlock(m);
          yield* rcuReadUnlock();
        });
      }),
    );
    expect(inRcu.kind === 'violation' && inRcu.violation.name).toBe('sleep-in-atomic');
    const inSrcu = dfs(
      prog('sleep-in-srcu', (rt) => {
        const m = new Mutex('m');
        const s = new Srcu('notifier_srcu');
        rt.spawn('t', function* () {
          const idx = yield* srcuReadLock(s);
          yield* mutexLock(m);
          yield* mutexUnlock(m);
          yield* srcuReadUnlock(s, idx);
        });
        rt.spawn('sync', function* () {
          yield* synchronizeSrcu(s);
        });
      }),
    );
    expect(inSrcu.kind).toBe('verified');
  });

  it('call_rcu runs the callback after the readers that were inside have left', () => {
    const v = dfs(
      prog('call-rcu', (rt) => {
        const ptr = new Word('gp', 1);
        const freed = new Word('freed', 0);
        rt.spawn('reader', function* () {
          yield* rcuReadLock();
          const p = yield* ptr.read();
          if (p !== 0 && (yield* freed.read()) === 1) throw new Error('use after free');
          yield* rcuReadUnlock();
        });
        rt.spawn('updater', function* () {
          yield* ptr.write(0);
          yield* callRcu('free', function* () {
            yield* freed.write(1);
          });
        });
      }),
    );
    expect(v.kind).toBe('verified');
  });
});

describe('wait queues and completions', () => {
  it('wait_event never loses the wakeup (every schedule)', () => {
    const v = dfs(
      prog('wait-event', (rt) => {
        const wq = new WaitQueue('fault_wqh');
        const resolved = new Word('resolved', false);
        rt.spawn('faulter', function* () {
          yield* waitEvent(wq, function* () {
            return yield* resolved.read();
          });
        });
        rt.spawn('resolver', function* () {
          yield* resolved.write(true);
          yield* wakeUp(wq);
        });
      }),
    );
    expect(v.kind).toBe('verified');
  });

  it('testing the condition before prepare_to_wait loses the wakeup: the sleeper never wakes', () => {
    const v = dfs(
      prog('lost-wakeup', (rt) => {
        const wq = new WaitQueue('fault_wqh');
        const resolved = new Word('resolved', false);
        rt.spawn('faulter', function* () {
          if (!(yield* resolved.read())) {
            yield* prepareToWait(wq);
            yield* schedule();
          }
        });
        rt.spawn('resolver', function* () {
          yield* resolved.write(true);
          yield* wakeUp(wq);
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'deadlock',
      message: 'T0(faulter) waits for a wake_up (schedule() after prepare_to_wait)',
    });
  });

  it('wait_event as a blocked retry: the waiter runs no step until the word it read changes', () => {
    const orders = outcomes((rt, record) => {
      const wq = new WaitQueue('subscriptions.wq');
      const seq = new Word('invalidate_seq', 3);
      rt.spawn('reader', function* () {
        yield* waitEventUntilChanged(wq, function* () {
          return (yield* seq.read()) !== 3;
        });
        record(`passed at ${seq.value}`);
      });
      rt.spawn('inv_end', function* () {
        yield* seq.write(4);
        yield* wakeUp(wq);
      });
    });
    expect([...orders].sort()).toEqual(['passed at 4']);
    // Every schedule of the blocking wait against waitEvent's prepare_to_wait/schedule loop.
    const runs = (wait: typeof waitEvent): number | false => {
      const v = dfs(
        prog('wait-until-changed', (rt) => {
          const wq = new WaitQueue('subscriptions.wq');
          const seq = new Word('invalidate_seq', 3);
          rt.spawn('reader', () =>
            wait(wq, function* () {
              return (yield* seq.read()) !== 3;
            }),
          );
          rt.spawn('inv_end', function* () {
            yield* seq.write(4);
            yield* wakeUp(wq);
          });
        }),
      );
      return v.kind === 'verified' && v.runs;
    };
    expect([runs(waitEventUntilChanged), runs(waitEvent)]).toEqual([8, 13]);
  });

  it('a wait whose condition never comes true is a livelock report naming what it read', () => {
    const v = dfs(
      prog('wait-forever', (rt) => {
        const wq = new WaitQueue('subscriptions.wq');
        const seq = new Word('invalidate_seq', 3);
        rt.spawn('reader', () =>
          waitEventUntilChanged(wq, function* () {
            return (yield* seq.read()) !== 3;
          }),
        );
      }),
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'livelock',
      message: 'T0(reader) waits for a change to what its retry loop read (invalidate_seq)',
    });
  });

  it('complete() releases one waiter, complete_all() every waiter', () => {
    const one = dfs(
      prog('complete-one', (rt) => {
        const c = new Completion('done');
        for (const n of ['w0', 'w1']) rt.spawn(n, () => waitForCompletion(c));
        rt.spawn('c', () => complete(c));
      }),
    );
    expect(one.kind === 'violation' && one.violation.name).toBe('deadlock');
    const all = dfs(
      prog('complete-all', (rt) => {
        const c = new Completion('done');
        for (const n of ['w0', 'w1']) rt.spawn(n, () => waitForCompletion(c));
        rt.spawn('c', () => completeAll(c));
      }),
    );
    expect(all.kind).toBe('verified');
  });
});

describe('atomic_t', () => {
  it('cmpxchg lets exactly one of two racing threads win', () => {
    const seen = outcomes((rt, record) => {
      const a = new AtomicT('owner', 0);
      const wins: string[] = [];
      for (const [n, id] of [
        ['a', 1],
        ['b', 2],
      ] as const) {
        rt.spawn(n, function* () {
          if ((yield* atomicCmpxchg(a, 0, id)) === 0) wins.push(n);
          if (rt.threads.every((t) => t.done || t.name === n)) record(`winners=${wins.length}`);
        });
      }
    });
    expect([...seen]).toEqual(['winners=1']);
  });

  it('dec_and_test is true for exactly the last reference', () => {
    const seen = outcomes((rt, record) => {
      const ref = new AtomicT('_refcount', 2);
      const frees: string[] = [];
      for (const n of ['put0', 'put1']) {
        rt.spawn(n, function* () {
          if (yield* atomicDecAndTest(ref)) frees.push(n);
          if (rt.threads.every((t) => t.done || t.name === n)) record(frees.join(','));
        });
      }
    });
    expect([...seen].sort()).toEqual(['put0', 'put1']);
  });

  it('a get after the last put revives a freed page: the model lets the use-after-free show', () => {
    const seen = outcomes((rt, record) => {
      const ref = new AtomicT('_refcount', 1);
      let frees = 0;
      rt.spawn('get', function* () {
        yield* atomicInc(ref);
        if (yield* atomicDecAndTest(ref)) frees++;
      });
      rt.spawn('put', function* () {
        if (yield* atomicDecAndTest(ref)) frees++;
      });
      rt.invariant('end', () => {
        if (rt.threads.every((t) => t.done)) record(`frees=${frees}`);
        return null;
      });
    });
    expect([...seen].sort()).toEqual(['frees=1', 'frees=2']);
  });
});

describe('retry loops', () => {
  it('a retry that nothing can unblock is a livelock, not a hang', () => {
    const v = dfs(
      prog('spin-forever', (rt) => {
        const flag = new Word('flag', 0);
        rt.spawn('t', function* () {
          yield* retryLoop(function* () {
            return (yield* flag.read()) === 1 ? true : RETRY;
          });
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'livelock',
      message: 'T0(t) waits for a change to what its retry loop read (flag)',
    });
  });

  it('a plain spin loop is cut by the step budget, reported as step-budget', () => {
    const flag = new Word('flag', 0);
    const v = dfs(
      prog('spin', (rt) => {
        rt.spawn('t', function* () {
          while ((yield* flag.read()) === 0) {
            /* spins: no retry primitive */
          }
        });
      }),
    );
    expect(v.kind === 'violation' && v.violation.name).toBe('step-budget');
  });

  it('the retry primitive makes the fixed retry loop finite: a bounded number of schedules', () => {
    const v = dfs(
      prog('retry', (rt) => {
        const seq = new Word('seq', 0);
        const busy = new Word('busy', 0);
        rt.spawn('reader', function* () {
          yield* retryLoop(function* () {
            const s = yield* seq.read();
            if ((yield* busy.read()) !== 0) return RETRY;
            return (yield* seq.read()) === s ? s : RETRY;
          });
        });
        rt.spawn('writer', function* () {
          yield* busy.write(1);
          yield* seq.write(1);
          yield* busy.write(0);
        });
      }),
    );
    expect(v.kind).toBe('verified');
    expect(v.runs).toBeLessThan(100);
  });
});

describe('choose', () => {
  it('dfs enumerates every value of choose(n)', () => {
    const seen = outcomes((rt, record) => {
      rt.spawn('t', function* () {
        record(String(yield* choose(3)));
      });
    });
    expect([...seen].sort()).toEqual(['0', '1', '2']);
  });
});

describe('mutex across threads', () => {
  it('excludes and never deadlocks', () => {
    const v = dfs(
      prog('mutex', (rt) => {
        const m = new Mutex('m');
        for (const n of ['a', 'b']) {
          rt.spawn(n, function* () {
            yield* mutexLock(m);
            yield* mutexUnlock(m);
          });
        }
      }),
    );
    expect(v.kind).toBe('verified');
  });
});

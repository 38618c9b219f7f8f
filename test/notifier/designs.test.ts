import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { explore } from '../../src/explore/explorer.js';
import { DporStrategy } from '../../src/explore/strategies/dpor.js';
import type { MmuNotifierChain } from '../../src/notifier/chain.js';
import { EmmChain } from '../../src/notifier/designs/emm.js';
import { IntervalChain, MmuIntervalNotifier } from '../../src/notifier/designs/interval.js';
import { designs, makeChain } from '../../src/notifier/designs.js';
import type { MmuNotifier } from '../../src/notifier/ops.js';
import { Mm } from '../../src/primary/mm.js';
import { mmuNotifierRange } from '../../src/primary/notify.js';
import { PageAllocator } from '../../src/primary/page.js';
import { mightSleep } from '../../src/sim/api.js';
import type { Program } from '../../src/sim/program.js';
import { Runtime, type Scheduler } from '../../src/sim/runtime.js';
import type { Sim } from '../../src/sim/step.js';
import type { SimEvent } from '../../src/sim/trace.js';
import { nothing, record } from '../helpers/record.js';

function mm(): Mm {
  return new Mm('mm', new PageAllocator(2), {
    size: 2,
    vmas: [{ start: 0, end: 2, write: true, private: true }],
  });
}

/** Runs `program` picking threads by id from `script`, then the lowest id; returns the step and frame texts. */
function scripted(program: Program, script: number[]): string[] {
  const out: string[] = [];
  const sched: Scheduler = {
    pickThread: (enabled) => {
      const want = script.shift();
      const i = enabled.findIndex((t) => t.id === want);
      return i >= 0 ? i : 0;
    },
    pickValue: () => 0,
  };
  const rt = new Runtime({
    scheduler: sched,
    observer: (e: SimEvent) => {
      if (e.type === 'step') out.push(`T${e.thread} ${e.text}`);
      if (e.type === 'enter') out.push(`T${e.thread} > ${e.label}`);
    },
  });
  rt.setup((r) => program.setup(r));
  const res = rt.execute();
  if (res.violation) out.push(`VIOLATION ${res.violation.name}`);
  return out;
}

/** A subscriber that returns `ret` from every start and records its calls. */
function failing(name: string, calls: string[], ret: 0 | 'EAGAIN', young = false): MmuNotifier {
  return {
    name,
    ops: {
      *invalidateRangeStart() {
        yield* nothing();
        calls.push(`${name}.start`);
        return ret;
      },
      *invalidateRangeEnd() {
        yield* nothing();
        calls.push(`${name}.end`);
      },
      *clearFlushYoung() {
        yield* nothing();
        calls.push(`${name}.young`);
        return young;
      },
    },
  };
}

function one(body: (chain: MmuNotifierChain) => Sim<unknown>, design: string, subs: MmuNotifier[]): Program {
  return {
    name: design,
    setup(rt) {
      const chain = makeChain(design, mm());
      for (const s of subs) chain.registerAtSetup(s);
      rt.spawn('t', () => body(chain));
    },
  };
}

describe('design registry', () => {
  it('lists the five designs in the order of their history', () => {
    expect(Object.keys(designs)).toEqual(['emm', 'classic', 'rcu-register', 'seqlock-register', 'interval']);
    for (const d of Object.keys(designs)) expect(makeChain(d, mm()).design).toBe(d);
  });

  it('an unknown design is one MmulabError naming the valid ones', () => {
    expect(() => makeChain('mm_lock', mm())).toThrowError(MmulabError);
    expect(() => makeChain('mm_lock', mm())).toThrow(
      "unknown notifier design 'mm_lock' (valid: emm, classic, rcu-register, seqlock-register, interval)",
    );
  });
});

describe('emm', () => {
  it('emm_referenced stops at the first young subscriber: the rest are neither asked nor cleared', () => {
    const calls: string[] = [];
    const a = failing('a', calls, 0, false);
    const b = failing('b', calls, 0, true);
    const c = failing('c', calls, 0, true);
    let young = false;
    record(
      one(
        function* (chain) {
          young = yield* chain.clearFlushYoung(0, 1);
        },
        'emm',
        [c, b, a],
      ),
    );
    expect(young).toBe(true);
    expect(calls).toEqual(['a.young', 'b.young']);
  });

  it('classic ORs over every subscriber and asks each one', () => {
    const calls: string[] = [];
    record(
      one((chain) => chain.clearFlushYoung(0, 1), 'classic', [
        failing('c', calls, 0, true),
        failing('b', calls, 0, true),
        failing('a', calls, 0),
      ]),
    );
    expect(calls).toEqual(['a.young', 'b.young', 'c.young']);
  });

  it('a failing start hides the invalidation from later subscribers and ends no one', () => {
    const calls: string[] = [];
    const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_UNMAP', 'oom_reaper', false);
    let ret: unknown;
    const p = one(
      function* (chain) {
        ret = yield* chain.invalidateRangeStart(range);
      },
      'emm',
      [failing('c', calls, 0), failing('b', calls, 'EAGAIN'), failing('a', calls, 0)],
    );
    const events = record(p);
    expect(ret).toBe('EAGAIN');
    expect(calls).toEqual(['a.start', 'b.start']);
    expect(events).toEqual([
      'read mm.emmNotifier = [a, b, c]',
      '> a.callback(emm_invalidate_start)',
      '< a.callback(emm_invalidate_start)',
      '> b.callback(emm_invalidate_start)',
      '< b.callback(emm_invalidate_start)',
    ]);
  });

  it('the ≈5.12 hlist rule: the others start, the started ones get their end, the caller gets -EAGAIN', () => {
    for (const design of ['classic', 'rcu-register', 'seqlock-register', 'interval']) {
      const calls: string[] = [];
      const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_UNMAP', 'oom_reaper', false);
      let ret: unknown;
      record(
        one(
          function* (chain) {
            ret = yield* chain.invalidateRangeStart(range);
            expect(chain.active).toEqual([]);
          },
          design,
          [failing('c', calls, 0), failing('b', calls, 'EAGAIN'), failing('a', calls, 0)],
        ),
      );
      expect([design, ret, calls]).toEqual([
        design,
        'EAGAIN',
        ['a.start', 'b.start', 'c.start', 'a.end', 'c.end'],
      ]);
    }
  });

  it('is an EmmChain with no test_young of its own: the question clears', () => {
    const calls: string[] = [];
    record(one((chain) => chain.testYoung(0), 'emm', [failing('a', calls, 0, false)]));
    expect(calls).toEqual(['a.young']);
    expect(makeChain('emm', mm())).toBeInstanceOf(EmmChain);
  });
});

describe('rcu-register', () => {
  it('walks inside rcu_read_lock: a sleeping callback is a sleep-in-atomic violation', () => {
    const sleeper: MmuNotifier = {
      name: 'xpmem',
      ops: {
        *invalidateRangeStart() {
          yield* mightSleep('mutex_lock(xpmem)');
          return 0;
        },
      },
    };
    const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_CLEAR', 'madvise_dontneed');
    const events = record(one((chain) => chain.invalidateRangeStart(range), 'rcu-register', [sleeper]));
    expect(events.at(-1)).toMatch(/^VIOLATION sleep-in-atomic: .*rcu_read_lock/);
    const ok = record(one((chain) => chain.invalidateRangeStart(range), 'classic', [sleeper]));
    expect(ok.some((e) => e.startsWith('VIOLATION'))).toBe(false);
  });
});

describe('seqlock-register', () => {
  it('a registration inside a walk makes the walk replay its callback to the new subscriber', () => {
    const calls: string[] = [];
    const late = failing('late', calls, 0);
    const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_CLEAR', 'try_to_unmap');
    const p: Program = {
      name: 'replay',
      setup(rt) {
        const chain = makeChain('seqlock-register', mm());
        chain.registerAtSetup(failing('old', calls, 0));
        rt.spawn('reclaim', () => chain.invalidateRangeStart(range));
        rt.spawn('register', () => chain.register(late));
      },
    };
    // reclaim: read_seqbegin and the list read; then the whole registration; then reclaim.
    const events = scripted(p, [0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(calls).toEqual(['old.start', 'late.start']);
    expect(events).toEqual([
      'T0 read_seqcount_begin(mm.mmuNotifierLock.seqcount) = 0',
      'T0 read mm.notifierSubscriptions.list = [old]',
      'T0 > old.invalidate_range_start',
      'T1 down_write(mm.mmapLock) = true',
      'T1 spin_lock(mm.mmuNotifierLock.lock) = true',
      'T1 write_seqcount_begin(mm.mmuNotifierLock.seqcount) -> 1',
      'T1 update mm.notifierSubscriptions.list: [old] -> [late, old]',
      'T1 write_seqcount_end(mm.mmuNotifierLock.seqcount) -> 2',
      'T1 spin_unlock(mm.mmuNotifierLock.lock)',
      'T1 up_write(mm.mmapLock)',
      'T0 read_seqcount_retry(mm.mmuNotifierLock.seqcount, 0) = true',
      'T0 read_seqcount_begin(mm.mmuNotifierLock.seqcount) = 2',
      'T0 read mm.notifierSubscriptions.list = [late, old]',
      'T0 > late.invalidate_range_start',
      'T0 read_seqcount_retry(mm.mmuNotifierLock.seqcount, 2) = false',
    ]);
  });
});

describe('interval', () => {
  function intervalWorld(): { chain: IntervalChain; sub: MmuIntervalNotifier; seen: number[] } {
    const chain = new IntervalChain(mm());
    const seen: number[] = [];
    const sub = new MmuIntervalNotifier('mirror', 0, 1, {
      *invalidate(s, _r, cur) {
        seen.push(cur);
        yield* chain.setSeq(s, cur);
        return true;
      },
    });
    return { chain, sub, seen };
  }

  it('invalidate_seq: odd while a range hits an interval, even again after the last end; read_begin then returns the new seq', () => {
    const { chain, sub, seen } = intervalWorld();
    chain.insertAtSetup(sub);
    expect([chain.invalidateSeq, sub.invalidateSeq.value]).toEqual([2, 1]);
    const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_CLEAR', 'madvise_dontneed');
    let retry: boolean | undefined;
    record({
      name: 'itree',
      setup(rt) {
        rt.spawn('t', function* () {
          const seq = yield* chain.readBegin(sub);
          yield* chain.invalidateRangeStart(range);
          expect(chain.invalidateSeq).toBe(3);
          yield* chain.invalidateRangeEnd(range);
          retry = yield* chain.readRetry(sub, seq);
        });
      },
    });
    expect(seen).toEqual([3]);
    expect(retry).toBe(true);
    expect(chain.invalidateSeq).toBe(4);
  });

  it('remove: an idle tree unlinks at once; during a range it is deferred to the last end, which wakes the remover', () => {
    const { chain, sub } = intervalWorld();
    chain.insertAtSetup(sub);
    record({
      name: 'remove-idle',
      setup(rt) {
        rt.spawn('t', () => chain.remove(sub));
      },
    });
    expect(chain.itree).toEqual([]);
    const w = intervalWorld();
    w.chain.insertAtSetup(w.sub);
    const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_CLEAR', 'madvise_dontneed');
    const order: string[] = [];
    const p: Program = {
      name: 'remove-during-range',
      setup(rt) {
        rt.spawn('inv', function* () {
          yield* w.chain.invalidateRangeStart(range);
          // The remover runs here (it is the only other thread): it defers and waits.
          yield* mightSleep('between');
          yield* w.chain.invalidateRangeEnd(range);
          order.push(`end: itree ${w.chain.itree.length}`);
        });
        rt.spawn('remover', function* () {
          yield* w.chain.remove(w.sub);
          order.push(`remove returned: itree ${w.chain.itree.length}`);
        });
      },
    };
    // One schedule: inv opens the range, the remover defers and waits, inv ends and wakes it.
    const rt = new Runtime({
      scheduler: {
        pickThread: (en) => {
          const want =
            w.chain.activeInvalidateRanges > 0 && w.chain.deferred.length === 0 ? 'remover' : 'inv';
          return Math.max(
            0,
            en.findIndex((t) => t.name === want),
          );
        },
        pickValue: () => 0,
      },
    });
    rt.setup((r) => p.setup(r));
    expect(rt.execute().violation).toBeNull();
    expect(order).toEqual(['end: itree 0', 'remove returned: itree 0']);
  });

  it('an insert while a range is active: read_begin never returns the seq of an invalidation in progress (dpor, every schedule)', () => {
    const p: Program = {
      name: 'insert-during-range',
      setup(rt) {
        const { chain, sub } = intervalWorld();
        chain.hasItree = true;
        const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_CLEAR', 'madvise_dontneed');
        rt.spawn('inv', function* () {
          yield* chain.invalidateRangeStart(range);
          yield* chain.invalidateRangeEnd(range);
        });
        rt.spawn('mirror', function* () {
          yield* chain.insert(sub);
          const seq = yield* chain.readBegin(sub);
          // read_begin never returns the seq of an invalidation still excluding the subscription.
          if (chain.invalidateSeq === seq) throw new Error(`read_begin returned ${seq} while invalidating`);
        });
      },
    };
    const v = explore(p, { strategy: new DporStrategy(), maxRuns: 100_000 });
    expect(v.kind === 'violation' ? v.violation : v.kind).toBe('verified');
  });

  it('a failing non-blockable interval callback ends the itree and skips the hlist', () => {
    const calls: string[] = [];
    const chain = new IntervalChain(mm());
    const sub = new MmuIntervalNotifier('mirror', 0, 1, {
      *invalidate() {
        yield* nothing();
        calls.push('mirror.invalidate');
        return false;
      },
    });
    chain.insertAtSetup(sub);
    chain.registerAtSetup(failing('kvm', calls, 0));
    let ret: unknown;
    record({
      name: 'nb',
      setup(rt) {
        rt.spawn('oom', function* () {
          ret = yield* chain.invalidateRangeStart(
            mmuNotifierRange(0, 1, 'MMU_NOTIFY_UNMAP', 'oom_reaper', false),
          );
        });
      },
    });
    expect([ret, calls, chain.activeInvalidateRanges, chain.invalidateSeq]).toEqual([
      'EAGAIN',
      ['mirror.invalidate'],
      0,
      4,
    ]);
  });
});

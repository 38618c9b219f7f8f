import { describe, expect, it } from 'vitest';
import { ClassicChain } from '../../src/notifier/classic.js';
import { makeChain } from '../../src/notifier/designs.js';
import type { MmuNotifier } from '../../src/notifier/ops.js';
import { Mm } from '../../src/primary/mm.js';
import { mmuNotifierRange } from '../../src/primary/notify.js';
import { PageAllocator } from '../../src/primary/page.js';
import type { Runtime } from '../../src/sim/runtime.js';
import type { Sim } from '../../src/sim/step.js';
import { downRead, upRead } from '../../src/sim/sync/rwsem.js';
import { dfsVerdict, markerSubscriber, nothing, record } from '../helpers/record.js';

function world(rt: Runtime): { mm: Mm; chain: ClassicChain } {
  void rt;
  const mm = new Mm('mm', new PageAllocator(2), {
    size: 1,
    vmas: [{ start: 0, end: 1, write: true, private: true }],
  });
  return { mm, chain: new ClassicChain(mm) };
}

function program(body: (mm: Mm, chain: ClassicChain) => Sim<unknown>, subs: MmuNotifier[] = []) {
  return {
    name: 'chain',
    setup(rt: Runtime) {
      const { mm, chain } = world(rt);
      for (const s of subs) chain.registerAtSetup(s);
      rt.spawn('t', () => body(mm, chain));
    },
  };
}

describe('classic chain', () => {
  it('register takes mmap_lock(write) then mm_take_all_locks, adds at the head and publishes the chain', () => {
    const order: string[] = [];
    const a = markerSubscriber('a');
    const b = markerSubscriber('b');
    const events = record(
      program(function* (mm, chain) {
        yield* chain.register(a);
        yield* chain.register(b);
        order.push(...chain.subscribers.map((s) => s.name));
        order.push(mm.notifierSubscriptions === chain ? 'published' : 'unpublished');
      }),
    );
    expect(order).toEqual(['b', 'a', 'published']);
    expect(events.slice(0, 7)).toEqual([
      'down_write(mm.mmapLock) = true',
      'down_write(mm.anonVma.rwsem) = true',
      'spin_lock(mm.notifierSubscriptions.lock) = true',
      'update mm.notifierSubscriptions.list: [] -> [a]',
      'spin_unlock(mm.notifierSubscriptions.lock)',
      'up_write(mm.anonVma.rwsem)',
      'up_write(mm.mmapLock)',
    ]);
  });

  it('registration waits for an rmap-side bracket to end (mm_take_all_locks excludes it)', () => {
    // A reclaim-style walker holds the anon_vma lock across start..end; register cannot
    // slip in between, so a subscriber never sees an end without its start.
    const seen: string[] = [];
    const sub: MmuNotifier = {
      name: 'late',
      ops: {
        *invalidateRangeStart() {
          yield* nothing();
          seen.push('start');
          return 0;
        },
        *invalidateRangeEnd() {
          yield* nothing();
          seen.push('end');
        },
      },
    };
    const p = {
      name: 'register-vs-bracket',
      setup(rt: Runtime) {
        const { mm, chain } = world(rt);
        chain.registerAtSetup(markerSubscriber());
        const range = mmuNotifierRange(0, 1, 'MMU_NOTIFY_CLEAR', 'try_to_unmap');
        rt.spawn('reclaim', function* () {
          yield* downRead(mm.anonVmaLock);
          yield* chain.invalidateRangeStart(range);
          yield* chain.invalidateRangeEnd(range);
          yield* upRead(mm.anonVmaLock);
        });
        rt.spawn('register', () => chain.register(sub));
        rt.invariant('pairing', () => (seen.length === 1 && seen[0] === 'end' ? 'end without start' : null));
      },
    };
    expect(dfsVerdict(p).kind).toBe('verified');
  });

  it('release calls every ->release before unlinking, then waits for a grace period', () => {
    const events = record(
      program((_mm, chain) => chain.release(), [markerSubscriber('a'), markerSubscriber('b')]),
    );
    expect(events).toEqual([
      '> b.release',
      '< b.release',
      '> a.release',
      '< a.release',
      'spin_lock(mm.notifierSubscriptions.lock) = true',
      'write mm.notifierSubscriptions.list := []',
      'spin_unlock(mm.notifierSubscriptions.lock)',
      'synchronize_srcu(mmu_notifier_srcu) = []',
    ]);
  });

  it('unregister calls ->release if still linked, unlinks, and always synchronizes', () => {
    const a = markerSubscriber('a');
    const events = record(
      program(
        function* (_mm, chain) {
          yield* chain.unregister(a);
          yield* chain.unregister(a);
        },
        [a],
      ),
    );
    expect(events).toEqual([
      '> a.release',
      '< a.release',
      'spin_lock(mm.notifierSubscriptions.lock) = true',
      'update mm.notifierSubscriptions.list: [a] -> []',
      'spin_unlock(mm.notifierSubscriptions.lock)',
      'synchronize_srcu(mmu_notifier_srcu) = []',
      'synchronize_srcu(mmu_notifier_srcu) = []',
    ]);
  });

  it('clear_flush_young ORs every subscriber with no early exit; test_young stops at the first young', () => {
    const calls: string[] = [];
    const sub = (name: string, young: boolean): MmuNotifier => ({
      name,
      ops: {
        *clearFlushYoung() {
          yield* nothing();
          calls.push(`cfy ${name}`);
          return young;
        },
        *testYoung() {
          yield* nothing();
          calls.push(`ty ${name}`);
          return young;
        },
      },
    });
    const results: boolean[] = [];
    record(
      program(
        function* (_mm, chain) {
          results.push(yield* chain.clearFlushYoung(0, 1));
          results.push(yield* chain.testYoung(0));
        },
        [sub('old', false), sub('young', true)],
      ),
    );
    // registerAtSetup adds at the head: 'young' is walked first.
    expect(calls).toEqual(['cfy young', 'cfy old', 'ty young']);
    expect(results).toEqual([true, true]);
  });

  it('a nonblockable start runs its callbacks in atomic context: a sleeping callback is a violation', () => {
    const sleeper: MmuNotifier = {
      name: 'sleeper',
      ops: {
        *invalidateRangeStart() {
          const { mm } = holder;
          yield* downRead(mm!.mmapLock);
          yield* upRead(mm!.mmapLock);
          return 0;
        },
      },
    };
    const holder: { mm: Mm | null } = { mm: null };
    const events = record({
      name: 'oom',
      setup(rt) {
        const { mm, chain } = world(rt);
        holder.mm = mm;
        chain.registerAtSetup(sleeper);
        rt.spawn('oom_reaper', () =>
          chain.invalidateRangeStart(mmuNotifierRange(0, 1, 'MMU_NOTIFY_UNMAP', 'oom_reap', false)),
        );
      },
    });
    expect(events.at(-1)).toMatch(
      /^VIOLATION sleep-in-atomic: .*down_read\(mm\.mmapLock\).*non-blockable range/,
    );
  });

  it('makeChain rejects an unknown design with the valid names', () => {
    const mm = new Mm('mm', new PageAllocator(1), { size: 1, vmas: [] });
    expect(() => makeChain('mm_lock', mm)).toThrow(
      "unknown notifier design 'mm_lock' (valid: emm, classic, rcu-register, seqlock-register, interval)",
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replay, runOnce } from '../../src/explore/explorer.js';
import { RandomStrategy } from '../../src/explore/strategies/random.js';
import { classifyOp, lockEffect } from '../../src/report/kinds.js';
import { recordRun } from '../../src/report/record.js';
import { observe, TraceRecorder, traceEmitter } from '../../src/report/trace.js';
import { lockOrderInversion, notifierRace } from '../../src/scenarios/demos.js';
import type { SimEvent } from '../../src/sim/index.js';
import { firstViolation, kvmRace, longRun } from './fixtures.js';

describe('recordRun', () => {
  it('records the steps of the replayed run, in order, with thread, object and value', () => {
    const p = notifierRace(false, 2, 2);
    const token = firstViolation(p);
    const t = recordRun(p, token);
    const raw: SimEvent[] = [];
    const r = replay(p, token, { observer: (e) => raw.push(e) });
    const steps = t.entries.filter((e) => e.type === 'step');
    expect(t.steps).toBe(r.steps);
    expect(steps.map((e) => e.index)).toEqual([...Array(r.steps).keys()]);
    expect(steps.map((e) => `${e.thread} ${e.text}`)).toEqual(
      raw.flatMap((e) => (e.type === 'step' ? [`${e.thread} ${e.text}`] : [])),
    );
    expect(t.threads.map((x) => x.label)).toEqual(['T0(vcpu0)', 'T1(vcpu1)', 'T2(munmap)']);
    expect(t.violation?.name).toBe('coherence');
    expect(t.violationThread).toBe(2);
    expect(steps.find((e) => e.op === 'spin_lock')).toMatchObject({
      kind: 'lock',
      obj: 'mmu_lock',
      value: 'true',
    });
  });

  it('derives lock hold spans; a deadlock leaves both holds open', () => {
    const t = recordRun(lockOrderInversion, firstViolation(lockOrderInversion));
    expect(t.violation?.name).toBe('deadlock');
    expect(t.violationThread).toBeNull();
    expect(t.locks).toEqual([
      { thread: 0, lock: 'A', mode: 'spin', start: 0, end: 2, open: true },
      { thread: 1, lock: 'B', mode: 'spin', start: 1, end: 2, open: true },
    ]);
    expect(t.threads.map((x) => x.end)).toEqual([null, null]);
  });

  it('records callback nesting as frames and notes at the time they were made', () => {
    const p = kvmRace();
    const t = recordRun(p, firstViolation(p));
    expect(t.frames.map((f) => [f.thread, f.label, f.depth, f.start, f.end, f.open])).toEqual([
      [0, 'kvm_tdp_page_fault', 0, 0, 8, false],
      [0, 'hva_to_pfn', 1, 0, 1, false],
      [1, 'unmap_region', 0, 0, 9, false],
      [1, 'mmu_notifier_invalidate_range_start', 1, 2, 5, false],
      [1, 'kvm_mmu_notifier_invalidate_range_start', 2, 2, 5, false],
    ]);
    expect(t.locks.map((l) => [l.thread, l.lock, l.start, l.end])).toEqual([
      [0, 'kvm.mmu_lock', 5, 8],
      [1, 'kvm.mmu_lock', 2, 5],
    ]);
    const notes = t.entries.flatMap((e) => (e.type === 'note' ? [[e.kind, e.time, e.depth]] : []));
    expect(notes).toEqual([
      ['pte', 2, 1],
      ['tlb-flush', 2, 1],
      ['page-free', 9, 1],
    ]);
    const spliced = t.entries.find((e) => e.type === 'step' && e.op === 'spin_lock' && e.thread === 1);
    expect(spliced?.depth).toBe(3);
  });

  it('attaches no observer when nobody listens', () => {
    const em = traceEmitter();
    expect(observe(em)).toBeUndefined();
    em.on('step', () => {});
    expect(observe(em)).toBeTypeOf('function');
  });

  it('keeps frames nested and steps in order under any schedule (random walks)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, long) => {
        const p = long ? longRun(3, 4) : kvmRace();
        const em = traceEmitter();
        const rec = new TraceRecorder(em);
        const scheduler = new RandomStrategy(seed).nextRun();
        const observer = observe(em)!;
        const r = runOnce(p, { scheduler, observer });
        const t = rec.finish(p.name, 'x');
        const steps = t.entries.filter((e) => e.type === 'step');
        expect(steps.map((e) => e.index)).toEqual([...Array(r.steps).keys()]);
        let last = 0;
        for (const e of t.entries) {
          expect(e.time).toBeGreaterThanOrEqual(last);
          last = e.time;
        }
        for (const f of t.frames) {
          expect(f.end).toBeGreaterThanOrEqual(f.start);
          if (f.depth === 0) continue;
          const parent = t.frames.find(
            (g) => g.thread === f.thread && g.depth === f.depth - 1 && g.start <= f.start && f.end <= g.end,
          );
          expect(parent).toBeDefined();
        }
        for (const l of t.locks) expect(l.end).toBeGreaterThan(l.start);
      }),
      { numRuns: 60 },
    );
  });
});

describe('step kinds', () => {
  it('maps kernel op names to kinds', () => {
    expect(
      [
        ['spin_lock', 'rmw'],
        ['spin_unlock', 'rmw'],
        ['down_write (wait)', 'rmw'],
        ['up_write_recursive', 'rmw'],
        ['downgrade_write', 'rmw'],
        ['synchronize_rcu', 'read'],
        ['retry', 'none'],
        ['read', 'read'],
        ['write', 'write'],
        ['cmpxchg', 'observe'],
        ['spawn', 'none'],
        ['choose', 'none'],
      ].map(([op, a]) => classifyOp(op!, a as 'read')),
    ).toEqual([
      'lock',
      'unlock',
      'lock',
      'unlock',
      'unlock',
      'wait',
      'wait',
      'read',
      'write',
      'rmw',
      'spawn',
      'choose',
    ]);
  });

  it('acquires nothing on a failed trylock or a queued down_write', () => {
    expect(lockEffect('spin_trylock', false)).toBeNull();
    expect(lockEffect('down_write', false)).toBeNull();
    expect(lockEffect('down_write', true)).toEqual({ acquire: 'write', release: [] });
    expect(lockEffect('down_write (wait)', true)).toEqual({ acquire: 'write', release: [] });
    expect(lockEffect('downgrade_write', undefined)).toEqual({ acquire: 'read', release: ['write'] });
    expect(lockEffect('read', 1)).toBeNull();
  });
});

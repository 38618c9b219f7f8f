import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replay, runOnce } from '../../src/explore/explorer.js';
import { RandomStrategy } from '../../src/explore/strategies/random.js';
import { type ChromeTraceEvent, renderChromeTrace, toChromeTrace } from '../../src/report/perfetto.js';
import { recordRun } from '../../src/report/record.js';
import { observe, TraceRecorder, traceEmitter } from '../../src/report/trace.js';
import { lockOrderInversion, notifierRace } from '../../src/scenarios/demos.js';
import { frame, Mutex, mutexLock, type Program, SpinLock, spinLock } from '../../src/sim/index.js';
import { firstViolation, kvmRace, longRun } from './fixtures.js';

/**
 * Checks the nesting discipline of the trace-event format, which Perfetto enforces (no
 * overlapping B/E/X on a thread): per thread every B is closed by its E, LIFO, and every
 * complete (X) slice that starts inside a B/E pair ends inside it.
 */
function checkBalanced(events: readonly ChromeTraceEvent[]): void {
  const stacks = new Map<number, { name: string; maxEnd: number }[]>();
  let last = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    if (e.ph === 'M') continue;
    expect(e.ts).toBeGreaterThanOrEqual(last);
    last = e.ts!;
    const s = stacks.get(e.tid) ?? [];
    stacks.set(e.tid, s);
    if (e.ph === 'B') s.push({ name: e.name, maxEnd: e.ts! });
    if (e.ph === 'X') for (const f of s) f.maxEnd = Math.max(f.maxEnd, e.ts! + e.dur!);
    if (e.ph === 'E') {
      const f = s.pop();
      expect(f?.name).toBe(e.name);
      expect(f!.maxEnd).toBeLessThanOrEqual(e.ts!);
    }
  }
  for (const s of stacks.values()) expect(s).toEqual([]);
  const asyncOpen = new Map<string, number>();
  for (const e of events) {
    if (e.ph === 'b') asyncOpen.set(e.id!, (asyncOpen.get(e.id!) ?? 0) + 1);
    if (e.ph === 'e') asyncOpen.set(e.id!, (asyncOpen.get(e.id!) ?? 0) - 1);
  }
  for (const n of asyncOpen.values()) expect(n).toBe(0);
}

/** A violation inside two frames with a spinlock held: both frames and the hold stay open. */
const sleepUnderLockInCallback: Program = {
  name: 'sleep-in-callback',
  setup(rt) {
    const lock = new SpinLock('mmu_lock');
    const m = new Mutex('umem_lock');
    rt.spawn('reclaim', function* () {
      yield* frame(
        'try_to_unmap',
        frame(
          'invalidate_range_start',
          (function* () {
            yield* spinLock(lock);
            yield* mutexLock(m);
          })(),
        ),
      );
    });
  },
};

describe('Chrome trace-event JSON', () => {
  it('has one named track per thread, a slice per step and the violation as an instant', () => {
    const p = notifierRace(false, 2, 2);
    const token = firstViolation(p);
    const t = recordRun(p, token);
    const json = JSON.parse(renderChromeTrace(t, { replayCommand: 'mmulab replay x' })) as {
      traceEvents: ChromeTraceEvent[];
      otherData: Record<string, string>;
    };
    const ev = json.traceEvents;
    expect(ev.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args?.name])).toEqual([
      [1, 'T0(vcpu0)'],
      [2, 'T1(vcpu1)'],
      [3, 'T2(munmap)'],
    ]);
    expect(ev.filter((e) => e.ph === 'X')).toHaveLength(t.steps);
    const v = ev.filter((e) => e.ph === 'i' && e.cat === 'violation');
    expect(v).toEqual([
      {
        name: 'violation: coherence',
        ph: 'i',
        s: 't',
        pid: 1,
        tid: 3,
        ts: 22.5,
        cat: 'violation',
        args: { message: 'spte[0] maps frame 1, which munmap freed', step: 22, thread: 'T2(munmap)' },
      },
    ]);
    expect(json.otherData).toMatchObject({ program: p.name, token, replay: 'mmulab replay x' });
    checkBalanced(ev);
  });

  it('closes frames and lock holds the violation struck inside', () => {
    const token = firstViolation(sleepUnderLockInCallback);
    const r = replay(sleepUnderLockInCallback, token);
    expect(r.violation?.name).toBe('sleep-in-atomic');
    const ev = toChromeTrace(recordRun(sleepUnderLockInCallback, token)).traceEvents;
    expect(ev.filter((e) => e.ph === 'B' || e.ph === 'E').map((e) => `${e.ph} ${e.name}`)).toEqual([
      'B try_to_unmap',
      'B invalidate_range_start',
      'E invalidate_range_start',
      'E try_to_unmap',
    ]);
    expect(ev.filter((e) => e.ph === 'E').every((e) => e.args?.open === true)).toBe(true);
    expect(ev.filter((e) => e.ph === 'e').map((e) => [e.name, e.args?.open])).toEqual([
      ['mmu_lock (spin)', true],
    ]);
    checkBalanced(ev);
  });

  it('puts a deadlock, which no one thread took, on the global scope', () => {
    const ev = toChromeTrace(recordRun(lockOrderInversion, firstViolation(lockOrderInversion))).traceEvents;
    expect(ev.filter((e) => e.cat === 'violation').map((e) => [e.name, e.s])).toEqual([
      ['violation: deadlock', 'g'],
    ]);
    checkBalanced(ev);
  });

  it('stays balanced for nested frames, notes and a long run', () => {
    for (const p of [kvmRace(), longRun(3, 50)]) {
      const ev = toChromeTrace(recordRun(p, firstViolation(p))).traceEvents;
      expect(ev.some((e) => e.ph === 'B')).toBe(true);
      expect(ev.some((e) => e.ph === 'i' && e.cat === 'pte')).toBe(true);
      checkBalanced(ev);
    }
  });

  it('nests under any schedule (random walks)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, long) => {
        const p = long ? longRun(3, 3) : kvmRace();
        const em = traceEmitter();
        const rec = new TraceRecorder(em);
        runOnce(p, { scheduler: new RandomStrategy(seed).nextRun(), observer: observe(em)! });
        checkBalanced(toChromeTrace(rec.finish(p.name, 'x')).traceEvents);
      }),
      { numRuns: 60 },
    );
  });
});

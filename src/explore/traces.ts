import type { Program } from '../sim/program.js';
import type { Runtime, Scheduler } from '../sim/runtime.js';
import type { SimThread } from '../sim/thread.js';
import { runOnce } from './explorer.js';
import {
  dependent,
  type Footprint,
  footprint,
  invariantVisibility,
  type Visibility,
  withExit,
} from './footprint.js';
import type { Strategy } from './strategy.js';

/**
 * Mazurkiewicz-trace identity of runs, for measuring a reduction: two runs are the same trace
 * when each thread takes the same events and every pair of dependent events (same dependence
 * as DPOR's) is ordered the same way. The key lists, per event in thread order, its vector
 * clock over the dependence order; equal keys, equal traces.
 */
export class TraceKeyRecorder {
  private rt: Runtime | null = null;
  private vis: Visibility = 'all';
  private readonly events: { tid: number; fp: Footprint; clock: number[] }[] = [];
  private readonly threadClock: number[][] = [];
  private known = 0;
  private readonly values: number[] = [];

  /** Wraps a scheduler so the run is recorded. */
  wrap(inner: Scheduler): Scheduler {
    return {
      pickThread: (e, rt) => inner.pickThread(e, rt),
      pickValue: (n, rt) => {
        const v = inner.pickValue(n, rt);
        this.values.push(v);
        return v;
      },
      beforeStep: (t, rt) => {
        if (this.rt === null) {
          this.rt = rt;
          this.vis = invariantVisibility(rt);
        }
        this.settle();
        const ok = inner.beforeStep ? inner.beforeStep(t, rt) : true;
        if (ok) this.events.push({ tid: t.id, fp: footprint(t, t.pending!, this.vis), clock: [] });
        return ok;
      },
    };
  }

  /** The key of the recorded run, with the choose() values it drew. */
  key(): string {
    this.settle();
    const rt = this.rt;
    if (!rt) return 'empty';
    // Recompute clocks over the completed footprints (exit writes are known only afterwards).
    const last = new Map<number, { w: number[] | null; r: number[] | null }>();
    const tc: number[][] = [];
    const per: string[][] = [];
    for (const e of this.events) {
      const c = [...(tc[e.tid] ?? this.spawnClock(e.tid))];
      for (let k = 0; k < e.fp.objs.length; k++) {
        const oc = last.get(e.fp.objs[k]!);
        if (oc?.w) joinInto(c, oc.w);
        if (e.fp.writes[k] && oc?.r) joinInto(c, oc.r);
      }
      c[e.tid] = (c[e.tid] ?? 0) + 1;
      for (let k = 0; k < e.fp.objs.length; k++) {
        const o = e.fp.objs[k]!;
        const oc = last.get(o) ?? { w: null, r: null };
        if (e.fp.writes[k]) {
          oc.w = c;
          oc.r = null;
        } else {
          oc.r = oc.r ? joinInto([...oc.r], c) : [...c];
        }
        last.set(o, oc);
      }
      tc[e.tid] = c;
      e.clock = c;
      const list = per[e.tid] ?? [];
      list.push(c.map((x) => x ?? 0).join('.'));
      per[e.tid] = list;
    }
    const values = this.values.length > 0 ? `|${this.values.join('.')}` : '';
    return per.map((p) => (p ?? []).join(',')).join(';') + values;
  }

  private spawnClock(tid: number): number[] {
    return this.threadClock[tid] ?? [];
  }

  /** Adds the exit write to a finished thread's last event; gives spawned threads a clock. */
  private settle(): void {
    const rt = this.rt;
    if (!rt) return;
    const e = this.events[this.events.length - 1];
    if (e) {
      const t: SimThread = rt.threads[e.tid]!;
      if (t.done && !e.fp.objs.includes(t.serial)) e.fp = withExit(e.fp, t, this.vis);
    }
    for (let k = this.known; k < rt.threads.length; k++) {
      // A spawned thread starts after everything its parent did so far.
      const parent = e ? e.tid : -1;
      this.threadClock[k] = parent >= 0 ? this.parentPrefix(parent) : [];
    }
    this.known = rt.threads.length;
  }

  private parentPrefix(parent: number): number[] {
    let n = 0;
    for (const e of this.events) if (e.tid === parent) n++;
    const c: number[] = [];
    c[parent] = n;
    return c;
  }
}

function joinInto(into: number[], c: readonly number[]): number[] {
  for (let k = 0; k < c.length; k++) if ((c[k] ?? 0) > (into[k] ?? 0)) into[k] = c[k]!;
  return into;
}

/** Whether two footprints conflict (re-exported for tests of the dependence relation). */
export { dependent };

export interface ClassCount {
  readonly runs: number;
  readonly traces: number;
  readonly complete: boolean;
  /** Runs that ended in a violation (each a prefix, counted as its own trace). */
  readonly violations: number;
}

/** Runs a strategy to the end (or `maxRuns`) and counts distinct traces among its runs. */
export function countTraces(program: Program, strategy: Strategy, maxRuns: number): ClassCount {
  const keys = new Set<string>();
  let runs = 0;
  let violations = 0;
  for (;;) {
    if (runs >= maxRuns) return { runs, traces: keys.size, complete: false, violations };
    const s = strategy.nextRun();
    if (!s) return { runs, traces: keys.size, complete: true, violations };
    const rec = new TraceKeyRecorder();
    const r = runOnce(program, { scheduler: rec.wrap(s) });
    runs++;
    if (r.violation) violations++;
    if (!r.pruned) keys.add(rec.key());
    strategy.runDone(r);
  }
}

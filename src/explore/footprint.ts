import type { Runtime } from '../sim/runtime.js';
import { SimObject, type Step } from '../sim/step.js';
import { WaitQueue } from '../sim/sync/waitqueue.js';
import type { SimThread } from '../sim/thread.js';

/**
 * What one step touches, for the dependence relation of DPOR: the objects it reads or writes.
 * Most steps touch their own object only (plus the `touches` a coarse step declares); three
 * touch more:
 * - a `retry` step (a thread blocked in `retryLoop`) reads every object its failed iteration
 *   read: a write to one of them may enable it;
 * - `wake_up` also writes each woken thread (it sets `woken`, which `schedule()` reads);
 * - a thread's last step also writes the thread itself (it exits; `join` reads it), added by
 *   the explorer after the step ran.
 * An invariant is a reader of every state, so writes to the objects an invariant reads are
 * mutually dependent: they carry `INVARIANT_STATE` as a written pseudo-object.
 */
export interface Footprint {
  /** The objects, by serial (SimObject.serial): stable across runs that replay one prefix. */
  readonly objs: number[];
  /** writes[i]: the step writes objs[i] ('write', 'rmw', 'observe'); else it only reads it. */
  readonly writes: boolean[];
}

class InvariantState extends SimObject {
  override run(): unknown {
    return undefined;
  }
}

/** The pseudo-object standing for "the state the invariants read". */
export const INVARIANT_STATE: SimObject = new InvariantState('invariant-state');
INVARIANT_STATE.serial = 0;

/** Which writes the run's invariants can see: a set of object serials, or every object. */
export type Visibility = ReadonlySet<number> | 'all';

export function invariantVisibility(rt: Runtime): Visibility {
  const seen = new Set<number>();
  for (const inv of rt.invariants) {
    if (inv.reads === null) return 'all';
    for (const o of inv.reads) seen.add(o.serial);
  }
  return seen;
}

const EMPTY: Footprint = { objs: [], writes: [] };
// By object serial; a footprint is never changed once made (withExit copies).
const READS: Footprint[] = [];
const WRITES: Footprint[] = [];
const VISIBLE_WRITES: Footprint[] = [];

/** The footprint of `step` if thread `t` took it now. */
export function footprint(t: SimThread, step: Step, vis: Visibility): Footprint {
  const obj = step.obj;
  if (obj === t && step.op === 'retry') return retryFootprint(t);
  const wake = obj instanceof WaitQueue && step === obj.wakeStep;
  if (step.touches.length === 0 && !wake) {
    // Most steps: their own object only, one shared footprint per object and kind (this runs
    // on every event, and dpor keeps each event's footprint for the whole run).
    if (step.access === 'none') return EMPTY;
    const s = obj.serial;
    if (step.access === 'read') return (READS[s] ??= { objs: [s], writes: [false] });
    if (vis === 'all' || vis.has(s))
      return (VISIBLE_WRITES[s] ??= { objs: [s, INVARIANT_STATE.serial], writes: [true, true] });
    return (WRITES[s] ??= { objs: [s], writes: [true] });
  }
  const objs: number[] = [];
  const writes: boolean[] = [];
  if (step.access !== 'none') {
    objs.push(obj.serial);
    writes.push(step.access !== 'read');
  }
  // A coarse step (a critical section as one step, a hardware walk) names what else it touches.
  for (const o of step.touches) {
    objs.push(o.serial);
    writes.push(true);
  }
  if (wake) {
    for (const w of obj.waiters) {
      objs.push(w.serial);
      writes.push(true);
    }
  }
  if (objs.length === 0) return EMPTY;
  markVisible(objs, writes, vis);
  return { objs, writes };
}

/** Adds the exit write of a thread's last step. */
export function withExit(fp: Footprint, t: SimThread, vis: Visibility): Footprint {
  const objs = [...fp.objs, t.serial];
  const writes = [...fp.writes, true];
  if (!objs.includes(INVARIANT_STATE.serial)) markVisible(objs, writes, vis);
  return { objs, writes };
}

function markVisible(objs: number[], writes: boolean[], vis: Visibility): void {
  for (let i = 0; i < objs.length; i++) {
    if (writes[i] && (vis === 'all' || vis.has(objs[i]!))) {
      objs.push(INVARIANT_STATE.serial);
      writes.push(true);
      return;
    }
  }
}

function retryFootprint(t: SimThread): Footprint {
  const it = t.retries[t.retries.length - 1];
  if (!it) return EMPTY;
  const objs: number[] = [];
  for (let i = 0; i < it.observed.length; i += 2) {
    const o = (it.observed[i] as SimObject).serial;
    if (!objs.includes(o)) objs.push(o);
  }
  return { objs, writes: objs.map(() => false) };
}

/** Two steps are dependent when they touch a common object and one of them writes it. */
export function dependent(a: Footprint, b: Footprint): boolean {
  const ao = a.objs;
  const bo = b.objs;
  for (let i = 0; i < ao.length; i++) {
    const o = ao[i];
    for (let j = 0; j < bo.length; j++) {
      if (o === bo[j] && (a.writes[i] || b.writes[j])) return true;
    }
  }
  return false;
}

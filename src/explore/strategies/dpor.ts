import type { RunResult, Runtime, Scheduler } from '../../sim/runtime.js';
import type { SimObject, Step } from '../../sim/step.js';
import { WaitQueue } from '../../sim/sync/waitqueue.js';
import type { SimThread } from '../../sim/thread.js';
import {
  dependent,
  type Footprint,
  footprint,
  invariantVisibility,
  type Visibility,
  withExit,
} from '../footprint.js';
import { badCheckpoint, isCount, isRecord, type Strategy } from '../strategy.js';
import type { Cut } from '../verdict.js';

/** One event of the current run, and the search state before it (pre(i) in the paper). */
interface Node {
  /** Thread that takes the event. */
  tid: number;
  /** Threads enabled before it, by id. */
  enabled: number[];
  /** Threads still to try here (FG05's backtrack set). */
  backtrack: number[];
  /** Threads tried here. */
  done: number[];
  /** Threads asleep here: an equivalent schedule starting with them was explored. */
  sleep: number[];
  /** `choose(n)` in this event: options and value taken (n = 0: none). */
  n: number;
  v: number;
  /** Preemptions in the run before this event. */
  preemptions: number;
  /** Inside a forced prefix (a shard's unit): no alternatives explored here. */
  fixedTid: boolean;
  fixedValue: boolean;
  /** The event's vector clock, kept for the runs that replay it. */
  clock: Clock | null;
}

type Clock = number[];

interface ObjClock {
  /** Clock of the last write. */
  w: Clock | null;
  /** Join of the reads since that write. */
  r: Clock | null;
  /** `r` is this entry's own array (joined in place), not a read event's clock. */
  rOwned: boolean;
}

/**
 * Exhaustive search with dynamic partial-order reduction and sleep sets (Flanagan and
 * Godefroid, POPL 2005; sleep sets from Godefroid's thesis, 1996), stateless: each run
 * replays a prefix of the stack and extends it.
 *
 * After every event, and for every thread's pending step (also a disabled one: a blocked lock
 * acquire, a blocked retry), the last event of another thread that is dependent with it and
 * not happens-before it gets the thread in its backtrack set, or every thread enabled there
 * if it was not. Dependence is by footprint (src/explore/footprint.ts): a retry step reads
 * what its loop read, so the write that unblocks it is a race with it; wake_up writes the
 * threads it wakes; a thread's exit writes the thread (join reads it); writes to objects an
 * invariant reads are mutually dependent, so every explored schedule class visits the same
 * invariant states as dfs would. `choose(n)` values are all explored, as in dfs.
 *
 * A run whose enabled threads are all asleep is redundant and ends `pruned`. A run that ends
 * in a violation puts the other live threads into the backtrack set of its last event, so a
 * violation reachable only by letting another thread first is not hidden by the early end.
 *
 * With `preemptions: k`, backtrack points that would make a run preempt more than k times are
 * dropped and the verdict is at best `bounded` (as loom's bound; not complete even within k).
 */
export class DporStrategy implements Strategy {
  readonly name = 'dpor';
  readonly exhaustive = true;
  /** Runs ended early because every enabled thread was asleep. */
  prunedRuns = 0;
  private stack: Node[] = [];
  private finished = false;
  private started = false;
  private droppedByBound = false;

  // Per-run state.
  private replayLen = 0;
  private pos = 0;
  private rt: Runtime | null = null;
  private vis: Visibility = 'all';
  private evTid: number[] = [];
  private evStep: Step[] = [];
  private evFp: Footprint[] = [];
  private evClock: Clock[] = [];
  private threadClock: Clock[] = [];
  private objClock = new Map<SimObject, ObjClock>();
  private knownThreads = 0;
  private childSleep: number[] = [];
  private fpCache: (Footprint | undefined)[] = [];
  private blocked = false;
  private pickedNew = -1;

  /** Choices (token form) consumed so far in this run, for the forced prefix. */
  private choiceK = 0;

  /**
   * `prefix` forces the run's first choices (thread ids at choice points, `choose` values, as
   * in a token): the search then covers only the schedules that start with it. No backtrack
   * point is added inside the prefix; the prefix's nodes get the sleep sets they would have
   * in one search that took the prefixes in lexicographic order, so the union of the
   * searches over every prefix of some length covers every schedule, and equivalent prefixes
   * are not searched twice (src/explore/shard.ts splits a search this way).
   */
  constructor(
    readonly preemptionBound: number | null = null,
    private readonly prefix: readonly number[] = [],
  ) {}

  cut(): Cut | null {
    return this.droppedByBound ? 'preemptions' : null;
  }

  nextRun(): Scheduler | null {
    if (this.finished) return null;
    this.started = true;
    this.replayLen = this.stack.length;
    this.pos = 0;
    this.rt = null;
    this.evTid = [];
    this.evStep = [];
    this.evFp = [];
    this.evClock = [];
    this.threadClock = [];
    this.objClock = new Map();
    this.knownThreads = 0;
    this.childSleep = [];
    this.fpCache = [];
    this.blocked = false;
    this.pickedNew = -1;
    this.choiceK = 0;
    return {
      pickThread: (enabled) => this.pickThread(enabled),
      pickValue: (n) => this.pickValue(n),
      beforeStep: (t, rt) => this.beforeStep(t, rt),
    };
  }

  private pickThread(enabled: readonly SimThread[]): number {
    const i = this.pos;
    const node = this.stack[i];
    const forced = this.choiceK < this.prefix.length ? this.prefix[this.choiceK]! : -1;
    this.choiceK++;
    if (node && i < this.replayLen) {
      const k = enabled.findIndex((t) => t.id === node.tid);
      if (k < 0) nondeterministic(i, `thread ${node.tid} is not enabled`);
      return k;
    }
    if (forced >= 0) {
      const k = enabled.findIndex((t) => t.id === forced);
      if (k < 0) nondeterministic(i, `the prefix runs thread ${forced}, which is not enabled`);
      // The other prefixes take the lower ids here first (splitUnits' order): as in one
      // search, they are done, and the sleep set carries them on. A prefix that runs a
      // sleeping thread repeats another one: it ends at once.
      if (this.childSleep.includes(forced)) {
        this.blocked = true;
        return k;
      }
      const ids = enabled.map((t) => t.id);
      this.stack.push({
        tid: forced,
        enabled: ids,
        backtrack: [forced],
        done: [...ids.filter((x) => x < forced), forced],
        sleep: [...this.childSleep],
        n: 0,
        v: 0,
        preemptions: this.preemptionsBefore(
          i,
          forced,
          enabled.map((t) => t.id),
        ),
        fixedTid: true,
        fixedValue: false,
        clock: null,
      });
      this.pickedNew = i;
      return k;
    }
    // A new node: the previous thread if it may run (no preemption), else the first awake one.
    const sleep = this.childSleep;
    const prev = i > 0 ? this.evTid[i - 1]! : -1;
    let k = enabled.findIndex((t) => t.id === prev && !sleep.includes(t.id));
    if (k < 0) k = enabled.findIndex((t) => !sleep.includes(t.id));
    if (k < 0) {
      this.blocked = true;
      return 0;
    }
    const tid = enabled[k]!.id;
    const preemptions = this.preemptionsBefore(
      i,
      tid,
      enabled.map((t) => t.id),
    );
    this.stack.push({
      tid,
      enabled: enabled.map((t) => t.id),
      backtrack: [tid],
      done: [tid],
      sleep: [...sleep],
      n: 0,
      v: 0,
      preemptions,
      fixedTid: false,
      fixedValue: false,
      clock: null,
    });
    this.pickedNew = i;
    return k;
  }

  private pickValue(n: number): number {
    const node = this.stack[this.pos - 1];
    if (!node) throw new Error('[mmulab internal bug] dpor: choose() outside an event');
    const forced = this.choiceK < this.prefix.length ? this.prefix[this.choiceK]! : -1;
    this.choiceK++;
    if (this.pos - 1 < this.replayLen && node.n !== 0) {
      if (node.n !== n) nondeterministic(this.pos - 1, `choose(${n}) where choose(${node.n}) was`);
      return node.v;
    }
    node.n = n;
    if (forced >= 0) {
      if (forced >= n) nondeterministic(this.pos - 1, `the prefix takes ${forced} for choose(${n})`);
      node.v = forced;
      node.fixedValue = true;
      return forced;
    }
    node.v = 0;
    return 0;
  }

  private beforeStep(t: SimThread, rt: Runtime): boolean {
    if (this.rt === null) {
      this.rt = rt;
      this.vis = invariantVisibility(rt);
      this.noteNewThreads(null);
    } else {
      this.finishEvent(this.pos - 1);
    }
    if (this.blocked) return false;
    const i = this.pos;
    let node = this.stack[i];
    if (i >= this.replayLen && this.pickedNew !== i) {
      // A single enabled thread: no choice, but still an event of the search.
      if (this.childSleep.includes(t.id)) {
        this.blocked = true;
        return false;
      }
      node = {
        tid: t.id,
        enabled: [t.id],
        backtrack: [t.id],
        done: [t.id],
        sleep: [...this.childSleep],
        n: 0,
        v: 0,
        preemptions: this.preemptionsBefore(i, t.id, [t.id]),
        fixedTid: this.choiceK < this.prefix.length,
        fixedValue: false,
        clock: null,
      };
      this.stack.push(node);
    }
    if (!node || node.tid !== t.id) nondeterministic(i, `thread ${t.id} runs where thread ${node?.tid} did`);
    // A replayed event before the divergence point is the event its first run took, with the
    // same clock; its footprint names this run's objects, so that one is taken anew.
    const fp = this.pendingFootprint(t);
    let c: Clock;
    if (i < this.replayLen - 1 && node.clock !== null) {
      c = node.clock;
    } else {
      c = this.clockOf(t.id, fp);
      node.clock = c;
    }
    this.applyClock(t.id, fp, c);
    this.fpCache[t.id] = undefined;
    this.evTid.push(t.id);
    this.evStep.push(t.pending!);
    this.evFp.push(fp);
    this.evClock.push(c);
    // Sleep set of the next node: only needed past the replayed prefix.
    if (i >= this.replayLen - 1) {
      const cands = [...node.sleep, ...node.done.filter((d) => d !== t.id)];
      const next: number[] = [];
      for (const r of cands) {
        if (next.includes(r)) continue;
        const rt2 = rt.threads[r];
        if (!rt2 || rt2.done || !rt2.pending) continue;
        if (!dependent(this.pendingFootprint(rt2), fp)) next.push(r);
      }
      this.childSleep = next;
    }
    this.pos++;
    return true;
  }

  /** After event i ran: its exit write, spawned threads, and the races it makes. */
  private finishEvent(i: number): void {
    const rt = this.rt!;
    const tid = this.evTid[i]!;
    const t = rt.threads[tid]!;
    if (t.done) {
      const fp = withExit(this.evFp[i]!, t, this.vis);
      this.evFp[i] = fp;
      // The exit is part of the event: later readers of the thread (join) are ordered after it.
      for (let k = 0; k < fp.objs.length; k++) {
        if (fp.writes[k]) this.objClock.set(fp.objs[k]!, { w: this.evClock[i]!, r: null, rOwned: false });
      }
    }
    // A replayed event before the divergence point met the same pending steps in the run
    // that first took it, and that run added the same backtrack points: only its clock and
    // footprint are needed, for races with the events to come.
    if (i < this.replayLen - 1) {
      this.noteNewThreads(this.evClock[i]!, false);
      return;
    }
    this.noteNewThreads(this.evClock[i]!, true);
    const fp = this.evFp[i]!;
    for (const p of rt.threads) {
      if (p.done || !p.pending || p.id === tid) continue;
      if (!coEnabled(this.evStep[i]!, p.pending)) continue;
      if (dependent(fp, this.pendingFootprint(p))) this.addBacktrack(i, p.id);
    }
    if (!t.done && t.pending) this.raceBack(t, i);
  }

  /** FG05 for a step that just became pending: its last racing event before `upTo`. */
  private raceBack(p: SimThread, upTo: number): void {
    const fp = this.pendingFootprint(p);
    if (fp.objs.length === 0) return;
    const cp = this.threadClock[p.id] ?? [];
    for (let j = upTo; j >= 0; j--) {
      const u = this.evTid[j]!;
      if (u === p.id) continue;
      if (!dependent(this.evFp[j]!, fp)) continue;
      if (this.evClock[j]![u]! <= (cp[u] ?? 0)) continue;
      if (!coEnabled(this.evStep[j]!, p.pending!)) continue;
      this.addBacktrack(j, p.id);
      return;
    }
  }

  private noteNewThreads(parent: Clock | null, races = true): void {
    const rt = this.rt!;
    for (let k = this.knownThreads; k < rt.threads.length; k++) {
      this.threadClock[k] = parent ? [...parent] : [];
      const c = rt.threads[k]!;
      if (races && parent && !c.done && c.pending) this.raceBack(c, this.pos - 1);
    }
    this.knownThreads = rt.threads.length;
  }

  /**
   * A thread's pending step's footprint, computed once while the step stays pending: only
   * the thread's own steps change it (a retry's read set), except wake_up's, whose waiters
   * other threads change, so that one is never kept.
   */
  private pendingFootprint(t: SimThread): Footprint {
    let fp = this.fpCache[t.id];
    if (fp === undefined) {
      const step = t.pending!;
      fp = footprint(t, step, this.vis);
      if (!(step.obj instanceof WaitQueue && step === step.obj.wakeStep)) this.fpCache[t.id] = fp;
    }
    return fp;
  }

  private clockOf(tid: number, fp: Footprint): Clock {
    const c = [...(this.threadClock[tid] ?? [])];
    for (let k = 0; k < fp.objs.length; k++) {
      const oc = this.objClock.get(fp.objs[k]!);
      if (!oc) continue;
      if (oc.w) join(c, oc.w);
      if (fp.writes[k] && oc.r) join(c, oc.r);
    }
    c[tid] = (c[tid] ?? 0) + 1;
    return c;
  }

  /** Event clock `c` of thread `tid` with footprint `fp` becomes the objects' and the thread's. */
  private applyClock(tid: number, fp: Footprint, c: Clock): void {
    for (let k = 0; k < fp.objs.length; k++) {
      const o = fp.objs[k]!;
      if (fp.writes[k]) {
        const oc = this.objClock.get(o);
        if (oc) {
          oc.w = c;
          oc.r = null;
          oc.rOwned = false;
        } else this.objClock.set(o, { w: c, r: null, rOwned: false });
      } else {
        const oc = this.objClock.get(o);
        // A read-clock array belongs to its entry alone: joined in place.
        // Copy on the second read since the write: most objects are read once in between.
        if (!oc) this.objClock.set(o, { w: null, r: c, rOwned: false });
        else if (oc.r === null) {
          oc.r = c;
          oc.rOwned = false;
        } else if (oc.rOwned) join(oc.r, c);
        else {
          oc.r = join([...oc.r], c);
          oc.rOwned = true;
        }
      }
    }
    this.threadClock[tid] = c;
  }

  private addBacktrack(j: number, p: number): void {
    const node = this.stack[j]!;
    if (node.fixedTid) return;
    const add = node.enabled.includes(p) ? [p] : node.enabled;
    for (const q of add) {
      if (node.backtrack.includes(q)) continue;
      if (this.preemptionBound !== null) {
        const pre = this.preemptionsBefore(j, q, node.enabled);
        if (pre > this.preemptionBound) {
          this.droppedByBound = true;
          continue;
        }
      }
      node.backtrack.push(q);
    }
  }

  /** Preemptions of a run up to event i if it takes `tid` there (a switch away from an enabled thread). */
  private preemptionsBefore(i: number, tid: number, enabled: readonly number[]): number {
    const prevNode = this.stack[i - 1];
    if (!prevNode) return 0;
    return prevNode.preemptions + (prevNode.tid !== tid && enabled.includes(prevNode.tid) ? 1 : 0);
  }

  runDone(result: RunResult): void {
    if (!this.started) return;
    if (this.rt !== null && this.pos > 0 && !result.pruned) this.finishEvent(this.pos - 1);
    if (result.pruned) this.prunedRuns++;
    const v = result.violation;
    if (v && v.name !== 'deadlock' && v.name !== 'livelock' && this.pos > 0 && this.rt) {
      const last = this.pos - 1;
      for (const p of this.rt.threads) {
        if (!p.done && p.pending && p.id !== this.evTid[last]) this.addBacktrack(last, p.id);
      }
    }
    this.rt = null;
    this.backtrack();
  }

  /**
   * The event stack with its backtrack, done and sleep sets and the clocks the next runs
   * replay; per-run state is rebuilt by nextRun. A shard's prefix is not part of it: restore
   * into a strategy made with the same prefix.
   */
  checkpoint(): {
    stack: Node[];
    started: boolean;
    finished: boolean;
    droppedByBound: boolean;
    prunedRuns: number;
  } {
    return {
      stack: this.stack.map((n) => ({
        ...n,
        enabled: [...n.enabled],
        backtrack: [...n.backtrack],
        done: [...n.done],
        sleep: [...n.sleep],
        // A clock's holes are zeros (every reader takes `?? 0`); JSON would make them null.
        clock: n.clock && Array.from(n.clock, (x) => x ?? 0),
      })),
      started: this.started,
      finished: this.finished,
      droppedByBound: this.droppedByBound,
      prunedRuns: this.prunedRuns,
    };
  }

  restore(state: unknown): void {
    const counts = (x: unknown): x is number[] => Array.isArray(x) && x.every(isCount);
    const isNode = (x: unknown): x is Node =>
      isRecord(x) &&
      isCount(x.tid) &&
      counts(x.enabled) &&
      counts(x.backtrack) &&
      counts(x.done) &&
      counts(x.sleep) &&
      isCount(x.n) &&
      isCount(x.v) &&
      isCount(x.preemptions) &&
      typeof x.fixedTid === 'boolean' &&
      typeof x.fixedValue === 'boolean' &&
      (x.clock === null || counts(x.clock));
    if (
      !isRecord(state) ||
      !Array.isArray(state.stack) ||
      !state.stack.every(isNode) ||
      typeof state.started !== 'boolean' ||
      typeof state.finished !== 'boolean' ||
      typeof state.droppedByBound !== 'boolean' ||
      !isCount(state.prunedRuns)
    ) {
      badCheckpoint(this.name, 'no event stack');
    }
    const copy = (JSON.parse(JSON.stringify(state)) as { stack: Node[] }).stack;
    this.stack = copy;
    this.started = state.started;
    this.finished = state.finished;
    this.droppedByBound = state.droppedByBound;
    this.prunedRuns = state.prunedRuns;
  }

  private backtrack(): void {
    // Nodes past the event the run ended at were never reached.
    this.stack.length = Math.min(this.stack.length, this.pos);
    while (this.stack.length > 0) {
      const node = this.stack[this.stack.length - 1]!;
      if (node.n > 0 && !node.fixedValue && node.v + 1 < node.n) {
        node.v++;
        return;
      }
      const q = node.fixedTid
        ? undefined
        : node.backtrack.find((x) => !node.done.includes(x) && !node.sleep.includes(x));
      if (q !== undefined) {
        node.preemptions = this.preemptionsBefore(this.stack.length - 1, q, node.enabled);
        node.tid = q;
        node.done.push(q);
        node.n = 0;
        node.v = 0;
        return;
      }
      this.stack.pop();
    }
    this.finished = true;
  }
}

/** A taken step and another thread's pending one on the same object that can never both be enabled. */
function coEnabled(done: Step, pending: Step): boolean {
  return done.obj !== pending.obj || done.obj.coEnabled(done, pending);
}

function join(into: Clock, c: Clock): Clock {
  for (let k = 0; k < c.length; k++) {
    const x = c[k] ?? 0;
    if (x > (into[k] ?? 0)) into[k] = x;
  }
  for (let k = 0; k < into.length; k++) if (into[k] === undefined) into[k] = 0;
  return into;
}

function nondeterministic(i: number, why: string): never {
  throw new Error(`[mmulab] the program is not deterministic: at event ${i}, ${why}`);
}

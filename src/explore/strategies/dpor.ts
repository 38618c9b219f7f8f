import type { RunResult, Runtime, Scheduler } from '../../sim/runtime.js';
import type { StateTable } from '../../sim/state.js';
import { SimObject, type Step } from '../../sim/step.js';
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
import {
  type CachedState,
  MAX_THREADS,
  rootBit,
  type SavedStateCache,
  type SavedSummary,
  StateCache,
  Summary,
} from '../state-cache.js';
import { badCheckpoint, isCount, isRecord, type Strategy } from '../strategy.js';
import type { Cut } from '../verdict.js';

/** One event of the current run, and the search state before it (pre(i) in the paper). */
interface Node {
  /** Thread that takes the event. */
  tid: number;
  /** Threads enabled before it, by id (shared between nodes: never changed). */
  enabled: number[];
  /** Threads still to try here (FG05's backtrack set; changed only through withThread). */
  backtrack: number[];
  /** Threads tried here (changed only through withThread). */
  done: number[];
  /** Threads asleep here: an equivalent schedule starting with them was explored (never mutated: shared). */
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
  /**
   * The event's footprint (with its exit write), by object serial: the same in every run
   * that replays the event. Not part of a checkpoint (null after restore: taken anew).
   */
  fp: Footprint | null;
  /**
   * The state before the event, when the state cache names it (choice points of a program
   * with closed state); stored in the cache when the node is popped.
   */
  key: string | null;
  /**
   * The accesses of the subtree below (state-cache.ts), with their roots relative to the
   * state before event `sumAt`: the node's own set (`sumAt` its index) if it has a key or is
   * the first, else its nearest keyed ancestor's (everything below a node is below its
   * ancestors).
   */
  sum: Summary;
  sumAt: number;
}

type Clock = number[];

/** A node in a checkpoint: a keyless node's summary is its owner's, saved once with it. */
type SavedNode = Omit<Node, 'fp' | 'sum' | 'sumAt'> & {
  sum: SavedSummary | null;
};

/**
 * The happens-before bookkeeping of the events on the stack: per object, the clock of its
 * last write and the join of the reads since; per thread, its clock. It is kept across
 * runs: a run that replays the stack's first events finds their effects already applied,
 * and backtracking undoes those of the events it leaves (an undo log), so a replayed prefix
 * costs the explorer nothing but the program's own steps.
 */
class Clocks {
  /** By object serial. Clock arrays stored here or on a node are never mutated. */
  readonly objW: (Clock | null)[] = [];
  readonly objR: (Clock | null)[] = [];
  readonly thread: (Clock | undefined)[] = [];
  /**
   * Per thread, its events' stack indices in order: its k-th event (clock component k+1) is
   * events[tid][k]. Entries past the thread's own clock component are stale.
   */
  readonly events: number[][] = [];
  known = 0;
  /**
   * By object serial: the applied events that touch it, in stack order (the state cache's
   * race search looks for the last one of another thread, see DporStrategy.raceCached).
   */
  readonly byObj: number[][] = [];
  /**
   * Events whose effects are applied, or being applied (the last one's finishEvent half
   * comes after its beforeStep half; a run always does both).
   */
  applied = 0;
  // Undo log: (serial, old write clock, old read clock) entries, and per event its start
  // in the log, its thread's old clock and the thread count before it.
  // Entries past logLen are stale (overwritten, never truncated: no reallocation).
  private readonly logObj: number[] = [];
  private readonly logW: (Clock | null)[] = [];
  private readonly logR: (Clock | null)[] = [];
  private logLen = 0;
  private readonly mark: number[] = [];
  private readonly markTid: number[] = [];
  private readonly markClock: (Clock | undefined)[] = [];
  private readonly markKnown: number[] = [];

  /** Starts event i's record (before its first change); i is `applied`. */
  begin(i: number, tid: number): void {
    this.applied = i + 1;
    this.mark[i] = this.logLen;
    this.markTid[i] = tid;
    this.markClock[i] = this.thread[tid];
    this.markKnown[i] = this.known;
  }

  setW(o: number, c: Clock): void {
    this.save(o);
    this.noteEvent(o);
    this.objW[o] = c;
    this.objR[o] = null;
  }

  addR(o: number, c: Clock): void {
    this.save(o);
    this.noteEvent(o);
    const r = this.objR[o];
    this.objR[o] = r ? join([...r], c) : c;
  }

  private noteEvent(o: number): void {
    const e = this.applied - 1;
    let l = this.byObj[o];
    if (l === undefined) {
      l = [];
      this.byObj[o] = l;
    }
    if (l[l.length - 1] !== e) l.push(e);
  }

  private save(o: number): void {
    const k = this.logLen++;
    this.logObj[k] = o;
    this.logW[k] = this.objW[o] ?? null;
    this.logR[k] = this.objR[o] ?? null;
  }

  /** Undoes the events from `i` on: the state is that after events 0..i-1. */
  undoTo(i: number): void {
    while (this.applied > i) {
      const e = --this.applied;
      const m = this.mark[e]!;
      for (let k = this.logLen - 1; k >= m; k--) {
        const o = this.logObj[k]!;
        const l = this.byObj[o]!;
        if (l[l.length - 1] === e) l.pop();
        this.objW[o] = this.logW[k]!;
        this.objR[o] = this.logR[k]!;
        this.logW[k] = null;
        this.logR[k] = null;
      }
      this.logLen = m;
      this.thread[this.markTid[e]!] = this.markClock[e];
      const known = this.markKnown[e]!;
      for (let k = known; k < this.known; k++) this.thread[k] = undefined;
      this.known = known;
    }
  }

  clear(): void {
    this.objW.length = 0;
    this.objR.length = 0;
    this.thread.length = 0;
    this.events.length = 0;
    this.byObj.length = 0;
    this.known = 0;
    this.applied = 0;
    this.logObj.length = 0;
    this.logW.length = 0;
    this.logR.length = 0;
    this.logLen = 0;
  }
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
 *
 * For a program with closed state (`Program.closedState`) it also caches the states it has
 * explored (src/explore/state-cache.ts): a run that reaches one, from a sleep set that covers
 * the one it was explored from, ends there, and the cached subtree's accesses add the
 * backtrack points its runs would have added (docs/explorer.md, "The state cache").
 */
export class DporStrategy implements Strategy {
  readonly name = 'dpor';
  readonly exhaustive = true;
  /** Runs ended early because every enabled thread was asleep. */
  prunedRuns = 0;
  private stack: Node[] = [];
  /** Nodes a backtrack popped, for pushNode to reuse (a node is most of dpor's garbage). */
  private readonly free: Node[] = [];
  private readonly freeSums: Summary[] = [];
  /** expand's result. */
  private rootT = 0;
  private rootO = 0;
  /**
   * By stack index, when caching: the root bits of the objects the event's footprint touches
   * and writes (expand's step back over the event). Set with the node's footprint.
   */
  private readonly omask: number[] = [];
  private readonly wmask: number[] = [];
  /** By stack index: a keyed node's slot in the cache (StateCache.slot). */
  private readonly keySlot: number[] = [];
  private finished = false;
  private started = false;
  private droppedByBound = false;

  /** Happens-before records of the stack's events, kept across runs. */
  private readonly clocks = new Clocks();
  private vis: Visibility | null = null;

  // Per-run state.
  private replayLen = 0;
  /** Events before this one were applied to `clocks` by an earlier run. */
  private freshFrom = 0;
  private pos = 0;
  private rt: Runtime | null = null;
  /**
   * This run's step of each event, for coEnabled (which compares this run's Step objects);
   * null for a step on an object whose steps are all co-enabled (a word's: nothing to keep).
   */
  private readonly evStep: (Step | null)[] = [];
  private childSleep: number[] = [];
  private readonly fpCache: (Footprint | undefined)[] = [];
  private blocked = false;
  private pickedNew = -1;

  /** Choices (token form) consumed so far in this run, for the forced prefix. */
  private choiceK = 0;

  /** Explored states, for a program with closed state (null: stateless, or a preemption bound). */
  private readonly cache: StateCache | null;
  /** The program's runs name their states (decided at the first run). */
  private caching = false;
  private probed = false;
  /** This run reached a cached state: it ends there. */
  private hit: CachedState | null = null;
  /** This run's new node is a state explored from another sleep set (see pickThread). */
  private partial: CachedState | null = null;

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
    stateCache = true,
  ) {
    // A preemption bound makes a state's subtree depend on the preemptions before it.
    this.cache = stateCache && preemptionBound === null ? new StateCache() : null;
    this.scheduler.stateTable = this.cache?.table;
  }

  /** States in the cache, runs cut at one, and partial hits (all 0 for a stateless search). */
  cacheStats(): { states: number; hits: number; partialHits: number } {
    const c = this.cache;
    return { states: c?.size ?? 0, hits: c?.hits ?? 0, partialHits: c?.partialHits ?? 0 };
  }

  cut(): Cut | null {
    return this.droppedByBound ? 'preemptions' : null;
  }

  nextRun(): Scheduler | null {
    if (this.finished) return null;
    this.started = true;
    this.replayLen = this.stack.length;
    this.freshFrom = this.clocks.applied;
    this.pos = 0;
    this.rt = null;
    this.childSleep = [];
    this.fpCache.fill(undefined);
    this.blocked = false;
    this.pickedNew = -1;
    this.choiceK = 0;
    this.hit = null;
    this.partial = null;
    // The stack's events before its last node are the previous run's, whose states it checked.
    this.scheduler.replayedSteps = Math.max(0, this.replayLen - 1);
    return this.scheduler;
  }

  /** Every run's scheduler: the same object, its replayed prefix set by nextRun. */
  private readonly scheduler: Scheduler & { replayedSteps: number; stateTable: StateTable | undefined } = {
    pickThread: (enabled, rt) => this.pickThread(enabled, rt),
    pickValue: (n) => this.pickValue(n),
    beforeStep: (t, rt) => this.beforeStep(t, rt),
    replayedSteps: 0,
    stateTable: undefined,
  };

  private pickThread(enabled: readonly SimThread[], rt: Runtime): number {
    const i = this.pos;
    const node = this.stack[i];
    const forced = this.choiceK < this.prefix.length ? this.prefix[this.choiceK]! : -1;
    this.choiceK++;
    if (node && i < this.replayLen) {
      const k = indexOfThread(enabled, node.tid);
      if (k < 0) nondeterministic(i, `thread ${node.tid} is not enabled`);
      return k;
    }
    if (forced >= 0) {
      const k = indexOfThread(enabled, forced);
      if (k < 0) nondeterministic(i, `the prefix runs thread ${forced}, which is not enabled`);
      // The other prefixes take the lower ids here first (splitUnits' order): as in one
      // search, they are done, and the sleep set carries them on. A prefix that runs a
      // sleeping thread repeats another one: it ends at once.
      if (this.childSleep.includes(forced)) {
        this.blocked = true;
        return k;
      }
      const ids = enabled.map((t) => t.id);
      this.pushNode(
        forced,
        ids,
        [forced],
        [...ids.filter((x) => x < forced), forced],
        this.childSleep,
        this.preemptionsBefore(i, forced, ids),
        true,
        null,
      );
      this.pickedNew = i;
      return k;
    }
    // A new node: the previous thread if it may run (no preemption), else the first awake one.
    let sleep = this.childSleep;
    let k = firstAwake(enabled, sleep, i > 0 ? this.stack[i - 1]!.tid : -1);
    if (k < 0) {
      this.blocked = true;
      return 0;
    }
    let key: string | null = null;
    if (this.cachingOn(rt)) {
      key = rt.threads.length < MAX_THREADS ? rt.stateKey() : null;
      this.keySlot[i] = key === null ? -1 : this.cache!.slot(key);
      const cached = key === null ? null : this.cache!.at(this.keySlot[i]!);
      if (cached !== null) {
        const missing = cached.sleep.filter((r) => !sleep.includes(r));
        if (missing.length === 0) {
          this.hit = cached;
          this.blocked = true;
          return 0;
        }
        // Explored before from sleep set Z' where this run has Z: every trace from here was
        // run but those starting with a thread of Z' \ Z. Only those are explored: the
        // others are asleep here, as if run first (Godefroid's thesis, state caching with
        // sleep sets). The node's races with the cached runs are added in beforeStep.
        this.cache!.partialHits++;
        this.partial = cached;
        sleep = [...sleep];
        for (const t of enabled) if (!sleep.includes(t.id) && !missing.includes(t.id)) sleep.push(t.id);
        k = firstAwake(enabled, sleep, i > 0 ? this.stack[i - 1]!.tid : -1);
      }
    }
    const tid = enabled[k]!.id;
    const ids = enabledIds(enabled);
    this.pushNode(tid, ids, only(tid), only(tid), sleep, this.preemptionsBefore(i, tid, ids), false, key);
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
      this.vis ??= invariantVisibility(rt);
      this.cachingOn(rt);
      this.noteNewThreads(null, false);
    } else {
      this.finishEvent(this.pos - 1);
    }
    if (this.blocked) {
      this.cutHere();
      return false;
    }
    const i = this.pos;
    let node = this.stack[i];
    if (i >= this.replayLen && this.pickedNew !== i) {
      // A single enabled thread: no choice, but still an event of the search.
      if (this.childSleep.includes(t.id)) {
        this.blocked = true;
        this.cutHere();
        return false;
      }
      // One enabled thread: nothing is ever added to its sets, so they are shared.
      const one = only(t.id);
      node = this.pushNode(
        t.id,
        one,
        one,
        one,
        this.childSleep,
        this.preemptionsBefore(i, t.id, one),
        this.choiceK < this.prefix.length,
        null,
      );
    }
    if (!node || node.tid !== t.id) nondeterministic(i, `thread ${t.id} runs where thread ${node?.tid} did`);
    const step = t.pending!;
    this.evStep[i] = step.obj.coEnabled === SimObject.prototype.coEnabled ? null : step;
    this.pos++;
    // A replayed event an earlier run applied: its clock, footprint and races are known.
    if (i < this.freshFrom) {
      this.fpCache[t.id] = undefined;
      return true;
    }
    // The state before a new event: every thread's pending step is in the subtree's summary.
    if (this.caching && i >= this.replayLen) {
      this.addPending(node, i);
      const cached = this.partial;
      if (cached !== null) {
        this.partial = null;
        this.mergeCached(node, i, cached);
        this.raceCachedAll(cached, i);
      }
    }
    const fp = this.pendingFootprint(t);
    this.fpCache[t.id] = undefined;
    let c: Clock;
    if (i < this.replayLen - 1 && node.clock !== null) {
      c = node.clock;
    } else {
      c = this.clockOf(t.id, fp);
      node.clock = c;
    }
    this.setFootprint(i, node, fp);
    this.clocks.begin(i, t.id);
    this.applyClock(t.id, fp, c);
    let events = this.clocks.events[t.id];
    if (events === undefined) {
      events = [];
      this.clocks.events[t.id] = events;
    }
    events[c[t.id]! - 1] = i;
    // Sleep set of the next node: only needed past the replayed prefix.
    if (i >= this.replayLen - 1) {
      const next: number[] = [];
      for (const r of node.sleep) this.keepAsleep(next, r, fp);
      for (const r of node.done) if (r !== t.id) this.keepAsleep(next, r, fp);
      this.childSleep = next.length === 0 ? NO_THREADS : next;
    }
    return true;
  }

  /** Thread r stays asleep past an event with footprint `fp` if its pending step is independent. */
  private keepAsleep(next: number[], r: number, fp: Footprint): void {
    if (next.includes(r)) return;
    const p = this.rt!.threads[r];
    if (!p || p.done || !p.pending) return;
    if (!dependent(this.pendingFootprint(p), fp)) next.push(r);
  }

  /** After event i ran: its exit write, spawned threads, and the races it makes. */
  private finishEvent(i: number): void {
    if (i < this.freshFrom) return;
    const rt = this.rt!;
    const node = this.stack[i]!;
    const tid = node.tid;
    const t = rt.threads[tid]!;
    const clock = node.clock!;
    let fp = node.fp!;
    if (t.done) {
      const pending = fp;
      fp = withExit(fp, t, this.vis!);
      this.setFootprint(i, node, fp);
      // The exit is part of the event: later readers of the thread (join) are ordered after it.
      for (let k = 0; k < fp.objs.length; k++) if (fp.writes[k]) this.clocks.setW(fp.objs[k]!, clock);
      // The step itself is in the summary as a pending one (addPending); its exit is not.
      if (this.caching && i >= this.replayLen - 1) {
        this.expand(rootBit(tid), 0, i, node.sumAt);
        this.cache!.add(node.sum, tid, null, fp, this.rootT, this.rootO, pending.objs.length);
      }
    }
    // A replayed event before the divergence point met the same pending steps in the run
    // that first took it, and that run added the same backtrack points: only its clock and
    // footprint are needed, for races with the events to come.
    if (i < this.replayLen - 1) {
      this.noteNewThreads(clock, false);
      return;
    }
    this.noteNewThreads(clock, true);
    const step = this.evStep[i] ?? null;
    for (const p of rt.threads) {
      if (p.done || !p.pending || p.id === tid) continue;
      if (!coEnabled(step, p.pending)) continue;
      if (dependent(fp, this.pendingFootprint(p))) this.addBacktrack(i, p.id);
    }
    if (!t.done && t.pending) this.raceBack(t, i);
  }

  /**
   * FG05 for a step that just became pending: its last racing event up to `upTo`. Only the
   * events of each other thread u past the cp[u]-th (cp: p's clock) do not happen before p's
   * step; they are the last ones of u's event list, searched from the newest.
   */
  private raceBack(p: SimThread, upTo: number): void {
    const fp = this.pendingFootprint(p);
    if (fp.objs.length === 0) return;
    const clocks = this.clocks;
    const cp = clocks.thread[p.id] ?? [];
    let best = -1;
    for (let u = 0; u < clocks.known; u++) {
      if (u === p.id) continue;
      const events = clocks.events[u];
      if (events === undefined) continue;
      const from = cp[u] ?? 0;
      for (let k = (clocks.thread[u]?.[u] ?? 0) - 1; k >= from; k--) {
        const j = events[k]!;
        if (j <= best) break;
        if (j > upTo) continue;
        if (!dependent(this.stack[j]!.fp!, fp)) continue;
        if (!coEnabled(this.evStep[j] ?? null, p.pending!)) continue;
        best = j;
        break;
      }
    }
    if (best >= 0) this.addBacktrack(best, p.id);
  }

  /** Pushes a node for a new event, reusing one a backtrack popped. */
  private pushNode(
    tid: number,
    enabled: number[],
    backtrack: number[],
    done: number[],
    sleep: number[],
    preemptions: number,
    fixedTid: boolean,
    key: string | null,
  ): Node {
    const i = this.stack.length;
    const parent = this.stack[i - 1];
    const owns = key !== null || parent === undefined;
    const sumAt = owns ? i : parent.sumAt;
    const sum = owns ? (this.freeSums.pop() ?? new Summary()) : parent.sum;
    const node = this.free.pop();
    if (node === undefined) {
      const fresh: Node = {
        tid,
        enabled,
        backtrack,
        done,
        sleep,
        n: 0,
        v: 0,
        preemptions,
        fixedTid,
        fixedValue: false,
        clock: null,
        fp: null,
        key,
        sum,
        sumAt,
      };
      this.stack.push(fresh);
      return fresh;
    }
    node.tid = tid;
    node.enabled = enabled;
    node.backtrack = backtrack;
    node.done = done;
    node.sleep = sleep;
    node.n = 0;
    node.v = 0;
    node.preemptions = preemptions;
    node.fixedTid = fixedTid;
    node.fixedValue = false;
    node.clock = null;
    node.fp = null;
    node.key = key;
    node.sum = sum;
    node.sumAt = sumAt;
    this.stack.push(node);
    return node;
  }

  /** Whether this search caches states: decided once, by whether the first run names its state. */
  private cachingOn(rt: Runtime): boolean {
    if (!this.probed) {
      this.probed = true;
      this.caching = this.cache !== null && rt.stateKey() !== null;
    }
    return this.caching;
  }

  /**
   * Roots (t, o) relative to the state before event `from`, made relative to the state before
   * event `to` (to <= from), into rootT and rootO. Going back over event x of thread u: the
   * clock of u after x, and the last write of each object x wrote, are x's clock, which is
   * u's clock before x joined with the last writes of every object x touched (state-cache.ts).
   */
  private expand(t: number, o: number, from: number, to: number): void {
    for (let x = from - 1; x >= to; x--) {
      const n = this.stack[x]!;
      const tbit = rootBit(n.tid);
      if ((t & tbit) !== 0 || (o & this.wmask[x]!) !== 0) {
        t |= tbit;
        o |= this.omask[x]!;
      }
    }
    this.rootT = t;
    this.rootO = o;
  }

  /** Every live thread's pending step in the state before event `at`, into `owner`'s summary. */
  private addPending(owner: Node, at: number): void {
    const cache = this.cache!;
    for (const p of this.rt!.threads) {
      if (p.done || !p.pending) continue;
      this.expand(rootBit(p.id), 0, at, owner.sumAt);
      cache.add(owner.sum, p.id, p.pending, this.pendingFootprint(p), this.rootT, this.rootO);
    }
  }

  /** A cached state's summary, for the state before event `at`, into `owner`'s summary. */
  private mergeCached(owner: Node, at: number, cached: CachedState): void {
    const a = this.cache!.arena;
    for (let k = cached.start; k < cached.end; k += 3) {
      this.expand(a[k + 1]!, a[k + 2]!, at, owner.sumAt);
      owner.sum.put(a[k]!, this.rootT, this.rootO);
    }
  }

  /** Summary `sum` (of the state before event `at`) into `owner`'s summary. */
  private mergeSummary(owner: Node, at: number, sum: Summary): void {
    for (const id of sum.ids) {
      this.expand(sum.t[id]!, sum.o[id]!, at, owner.sumAt);
      owner.sum.put(id, this.rootT, this.rootO);
    }
  }

  /**
   * The run ends here, before event `pos`: all enabled threads asleep, or a cached state.
   * What the rest of the run would have raced with goes to the summary of the node before.
   */
  private cutHere(): void {
    if (!this.caching) return;
    const parent = this.stack[this.pos - 1];
    if (parent === undefined) return;
    const hit = this.hit;
    if (hit === null) {
      this.addPending(parent, this.pos);
      return;
    }
    this.cache!.hits++;
    this.mergeCached(parent, this.pos, hit);
    this.raceCachedAll(hit, this.pos);
  }

  /**
   * Each access of a cached state's summary, as a step of the cut subtree, against the events
   * before `at`: it races with the last event of another thread that touches the same object,
   * one of them writing, may be co-enabled with it (by the step's op, for the objects that say;
   * StateCache.accessOp) and that its roots do not order before it.
   */
  private raceCachedAll(cached: CachedState, at: number): void {
    const { accessTid, accessSerial, accessWrite, accessOp, arena: a } = this.cache!;
    for (let k = cached.start; k < cached.end; k += 3) {
      const i = a[k]!;
      this.raceCached(
        accessTid[i]!,
        accessSerial[i]!,
        accessWrite[i]!,
        accessOp[i]!,
        a[k + 1]!,
        a[k + 2]!,
        at,
      );
    }
  }

  private raceCached(
    tid: number,
    serial: number,
    write: boolean,
    op: string | null,
    t: number,
    o: number,
    at: number,
  ): void {
    const touching = this.clocks.byObj[serial];
    if (touching === undefined) return;
    for (let x = touching.length - 1; x >= 0; x--) {
      const j = touching[x]!;
      if (j >= at) continue;
      const node = this.stack[j]!;
      const u = node.tid;
      if (u === tid) continue;
      const fp = node.fp!;
      let conflict = false;
      for (let k = 0; k < fp.objs.length; k++) {
        if (fp.objs[k] === serial && (write || fp.writes[k])) {
          conflict = true;
          break;
        }
      }
      if (!conflict) continue;
      // A step its event's object says can never be enabled with it: look further back (FG05).
      const done = this.evStep[j];
      if (op !== null && done != null && done.obj.serial === serial && !done.obj.coEnabled(done, op))
        continue;
      if (this.ordered(node.clock![u]!, u, tid, t, o)) continue;
      this.addBacktrack(j, tid);
      return;
    }
  }

  /**
   * Whether thread u's `idx`-th event happens before an access of thread `tid` with roots
   * (t, o), by the clocks now: before the thread's clock, another root thread's, or the
   * last write of a root object.
   */
  private ordered(idx: number, u: number, tid: number, t: number, o: number): boolean {
    const clocks = this.clocks;
    if ((clocks.thread[tid]?.[u] ?? 0) >= idx) return true;
    for (let m = t; m !== 0; m &= m - 1) {
      const c = clocks.thread[31 - Math.clz32(m & -m)];
      if (c !== undefined && (c[u] ?? 0) >= idx) return true;
    }
    for (let m = o; m !== 0; m &= m - 1) {
      const c = clocks.objW[31 - Math.clz32(m & -m)];
      if (c && (c[u] ?? 0) >= idx) return true;
    }
    return false;
  }

  private noteNewThreads(parent: Clock | null, races: boolean): void {
    const rt = this.rt!;
    const clocks = this.clocks;
    for (let k = clocks.known; k < rt.threads.length; k++) {
      clocks.thread[k] = parent ? [...parent] : [];
      const c = rt.threads[k]!;
      if (races && parent && !c.done && c.pending) this.raceBack(c, this.pos - 1);
    }
    clocks.known = rt.threads.length;
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
      fp = footprint(t, step, this.vis!);
      if (!(step.obj instanceof WaitQueue && step === step.obj.wakeStep)) this.fpCache[t.id] = fp;
    }
    return fp;
  }

  /** Sets event i's footprint and, when caching, its root bits. */
  private setFootprint(i: number, node: Node, fp: Footprint): void {
    node.fp = fp;
    if (!this.caching) return;
    let o = 0;
    let w = 0;
    for (let k = 0; k < fp.objs.length; k++) {
      const b = rootBit(fp.objs[k]!);
      o |= b;
      if (fp.writes[k]) w |= b;
    }
    this.omask[i] = o;
    this.wmask[i] = w;
  }

  private clockOf(tid: number, fp: Footprint): Clock {
    const clocks = this.clocks;
    const c = [...(clocks.thread[tid] ?? [])];
    for (let k = 0; k < fp.objs.length; k++) {
      const o = fp.objs[k]!;
      const w = clocks.objW[o];
      if (w) join(c, w);
      if (fp.writes[k]) {
        const r = clocks.objR[o];
        if (r) join(c, r);
      }
    }
    // Dense (no holes): copies of holey arrays take V8's slow path.
    while (c.length <= tid) c.push(0);
    c[tid]!++;
    return c;
  }

  /** Event clock `c` of thread `tid` with footprint `fp` becomes the objects' and the thread's. */
  private applyClock(tid: number, fp: Footprint, c: Clock): void {
    for (let k = 0; k < fp.objs.length; k++) {
      if (fp.writes[k]) this.clocks.setW(fp.objs[k]!, c);
      else this.clocks.addR(fp.objs[k]!, c);
    }
    this.clocks.thread[tid] = c;
  }

  private addBacktrack(j: number, p: number): void {
    const node = this.stack[j]!;
    if (node.fixedTid) return;
    if (node.enabled.includes(p)) {
      this.addOne(j, node, p);
      return;
    }
    for (const q of node.enabled) this.addOne(j, node, q);
  }

  private addOne(j: number, node: Node, q: number): void {
    if (node.backtrack.includes(q)) return;
    if (this.preemptionBound !== null && this.preemptionsBefore(j, q, node.enabled) > this.preemptionBound) {
      this.droppedByBound = true;
      return;
    }
    node.backtrack = withThread(node.backtrack, q);
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
    // A run cut by the step budget leaves its states' subtrees unexplored, and a state does
    // not say how many steps led to it (a failed retry iteration leaves no trace in its
    // thread's history): from here on nothing is stored or looked up.
    if (v?.name === 'step-budget') this.caching = false;
    if (v && v.name !== 'deadlock' && v.name !== 'livelock' && this.pos > 0 && this.rt) {
      const last = this.pos - 1;
      const tid = this.stack[last]!.tid;
      for (const p of this.rt.threads) {
        if (!p.done && p.pending && p.id !== tid) this.addBacktrack(last, p.id);
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
    stack: SavedNode[];
    started: boolean;
    finished: boolean;
    droppedByBound: boolean;
    prunedRuns: number;
    cache: SavedStateCache | null;
  } {
    return {
      stack: this.stack.map(({ fp: _fp, sumAt, ...n }, i) => ({
        ...n,
        // A keyless node's summary is its owner's (Node.sum): saved once, with its owner.
        sum: this.caching && sumAt === i ? n.sum.save() : null,
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
      cache: this.caching ? this.cache!.save() : null,
    };
  }

  restore(state: unknown): void {
    const counts = (x: unknown): x is number[] => Array.isArray(x) && x.every(isCount);
    const isNode = (x: unknown): x is SavedNode =>
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
      (x.clock === null || counts(x.clock)) &&
      (x.key === null || typeof x.key === 'string') &&
      (x.sum === null || Summary.load(x.sum) !== null);
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
    const caching = state.cache !== null && state.cache !== undefined;
    if (caching && (this.cache === null || !this.cache.load(state.cache))) {
      badCheckpoint(this.name, 'a state cache this search does not keep, or not a state cache');
    }
    this.stack = [];
    state.stack.forEach((x, i) => {
      const parent = this.stack[i - 1];
      const own = x.sum !== null || parent === undefined;
      this.stack.push({
        ...x,
        enabled: [...x.enabled],
        backtrack: [...x.backtrack],
        done: [...x.done],
        sleep: [...x.sleep],
        clock: x.clock && [...x.clock],
        fp: null,
        key: x.key ?? null,
        sum: own ? (x.sum === null ? new Summary() : Summary.load(x.sum)!) : parent.sum,
        sumAt: own ? i : parent.sumAt,
      });
    });
    // A search that caches states decided so at its first run; one checkpointed before any
    // run decides at its first run after the resume.
    this.probed = caching || state.started;
    this.caching = caching;
    if (caching)
      this.stack.forEach((n, i) => {
        if (n.key !== null) this.keySlot[i] = this.cache!.slot(n.key);
      });
    // The first run applies every event anew (its footprints name that run's objects).
    this.clocks.clear();
    this.started = state.started;
    this.finished = state.finished;
    this.droppedByBound = state.droppedByBound;
    this.prunedRuns = state.prunedRuns;
  }

  private backtrack(): void {
    // Nodes past the event the run ended at were never reached.
    this.stack.length = Math.min(this.stack.length, this.pos);
    while (this.stack.length > 0) {
      const i = this.stack.length - 1;
      const node = this.stack[i]!;
      if (node.n > 0 && !node.fixedValue && node.v + 1 < node.n) {
        node.v++;
        this.clocks.undoTo(i);
        return;
      }
      const q = node.fixedTid
        ? undefined
        : node.backtrack.find((x) => !node.done.includes(x) && !node.sleep.includes(x));
      if (q !== undefined) {
        node.preemptions = this.preemptionsBefore(i, q, node.enabled);
        node.tid = q;
        node.done = withThread(node.done, q);
        node.n = 0;
        node.v = 0;
        this.clocks.undoTo(i);
        return;
      }
      if (this.caching && node.key !== null) {
        this.cache!.store(this.keySlot[i]!, node.sleep, node.sum);
        const parent = this.stack[i - 1];
        if (parent !== undefined) this.mergeSummary(parent, i, node.sum);
      }
      if (node.sumAt === i) {
        node.sum.clear();
        this.freeSums.push(node.sum);
      }
      this.free.push(this.stack.pop()!);
    }
    this.finished = true;
    this.clocks.clear();
  }
}

const ONLY: number[][] = [];
/** The array [tid], one per thread id, shared by the nodes with one enabled thread. */
function only(tid: number): number[] {
  let a = ONLY[tid];
  if (a === undefined) {
    a = [tid];
    ONLY[tid] = a;
  }
  return a;
}

/** The previous thread if it is awake (no preemption), else the first awake one; -1 if none. */
function firstAwake(enabled: readonly SimThread[], sleep: readonly number[], prev: number): number {
  let k = -1;
  for (let j = 0; j < enabled.length; j++) {
    const id = enabled[j]!.id;
    if (sleep.includes(id)) continue;
    if (id === prev) return j;
    if (k < 0) k = j;
  }
  return k;
}

function indexOfThread(enabled: readonly SimThread[], id: number): number {
  for (let k = 0; k < enabled.length; k++) if (enabled[k]!.id === id) return k;
  return -1;
}

/**
 * A taken step and another thread's pending one on the same object that can never both be
 * enabled (`done` null: a step on an object whose steps always can).
 */
function coEnabled(done: Step | null, pending: Step): boolean {
  return done === null || done.obj !== pending.obj || done.obj.coEnabled(done, pending.op);
}

const NO_THREADS: number[] = [];

/**
 * `xs` with thread `q` added. A node's sets start as the shared `only(tid)` arrays (most
 * nodes never get another thread): a shared one is copied, never changed.
 */
function withThread(xs: number[], q: number): number[] {
  if (xs.length === 1 && ONLY[xs[0]!] === xs) return [xs[0]!, q];
  xs.push(q);
  return xs;
}

/** By bitmask of thread ids (all below 31): the one array of those ids, in order. */
const ENABLED_SETS = new Map<number, number[]>();

/** The ids of `enabled` as an array shared by every node with the same enabled threads. */
function enabledIds(enabled: readonly SimThread[]): number[] {
  let mask = 0;
  for (const t of enabled) {
    if (t.id >= 31) return enabled.map((x) => x.id);
    mask |= 1 << t.id;
  }
  let ids = ENABLED_SETS.get(mask);
  if (ids === undefined) {
    ids = enabled.map((x) => x.id);
    ENABLED_SETS.set(mask, ids);
  }
  return ids;
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

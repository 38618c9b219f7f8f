import { packInt, type StateTable } from './state.js';
import { endTracking, resetSerials, type Sim, SimObject, Step, takeStrayWatch } from './step.js';
import { SimThread } from './thread.js';
import type { SimEvent, SimObserver } from './trace.js';
import { type Violation, ViolationSignal } from './violation.js';

/**
 * The scheduler hook: the strategy's side of a run (shuttle's `Scheduler`). At every step
 * with more than one enabled thread the runtime asks `pickThread`; `choose(n)` asks
 * `pickValue`. Both answers are recorded: that list is the run, and its encoding the token.
 */
export interface Scheduler {
  /**
   * Picks the thread to run among `enabled` (in thread-id order; only valid during the call)
   * and returns its index in that array.
   */
  pickThread(enabled: readonly SimThread[], rt: Runtime): number;
  /** Picks a value in [0, n) for `choose(n)`. */
  pickValue(n: number, rt: Runtime): number;
  /**
   * Optional: called before every scheduled step, including those with a single enabled
   * thread (PCT counts steps, DPOR records every event). Returning false ends the run as
   * `pruned` (DPOR's sleep-set-blocked runs): no violation, no verdict about its end.
   */
  beforeStep?(t: SimThread, rt: Runtime): boolean;
  /**
   * Optional: the run's first steps repeat a run whose states were already checked (a
   * stateless search replaying its stack): invariants are not checked before or after
   * them. Choices are unaffected.
   */
  readonly replayedSteps?: number;
  /**
   * Optional: a search that caches states gives its table here; a run of a program with
   * `closedState` then tracks its threads' histories, and `Runtime.stateKey` names its state.
   */
  readonly stateTable?: StateTable | undefined;
}

export interface RunOptions {
  readonly scheduler: Scheduler;
  /** Scheduled steps after which the run ends with `step-budget` (a livelock). */
  readonly maxSteps?: number;
  /** Receives every event of the run; leave unset and recording costs nothing. */
  readonly observer?: SimObserver;
  /** The program's `closedState` (src/sim/program.ts): its state may be tracked. */
  readonly closedState?: boolean;
}

/** An invariant watched after every step; returns a message when broken, else null. */
export interface Invariant {
  readonly name: string;
  check(): string | null;
  /**
   * The objects `check` reads, when declared. DPOR needs them: writes to objects an invariant
   * reads do not commute for it. Undeclared means it may read anything.
   */
  readonly reads: readonly SimObject[] | null;
}

export interface RunResult {
  readonly violation: Violation | null;
  /** Scheduled steps taken. */
  readonly steps: number;
  /** The recorded choices: thread ids at scheduling points and `choose` values, in order. */
  readonly choices: readonly number[];
  /** Daemon threads still blocked when the run ended. */
  readonly blocked: readonly SimThread[];
  readonly threads: readonly SimThread[];
  /** The scheduler ended the run early as redundant (`beforeStep` returned false). */
  readonly pruned: boolean;
}

export const DEFAULT_MAX_STEPS = 100_000;

const NO_THREADS: readonly SimThread[] = Object.freeze([]);

let currentRuntime: Runtime | null = null;

/** The thread whose step is executing (or whose prologue runs at spawn). */
export function current(): SimThread {
  const t = currentRuntime === null ? null : currentRuntime.running;
  if (!t) throw new Error('[mmulab] a simulated primitive was called outside a simulated thread');
  return t;
}

/** The runtime of the run in progress. */
export function currentRt(): Runtime {
  if (!currentRuntime) throw new Error('[mmulab] no simulated run is in progress');
  return currentRuntime;
}

/**
 * One run of a program under a scheduler: the engine. Threads are spawned by the program's
 * setup (and by threads, through `spawn`), then `run()` drives them to completion, a
 * violation, or the step budget. Everything is deterministic given the scheduler's answers.
 */
export class Runtime extends SimObject {
  readonly threads: SimThread[] = [];
  readonly invariants: Invariant[] = [];
  readonly choices: number[] = [];
  steps = 0;
  violation: Violation | null = null;
  /**
   * The step being taken (its effect, then the thread's code up to its next yield), for the
   * access audit (src/sim/audit.ts); null between steps, in setup and in invariants.
   */
  executing: Step | null = null;
  /**
   * The invariant being checked, for the access audit: a declared read set is only sound if
   * the check reads nothing else (DPOR commutes writes to every other object). Null outside
   * `checkInvariants`.
   */
  checking: Invariant | null = null;
  /**
   * The thread whose step is executing, for `current()`; after a step, the thread that took
   * it. A field of the run rather than a module variable: it is written on every step, and a
   * store of a new object into the module's long-lived scope costs a write barrier each time.
   */
  running: SimThread | null = null;
  private readonly live: SimThread[] = [];
  private readonly enabled: SimThread[] = [];
  private readonly scheduler: Scheduler;
  private readonly maxSteps: number;
  /** Public so that primitives can skip building event text when nobody listens. */
  readonly observer: SimObserver | null;
  private readonly spawnStep = new Step(this, 'spawn', 'none');
  private readonly chooseStep = new Step(this, 'choose', 'none');
  /** When the run's state is tracked: the table of thread histories, and every object made. */
  private readonly states: StateTable | null;
  private readonly objects: SimObject[] | null;
  private stateOpaque = false;
  /** stateKey's UTF-16 units, reused. */
  private readonly keyUnits: number[] = [];
  /** How many objects setup made (see stateKey). */
  private setupObjects = -1;
  /**
   * The invariants checked after every step, one bit each (see `invariant`): those without a
   * declared read set, and all of them once one reads an object whose state changes outside
   * its own writing steps (a thread, the runtime).
   */
  private everyStep = 0;
  /** Invariants added since the last check: checked after the step that added them. */
  private added = 0;

  constructor(opts: RunOptions) {
    super('runtime');
    this.states = (opts.closedState === true && opts.scheduler.stateTable) || null;
    this.objects = resetSerials(this.states !== null);
    this.serial = -1;
    this.scheduler = opts.scheduler;
    this.maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    this.observer = opts.observer ?? null;
  }

  /** Creates a thread that starts at the next scheduling point. */
  spawn<T>(name: string, body: () => Sim<T>, opts: { daemon?: boolean } = {}): SimThread {
    const parent = currentRuntime === this ? this.running : null;
    const t = new SimThread(this.threads.length, name, body());
    t.daemon = opts.daemon ?? false;
    this.threads.push(t);
    this.live.push(t);
    if (this.observer) this.emit({ type: 'spawn', thread: t.id, name, parent: parent ? parent.id : null });
    // The prologue up to the first yield runs now, as part of the spawning step.
    const saved = this.running;
    const savedRt = currentRuntime;
    currentRuntime = this;
    try {
      this.running = t;
      this.advance(t, undefined);
    } finally {
      this.running = saved;
      currentRuntime = savedRt;
    }
    return t;
  }

  /** Runs a program's setup with this runtime current (thread prologues may use it). */
  setup(fn: (rt: Runtime) => void): void {
    const savedRt = currentRuntime;
    currentRuntime = this;
    try {
      fn(this);
    } finally {
      currentRuntime = savedRt;
      this.running = null;
    }
    if (this.objects !== null) this.setupObjects = this.objects.length;
  }

  /**
   * Watches `check` after every step. `reads` lists the objects it reads (for DPOR's
   * reduction); leave it out and every write is treated as visible to it.
   */
  invariant(name: string, check: () => string | null, reads?: readonly SimObject[]): void {
    const bit = invariantBit(this.invariants.length);
    this.invariants.push({ name, check, reads: reads ?? null });
    this.added |= bit;
    if (reads === undefined) {
      this.everyStep |= bit;
      return;
    }
    for (let i = 0; i < reads.length; i++) {
      const o = reads[i]!;
      if (o.changesOutsideSteps) this.everyStep = ALL_INVARIANTS;
      o.watch |= bit;
    }
  }

  /**
   * The run's state as a string that equal states share, or null when it is not tracked or
   * holds an object or a thread history that cannot be named (src/sim/state.ts).
   */
  override stateKey(): string | null {
    const objs = this.objects;
    if (objs === null || this.stateOpaque) return null;
    // An object made after setup sits where the interleaving put it in creation order: a
    // state holding one is not named (it would need its creator's identity in the key).
    if (objs.length !== this.setupObjects) return null;
    const table = this.states!;
    const units = this.keyUnits;
    units.length = 0;
    for (let i = 0; i < objs.length; i++) {
      const k = objs[i]!.stateKey();
      if (k === null) return null;
      packInt(units, table.intern(k));
    }
    return String.fromCharCode.apply(null, units);
  }

  /** Something outside the objects and threads keeps state (lockdep's graph): no state is named. */
  markStateOpaque(): void {
    this.stateOpaque = true;
  }

  /**
   * Thread `t` left a scope whose locals are gone (a retryLoop), with `value`: its history
   * becomes the one it entered the scope with, extended by the value.
   */
  scopeReturned(t: SimThread, entered: number, value: unknown): void {
    if (this.states !== null) t.history = this.states.extend(entered, value);
  }

  /** A value thread `t` read without a step (Word.locked): part of its history, as a step's result. */
  noteLocalRead(t: SimThread, value: unknown): void {
    if (this.states !== null) t.history = this.states.extend(t.history, value);
  }

  /** What threads spawn, and the choices: no step says when they change. */
  override get changesOutsideSteps(): boolean {
    return true;
  }

  /** Emits a trace event if someone listens. */
  emit(e: SimEvent): void {
    if (this.observer) this.observer(e);
  }

  /** The step a thread yields to spawn another: `yield* spawnThread(...)` builds it. */
  spawnRequest(name: string, body: () => Sim<unknown>, daemon: boolean): Step {
    return new Step(this, 'spawn', 'none', false, { name, body, daemon });
  }

  chooseRequest(n: number): Step {
    return n === 2 ? this.chooseStep : new Step(this, 'choose', 'none', false, n);
  }

  override run(step: Step, _t: SimThread): unknown {
    if (step.op === 'spawn') {
      if (step === this.spawnStep) return undefined;
      const { name, body, daemon } = step.arg as { name: string; body: () => Sim<unknown>; daemon: boolean };
      return this.spawn(name, body, { daemon });
    }
    const n = step === this.chooseStep ? 2 : (step.arg as number);
    const v = this.scheduler.pickValue(n, this);
    if (!(Number.isInteger(v) && v >= 0 && v < n)) {
      throw new Error(`[mmulab internal bug] scheduler picked ${v} for choose(${n})`);
    }
    this.choices.push(v);
    return v;
  }

  override describe(step: Step, result: unknown): string {
    if (step.op === 'spawn') return `spawn ${(result as SimThread).label}`;
    return `choose(${step === this.chooseStep ? 2 : String(step.arg)}) = ${String(result)}`;
  }

  /** Runs the program to its end. Never throws for model failures: they are violations. */
  execute(): RunResult {
    let pruned = false;
    const before = this.scheduler.beforeStep?.bind(this.scheduler);
    const savedRt = currentRuntime;
    currentRuntime = this;
    try {
      const replayed = this.scheduler.replayedSteps ?? 0;
      takeStrayWatch();
      this.added = 0;
      if (!this.violation && replayed === 0) this.checkInvariants(null, ALL_INVARIANTS);
      // Flags are compared with `=== true`, objects with null: a field V8 only knows as
      // tagged costs a generic truthiness test (false, '', undetectable, number, bigint).
      while (this.violation === null) {
        const enabled = this.collectEnabled();
        if (enabled.length === 0) {
          this.quiesce();
          break;
        }
        let t: SimThread;
        if (enabled.length === 1) {
          t = enabled[0]!;
        } else {
          const i = this.scheduler.pickThread(enabled, this);
          const picked = enabled[i];
          if (!picked)
            throw new Error(`[mmulab internal bug] scheduler picked index ${i} of ${enabled.length}`);
          t = picked;
          this.choices.push(t.id);
        }
        if (before && !before(t, this)) {
          pruned = true;
          break;
        }
        const s = t.pending!;
        this.executing = s;
        this.takeStep(t, s);
        this.executing = null;
        if (this.violation !== null) break;
        if (this.steps > replayed) {
          // An invariant with a declared read set is a function of those objects: after a
          // step that wrote none of them (its object if it writes, its `touches`, a plain
          // write, see noteStrayWrite) it holds as it did before. DPOR makes the same
          // assumption (src/explore/footprint.ts, invariantVisibility: only writes to what an
          // invariant reads are visible to it) and the access audit holds checks to it.
          const m = this.everyStep | this.added | watchOf(s) | takeStrayWatch();
          this.added = 0;
          if (m !== 0) this.checkInvariants(t, m);
        }
        if (this.steps >= this.maxSteps && !this.violation && this.live.length > 0) {
          this.setViolation(
            'step-budget',
            `${this.steps} steps and ${this.live.length} thread(s) still running: a livelock, or raise the budget (maxSteps)`,
            t,
          );
        }
      }
    } finally {
      this.executing = null;
      currentRuntime = savedRt;
      this.running = null;
      endTracking();
    }
    return {
      violation: this.violation,
      steps: this.steps,
      choices: this.choices,
      blocked: this.live.length === 0 ? NO_THREADS : this.live.filter((t) => !t.done),
      threads: this.threads,
      pruned,
    };
  }

  private collectEnabled(): readonly SimThread[] {
    const live = this.live;
    const en = this.enabled;
    // While every thread so far is enabled, the list is a prefix of `live`: nothing is copied,
    // and with all enabled `live` itself is the answer. At the first blocked thread the prefix
    // is copied. `en` is overwritten in place and trimmed with pop: `length = n` can free the
    // backing store, and the next push allocate one.
    let n = 0;
    let all = true;
    for (let i = 0; i < live.length; i++) {
      const t = live[i]!;
      let ok = t.pendingFree === true;
      if (!ok) {
        const s = t.pending!;
        ok = s.obj.canRun(s, t);
      }
      if (ok) {
        if (!all) en[n] = t;
        n++;
      } else if (all) {
        all = false;
        for (let j = 0; j < i; j++) en[j] = live[j]!;
      }
    }
    if (all) return live;
    while (en.length > n) en.pop();
    return en;
  }

  private takeStep(t: SimThread, s: Step): void {
    const index = this.steps++;
    this.running = t;
    let result: unknown;
    const observing = s.observes === true && t.retries.length > 0;
    const before = observing && s.access === 'observe' ? s.obj.snapshot() : undefined;
    try {
      result = s.obj.run(s, t);
    } catch (e) {
      this.threadThrew(t, e);
      return;
    }
    if (s.writes === true) s.obj.version++;
    if (observing) this.observe(t, s.obj, before);
    // A coarse step may leave in the thread's locals more than it returns: opaque.
    // The retry step returns to where the iteration started (RetryLoop reset the history).
    if (this.states !== null) {
      t.localVersion++;
      if (s !== t.retryStep) t.history = s.touches.length > 0 ? -1 : this.states.extend(t.history, result);
    }
    if (this.observer !== null) {
      this.observer({
        type: 'step',
        index,
        thread: t.id,
        op: s.op,
        obj: s.obj.name,
        access: s.access,
        text: s.obj.describe(s, result),
        result,
      });
    }
    this.advance(t, result);
  }

  private observe(t: SimThread, obj: SimObject, before: unknown): void {
    const now = obj.snapshot();
    for (const it of t.retries) {
      // A read-modify-write that changed its object makes the rerun see another value.
      if (before !== undefined && before !== now) it.dirty = true;
      it.observed.push(obj, now);
    }
  }

  /** Resumes `t` with `input` and takes its next pending step, or ends it. */
  private advance(t: SimThread, input: unknown): void {
    let r: IteratorResult<Step, unknown>;
    try {
      r = resume(t, input);
    } catch (e) {
      this.threadThrew(t, e);
      return;
    }
    if (r.done === true) {
      this.exitThread(t, r.value);
      return;
    }
    const next = r.value as unknown;
    if (!(next instanceof Step)) {
      const what = isGenerator(next) ? 'a generator: `yield` where `yield*` was meant' : `${typeof next}`;
      this.setViolation('bad-yield', `${t.label} yielded ${what}, not a step`, t);
      return;
    }
    t.pending = next;
    t.pendingFree = next.free;
    const open = t.retries;
    if (open.length > 0) {
      // The step reached us as the very object the innermost loop returned: every frame
      // between is a generator suspended in `yield*` (a plain `yield` makes a new result
      // object), and stays so until the loop ends. Resume the loop itself from now on.
      const top = open[open.length - 1]!;
      if (top.direct === false && r === next && top.loop !== null && top.loop.out === r) top.direct = true;
    }
    if (next.sleeps === true && t.atomic.length > 0) {
      this.setViolation(
        'sleep-in-atomic',
        `${t.label} calls ${next.op}(${next.obj.name}), which may sleep, in atomic context (${t.atomic.join(', ')})`,
        t,
      );
      return;
    }
    if (next.checked === false) return;
    try {
      next.obj.onPending(next, t);
    } catch (e) {
      this.threadThrew(t, e);
    }
  }

  private exitThread(t: SimThread, value: unknown): void {
    t.done = true;
    t.result = value;
    t.pending = null;
    t.pendingFree = false;
    t.version++;
    // Removed in place, keeping the order (the enabled list's order): splice would allocate
    // the array of what it removes.
    const live = this.live;
    const i = live.indexOf(t);
    if (i >= 0) {
      for (let j = i + 1; j < live.length; j++) live[j - 1] = live[j]!;
      live.pop();
    }
    if (this.observer) this.emit({ type: 'thread-exit', thread: t.id });
    if (t.held.length > 0) {
      this.setViolation(
        'lock-held-at-exit',
        `${t.label} exits holding ${t.held.map((l) => l.name).join(', ')}`,
        t,
      );
    } else if (t.atomic.length > 0) {
      this.setViolation(
        'lock-held-at-exit',
        `${t.label} exits in atomic context (${t.atomic.join(', ')})`,
        t,
      );
    }
  }

  private threadThrew(t: SimThread, e: unknown): void {
    if (e instanceof ViolationSignal) {
      this.setViolation(e.name, e.message, t);
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    this.setViolation('thread-exception', `${t.label} threw: ${msg}`, t);
  }

  /** Checks the invariants whose bits are in `mask`, in the order they were added. */
  private checkInvariants(t: SimThread | null, mask: number): void {
    const invs = this.invariants;
    for (let i = 0; i < invs.length; i++) {
      if ((mask & invariantBit(i)) === 0) continue;
      const inv = invs[i]!;
      let msg: string | null;
      this.checking = inv;
      try {
        msg = inv.check();
      } catch (e) {
        if (e instanceof ViolationSignal) {
          this.setViolation(e.name, e.message, t);
          return;
        }
        msg = `invariant threw: ${e instanceof Error ? e.message : String(e)}`;
      } finally {
        this.checking = null;
      }
      if (msg !== null) {
        this.setViolation(inv.name, msg, t);
        return;
      }
    }
  }

  /** No thread can run: the end, a deadlock, or a livelock of retry loops. */
  private quiesce(): void {
    if (this.live.length === 0) return;
    const stuck = this.live.filter((t) => !t.daemon);
    if (stuck.length === 0) return;
    const waits = this.live
      .map((t) => `${t.label} waits for ${t.pending!.obj.waitsFor(t.pending!)}`)
      .join('; ');
    const retrying = stuck.every((t) => t.pending!.op === 'retry');
    this.setViolation(retrying ? 'livelock' : 'deadlock', waits, null);
  }

  setViolation(name: string, message: string, t: SimThread | null): void {
    if (this.violation) return;
    const v: Violation = {
      name,
      message,
      step: Math.max(0, this.steps - 1),
      thread: t ? t.label : null,
    };
    this.violation = v;
    this.emit({ type: 'violation', violation: v });
  }
}

/**
 * Resumes thread `t` with `input`: its generator, or, when its innermost open retryLoop is
 * known to be reached through `yield*` frames only (RetryIteration.direct), that loop itself.
 * A frame suspended in `yield*` runs no code of its own while its delegate yields, so
 * skipping it changes nothing; when the loop ends, the frame above it is resumed and its
 * `yield*` asks the closed loop again, which answers its final value (RetryLoop.final). A
 * loop that throws has closed itself: the exception goes to the frame above with throw(),
 * whose `yield*` passes it to the closed loop's throw(), which rethrows it there, as if it
 * had come up through the frames. One generator frame fewer per step of a retry loop.
 */
function resume(t: SimThread, input: unknown): IteratorResult<Step, unknown> {
  const open = t.retries;
  let v = input;
  let thrown = false;
  let err: unknown;
  for (;;) {
    const n = open.length;
    const top = n > 0 ? open[n - 1]! : null;
    if (top === null || top.direct === false || top.loop === null)
      return thrown ? t.gen.throw(err) : t.gen.next(v);
    const loop = top.loop;
    let r: IteratorResult<Step, unknown>;
    try {
      r = thrown ? loop.throw(err) : loop.next(v);
    } catch (e) {
      // RetryLoop closes itself before it throws; anything else is a runtime bug.
      if (open.length === n) throw e;
      thrown = true;
      err = e;
      continue;
    }
    if (r.done !== true) return r;
    // Ended, so closed and off the stack; if not, resume through the generator from now on.
    if (open.length === n) top.direct = false;
    thrown = false;
    v = undefined;
  }
}

/** Bits for the first 30 invariants; the rest share the last one (and are checked together). */
function invariantBit(i: number): number {
  return i < 30 ? 1 << i : 1 << 30;
}

const ALL_INVARIANTS = 0x7fffffff;

/** The invariants that may see step `s`'s writes: those watching an object it writes. */
function watchOf(s: Step): number {
  let m = s.writes ? s.obj.watch : 0;
  const more = s.touches;
  for (let i = 0; i < more.length; i++) m |= more[i]!.watch;
  return m;
}

function isGenerator(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { next?: unknown }).next === 'function';
}

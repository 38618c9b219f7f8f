import type { StateKey } from './state.js';
import type { SimThread } from './thread.js';

/**
 * How a step touches its object. DPOR treats two steps as dependent when they touch the same
 * object and at least one of them is not a read; the retry primitive records `read` steps.
 * `rmw` is a read-modify-write whose read is not used for control flow (atomic_inc, a lock
 * acquire); `observe` is one whose returned value is (cmpxchg, add_return).
 */
export type Access = 'read' | 'write' | 'rmw' | 'observe' | 'none';

/**
 * One atomic action a simulated thread asks the runtime to perform: the unit of scheduling.
 * A thread yields a step; the runtime runs it when the strategy picks the thread, and resumes
 * the generator with the step's result. Code between two yields runs in the same atomic step.
 */
export class Step implements IteratorYieldResult<Step> {
  /**
   * The object never blocks this step (its class keeps SimObject's canRun, or says so in
   * `neverBlocks`): the scheduler's enabled check skips the call. Computed once per step.
   */
  readonly free: boolean;
  /** The object's class has an onPending check to make. */
  readonly checked: boolean;
  /** The step changes its object (access other than read and none): its version moves. */
  readonly writes: boolean;
  /** Its result is a value of its object the thread may branch on (read, observe): an open retry iteration records it. */
  readonly observes: boolean;
  constructor(
    /** The shared object the step touches. */
    readonly obj: SimObject,
    /** The kernel-style name of the action: `spin_lock`, `read`, `synchronize_rcu`, ... */
    readonly op: string,
    readonly access: Access,
    /** True for steps that may sleep in the kernel (mutex_lock, down_read, wait_event, ...). */
    readonly sleeps: boolean = false,
    readonly arg: unknown = undefined,
  ) {
    this.free = obj.canRun === baseCanRun || obj.neverBlocks(this);
    this.checked = obj.onPending !== baseOnPending;
    this.writes = access !== 'read' && access !== 'none';
    this.observes = access === 'read' || access === 'observe';
  }

  /**
   * Other objects the step reads or writes besides `obj` (a whole critical section taken as
   * one step, a hardware walk): DPOR counts each as written. Set before the step is yielded.
   */
  touches: readonly SimObject[] = NO_OBJECTS;

  /**
   * A step is also the iterator result that yields it (`{ value: step, done: false }`):
   * `oneStep` and `retryLoop` hand the step itself out, no result object is made for it.
   */
  get value(): Step {
    return this;
  }
  /** Always false, on the prototype (below): a step is a yield, never a return. */
  declare readonly done: false;
}
Object.defineProperty(Step.prototype, 'done', { value: false });

const NO_OBJECTS: readonly SimObject[] = [];

/** Marks `step` as also touching `objs` (see Step.touches) and returns it. */
export function touching(step: Step, objs: readonly SimObject[]): Step {
  step.touches = objs;
  return step;
}

// Shared results for the common return values: a step costs no allocation for them.
const DONE_VOID: IteratorReturnResult<undefined> = { value: undefined, done: true };
const DONE_TRUE: IteratorReturnResult<boolean> = { value: true, done: true };
const DONE_FALSE: IteratorReturnResult<boolean> = { value: false, done: true };
const DONE_INT: IteratorReturnResult<number>[] = Array.from({ length: 64 }, (_, value) => ({
  value,
  done: true,
}));

/**
 * A sub-path of exactly one step (`yield step`, then return what it returned), as a plain
 * iterator rather than a generator: `yield*` into it behaves as into
 * `function* () { return yield step; }`, without resuming one more generator frame per step.
 * The primitives (READ_ONCE, spin_lock, ...) are all such sub-paths and are on every step.
 */
class OneStep<T> implements Generator<Step, T, unknown> {
  private state = 0;
  constructor(private readonly step: Step) {}

  // One optional parameter, not `...args`: a rest parameter is an array allocated per call.
  next(v?: unknown): IteratorResult<Step, T> {
    if (this.state === 0) {
      this.state = 1;
      return this.step;
    }
    if (this.state === 1) {
      this.state = 2;
      if (v === undefined) return DONE_VOID as IteratorReturnResult<T>;
      if (typeof v === 'boolean') return (v ? DONE_TRUE : DONE_FALSE) as IteratorReturnResult<T>;
      if (typeof v === 'number' && v >= 0 && v < DONE_INT.length && Number.isInteger(v))
        return DONE_INT[v] as IteratorReturnResult<T>;
      return { value: v as T, done: true };
    }
    return DONE_VOID as IteratorReturnResult<T>;
  }

  return(value: T): IteratorResult<Step, T> {
    this.state = 2;
    return { value, done: true };
  }

  throw(e: unknown): IteratorResult<Step, T> {
    this.state = 2;
    throw e;
  }

  [Symbol.iterator](): Generator<Step, T, unknown> {
    return this;
  }
}

/** `yield* oneStep(s)` takes step `s` and returns its result (see OneStep). */
export function oneStep<T = void>(step: Step): Sim<T> {
  return new OneStep<T>(step);
}

/**
 * A simulated thread: a generator that yields steps. Sub-paths are called with `yield*`,
 * exactly as the kernel calls a function.
 */
export type Sim<T = void> = Generator<Step, T, unknown>;

/**
 * A shared object of the model (a cell, a lock, a wait queue, a page-table entry). Subclasses
 * define when a step on them can run and what it does. `version` counts writes, for DPOR.
 */
export abstract class SimObject {
  /** Writes so far in this run. */
  version = 0;
  /**
   * The run's invariants that declared they read this object, one bit each (Runtime.invariant):
   * a step that writes it is followed by their checks. Stale bits only add checks.
   */
  watch = 0;
  /**
   * Creation order within the run (see resetSerials): the same object in every run that
   * replays the same prefix, so DPOR keeps per-object records across runs by this number.
   */
  serial: number;
  constructor(readonly name: string) {
    this.serial = nextSerial++;
    if (tracked !== null) tracked.push(this);
  }

  /**
   * This object's state as a string that equal states share, for a search that caches
   * states (src/sim/state.ts): everything a step's enabledness, effect or result, or a
   * retry's snapshot, depends on. Null (the default) when the class does not say: a state
   * holding such an object is never cached.
   */
  stateKey(): StateKey | null {
    return null;
  }

  /** Whether `step` may run now for thread `t`; a false answer blocks the thread. */
  canRun(_step: Step, _t: SimThread): boolean {
    return true;
  }

  /** Performs `step` for thread `t` and returns the value handed back to the generator. */
  abstract run(step: Step, t: SimThread): unknown;

  /**
   * Whether the object's state changes other than through steps that write it (its own, or
   * steps that name it in `touches`) or its plain setters: a thread's (woken, done, held
   * locks). An invariant that reads such an object is checked after every step.
   */
  get changesOutsideSteps(): boolean {
    return false;
  }

  /**
   * True when `canRun(step, t)` is true in every state, for steps of a class that overrides
   * canRun (a lock's release): the enabled check then skips the call. Asked once per step,
   * from Step's constructor, before the object's own fields are set.
   */
  neverBlocks(_step: Step): boolean {
    return false;
  }

  /**
   * Called when `step` becomes a thread's pending step, before it can run: the place for
   * checks the kernel makes on entry (lockdep's recursion check). Throws a violation.
   */
  onPending(_step: Step, _t: SimThread): void {}

  /**
   * Whether a successful `done` (already taken by one thread) and `pending` (another thread's
   * next step on this object) can both be enabled in one state. False only for pairs that
   * never can: a lock release and an acquire it would enable (while the releaser holds the
   * lock, the acquire is blocked). DPOR does not try to reverse such a pair (Flanagan and
   * Godefroid's "may be co-enabled" condition); it looks further back, at the acquire that
   * took the lock. The pending step is named by its op, not its identity: DPOR's state cache
   * asks about steps its summaries recorded in other runs.
   */
  coEnabled(_done: Step, _pendingOp: string): boolean {
    return true;
  }

  /** For deadlock reports: what a thread blocked on `step` waits for. */
  waitsFor(step: Step): string {
    return `${step.op}(${this.name})`;
  }

  /** The value a retry loop compares to decide whether a rerun could differ. */
  snapshot(): unknown {
    return this.version;
  }

  /** Trace text of a performed step and its result. */
  describe(step: Step, result: unknown): string {
    return result === undefined ? `${step.op}(${this.name})` : `${step.op}(${this.name}) = ${fmt(result)}`;
  }
}

// SimObject's own methods, compared by Step's constructor (a write step is made per write).
const baseCanRun = SimObject.prototype.canRun;
const baseOnPending = SimObject.prototype.onPending;

/**
 * Watch bits of objects written without a step of their own since the runtime last looked
 * (a word's `value` setter: a coarse step's body, a write under the word's guard lock).
 */
let strayWatch = 0;

/** A plain write to `obj` (not through a step on it): its watching invariants need a check. */
export function noteStrayWrite(obj: SimObject): void {
  strayWatch |= obj.watch;
}

/** The watch bits of the plain writes since the last call, cleared. */
export function takeStrayWatch(): number {
  const m = strayWatch;
  strayWatch = 0;
  return m;
}

/** Serial 0 is reserved for explorer pseudo-objects made outside any run. */
let nextSerial = 1;

/** The objects made in the run, in creation order, when its state is tracked (see resetSerials). */
let tracked: SimObject[] | null = null;

/**
 * Called when a run starts: the objects its setup and steps create count from 1 again. With
 * `track`, they are also listed in the array returned (the run's state, src/sim/state.ts).
 */
/**
 * Called when a run ends: the run's object list is let go. Left in place, the next run's
 * Runtime (a SimObject, made before it resets the list) was pushed into it, chaining every
 * run to the next: one run alive at a collection kept all later ones alive, and the young
 * generation promoted a third of everything a state-tracking search allocated.
 */
export function endTracking(): void {
  tracked = null;
}

export function resetSerials(track = false): SimObject[] | null {
  nextSerial = 1;
  tracked = track ? [] : null;
  return tracked;
}

/**
 * Renders a model value for traces and messages: model objects by name, records and arrays
 * to a small depth, cycles cut (a step result may point back into the model).
 */
export function fmt(v: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return String(v);
  if (v instanceof SimObject) return v.name;
  if (seen.has(v) || depth >= 3) return '…';
  seen.add(v);
  if (Array.isArray(v)) return `[${v.map((x) => fmt(x, depth + 1, seen)).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>))
    parts.push(`${k}:${fmt(x, depth + 1, seen)}`);
  return `{${parts.join(' ')}}`;
}

/** Shallow structural equality, for cell values that are small frozen records (a PTE). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

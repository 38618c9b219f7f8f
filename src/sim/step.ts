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
export class Step {
  /**
   * The object never blocks this step (its class keeps SimObject's canRun): the scheduler's
   * enabled check skips the call. Computed once per step, off the hot path.
   */
  readonly free: boolean;
  /** The object's class has an onPending check to make. */
  readonly checked: boolean;
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
    this.free = obj.canRun === SimObject.prototype.canRun;
    this.checked = obj.onPending !== SimObject.prototype.onPending;
  }

  /**
   * Other objects the step reads or writes besides `obj` (a whole critical section taken as
   * one step, a hardware walk): DPOR counts each as written. Set before the step is yielded.
   */
  touches: readonly SimObject[] = NO_OBJECTS;
}

const NO_OBJECTS: readonly SimObject[] = [];

/** Marks `step` as also touching `objs` (see Step.touches) and returns it. */
export function touching(step: Step, objs: readonly SimObject[]): Step {
  step.touches = objs;
  return step;
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
  constructor(readonly name: string) {}

  /** Whether `step` may run now for thread `t`; a false answer blocks the thread. */
  canRun(_step: Step, _t: SimThread): boolean {
    return true;
  }

  /** Performs `step` for thread `t` and returns the value handed back to the generator. */
  abstract run(step: Step, t: SimThread): unknown;

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
   * took the lock.
   */
  coEnabled(_done: Step, _pending: Step): boolean {
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

import { type StateKey, valueKey } from './state.js';
import { type Sim, SimObject, Step, sameValue } from './step.js';

/** Values a retry iteration read: object, then the snapshot it had, flattened in pairs. */
export interface RetryIteration {
  observed: unknown[];
  /** A read-modify-write whose result the iteration used changed its object: no stutter. */
  dirty: boolean;
  /** The thread's history when the iteration started (src/sim/state.ts). */
  history: number;
  /** The retryLoop iterator that opened the record; null while the record is pooled. */
  loop: OpenLoop | null;
  /**
   * The thread's generators pass the loop's steps to the runtime unchanged (seen once, see
   * Runtime.resume): the runtime resumes the loop itself, not the frames suspended above it.
   */
  direct: boolean;
}

/** A retryLoop iterator, as the runtime resumes it (src/sim/api.ts, RetryLoop). */
export interface OpenLoop {
  /** The iterator result the loop last returned for a step. */
  readonly out: unknown;
  next(v?: unknown): IteratorResult<Step, unknown>;
  throw(e: unknown): IteratorResult<Step, unknown>;
}

/**
 * A simulated kernel thread (a vCPU, munmap, the uffd manager). It is also the object that
 * `join` steps and its own `schedule()` / retry waits block on.
 */
export class SimThread extends SimObject {
  /** The step the thread will take when next scheduled; null once it has exited. */
  pending: Step | null = null;
  /** `pending.free`, kept beside it: the enabled check of such a thread reads nothing else. */
  pendingFree = false;
  done = false;
  result: unknown = undefined;
  /** Sleeping locks and spinlocks held, in acquisition order (lockdep's held_locks). */
  readonly held: SimObject[] = [];
  /**
   * Why the thread may not sleep now, innermost last: `spin_lock(kvm.mmuLock)`,
   * `rcu_read_lock`, `non-blockable range`. Empty means sleepable context.
   */
  readonly atomic: string[] = [];
  /** Callback nesting for traces: `munmap > invalidate_range_start > kvm`. */
  readonly frames: string[] = [];
  /** Open retry iterations, outermost first. */
  readonly retries: RetryIteration[] = [];
  /** Records of finished retry loops, for the next ones (retryLoop). */
  readonly retryPool: RetryIteration[] = [];
  /** Set by wake_up / complete for a thread that called prepare_to_wait. */
  woken = false;
  /** A daemon may stay blocked when the run ends (a userfault nobody resolves). */
  daemon = false;
  /** The step a failed retry iteration waits on (see retryLoop). */
  readonly retryStep: Step = new Step(this, 'retry', 'none', false);
  /**
   * The thread's local state, when the run tracks states (src/sim/state.ts): the interned
   * sequence of the values its steps returned; -1 once one was opaque.
   */
  history = 0;
  /** Bumped by the runtime at each of the thread's steps, when it tracks states. */
  localVersion = 0;
  private key: StateKey | null = null;
  private keyAt = -1;
  private keyWoken = false;

  constructor(
    readonly id: number,
    name: string,
    readonly gen: Sim<unknown>,
  ) {
    super(name);
  }

  /**
   * Its code's state (the history), what only other threads change (`woken`) and what its
   * open retry iterations compare against (their snapshots decide whether it is enabled).
   */
  override stateKey(): StateKey | null {
    // Only the thread's own steps change what the key reads, but for `woken`.
    if (this.keyAt === this.localVersion && this.keyWoken === this.woken) return this.key;
    this.keyAt = this.localVersion;
    this.keyWoken = this.woken;
    this.key = this.computeKey();
    return this.key;
  }

  private computeKey(): StateKey | null {
    const h = this.history;
    if (h < 0) return null;
    if (this.retries.length === 0 && this.held.length === 0 && this.atomic.length === 0 && !this.woken)
      return this.done ? -1 - h : h;
    let k = `${h}${this.done ? 'x' : ''}${this.woken ? 'w' : ''}/${this.atomic.length}`;
    for (const l of this.held) k += `,${l.serial}`;
    for (const it of this.retries) {
      k += it.dirty ? '(d' : '(';
      const o = it.observed;
      for (let i = 0; i < o.length; i += 2) {
        const v = valueKey(o[i + 1]);
        if (v === null) return null;
        k += `${(o[i] as SimObject).serial}=${v},`;
      }
      k += ')';
    }
    return k;
  }

  /** `woken`, `done`, the locks held change in steps on other objects (wake_up, exit, ...). */
  override get changesOutsideSteps(): boolean {
    return true;
  }

  get label(): string {
    return `T${this.id}(${this.name})`;
  }

  override canRun(step: Step, _t: SimThread): boolean {
    // The retry step first, by identity: the one a random walk asks about on every step.
    if (step === this.retryStep) return this.retryMayDiffer();
    switch (step.op) {
      case 'join':
        return this.done;
      case 'schedule':
        return this.woken;
      case 'retry':
        return this.retryMayDiffer();
      default:
        return true;
    }
  }

  override run(step: Step, _t: SimThread): unknown {
    switch (step.op) {
      case 'join':
        return this.result;
      case 'schedule':
        this.woken = false;
        return undefined;
      case 'retry': {
        const it = this.retries[this.retries.length - 1];
        if (it) {
          while (it.observed.length > 0) it.observed.pop();
          it.dirty = false;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  override waitsFor(step: Step): string {
    switch (step.op) {
      case 'join':
        return `join(${this.label})`;
      case 'schedule':
        return 'a wake_up (schedule() after prepare_to_wait)';
      case 'retry':
        return `a change to what its retry loop read (${this.retryObjects()})`;
      default:
        return step.op;
    }
  }

  /** Whether rerunning the innermost retry iteration could take another path. */
  retryMayDiffer(): boolean {
    const it = this.retries[this.retries.length - 1];
    if (!it || it.dirty) return true;
    const o = it.observed;
    for (let i = 0; i < o.length; i += 2) {
      if (!sameValue((o[i] as SimObject).snapshot(), o[i + 1])) return true;
    }
    return false;
  }

  retryObjects(): string {
    const it = this.retries[this.retries.length - 1];
    if (!it) return '';
    const names = new Set<string>();
    for (let i = 0; i < it.observed.length; i += 2) names.add((it.observed[i] as SimObject).name);
    return [...names].join(', ');
  }
}

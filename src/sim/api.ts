import { current, currentRt } from './runtime.js';
import { oneStep, type Sim, Step } from './step.js';
import type { RetryIteration, SimThread } from './thread.js';

/** `kthread_run`: starts a thread; it runs from the next scheduling point. */
export function* spawnThread<T>(
  name: string,
  body: () => Sim<T>,
  opts: { daemon?: boolean } = {},
): Sim<SimThread> {
  return (yield currentRt().spawnRequest(name, body, opts.daemon ?? false)) as SimThread;
}

/** Waits for `t` to exit and returns its result (`kthread_stop`'s wait, pthread_join). */
export function join(t: SimThread): Sim<unknown> {
  return oneStep<unknown>(new Step(t, 'join', 'read', true));
}

/**
 * Explicit data nondeterminism: a value in [0, n), chosen by the strategy and recorded in the
 * replay token like a scheduling choice.
 */
export function* choose(n: number): Sim<number> {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`choose(${n}): n must be a positive integer`);
  if (n === 1) return 0;
  return (yield currentRt().chooseRequest(n)) as number;
}

/** Returned by a retry loop's body to go round again. */
export const RETRY: unique symbol = Symbol('RETRY');
export type Retry = typeof RETRY;

/**
 * A retry loop (a fault path that rechecks a sequence count and starts over). The body runs
 * once per iteration; returning RETRY starts another, any other value ends the loop.
 *
 * A failed iteration does not rerun at once: the thread blocks until some object the
 * iteration read (a plain read step) holds another value than it read. Until then a rerun
 * would read the same values and fail the same way, so skipping it loses no behaviour of the
 * retrying thread, and the search tree of a fixed protocol stays finite. docs/architecture.md
 * gives the argument and the loops it holds for.
 */
export function retryLoop<T>(body: () => Sim<T | Retry>): Sim<T> {
  return new RetryLoop<T>(body);
}

/**
 * retryLoop as a plain iterator: `yield*` into it behaves as into
 *
 *     function* () {
 *       t.retries.push(it);
 *       try {
 *         for (;;) { const r = yield* body(); if (r !== RETRY) return r; yield t.retryStep; }
 *       } finally { t.retries.pop(); }
 *     }
 *
 * without a generator frame of its own to resume on every step of the body. Like the
 * generator, it starts (takes its thread and opens its iteration record) on the first next().
 */
class RetryLoop<T> implements Generator<Step, T, unknown> {
  private t: SimThread | null = null;
  private it: RetryIteration | null = null;
  /** The iteration running; null while the failed one waits on its retry step. */
  private inner: Sim<T | Retry> | null = null;
  private closed = false;
  /** The result of the last step handed out (OpenLoop.out). */
  out: unknown = null;
  /**
   * What next() returns once the loop has ended: the loop's value after it returned, so that
   * frames the runtime resumed the loop past (Runtime.resume) still receive it.
   */
  private final: IteratorReturnResult<T> = { value: undefined as T, done: true };

  constructor(private readonly body: () => Sim<T | Retry>) {}

  next(v?: unknown): IteratorResult<Step, T> {
    if (this.closed) return this.final;
    let input = v;
    if (this.t === null) {
      const t = current();
      this.t = t;
      // A finished loop's record is reused by the thread's next loop (one per nesting level).
      const it = t.retryPool.pop() ?? { observed: [], dirty: false, history: 0, loop: null, direct: false };
      it.loop = this;
      this.it = it;
      t.retries.push(it);
    }
    try {
      for (;;) {
        if (this.inner === null) {
          // Resumed after the retry step: the next iteration starts.
          this.inner = this.body();
          this.it!.history = this.t.history;
          input = undefined;
        }
        const r = this.inner.next(input);
        if (!r.done) {
          this.out = r;
          return r;
        }
        if (r.value !== RETRY) {
          // Only the loop's value reaches the code after it: the thread is where the loop
          // started, plus that value (src/sim/state.ts).
          currentRt().scopeReturned(this.t, this.it!.history, r.value);
          this.close();
          this.final = { value: r.value as T, done: true };
          return this.final;
        }
        this.inner = null;
        // The failed iteration's locals are gone (`goto retry`): the thread is back in the
        // state it started the iteration in, but for what the iteration read (its retry key).
        this.t.history = this.it!.history;
        this.out = this.t.retryStep;
        return this.t.retryStep;
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  return(value: T): IteratorResult<Step, T> {
    if (!this.closed && this.t !== null) {
      try {
        this.inner?.return(RETRY);
      } finally {
        this.close();
      }
    }
    return { value, done: true };
  }

  throw(e: unknown): IteratorResult<Step, T> {
    if (this.closed || this.inner === null) {
      this.close();
      throw e;
    }
    try {
      const r = this.inner.throw(e);
      if (!r.done) {
        this.out = r;
        return r;
      }
      if (r.value !== RETRY) {
        this.close();
        this.final = { value: r.value as T, done: true };
        return this.final;
      }
      this.inner = null;
      this.t!.history = this.it!.history;
      this.out = this.t!.retryStep;
      return this.t!.retryStep;
    } catch (x) {
      this.close();
      throw x;
    }
  }

  [Symbol.iterator](): Generator<Step, T, unknown> {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const t = this.t;
    const it = this.it;
    if (t === null || it === null) return;
    const i = t.retries.lastIndexOf(it);
    if (i === t.retries.length - 1) t.retries.pop();
    else if (i >= 0) t.retries.splice(i, 1);
    while (it.observed.length > 0) it.observed.pop();
    it.dirty = false;
    it.loop = null;
    it.direct = false;
    t.retryPool.push(it);
  }
}

/** Trace annotation: the thread enters a callback or a kernel function. */
export function enter(label: string): void {
  const t = current();
  t.frames.push(label);
  const rt = currentRt();
  if (rt.observer) rt.emit({ type: 'enter', thread: t.id, label });
}

/** Trace annotation: the thread leaves the innermost frame. */
export function exit(): void {
  const t = current();
  const label = t.frames.pop() ?? '?';
  const rt = currentRt();
  if (rt.observer) rt.emit({ type: 'exit', thread: t.id, label });
}

/** Runs `body` inside a trace frame named `label` (a callback, a kernel function). */
export function* frame<T>(label: string, body: Sim<T>): Sim<T> {
  enter(label);
  try {
    return yield* body;
  } finally {
    exit();
  }
}

/** Trace annotation with a kind: `pte`, `tlb-flush`, `page-free`, `uffd-msg`, ... */
export function note(kind: string, text: string): void {
  const rt = currentRt();
  if (rt.observer) rt.emit({ type: 'note', thread: current().id, kind, text });
}

/**
 * `non_block_start()`: the callbacks of a non-blockable notifier range run in a context that
 * must not sleep, like an atomic one; a sleeping step in it is a sleep-in-atomic violation.
 */
export function nonBlockStart(why = 'non-blockable range'): void {
  current().atomic.push(why);
}

export function nonBlockEnd(why = 'non-blockable range'): void {
  const t = current();
  const i = t.atomic.lastIndexOf(why);
  t.atomic.splice(i >= 0 ? i : t.atomic.length - 1, 1);
}

/** `might_sleep()`: a sleeping point with no lock; reported if the context is atomic. */
export function mightSleep(what: string): Sim<void> {
  return oneStep(new Step(current(), what, 'none', true));
}

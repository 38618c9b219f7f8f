import { current } from './runtime.js';
import { fmt, type Sim, SimObject, Step, sameValue } from './step.js';
import type { SimThread } from './thread.js';

/**
 * A shared memory word: a field several threads race on (a sequence count, a PTE, a flag).
 * Each read or write is one step. Values are primitives or small frozen records.
 */
export class Word<T = number> extends SimObject {
  private readonly readStep: Step;
  constructor(
    name: string,
    public value: T,
  ) {
    super(name);
    this.readStep = new Step(this, 'read', 'read');
  }

  /** READ_ONCE */
  *read(): Sim<T> {
    return (yield this.readStep) as T;
  }

  /**
   * A read under a lock that every writer of this word also holds: no scheduling point (no
   * other thread can touch the word between the lock step and here), but an open retry loop
   * still records it, so a failed iteration waits for this word to change.
   */
  locked(): T {
    const t = current();
    for (const it of t.retries) it.observed.push(this, this.value);
    return this.value;
  }

  /** WRITE_ONCE */
  *write(v: T): Sim<void> {
    yield new Step(this, 'write', 'write', false, v);
  }

  /**
   * An atomic read-modify-write: `fn` maps the old value to the new one. Returns the old
   * value. `observed` says whether the caller branches on the result.
   */
  *update(fn: (old: T) => T, observed = false): Sim<T> {
    return (yield new Step(this, 'update', observed ? 'observe' : 'rmw', false, fn)) as T;
  }

  /** For numeric words: atomic add, returning the new value. */
  *add(this: Word<number>, delta: number): Sim<number> {
    const old = yield* this.update((v) => v + delta);
    return old + delta;
  }

  override run(step: Step, _t: SimThread): unknown {
    switch (step.op) {
      case 'read':
        return this.value;
      case 'write':
        this.value = step.arg as T;
        return undefined;
      default: {
        const old = this.value;
        this.value = (step.arg as (old: T) => T)(old);
        return old;
      }
    }
  }

  override snapshot(): unknown {
    return this.value;
  }

  override describe(step: Step, result: unknown): string {
    switch (step.op) {
      case 'read':
        return `read ${this.name} = ${fmt(result)}`;
      case 'write':
        return `write ${this.name} := ${fmt(step.arg)}`;
      default:
        return `${step.op} ${this.name}: ${fmt(result)} -> ${fmt(this.value)}`;
    }
  }
}

/** True when a value equals the word's current value (for invariants, no step). */
export function wordIs<T>(w: Word<T>, v: T): boolean {
  return sameValue(w.value, v);
}

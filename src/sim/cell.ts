import { accessAudit } from './audit.js';
import { current, currentRt } from './runtime.js';
import { type StateKey, valueKey } from './state.js';
import { fmt, noteStrayWrite, oneStep, type Sim, SimObject, Step, sameValue } from './step.js';
import type { SimThread } from './thread.js';

/**
 * A shared memory word: a field several threads race on (a sequence count, a PTE, a flag).
 * Each read or write is one step. Values are primitives or small frozen records.
 */
export class Word<T = number> extends SimObject {
  /** Made on the first read step: many words are only written (or read by invariants). */
  private readStep: Step | null = null;
  private v: T;
  /**
   * The lock every writer holds, if any: an access made while holding it needs no step of
   * its own (the lock's steps order it against every other access), see `locked()`.
   */
  guard: SimObject | null = null;

  constructor(name: string, value: T) {
    super(name);
    this.v = value;
  }

  /**
   * The current value, for invariants, setup and code inside a coarse step that declares
   * this word (Step.touches). Under the access audit, any other access from inside a step is
   * reported: it would be invisible to DPOR.
   */
  get value(): T {
    if (accessAudit !== null) accessAudit(this, false);
    return this.v;
  }

  set value(v: T) {
    if (accessAudit !== null) accessAudit(this, true);
    if (this.watch !== 0) noteStrayWrite(this);
    this.v = v;
  }

  /** READ_ONCE */
  read(): Sim<T> {
    if (this.readStep === null) this.readStep = new Step(this, 'read', 'read');
    return oneStep<T>(this.readStep);
  }

  /**
   * A read under a lock that every writer of this word also holds: no scheduling point (no
   * other thread can touch the word between the lock step and here), but an open retry loop
   * still records it, so a failed iteration waits for this word to change.
   */
  locked(): T {
    const t = current();
    const v = this.value;
    for (const it of t.retries) it.observed.push(this, v);
    // What the thread read without a step is part of its state, as a step's result is.
    currentRt().noteLocalRead(t, v);
    return v;
  }

  /**
   * The value without a step and without the access audit: only for a word that no step
   * writes during the run (the caller enforces that), such as a subscriber list fixed at setup.
   */
  peek(): T {
    return this.v;
  }

  /** WRITE_ONCE */
  write(v: T): Sim<void> {
    return oneStep(new Step(this, 'write', 'write', false, v));
  }

  /**
   * An atomic read-modify-write: `fn` maps the old value to the new one. Returns the old
   * value. `observed` says whether the caller branches on the result.
   */
  update(fn: (old: T) => T, observed = false): Sim<T> {
    return oneStep<T>(new Step(this, 'update', observed ? 'observe' : 'rmw', false, fn));
  }

  /** For numeric words: atomic add, returning the new value. */
  *add(this: Word<number>, delta: number): Sim<number> {
    const old = yield* this.update((v) => v + delta);
    return old + delta;
  }

  override run(step: Step, _t: SimThread): unknown {
    switch (step.op) {
      case 'read':
        return this.v;
      case 'write':
        this.v = step.arg as T;
        return undefined;
      default: {
        const old = this.v;
        this.v = (step.arg as (old: T) => T)(old);
        return old;
      }
    }
  }

  override snapshot(): unknown {
    return this.v;
  }

  override stateKey(): StateKey | null {
    const v = this.v;
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 't' : 'f';
    return valueKey(v);
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

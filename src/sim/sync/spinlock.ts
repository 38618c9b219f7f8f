import { activeLockdep } from '../lockdep.js';
import type { Sim, SimObject } from '../step.js';
import { oneStep, Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { LockObject } from './lock.js';

/** spinlock_t: exclusive, never sleeps; its holder is in atomic context. */
export class SpinLock extends LockObject {
  holder: SimThread | null = null;
  protected readonly atomicLabel: string;
  readonly lockStep = new Step(this, 'spin_lock', 'rmw');
  readonly unlockStep = new Step(this, 'spin_unlock', 'rmw');
  readonly trylockStep = new Step(this, 'spin_trylock', 'observe');

  constructor(name: string) {
    super(name);
    this.atomicLabel = `spin_lock(${name})`;
  }

  override stateKey(): number {
    return this.holder === null ? -1 : this.holder.id;
  }

  override canRun(step: Step): boolean {
    // The common steps first, by identity: no string compare on the enabled check.
    if (step === this.lockStep) return this.holder === null;
    if (step === this.unlockStep || step === this.trylockStep) return true;
    if (step.op === SECTION || step.op === LOCK_THEN || step.op === MAYBE_HOLD) return this.holder === null;
    return true;
  }

  override neverBlocks(step: Step): boolean {
    return step.op === 'spin_unlock' || step.op === 'spin_trylock';
  }

  /** While spin_unlock is enabled its thread holds the lock: every acquiring step waits. */
  override coEnabled(done: Step, pendingOp: string): boolean {
    if (done !== this.unlockStep) return true;
    return !(
      pendingOp === this.lockStep.op ||
      pendingOp === SECTION ||
      pendingOp === LOCK_THEN ||
      pendingOp === MAYBE_HOLD
    );
  }

  override onPending(step: Step, t: SimThread): void {
    if (step !== this.unlockStep && this.holder === t) this.recursion(t, step.op);
  }

  override run(step: Step, t: SimThread): unknown {
    // spin_lock and spin_unlock first, by identity: they are on every critical section.
    if (step === this.lockStep) {
      this.holder = t;
      this.noteAcquired(t, false);
      return true;
    }
    if (step === this.unlockStep) {
      this.noteReleased(t, step.op);
      this.holder = null;
      return undefined;
    }
    if (step.op === SECTION) {
      const { body } = step.arg as SectionArg;
      // Taken and dropped within the step: ordered after what is held, nothing nests in it.
      const lockdep = activeLockdep();
      lockdep?.acquire(t, this.name, false);
      lockdep?.release(t, this.name);
      this.holder = t;
      t.atomic.push(this.atomicLabel);
      try {
        return body();
      } finally {
        t.atomic.pop();
        this.holder = null;
      }
    }
    if (step.op === MAYBE_HOLD) {
      this.holder = t;
      t.atomic.push(this.atomicLabel);
      let r: { hold: boolean; value: unknown } | undefined;
      try {
        r = (step.arg as SectionArg).body() as { hold: boolean; value: unknown };
      } finally {
        t.atomic.pop();
        this.holder = null;
      }
      if (r.hold) {
        this.holder = t;
        this.noteAcquired(t);
      }
      return r;
    }
    if (step.op === LOCK_THEN) {
      this.holder = t;
      this.noteAcquired(t);
      return (step.arg as SectionArg).body();
    }
    if (step === this.trylockStep && this.holder !== null) return false;
    this.holder = t;
    this.noteAcquired(t, step === this.trylockStep);
    return true;
  }

  override describe(step: Step, result: unknown): string {
    if (step.op !== SECTION && step.op !== LOCK_THEN && step.op !== MAYBE_HOLD)
      return super.describe(step, result);
    const { label, text } = step.arg as SectionArg;
    const released = step.op === SECTION || (step.op === MAYBE_HOLD && !(result as { hold: boolean }).hold);
    const unlock = released ? `; spin_unlock(${this.name})` : '';
    const value = step.op === MAYBE_HOLD ? (result as { value: unknown }).value : result;
    return `spin_lock(${this.name}); ${text ? text(value) : label}${unlock}`;
  }

  override waitsFor(step: Step): string {
    return `${step.op}(${this.name}) held by ${this.holder ? this.holder.label : 'nobody'}`;
  }

  override snapshot(): unknown {
    return this.holder === null ? 0 : this.holder.id + 1;
  }
}

export function spinLock(l: SpinLock): Sim<void> {
  return oneStep(l.lockStep);
}

export function spinUnlock(l: SpinLock): Sim<void> {
  return oneStep(l.unlockStep);
}

export function spinTrylock(l: SpinLock): Sim<boolean> {
  return oneStep<boolean>(l.trylockStep);
}

/** A held spinlock, for lockdep-style assertions in drivers and invariants. */
export function spinIsLockedBy(l: SpinLock, t: SimThread): boolean {
  return l.holder === t;
}

const SECTION = 'spin_lock_section';
const LOCK_THEN = 'spin_lock_then';
const MAYBE_HOLD = 'spin_lock_maybe_hold';

interface SectionArg {
  readonly label: string;
  readonly body: () => unknown;
  readonly text: ((result: unknown) => string) | undefined;
}

/**
 * A whole spinlock critical section as one step: lock, `body`, unlock, with no scheduling
 * point inside. Sound for a section that does not sleep or yield and whose every shared
 * access is either protected by this lock or commutes with whatever could run inside the
 * section (a reference taken on a page its PTE keeps alive): running it atomically loses no
 * behaviour, and saves the explorer the interleavings inside it. `touches` names every other
 * object the body reads or writes, for DPOR's dependence relation.
 */
export function* spinLockSection<T>(
  l: SpinLock,
  label: string,
  body: () => T,
  text?: (result: T) => string,
  touches: readonly SimObject[] = [],
): Sim<T> {
  return yield* coarseStep(l, SECTION, label, body, text, touches);
}

/**
 * spin_lock() and the first accesses of the critical section as one step; the lock stays
 * held (release it with spinUnlock). Sound for the same reason as spinLockSection.
 */
export function* spinLockThen<T>(
  l: SpinLock,
  label: string,
  body: () => T,
  text?: (result: T) => string,
  touches: readonly SimObject[] = [],
): Sim<T> {
  return yield* coarseStep(l, LOCK_THEN, label, body, text, touches);
}

/**
 * spin_lock() and the first accesses of the critical section as one step, which either
 * unlocks at its end like spinLockSection (`hold: false`) or keeps the lock for the steps
 * that follow, like spinLockThen (`hold: true`): for a section whose rare path has to be
 * seen in pieces (mn_itree_inv_end with a deferred list) and whose common path need not.
 */
export function* spinLockMaybeHold<T>(
  l: SpinLock,
  label: string,
  body: () => { readonly hold: boolean; readonly value: T },
  text?: (value: T) => string,
  touches: readonly SimObject[] = [],
): Sim<{ readonly hold: boolean; readonly value: T }> {
  return yield* coarseStep(
    l,
    MAYBE_HOLD,
    label,
    body,
    text as ((r: { readonly hold: boolean; readonly value: T }) => string) | undefined,
    touches,
  );
}

function* coarseStep<T>(
  l: SpinLock,
  op: string,
  label: string,
  body: () => T,
  text: ((result: T) => string) | undefined,
  touches: readonly SimObject[],
): Sim<T> {
  const step = new Step(l, op, 'rmw', false, {
    label,
    body,
    text: text as SectionArg['text'],
  } satisfies SectionArg);
  step.touches = touches;
  return (yield step) as T;
}

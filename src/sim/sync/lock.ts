import { activeLockdep } from '../lockdep.js';
import { SimObject } from '../step.js';
import type { SimThread } from '../thread.js';
import { fail } from '../violation.js';

/**
 * What every lock shares: lockdep-style ownership. A holder is recorded in the thread's
 * `held` list (so a lock held at exit is reported) and, for spinning locks, in its atomic
 * context (so sleeping under it is reported).
 */
export abstract class LockObject extends SimObject {
  /** Context label pushed while held, for spinning locks; null for sleeping locks. */
  protected abstract readonly atomicLabel: string | null;

  /** `trylock`: an acquisition that could not have waited orders nothing before it (lockdep). */
  protected noteAcquired(t: SimThread, trylock = false): void {
    t.held.push(this);
    if (this.atomicLabel) t.atomic.push(this.atomicLabel);
    activeLockdep()?.acquire(t, this.name, trylock);
  }

  protected noteReleased(t: SimThread, op: string): void {
    const i = t.held.lastIndexOf(this);
    if (i < 0) fail('unlock-not-held', `${t.label} calls ${op}(${this.name}) without holding it`);
    removeAt(t.held, i);
    activeLockdep()?.release(t, this.name);
    if (this.atomicLabel) {
      const j = t.atomic.lastIndexOf(this.atomicLabel);
      if (j >= 0) removeAt(t.atomic, j);
    }
  }

  protected holds(t: SimThread): boolean {
    return t.held.includes(this);
  }

  protected recursion(t: SimThread, op: string): never {
    fail(
      'recursive-lock',
      `${t.label} calls ${op}(${this.name}) while already holding it: a self-deadlock in the kernel`,
    );
  }
}

/** Removes xs[i]; locks are mostly released in reverse order, where no array is allocated. */
function removeAt<T>(xs: T[], i: number): void {
  if (i === xs.length - 1) xs.pop();
  else xs.splice(i, 1);
}

export function names(ts: Iterable<SimThread>): string {
  return [...ts].map((t) => t.label).join(', ') || 'nobody';
}

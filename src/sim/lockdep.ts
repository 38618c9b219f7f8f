import type { Program } from './program.js';
import { current, currentRt, type Runtime } from './runtime.js';
import type { SimThread } from './thread.js';
import { fail } from './violation.js';

/**
 * The lock validator of one run (kernel/locking/lockdep.c, reduced to what ordering bugs
 * need): every acquisition made while other locks are held adds "held → acquired" edges to a
 * dependency graph, and an edge that closes a cycle is reported as `circular-locking`, the
 * way CONFIG_PROVE_LOCKING reports "possible circular locking dependency detected". The
 * point, as in the kernel, is that an ABBA order is reported from two runs' halves that never
 * deadlocked: a run in which neither thread ever waited for the other still shows the cycle.
 *
 * What is kept of lockdep: edges from every held lock (not only the innermost); trylock
 * acquisitions add no edge to themselves (they cannot wait) but order what is taken under
 * them; pseudo-locks (`LockdepMap`: fs_reclaim, mmu_notifier_invalidate_range_start) that
 * stand for a context rather than a lock. What is not: lock classes (a lock's name is its
 * class, so two instances of one kernel class are two classes here and a cross-instance
 * inversion goes unreported), read/recursive-read distinctions (a shared acquisition orders
 * like an exclusive one, which can only add reports, never hide one), irq-safety states.
 *
 * The graph lives for one run: a report must be replayable from the run's token alone, so
 * no dependency is carried over from an earlier run of the search, as the kernel's graph is
 * from earlier in the boot.
 */
export class Lockdep {
  /** lock_list: for each class, the classes taken under it, each with its first witness. */
  private readonly after = new Map<string, Map<string, string>>();
  /** held_locks per thread, outermost first, pseudo-locks included. */
  private readonly held = new Map<SimThread, string[]>();

  acquire(t: SimThread, cls: string, trylock: boolean): void {
    const stack = this.stackOf(t);
    if (!trylock) for (const prev of stack) this.addDependency(t, prev, cls);
    stack.push(cls);
  }

  release(t: SimThread, cls: string): void {
    const stack = this.stackOf(t);
    const i = stack.lastIndexOf(cls);
    if (i >= 0) stack.splice(i, 1);
  }

  /**
   * A dependency learnt before the run (in setup): what the kernel's graph already holds
   * when the run begins, such as an annotation a driver primes at registration
   * (`fs_reclaim → umem_mutex`, 3f5f6321). It must not itself close a cycle.
   */
  learn(prev: string, next: string, witness: string): void {
    if (this.path(next, prev))
      throw new Error(`[mmulab] lockdep.learn(${prev} → ${next}) closes a cycle at setup`);
    this.addEdge(prev, next, witness);
  }

  /** The dependency edges recorded so far, `a → b` with the witness of each (for tests). */
  dependencies(): string[] {
    const out: string[] = [];
    for (const [a, m] of this.after) for (const [b, w] of m) out.push(`${a} → ${b} (${w})`);
    return out;
  }

  private stackOf(t: SimThread): string[] {
    let s = this.held.get(t);
    if (!s) {
      s = [];
      this.held.set(t, s);
    }
    return s;
  }

  /** check_prev_add(): records prev → next unless it exists; fails if next already reaches prev. */
  private addDependency(t: SimThread, prev: string, next: string): void {
    // Taking a lock while holding it is the primitives' recursive-lock; not a dependency.
    if (prev === next) return;
    if (this.after.get(prev)?.has(next)) return;
    const chain = this.path(next, prev);
    if (chain) {
      const witnesses = chain.slice(1).map((to, i) => this.after.get(chain[i]!)!.get(to)!);
      fail(
        'circular-locking',
        `possible circular locking dependency: ${t.label} takes ${next} while holding ${prev}, ` +
          `but ${chain.join(' → ')} already (${witnesses.join('; ')})`,
      );
    }
    this.addEdge(prev, next, `${t.label} took ${next} under ${prev}`);
  }

  private addEdge(prev: string, next: string, witness: string): void {
    let edges = this.after.get(prev);
    if (!edges) {
      edges = new Map();
      this.after.set(prev, edges);
    }
    if (!edges.has(next)) edges.set(next, witness);
  }

  /** Breadth-first: a shortest dependency chain from `from` to `to`, or null. */
  private path(from: string, to: string): string[] | null {
    const parent = new Map<string, string>([[from, from]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const a = queue[i]!;
      if (a === to) {
        const chain = [a];
        for (let x = a; x !== from; ) {
          x = parent.get(x)!;
          chain.unshift(x);
        }
        return chain;
      }
      for (const b of this.after.get(a)?.keys() ?? []) {
        if (!parent.has(b)) {
          parent.set(b, a);
          queue.push(b);
        }
      }
    }
    return null;
  }
}

/**
 * struct lockdep_map without a lock: a context lockdep orders like one (fs_reclaim,
 * mmu_notifier_invalidate_range_start). Its name is its class.
 */
export class LockdepMap {
  constructor(readonly name: string) {}
}

const validators = new WeakMap<Runtime, Lockdep>();
let everEnabled = false;

/**
 * Turns the validator on for a run (call it in a program's setup): a CONFIG_PROVE_LOCKING
 * kernel. Off, every annotation costs one boolean test.
 */
export function enableLockdep(rt: Runtime): Lockdep {
  let v = validators.get(rt);
  if (!v) {
    v = new Lockdep();
    validators.set(rt, v);
    // The lock-order graph a run builds is state no stateKey names.
    rt.markStateOpaque();
    everEnabled = true;
  }
  return v;
}

/** The validator of the run in progress, if it has one. */
export function activeLockdep(): Lockdep | undefined {
  return everEnabled ? validators.get(currentRt()) : undefined;
}

/** lock_map_acquire(): from thread code, not a step. */
export function lockMapAcquire(map: LockdepMap): void {
  activeLockdep()?.acquire(current(), map.name, false);
}

/** lock_map_release() */
export function lockMapRelease(map: LockdepMap): void {
  activeLockdep()?.release(current(), map.name);
}

/**
 * The same program with the validator on in every run (`mmulab explore --lockdep`): what a
 * CONFIG_PROVE_LOCKING kernel would report of it. A program that enables it itself is
 * unchanged (enableLockdep is idempotent).
 */
export function withLockdep(p: Program): Program {
  return {
    name: `${p.name} +lockdep`,
    setup(rt) {
      enableLockdep(rt);
      p.setup(rt);
    },
  };
}

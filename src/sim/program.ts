import type { Runtime } from './runtime.js';

/**
 * What the explorer runs: a setup that builds fresh model state in a runtime and spawns the
 * threads (and invariants) of one run. It runs once per run, so it must not keep state
 * between calls and must be deterministic.
 */
export interface Program {
  readonly name: string;
  setup(rt: Runtime): void;
  /**
   * Every state the threads share lives in SimObjects made by `setup` whose `stateKey` says
   * all of it, and each thread's code keeps nothing but what its steps returned (no closure
   * written by another thread); a `retryLoop` body leaves nothing in the thread's locals but
   * its return value, as `goto retry` code does. A search may then name states and prune a
   * run at a state it has explored (DPOR's state cache, docs/explorer.md). Leave unset when
   * unsure: the search is then stateless.
   */
  readonly closedState?: boolean;
}

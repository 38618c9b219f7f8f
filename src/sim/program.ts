import type { Runtime } from './runtime.js';

/**
 * What the explorer runs: a setup that builds fresh model state in a runtime and spawns the
 * threads (and invariants) of one run. It runs once per run, so it must not keep state
 * between calls and must be deterministic.
 */
export interface Program {
  readonly name: string;
  setup(rt: Runtime): void;
}

/**
 * The violations the runtime itself detects. Invariants (src/check) add their own names; a
 * violation's name is therefore an open string, and these are the reserved ones.
 */
export type RuntimeViolationName =
  | 'thread-exception'
  | 'deadlock'
  | 'livelock'
  | 'sleep-in-atomic'
  | 'unlock-not-held'
  | 'recursive-lock'
  | 'circular-locking'
  | 'lock-held-at-exit'
  | 'step-budget'
  | 'bad-return'
  | 'driver-exception'
  | 'bad-yield';

/** A model failure: data, never an exception escaping the run. */
export interface Violation {
  /** `deadlock`, `sleep-in-atomic`, an invariant's name such as `coherence`, ... */
  readonly name: string;
  /** One line saying what broke, in the kernel's terms. */
  readonly message: string;
  /** Index of the step at which it was detected (0-based, counting scheduled steps). */
  readonly step: number;
  /** Simulated thread that took the step, if any. */
  readonly thread: string | null;
}

/**
 * Thrown inside a step (a primitive's misuse check, an invariant, `fail()` in thread code) to
 * end the run with a violation. The runtime catches it; it never escapes `Runtime.run()`.
 */
export class ViolationSignal {
  constructor(
    readonly name: string,
    readonly message: string,
  ) {}
}

/** Ends the current run with a named violation. Usable from thread code and invariants. */
export function fail(name: string, message: string): never {
  throw new ViolationSignal(name, message);
}

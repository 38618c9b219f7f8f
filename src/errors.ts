/**
 * Caller errors: bad CLI arguments, unknown scenarios, malformed tokens. Each has a stable
 * `code`; the CLI prints the message on one line and exits 2. Model failures are never
 * errors: they are violations (src/sim/violation.ts).
 */
export type MmulabErrorCode =
  | 'MMULAB_BAD_TOKEN'
  | 'MMULAB_TOKEN_MISMATCH'
  | 'MMULAB_BAD_OPTION'
  | 'MMULAB_UNKNOWN_SCENARIO'
  | 'MMULAB_UNKNOWN_BUG'
  | 'MMULAB_UNKNOWN_STRATEGY'
  | 'MMULAB_UNKNOWN_DESIGN'
  | 'MMULAB_BAD_PROGRAM'
  | 'MMULAB_BAD_SCRIPT'
  | 'MMULAB_BAD_FILE'
  | 'MMULAB_BAD_DRIVER'
  | 'MMULAB_BAD_SHARDS'
  | 'MMULAB_BAD_CHECKPOINT';

export class MmulabError extends Error {
  override readonly name = 'MmulabError';
  readonly code: MmulabErrorCode;
  constructor(code: MmulabErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** An inconsistency inside mmulab itself, never the user's fault (loom's convention). */
export function internalBug(message: string): never {
  throw new Error(`[mmulab internal bug] ${message}`);
}

import type { Access } from '../sim/step.js';

/**
 * What a scheduled step is, for styling and filtering: taken from the op names of
 * src/sim/sync (kernel names) and the step's access. Annotations have their own kinds (the
 * note kinds below, and callback enter/exit).
 */
export type StepKind = 'lock' | 'unlock' | 'read' | 'write' | 'rmw' | 'wait' | 'spawn' | 'choose';

/**
 * Note kinds the primary model emits and the renderers style; any other kind is shown as a
 * plain note.
 */
export const KNOWN_NOTE_KINDS = ['pte', 'tlb-flush', 'page-alloc', 'page-free', 'uffd-msg'] as const;

/** How a step changes the locks its thread holds: modes released, then the mode acquired. */
export interface LockEffect {
  readonly acquire: string | null;
  readonly release: readonly string[];
}

const ACQUIRE: Readonly<Record<string, string>> = {
  spin_lock: 'spin',
  spin_trylock: 'spin',
  mutex_lock: 'mutex',
  mutex_trylock: 'mutex',
  read_lock: 'read',
  write_lock: 'write',
  down_read: 'read',
  down_read_trylock: 'read',
  down_write: 'write',
  'down_write (wait)': 'write',
  down_write_recursive: 'write',
  rcu_read_lock: 'rcu',
  srcu_read_lock: 'srcu',
  write_seqcount_begin: 'seq-write',
};

const RELEASE: Readonly<Record<string, string>> = {
  spin_unlock: 'spin',
  mutex_unlock: 'mutex',
  read_unlock: 'read',
  write_unlock: 'write',
  up_read: 'read',
  up_write: 'write',
  up_write_recursive: 'write',
  rcu_read_unlock: 'rcu',
  srcu_read_unlock: 'srcu',
  write_seqcount_end: 'seq-write',
};

/** Steps that block their thread until another acts (the sleeping waits). */
const WAITS = new Set([
  'schedule',
  'wait_for_completion',
  'synchronize_rcu',
  'synchronize_srcu',
  'grace period',
  'join',
  'retry',
  'might_sleep',
]);

export function classifyOp(op: string, access: Access): StepKind {
  if (op in ACQUIRE) return 'lock';
  if (op in RELEASE || op === 'downgrade_write') return 'unlock';
  if (WAITS.has(op)) return 'wait';
  if (op === 'spawn') return 'spawn';
  if (op === 'choose') return 'choose';
  if (access === 'read') return 'read';
  if (access === 'write') return 'write';
  return 'rmw';
}

/**
 * The lock effect of a step, from its op and result. A trylock returning false and a
 * `down_write` that queued behind holders (it returns false; the hold starts at its
 * `down_write (wait)` step) acquire nothing. rcu_read_lock nests: each level is a span.
 */
export function lockEffect(op: string, result: unknown): LockEffect | null {
  if (op === 'downgrade_write') return { acquire: 'read', release: ['write'] };
  const rel = RELEASE[op];
  if (rel) return { acquire: null, release: [rel] };
  const acq = ACQUIRE[op];
  if (!acq) return null;
  if (result === false) return null;
  return { acquire: acq, release: [] };
}

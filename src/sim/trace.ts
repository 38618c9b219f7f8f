import type { Access } from './step.js';
import type { Violation } from './violation.js';

/**
 * What a run reports to an observer, in order. `thread` is the simulated thread's id.
 * Recording costs nothing when no observer is attached: the runtime tests one field.
 */
export type SimEvent =
  | {
      readonly type: 'step';
      readonly index: number;
      readonly thread: number;
      readonly op: string;
      readonly obj: string;
      readonly access: Access;
      readonly text: string;
      /** What the step returned to its thread (a read's value, a trylock's success). */
      readonly result: unknown;
    }
  | { readonly type: 'spawn'; readonly thread: number; readonly name: string; readonly parent: number | null }
  | { readonly type: 'thread-exit'; readonly thread: number }
  | { readonly type: 'enter'; readonly thread: number; readonly label: string }
  | { readonly type: 'exit'; readonly thread: number; readonly label: string }
  | { readonly type: 'note'; readonly thread: number; readonly kind: string; readonly text: string }
  | { readonly type: 'violation'; readonly violation: Violation };

export type SimObserver = (e: SimEvent) => void;

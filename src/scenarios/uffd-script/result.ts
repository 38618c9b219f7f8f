/**
 * The result of running a `.uffd` script (LANGUAGE.md §3-§6): what the oracle prints, as typed
 * values. Field order is the formatter's business (format.ts); these types say what may appear.
 * Byte counts are bytes (the formatter prints pages when they are whole pages); u64 masks are bigint.
 */
import type { Errno } from '../../primary/userfaultfd/errno.js';
import type { ThreadRunOp } from './syntax.js';

/** A rendered address: relative to the name whose slot contains it, else absolute (`@0x...`). */
export type ResultAddress =
  | { readonly mapping: string; readonly page: number; readonly offset: number }
  | { readonly absolute: bigint };

/** `ret` and, exactly when `ret` is -1, `errno`. */
export interface SyscallResult {
  readonly ret: number;
  readonly errno?: Errno;
}

/** The s64 result field of COPY/ZEROPAGE/CONTINUE/POISON/MOVE: a byte count, a negative errno, or never written. */
export type OutField = { readonly bytes: number } | { readonly errno: Errno } | 'unset';

/** A mask the kernel writes back (`uffdio_api.ioctls`, `uffdio_register.ioctls`), or `unset` if it did not. */
export type WrittenMask = bigint | 'unset';

export type PagemapState = '-' | 'P' | 'S';

export interface PagemapEntry {
  readonly state: PagemapState;
  /** Bit 57 of the pagemap entry (uffd-wp). */
  readonly uffdWp: boolean;
}

export type UffdMsgResult =
  | {
      readonly event: 'PAGEFAULT';
      /** UFFD_PAGEFAULT_FLAG_* bits. */
      readonly flags: bigint;
      readonly address: ResultAddress;
      /** `0`, a thread name, `@LINE`, `main`, `T.child` or `other` (LANGUAGE.md §5). */
      readonly ptid: string;
      readonly clean: boolean;
    }
  | { readonly event: 'FORK'; readonly ufd: string; readonly clean: boolean }
  | {
      readonly event: 'REMAP';
      readonly from: ResultAddress;
      readonly to: ResultAddress;
      readonly len: number;
      readonly clean: boolean;
    }
  | {
      readonly event: 'REMOVE' | 'UNMAP';
      readonly start: ResultAddress;
      readonly end: ResultAddress;
      readonly clean: boolean;
    }
  | { readonly event: 'UNKNOWN'; readonly code: number; readonly clean: boolean };

/** One user-mode byte access (touch, and a fork child's access). */
export type AccessResult =
  | { readonly result: 'done'; readonly value?: number }
  | { readonly result: 'SIGBUS' }
  | { readonly result: 'SIGSEGV' };

export interface DoneResult extends SyscallResult {
  readonly result: 'done';
}

export interface KreadResult extends DoneResult {
  /** The byte read, when `ret` is 1. */
  readonly value?: number;
}

export interface MremapResult extends DoneResult {
  /** The new address, on success. */
  readonly addr?: ResultAddress;
}

export type ForkChild =
  | 'blocked'
  | {
      /** The child's exit status, or `signal`. */
      readonly exit: number | 'signal';
      /** What the child reported; null when it reported nothing (`{}`). */
      readonly access: AccessResult | { readonly result: 'done' } | null;
    };

export interface ForkResult extends DoneResult {
  /** Absent when fork failed. */
  readonly child?: ForkChild;
}

export interface ReadMsgResult extends DoneResult {
  /** Present when `ret > 0`. */
  readonly msgs?: readonly UffdMsgResult[];
}

/** What each thread-run op reports when its thread finished. */
export interface ThreadResults {
  readonly touch: AccessResult;
  readonly kwrite: DoneResult;
  readonly kread: KreadResult;
  readonly madvise: DoneResult;
  readonly munmap: DoneResult;
  readonly mremap: MremapResult;
  readonly fork: ForkResult;
  readonly read_msg: ReadMsgResult;
}

interface Head<Op extends string> {
  readonly line: number;
  readonly op: Op;
}

/** A thread-run op's step: started (`async`), still asleep after the wait (`blocked`), or finished. */
export type ThreadRunStepResult = {
  readonly [K in ThreadRunOp]: Head<K> & {
    readonly outcome: { readonly async: string } | 'blocked' | ThreadResults[K];
  };
}[ThreadRunOp];

export type JoinStepResult = {
  readonly [K in ThreadRunOp]: Head<'join'> & {
    readonly thread: string;
    readonly of: K;
    readonly outcome: 'blocked' | ThreadResults[K];
  };
}[ThreadRunOp];

export type PlainSyscallOp =
  | 'uffd'
  | 'close'
  | 'bad_ioctl'
  | 'drop_ptrace'
  | 'mmap'
  | 'reserve'
  | 'mprotect'
  | 'unregister'
  | 'wake'
  | 'writeprotect';

/** The range ioctls with an s64 result field, and that field's name. */
export const OUT_FIELD_OF = {
  copy: 'copy',
  zeropage: 'zeropage',
  continue: 'mapped',
  poison: 'updated',
  move: 'move',
} as const;

export type OutFieldOp = keyof typeof OUT_FIELD_OF;

export type FdinfoStepResult = Head<'fdinfo'> &
  (
    | { readonly result: 'no-fdinfo' }
    | {
        readonly pending: number;
        readonly total: number;
        readonly api: bigint;
        readonly features: bigint;
        readonly ioctls: bigint;
      }
  );

export type WaitStepResult = Head<'wait'> &
  (
    | { readonly result: 'no-fdinfo' }
    | { readonly result: 'ok' | 'timeout'; readonly pending: number; readonly total: number }
  );

export type StepResult =
  | (Head<PlainSyscallOp> & SyscallResult)
  | (Head<'api'> &
      SyscallResult & { readonly api: bigint; readonly features: bigint; readonly ioctls: WrittenMask })
  | (Head<'register'> & SyscallResult & { readonly ioctls: WrittenMask })
  | (Head<OutFieldOp> & SyscallResult & { readonly out: OutField })
  | FdinfoStepResult
  | WaitStepResult
  | (Head<'poll'> & SyscallResult & { readonly revents: number })
  | (Head<'pagemap'> & { readonly pages: readonly PagemapEntry[] })
  | Head<'sleep'>
  | ThreadRunStepResult
  | JoinStepResult;

/** `ok`, `timeout` (the runner's 8 s limit), `crash:<strsignal text>` or `exit:<n>`. */
export type ScriptStatus = 'ok' | 'timeout' | `crash:${string}` | `exit:${number}`;

export interface ScriptResult {
  readonly scenario: string;
  readonly steps: readonly StepResult[];
  readonly status: ScriptStatus;
}

/**
 * The typed form of a `.uffd` script: one step per non-empty line, a discriminated union on `op`.
 * Numbers are the u64 values the oracle parsed (bigint), before any C cast it applies when it uses
 * them (docs/uffd-language-notes.md lists those casts); defaults are already filled in.
 */

/** An address argument: `NAME:P[+B]` (P an i64 page index, B a u64 byte offset) or `@0xHEX`. */
export type ScriptAddress =
  | { readonly kind: 'slot'; readonly mapping: string; readonly page: bigint; readonly offset: bigint }
  | { readonly kind: 'absolute'; readonly address: bigint };

/** A length `pages=N[+B]`: N pages plus B bytes (both u64; the oracle computes N*4096+B mod 2^64). */
export interface ScriptLength {
  readonly pages: bigint;
  readonly bytes: bigint;
}

/** How a thread-run op runs: `async=T` only starts it; otherwise the main thread waits `timeout_ms`. */
export interface ThreadRun {
  readonly async: string | null;
  readonly timeoutMs: bigint;
}

interface Step<Op extends string> {
  readonly op: Op;
  /** Physical line number, 1-based, counting comments and blank lines. */
  readonly line: number;
}

export interface UffdStep extends Step<'uffd'> {
  readonly uffd: string;
  /** The flags passed to the kernel: `flags=` if given, else the words' O_NONBLOCK|O_CLOEXEC|UFFD_USER_MODE_ONLY. */
  readonly flags: bigint;
  /** null: userfaultfd(2). Otherwise /dev/userfaultfd and `_IO(0xAA, nr)`; nr is 0 (USERFAULTFD_IOC_NEW) unless `devnr=`. */
  readonly device: { readonly nr: bigint } | null;
}

export interface ApiStep extends Step<'api'> {
  readonly uffd: string;
  readonly api: bigint;
  readonly features: bigint;
}

export type MmapBacking =
  | { readonly kind: 'anon' }
  | { readonly kind: 'memfd' }
  | { readonly kind: 'alias'; readonly of: string };

export interface MmapStep extends Step<'mmap'> {
  readonly mapping: string;
  readonly pages: bigint;
  readonly backing: MmapBacking;
  /** MAP_SHARED rather than MAP_PRIVATE, as the oracle computes it (an `alias=` alone stays private). */
  readonly shared: boolean;
  /** PROT_READ|PROT_WRITE|PROT_EXEC bits. */
  readonly prot: number;
  /** The memfd is mapped through a read-only re-open (shmem and alias only). */
  readonly roFd: boolean;
}

export interface ReserveStep extends Step<'reserve'> {
  readonly mapping: string;
}

export interface MprotectStep extends Step<'mprotect'> {
  readonly start: ScriptAddress;
  readonly len: ScriptLength;
  readonly prot: number;
}

export interface MunmapStep extends Step<'munmap'> {
  readonly start: ScriptAddress;
  readonly len: ScriptLength;
  readonly run: ThreadRun;
}

export interface MadviseStep extends Step<'madvise'> {
  readonly start: ScriptAddress;
  readonly len: ScriptLength;
  readonly advice: bigint;
  readonly run: ThreadRun;
}

export interface MremapStep extends Step<'mremap'> {
  readonly start: ScriptAddress;
  readonly len: ScriptLength;
  /** `newpages=`, defaulting to `pages=`. */
  readonly newLen: ScriptLength;
  /** With a target: MREMAP_MAYMOVE|MREMAP_FIXED; the oracle treats a target resolving to 0 as none. */
  readonly to: ScriptAddress | null;
  readonly run: ThreadRun;
}

export interface ForkStep extends Step<'fork'> {
  readonly child: { readonly access: 'read' | 'write'; readonly address: ScriptAddress } | null;
  readonly childTimeoutMs: bigint;
  readonly run: ThreadRun;
}

export interface TouchStep extends Step<'touch'> {
  readonly address: ScriptAddress;
  /** `write` wins when both words are present. */
  readonly access: 'read' | 'write';
  readonly value: bigint;
  readonly run: ThreadRun;
}

export interface KwriteStep extends Step<'kwrite'> {
  readonly address: ScriptAddress;
  readonly run: ThreadRun;
}

export interface KreadStep extends Step<'kread'> {
  readonly address: ScriptAddress;
  readonly run: ThreadRun;
}

export interface JoinStep extends Step<'join'> {
  readonly thread: string;
  readonly timeoutMs: bigint;
}

export interface ReadMsgStep extends Step<'read_msg'> {
  readonly uffd: string;
  readonly waitMs: bigint;
  readonly max: bigint;
  /** `bytes=`; null (or 0) means 32*max. The buffer is capped at 2048 bytes. */
  readonly bytes: bigint | null;
  readonly bind: string | null;
  readonly run: ThreadRun;
}

export interface PollStep extends Step<'poll'> {
  readonly uffd: string;
  readonly waitMs: bigint;
}

interface RangeStep<Op extends string> extends Step<Op> {
  readonly uffd: string;
  readonly start: ScriptAddress;
  readonly len: ScriptLength;
}

export interface RegisterStep extends RangeStep<'register'> {
  readonly mode: bigint;
}
export type UnregisterStep = RangeStep<'unregister'>;
export type WakeStep = RangeStep<'wake'>;

export type CopySource =
  | { readonly kind: 'buffer'; readonly fill: bigint }
  | { readonly kind: 'address'; readonly address: ScriptAddress };

export interface CopyStep extends RangeStep<'copy'> {
  readonly mode: bigint;
  readonly src: CopySource;
}
export interface ZeropageStep extends RangeStep<'zeropage'> {
  readonly mode: bigint;
}
export interface WriteprotectStep extends RangeStep<'writeprotect'> {
  readonly mode: bigint;
}
export interface ContinueStep extends RangeStep<'continue'> {
  readonly mode: bigint;
}
export interface PoisonStep extends RangeStep<'poison'> {
  readonly mode: bigint;
}
export interface MoveStep extends RangeStep<'move'> {
  readonly src: ScriptAddress;
  readonly mode: bigint;
}

export interface CloseStep extends Step<'close'> {
  readonly uffd: string;
}

export interface FdinfoStep extends Step<'fdinfo'> {
  readonly uffd: string;
}

export interface WaitStep extends Step<'wait'> {
  readonly uffd: string;
  readonly pending: bigint | null;
  readonly total: bigint | null;
  readonly waitMs: bigint;
}

export interface PagemapStep extends Step<'pagemap'> {
  readonly address: ScriptAddress;
  readonly pages: bigint;
}

export interface BadIoctlStep extends Step<'bad_ioctl'> {
  readonly uffd: string;
  readonly nr: bigint;
}

export interface SleepStep extends Step<'sleep'> {
  readonly ms: bigint;
}

export type DropPtraceStep = Step<'drop_ptrace'>;

export type ScriptStep =
  | UffdStep
  | ApiStep
  | MmapStep
  | ReserveStep
  | MprotectStep
  | MunmapStep
  | MadviseStep
  | MremapStep
  | ForkStep
  | TouchStep
  | KwriteStep
  | KreadStep
  | JoinStep
  | ReadMsgStep
  | PollStep
  | RegisterStep
  | UnregisterStep
  | WakeStep
  | CopyStep
  | ZeropageStep
  | WriteprotectStep
  | ContinueStep
  | PoisonStep
  | MoveStep
  | CloseStep
  | FdinfoStep
  | WaitStep
  | PagemapStep
  | BadIoctlStep
  | SleepStep
  | DropPtraceStep;

export interface UffdScript {
  /** The path as given; error messages start with it. */
  readonly path: string;
  /** The scenario name: the file name without a final `.uffd`. */
  readonly name: string;
  readonly steps: readonly ScriptStep[];
}

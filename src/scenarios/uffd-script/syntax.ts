/**
 * The vocabulary of the `.uffd` language (LANGUAGE.md §1, §4), as uffd_oracle.c's tables have it:
 * per op the allowed `key=` keys, bare words and number of positional arguments, and the symbolic
 * names of flag values.
 */

interface OpSyntax {
  readonly keys: readonly string[];
  readonly words: readonly string[];
  readonly positionals: 0 | 1 | 2;
}

/** uffd_oracle.c `opdefs`. */
export const OP_SYNTAX = {
  uffd: { keys: ['flags', 'devnr'], words: ['nonblock', 'cloexec', 'user_mode_only', 'dev'], positionals: 1 },
  api: { keys: ['api', 'features'], words: [], positionals: 1 },
  mmap: {
    keys: ['pages', 'prot', 'alias'],
    words: ['anon', 'shmem', 'private', 'shared', 'ro_fd'],
    positionals: 1,
  },
  reserve: { keys: [], words: [], positionals: 1 },
  munmap: { keys: ['pages', 'async', 'timeout_ms'], words: [], positionals: 1 },
  madvise: { keys: ['pages', 'advice', 'async', 'timeout_ms'], words: [], positionals: 1 },
  mremap: { keys: ['pages', 'newpages', 'to', 'async', 'timeout_ms'], words: [], positionals: 1 },
  mprotect: { keys: ['pages', 'prot'], words: [], positionals: 1 },
  fork: { keys: ['child', 'async', 'timeout_ms', 'child_timeout_ms'], words: [], positionals: 0 },
  touch: { keys: ['value', 'async', 'timeout_ms'], words: ['read', 'write'], positionals: 1 },
  kwrite: { keys: ['async', 'timeout_ms'], words: [], positionals: 1 },
  kread: { keys: ['async', 'timeout_ms'], words: [], positionals: 1 },
  join: { keys: ['timeout_ms'], words: [], positionals: 1 },
  read_msg: { keys: ['wait_ms', 'max', 'bytes', 'bind', 'async', 'timeout_ms'], words: [], positionals: 1 },
  poll: { keys: ['wait_ms'], words: [], positionals: 1 },
  register: { keys: ['pages', 'mode'], words: [], positionals: 2 },
  unregister: { keys: ['pages'], words: [], positionals: 2 },
  copy: { keys: ['pages', 'mode', 'src', 'fill'], words: [], positionals: 2 },
  zeropage: { keys: ['pages', 'mode'], words: [], positionals: 2 },
  wake: { keys: ['pages'], words: [], positionals: 2 },
  writeprotect: { keys: ['pages', 'mode'], words: [], positionals: 2 },
  continue: { keys: ['pages', 'mode'], words: [], positionals: 2 },
  poison: { keys: ['pages', 'mode'], words: [], positionals: 2 },
  move: { keys: ['pages', 'mode', 'from'], words: [], positionals: 2 },
  close: { keys: [], words: [], positionals: 1 },
  fdinfo: { keys: [], words: [], positionals: 1 },
  wait: { keys: ['pending', 'total', 'wait_ms'], words: [], positionals: 1 },
  pagemap: { keys: ['pages'], words: [], positionals: 1 },
  bad_ioctl: { keys: ['nr'], words: [], positionals: 1 },
  sleep: { keys: ['ms'], words: [], positionals: 0 },
  drop_ptrace: { keys: [], words: [], positionals: 0 },
} as const satisfies Record<string, OpSyntax>;

export type UffdScriptOp = keyof typeof OP_SYNTAX;

export function isUffdScriptOp(s: string): s is UffdScriptOp {
  return Object.hasOwn(OP_SYNTAX, s);
}

/** Ops that run in a helper thread (LANGUAGE.md §3), in uffd_oracle.c's `tkind_op` order. */
export const THREAD_RUN_OPS = [
  'touch',
  'kwrite',
  'kread',
  'madvise',
  'munmap',
  'mremap',
  'fork',
  'read_msg',
] as const;

export type ThreadRunOp = (typeof THREAD_RUN_OPS)[number];

export function isThreadRunOp(s: string): s is ThreadRunOp {
  return (THREAD_RUN_OPS as readonly string[]).includes(s);
}

/** Ops whose first positional names a uffd handle. */
export const UFFD_HANDLE_OPS: readonly UffdScriptOp[] = [
  'api',
  'register',
  'unregister',
  'copy',
  'zeropage',
  'wake',
  'writeprotect',
  'continue',
  'poison',
  'move',
  'close',
  'fdinfo',
  'wait',
  'read_msg',
  'poll',
  'bad_ioctl',
];

/** Range ioctl ops: `OP U A pages=N[+B]`. */
export const RANGE_OPS = [
  'register',
  'unregister',
  'copy',
  'zeropage',
  'wake',
  'writeprotect',
  'continue',
  'poison',
  'move',
] as const;

export type RangeOp = (typeof RANGE_OPS)[number];

/** A symbolic flag table: script name to value, in the order the oracle renders them. */
export type FlagTable = readonly (readonly [string, bigint])[];

/** `features=` names: UFFD_FEATURE_* without the prefix (include/uapi/linux/userfaultfd.h). */
export const FEATURE_NAMES: FlagTable = [
  ['PAGEFAULT_FLAG_WP', 1n << 0n],
  ['EVENT_FORK', 1n << 1n],
  ['EVENT_REMAP', 1n << 2n],
  ['EVENT_REMOVE', 1n << 3n],
  ['MISSING_HUGETLBFS', 1n << 4n],
  ['MISSING_SHMEM', 1n << 5n],
  ['EVENT_UNMAP', 1n << 6n],
  ['SIGBUS', 1n << 7n],
  ['THREAD_ID', 1n << 8n],
  ['MINOR_HUGETLBFS', 1n << 9n],
  ['MINOR_SHMEM', 1n << 10n],
  ['EXACT_ADDRESS', 1n << 11n],
  ['WP_HUGETLBFS_SHMEM', 1n << 12n],
  ['WP_UNPOPULATED', 1n << 13n],
  ['POISON', 1n << 14n],
  ['WP_ASYNC', 1n << 15n],
  ['MOVE', 1n << 16n],
];

/** `mode=` names per range op: the UFFDIO_*_MODE_* bits without their prefix. */
export const MODE_NAMES: Readonly<Partial<Record<RangeOp, FlagTable>>> = {
  register: [
    ['MISSING', 1n],
    ['WP', 2n],
    ['MINOR', 4n],
  ],
  copy: [
    ['DONTWAKE', 1n],
    ['WP', 2n],
  ],
  zeropage: [['DONTWAKE', 1n]],
  writeprotect: [
    ['WP', 1n],
    ['DONTWAKE', 2n],
  ],
  continue: [
    ['DONTWAKE', 1n],
    ['WP', 2n],
  ],
  poison: [['DONTWAKE', 1n]],
  move: [
    ['DONTWAKE', 1n],
    ['ALLOW_SRC_HOLES', 2n],
  ],
};

/** `advice=` names: MADV_* without the prefix (include/uapi/asm-generic/mman-common.h). */
export const ADVICE_NAMES: FlagTable = [
  ['NORMAL', 0n],
  ['RANDOM', 1n],
  ['SEQUENTIAL', 2n],
  ['WILLNEED', 3n],
  ['DONTNEED', 4n],
  ['FREE', 8n],
  ['REMOVE', 9n],
  ['DONTFORK', 10n],
  ['DOFORK', 11n],
  ['COLD', 20n],
  ['PAGEOUT', 21n],
  ['POPULATE_READ', 22n],
  ['POPULATE_WRITE', 23n],
  ['DONTNEED_LOCKED', 24n],
];

/** x86-64 values of the open(2) flags the `uffd` words stand for (include/uapi/asm-generic/fcntl.h). */
export const O_NONBLOCK = 0o4000n;
export const O_CLOEXEC = 0o2000000n;

/** include/uapi/asm-generic/mman-common.h `PROT_*`. */
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;

/** Limits of the language (LANGUAGE.md §1, §2; uffd_oracle.c MAXNAME, MAXMAP, MAXTASK, MAXTOK). */
export const MAX_NAME_LENGTH = 31;
export const MAX_MAPPINGS = 40;
export const MAX_THREAD_RUN_OPS = 48;
export const MAX_TOKENS_PER_LINE = 24;
export const MAX_MMAP_PAGES = 80;

/** The slot layout of §2: a slot of 128 pages, `NAME:0` its page 32. */
export const SLOT_PAGES = 128;
export const SLOT_HEAD_PAGES = 32;

/** The page size the results were recorded with (x86-64). */
export const UFFD_SCRIPT_PAGE_SIZE = 4096;

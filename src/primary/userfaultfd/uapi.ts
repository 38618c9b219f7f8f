/**
 * The userfaultfd ABI in the kernel's names: include/uapi/linux/userfaultfd.h as of Linux 6.18
 * (x86-64). Every u64 field of the uapi structs is a bigint here; `uffd_msg.event` (a u8) and
 * ioctl numbers are numbers. The values were checked against the header and against what the
 * live 6.18 kernel returned to uffd_oracle (test/fixtures/uffd/kernel-6.18.jsonl).
 */

export { ERRNO, type Errno, type ErrnoName, errnoName, errnoNumber, isErrnoName } from './errno.js';

/** include/uapi/linux/userfaultfd.h: `UFFD_API`, the only API version there has ever been. */
export const UFFD_API = 0xaan;

/** include/uapi/linux/userfaultfd.h: the ioctl type of every UFFDIO_* request. */
export const UFFDIO = 0xaa;

/** include/uapi/linux/userfaultfd.h: `USERFAULTFD_IOC` and `USERFAULTFD_IOC_NEW` of /dev/userfaultfd (6.1). */
export const USERFAULTFD_IOC = 0xaa;
export const USERFAULTFD_IOC_NEW = 0xaa00;

/** include/uapi/linux/userfaultfd.h: `UFFD_USER_MODE_ONLY`, a userfaultfd(2) flag (5.11). */
export const UFFD_USER_MODE_ONLY = 1;

/** include/uapi/linux/userfaultfd.h: `UFFD_FEATURE_*` bits of `uffdio_api.features`. */
export const UFFD_FEATURE = {
  UFFD_FEATURE_PAGEFAULT_FLAG_WP: 1n << 0n,
  UFFD_FEATURE_EVENT_FORK: 1n << 1n,
  UFFD_FEATURE_EVENT_REMAP: 1n << 2n,
  UFFD_FEATURE_EVENT_REMOVE: 1n << 3n,
  UFFD_FEATURE_MISSING_HUGETLBFS: 1n << 4n,
  UFFD_FEATURE_MISSING_SHMEM: 1n << 5n,
  UFFD_FEATURE_EVENT_UNMAP: 1n << 6n,
  UFFD_FEATURE_SIGBUS: 1n << 7n,
  UFFD_FEATURE_THREAD_ID: 1n << 8n,
  UFFD_FEATURE_MINOR_HUGETLBFS: 1n << 9n,
  UFFD_FEATURE_MINOR_SHMEM: 1n << 10n,
  UFFD_FEATURE_EXACT_ADDRESS: 1n << 11n,
  UFFD_FEATURE_WP_HUGETLBFS_SHMEM: 1n << 12n,
  UFFD_FEATURE_WP_UNPOPULATED: 1n << 13n,
  UFFD_FEATURE_POISON: 1n << 14n,
  UFFD_FEATURE_WP_ASYNC: 1n << 15n,
  UFFD_FEATURE_MOVE: 1n << 16n,
} as const;

export type UffdFeature = keyof typeof UFFD_FEATURE;

/**
 * include/uapi/linux/userfaultfd.h: `UFFD_API_FEATURES`. Every bit above: the set 6.18 on x86-64
 * reports in `uffdio_api.features` (0x1ffff, api_all_features and every api_feature_bit*).
 */
export const UFFD_API_FEATURES: bigint = Object.values(UFFD_FEATURE).reduce((a, b) => a | b, 0n);

/**
 * fs/userfaultfd.c: `UFFD_FEATURE_INITIALIZED`, the context-internal marker set by a successful
 * UFFDIO_API; not uapi, but visible as bit 31 of the features in /proc/PID/fdinfo.
 */
export const UFFD_FEATURE_INITIALIZED = 1n << 31n;

/** include/uapi/linux/userfaultfd.h: the `_UFFDIO_*` ioctl numbers, also the bit indexes of the ioctl masks. */
export const _UFFDIO = {
  _UFFDIO_REGISTER: 0x00,
  _UFFDIO_UNREGISTER: 0x01,
  _UFFDIO_WAKE: 0x02,
  _UFFDIO_COPY: 0x03,
  _UFFDIO_ZEROPAGE: 0x04,
  _UFFDIO_MOVE: 0x05,
  _UFFDIO_WRITEPROTECT: 0x06,
  _UFFDIO_CONTINUE: 0x07,
  _UFFDIO_POISON: 0x08,
  _UFFDIO_API: 0x3f,
} as const;

export type UffdioNr = keyof typeof _UFFDIO;

/** The bit of an ioctl in the masks UFFDIO_API and UFFDIO_REGISTER return: `(__u64)1 << _UFFDIO_*`. */
export function uffdioBit(nr: UffdioNr): bigint {
  return 1n << BigInt(_UFFDIO[nr]);
}

/** include/uapi/linux/userfaultfd.h: `UFFD_API_IOCTLS`, returned by UFFDIO_API (0x8000000000000003). */
export const UFFD_API_IOCTLS: bigint =
  uffdioBit('_UFFDIO_REGISTER') | uffdioBit('_UFFDIO_UNREGISTER') | uffdioBit('_UFFDIO_API');

/** include/uapi/linux/userfaultfd.h: `UFFD_API_RANGE_IOCTLS` (0x1fc). */
export const UFFD_API_RANGE_IOCTLS: bigint =
  uffdioBit('_UFFDIO_WAKE') |
  uffdioBit('_UFFDIO_COPY') |
  uffdioBit('_UFFDIO_ZEROPAGE') |
  uffdioBit('_UFFDIO_MOVE') |
  uffdioBit('_UFFDIO_WRITEPROTECT') |
  uffdioBit('_UFFDIO_CONTINUE') |
  uffdioBit('_UFFDIO_POISON');

/** include/uapi/linux/userfaultfd.h: `UFFD_API_RANGE_IOCTLS_BASIC`, the hugetlb range mask (no ZEROPAGE, no MOVE). */
export const UFFD_API_RANGE_IOCTLS_BASIC: bigint =
  uffdioBit('_UFFDIO_WAKE') |
  uffdioBit('_UFFDIO_COPY') |
  uffdioBit('_UFFDIO_WRITEPROTECT') |
  uffdioBit('_UFFDIO_CONTINUE') |
  uffdioBit('_UFFDIO_POISON');

/** The uapi structs behind the requests, with their x86-64 sizes in bytes (the `size` of `_IOC`). */
export const UFFDIO_STRUCT_SIZE = {
  uffdio_api: 24,
  uffdio_range: 16,
  uffdio_register: 32,
  uffdio_copy: 40,
  uffdio_zeropage: 32,
  uffdio_move: 40,
  uffdio_writeprotect: 24,
  uffdio_continue: 32,
  uffdio_poison: 32,
} as const;

/** include/uapi/asm-generic/ioctl.h: `_IOC(dir, type, nr, size)`; dir 0 none, 1 write, 2 read, 3 both. */
export function ioc(dir: 0 | 1 | 2 | 3, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}

/**
 * include/uapi/linux/userfaultfd.h: the full request codes. UNREGISTER and WAKE are `_IOR` although
 * the kernel reads the struct (the header's own note).
 */
export const UFFDIO_IOCTL = {
  UFFDIO_REGISTER: ioc(3, UFFDIO, _UFFDIO._UFFDIO_REGISTER, UFFDIO_STRUCT_SIZE.uffdio_register),
  UFFDIO_UNREGISTER: ioc(2, UFFDIO, _UFFDIO._UFFDIO_UNREGISTER, UFFDIO_STRUCT_SIZE.uffdio_range),
  UFFDIO_WAKE: ioc(2, UFFDIO, _UFFDIO._UFFDIO_WAKE, UFFDIO_STRUCT_SIZE.uffdio_range),
  UFFDIO_COPY: ioc(3, UFFDIO, _UFFDIO._UFFDIO_COPY, UFFDIO_STRUCT_SIZE.uffdio_copy),
  UFFDIO_ZEROPAGE: ioc(3, UFFDIO, _UFFDIO._UFFDIO_ZEROPAGE, UFFDIO_STRUCT_SIZE.uffdio_zeropage),
  UFFDIO_MOVE: ioc(3, UFFDIO, _UFFDIO._UFFDIO_MOVE, UFFDIO_STRUCT_SIZE.uffdio_move),
  UFFDIO_WRITEPROTECT: ioc(3, UFFDIO, _UFFDIO._UFFDIO_WRITEPROTECT, UFFDIO_STRUCT_SIZE.uffdio_writeprotect),
  UFFDIO_CONTINUE: ioc(3, UFFDIO, _UFFDIO._UFFDIO_CONTINUE, UFFDIO_STRUCT_SIZE.uffdio_continue),
  UFFDIO_POISON: ioc(3, UFFDIO, _UFFDIO._UFFDIO_POISON, UFFDIO_STRUCT_SIZE.uffdio_poison),
  UFFDIO_API: ioc(3, UFFDIO, _UFFDIO._UFFDIO_API, UFFDIO_STRUCT_SIZE.uffdio_api),
} as const;

export type UffdioIoctl = keyof typeof UFFDIO_IOCTL;

/** include/uapi/linux/userfaultfd.h: `UFFDIO_REGISTER_MODE_*` of `uffdio_register.mode`. */
export const UFFDIO_REGISTER_MODE = {
  UFFDIO_REGISTER_MODE_MISSING: 1n << 0n,
  UFFDIO_REGISTER_MODE_WP: 1n << 1n,
  UFFDIO_REGISTER_MODE_MINOR: 1n << 2n,
} as const;

/** include/uapi/linux/userfaultfd.h: `UFFD_API_REGISTER_MODES`. */
export const UFFD_API_REGISTER_MODES = 0x7n;

/** include/uapi/linux/userfaultfd.h: `UFFDIO_COPY_MODE_*`. */
export const UFFDIO_COPY_MODE = {
  UFFDIO_COPY_MODE_DONTWAKE: 1n << 0n,
  UFFDIO_COPY_MODE_WP: 1n << 1n,
} as const;

/** include/uapi/linux/userfaultfd.h: `UFFDIO_ZEROPAGE_MODE_*`. */
export const UFFDIO_ZEROPAGE_MODE = {
  UFFDIO_ZEROPAGE_MODE_DONTWAKE: 1n << 0n,
} as const;

/** include/uapi/linux/userfaultfd.h: `UFFDIO_WRITEPROTECT_MODE_*`. */
export const UFFDIO_WRITEPROTECT_MODE = {
  UFFDIO_WRITEPROTECT_MODE_WP: 1n << 0n,
  UFFDIO_WRITEPROTECT_MODE_DONTWAKE: 1n << 1n,
} as const;

/** include/uapi/linux/userfaultfd.h: `UFFDIO_CONTINUE_MODE_*` (WP since 6.4). */
export const UFFDIO_CONTINUE_MODE = {
  UFFDIO_CONTINUE_MODE_DONTWAKE: 1n << 0n,
  UFFDIO_CONTINUE_MODE_WP: 1n << 1n,
} as const;

/** include/uapi/linux/userfaultfd.h: `UFFDIO_POISON_MODE_*` (6.6). */
export const UFFDIO_POISON_MODE = {
  UFFDIO_POISON_MODE_DONTWAKE: 1n << 0n,
} as const;

/** include/uapi/linux/userfaultfd.h: `UFFDIO_MOVE_MODE_*` (6.8). */
export const UFFDIO_MOVE_MODE = {
  UFFDIO_MOVE_MODE_DONTWAKE: 1n << 0n,
  UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES: 1n << 1n,
} as const;

/** include/uapi/linux/userfaultfd.h: `UFFD_EVENT_*`, the `uffd_msg.event` byte (from 0x12, so a zeroed message is no event). */
export const UFFD_EVENT = {
  UFFD_EVENT_PAGEFAULT: 0x12,
  UFFD_EVENT_FORK: 0x13,
  UFFD_EVENT_REMAP: 0x14,
  UFFD_EVENT_REMOVE: 0x15,
  UFFD_EVENT_UNMAP: 0x16,
} as const;

export type UffdEvent = keyof typeof UFFD_EVENT;

/** include/uapi/linux/userfaultfd.h: `UFFD_PAGEFAULT_FLAG_*` of `uffd_msg.arg.pagefault.flags`. */
export const UFFD_PAGEFAULT_FLAG = {
  UFFD_PAGEFAULT_FLAG_WRITE: 1n << 0n,
  UFFD_PAGEFAULT_FLAG_WP: 1n << 1n,
  UFFD_PAGEFAULT_FLAG_MINOR: 1n << 2n,
} as const;

/** include/uapi/linux/userfaultfd.h: `sizeof(struct uffd_msg)`, packed. */
export const UFFD_MSG_SIZE = 32;

/**
 * Error numbers the userfaultfd paths and the `.uffd` oracle name, with their x86-64 values.
 * Source: include/uapi/asm-generic/errno-base.h and include/uapi/asm-generic/errno.h
 * (EHWPOISON is 133 there). The set and its order are those of uffd_oracle.c's errno table:
 * a number outside it is rendered `E<n>`.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ESPIPE: 29,
  EPIPE: 32,
  ERANGE: 34,
  ENOSYS: 38,
  EOPNOTSUPP: 95,
  EHWPOISON: 133,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** An errno as results print it: a known name, or `E<n>` for a number without one. */
export type Errno = ErrnoName | `E${number}`;

const errnoNames = new Map<number, ErrnoName>(
  (Object.keys(ERRNO) as ErrnoName[]).map((name) => [ERRNO[name], name]),
);

export function errnoName(errno: number): Errno {
  return errnoNames.get(errno) ?? `E${errno}`;
}

export function isErrnoName(s: string): s is ErrnoName {
  return Object.hasOwn(ERRNO, s);
}

/** The number behind a printed errno, or undefined if the text is not one. */
export function errnoNumber(errno: string): number | undefined {
  if (isErrnoName(errno)) return ERRNO[errno];
  const m = /^E(-?[0-9]+)$/.exec(errno);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return errnoNames.has(n) ? undefined : n;
}

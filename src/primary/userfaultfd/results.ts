/** What the model's syscalls return: the C return value and errno, and the s64 out-fields. */
import type { ErrnoName } from './errno.js';

export interface SysRet {
  readonly ret: number;
  readonly errno?: ErrnoName;
}

export const OK: SysRet = { ret: 0 };

export function fail(errno: ErrnoName): SysRet {
  return { ret: -1, errno };
}

/** An s64 field the kernel writes back (`copy`, `zeropage`, `mapped`, `updated`, `move`): bytes or -errno; `unset` if never written. */
export type S64Out = { readonly bytes: bigint } | { readonly errno: ErrnoName } | 'unset';

export interface RangeRet extends SysRet {
  readonly out: S64Out;
}
